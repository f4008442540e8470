// Acting on a linked network (SPEC §3, §4): Pinterest boards followed to the
// last bookmark page and cached; Business Profile updates with every field's
// validation, the exact updateMask, Google's refusals passed back, and the
// 5-edits-per-field rolling window — including under concurrent requests.
// All through the real binary and the sandbox.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, secrets, dbQuery, dbExec } from './lib/harness.mjs';
import { Sandbox } from './lib/sandbox.mjs';
import { linkAs } from './lib/browser.mjs';

let sb, srv, acct;

async function profile() {
  const r = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title: `p-${Math.random().toString(36).slice(2)}` } });
  assert.equal(r.status, 200, r.text);
  secrets.add(r.json.profileKey);
  return r.json;
}

async function linked(platform, login) {
  const p = await profile();
  await linkAs(srv, acct.apiKey, p.profileKey, platform, login);
  return p;
}

const boards = (p) => srv.api('/api/user/details/pinterest', { key: acct.apiKey, profileKey: p.profileKey });
const patch = (p, body, platform = 'gbp') => srv.api(`/api/user/${platform}`, { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body });

const query = (sql) => dbQuery(srv.data, sql);

// The Business Profile location linked to profile p ("locations/<id>").
const locationOf = (p) => JSON.parse(query(`SELECT extra FROM linked_accounts WHERE platform = 'gmb' AND profile_id = (SELECT id FROM profiles WHERE ref_id = '${p.refId}')`)).location;

before(async () => {
  sb = await new Sandbox().start();
  srv = new Server({ args: ['--sandbox', sb.url, '--network-timeout-ms', '1000'] });
  await srv.start();
  acct = srv.account('business');
});

after(async () => {
  await srv?.stop();
  await sb?.stop();
});

describe('GET /api/user/details/pinterest', () => {
  test('600 boards: every bookmark page of 250 followed, the seed shape, cached 60 s', async () => {
    const p = await linked('pinterest', 'pin-boards600');
    await sb.clearCalls();
    const r = await boards(p);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['pinterest']);
    const list = r.json.pinterest;
    assert.equal(list.length, 600);
    assert.equal(new Set(list.map((b) => b.id)).size, 600, 'no board twice');
    for (const b of list) {
      assert.deepEqual(Object.keys(b), ['privacy', 'owner', 'id', 'name', 'description']);
      assert.match(b.privacy, /^(PUBLIC|SECRET|PROTECTED)$/);
      assert.equal(typeof b.owner.username, 'string');
      assert.equal(typeof b.description, 'string');
    }
    const pages = (await sb.calls('pinterest')).filter((c) => c.path.endsWith('/boards'));
    assert.equal(pages.length, 3);
    for (const c of pages) assert.equal(c.query.page_size, '250');
    assert.equal(pages[0].query.bookmark, undefined);
    assert.ok(pages[1].query.bookmark && pages[2].query.bookmark);
    const again = await boards(p);
    assert.equal(again.text, r.text);
    assert.equal((await sb.calls('pinterest')).filter((c) => c.path.endsWith('/boards')).length, 3, 'cached');
  });

  test('no boards: an empty list', async () => {
    const p = await linked('pinterest', 'pin-boards0');
    const r = await boards(p);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { pinterest: [] });
  });

  test('not linked 156, another platform 600, a plan without it 620', async () => {
    const p = await profile();
    assertError(await boards(p), 400, 156);
    const q = await linked('pinterest', 'pin-plat');
    const other = await srv.api('/api/user/details/twitter', { key: acct.apiKey, profileKey: q.profileKey });
    assertError(other, 400, 600);
    assert.equal(other.json.details.field, 'platform');
    const free = srv.account('free');
    assertError(await srv.api('/api/user/details/pinterest', { key: free.apiKey }), 403, 620);
  });

  test('network failures: 5xx 630, garbage 630, slow 631, revoked 632', async () => {
    const p = await linked('pinterest', 'pin-fail');
    await sb.fault({ network: 'pinterest', path: '/boards', status: 503 });
    let r = await boards(p);
    assertError(r, 502, 630);
    assert.equal(r.json.details.platform, 'pinterest');
    assert.equal(r.json.details.status, 503);
    await sb.fault({ network: 'pinterest', path: '/boards', garbage: true });
    assertError(await boards(p), 502, 630);
    await sb.fault({ network: 'pinterest', path: '/boards', delayMs: 2500 });
    assertError(await boards(p), 504, 631);
    await sb.clearFaults();
    await sb.fault({ revoke: { network: 'pinterest', login: 'pin-fail' } });
    r = await boards(p);
    assertError(r, 400, 632);
    // A failure caches nothing: the next success is fresh.
    const q = await linked('pinterest', 'pin-fail2');
    await sb.fault({ network: 'pinterest', path: '/boards', status: 500 });
    assertError(await boards(q), 502, 630);
    assert.equal((await boards(q)).json.pinterest.length, 3);
  });
});

describe('PATCH /api/user/gbp', () => {
  test('every field: one PATCH with exactly their updateMask; the answer is Google\'s location under gmb', async () => {
    const p = await linked('gmb', 'gbp-all-locations1');
    await sb.clearCalls();
    const body = {
      phoneNumbers: { primaryPhone: '212-123-4567', additionalPhones: ['(212) 432-2342'] },
      adPhone: '+1 212 555 0100',
      storeCode: 'store-17',
      title: 'Acme Coffee',
      websiteUrl: 'https://acme.example/coffee',
      labels: ['vip', 'downtown'],
      latlng: { latitude: 40.7128, longitude: -74.006 },
      profile: { description: 'Fresh coffee & pastries.' },
      ignored: 'unknown fields are ignored',
    };
    const r = await patch(p, body);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.gmb.status, 'success');
    const d = r.json.gmb.data;
    assert.match(d.name, /^locations\/\d+$/);
    assert.equal(d.title, 'Acme Coffee');
    assert.equal(d.storeCode, 'store-17');
    assert.equal(d.websiteUri, 'https://acme.example/coffee');
    assert.deepEqual(d.labels, ['vip', 'downtown']);
    assert.deepEqual(d.latlng, { latitude: 40.7128, longitude: -74.006 });
    assert.equal(d.profile.description, 'Fresh coffee & pastries.');
    assert.equal(d.adWordsLocationExtensions.adPhone, '+1 212 555 0100');
    assert.equal(d.phoneNumbers.primaryPhone, '212-123-4567');
    const calls = (await sb.calls('gmb')).filter((c) => c.method === 'PATCH');
    assert.equal(calls.length, 1);
    const mask = calls[0].query.updateMask.split(',');
    assert.deepEqual(mask.sort(), ['adWordsLocationExtensions.adPhone', 'labels', 'latlng', 'phoneNumbers',
      'profile.description', 'storeCode', 'title', 'websiteUri']);
    // The location kept the changes: read it again through a second update.
    const t = await patch(p, { websiteUri: 'http://acme.example/' }, 'gmb');
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.gmb.data.title, 'Acme Coffee');
    assert.equal(t.json.gmb.data.websiteUri, 'http://acme.example/');
    const last = (await sb.calls('gmb')).filter((c) => c.method === 'PATCH').pop();
    assert.equal(last.query.updateMask, 'websiteUri');
  });

  test('every bad field is reported at once, and nothing is sent', async () => {
    const p = await linked('gmb', 'gbp-bad-locations1');
    await sb.clearCalls();
    const r = await patch(p, {
      name: 'locations/1',
      phoneNumbers: { primaryPhone: 'call me', additionalPhones: ['1', '2', '3'] },
      adPhone: 'x',
      storeCode: 's'.repeat(65),
      title: '',
      websiteUrl: 'ftp://acme.example',
      labels: Array.from({ length: 11 }, (_, i) => `l${i}`),
      latlng: { latitude: 91, longitude: -181 },
      profile: { description: 'd'.repeat(751) },
    });
    assertError(r, 400, 600);
    const fields = r.json.details.fields.map((f) => f.field);
    for (const f of ['name', 'phoneNumbers.primaryPhone', 'phoneNumbers.additionalPhones', 'adPhone', 'storeCode',
      'title', 'websiteUrl', 'labels', 'latlng.latitude', 'latlng.longitude', 'profile.description']) {
      assert.ok(fields.includes(f), `${f} reported (got ${fields.join(', ')})`);
    }
    for (const f of r.json.details.fields) assert.ok(f.reason.length > 5, JSON.stringify(f));
    assertError(await patch(p, {}), 400, 600);
    assertError(await patch(p, { labels: ['ok', ''] }), 400, 600);
    assertError(await patch(p, { labels: ['x'.repeat(256)] }), 400, 600);
    assertError(await patch(p, { latlng: { latitude: 10 } }), 400, 600);
    assertError(await patch(p, { title: 't'.repeat(101) }), 400, 600);
    assertError(await patch(p, { websiteUrl: 'https://a.example', websiteUri: 'https://b.example' }), 400, 600);
    assert.equal((await sb.calls('gmb')).filter((c) => c.method === 'PATCH').length, 0);
    assertError(await patch(p, { title: 'x' }, 'twitter'), 400, 600);
    assertError(await patch(await profile(), { title: 'x' }), 400, 156);
  });

  test("Google's refusals come back as 400/630 with its message; failures do not count", async () => {
    const p = await linked('gmb', 'gbp-google-locations1');
    await sb.fault({ network: 'gmb', path: '/locations/', status: 400 });
    const r = await patch(p, { title: 'Refused' });
    assertError(r, 400, 630);
    assert.equal(r.json.details.platform, 'gmb');
    assert.ok(r.json.details.error.length > 0);
    await sb.fault({ network: 'gmb', path: '/locations/', status: 503, count: 5 });
    for (let i = 0; i < 5; i++) assertError(await patch(p, { title: `Down ${i}` }), 502, 630);
    await sb.fault({ network: 'gmb', path: '/locations/', delayMs: 2500 });
    assertError(await patch(p, { title: 'Slow' }), 504, 631);
    await sb.clearFaults();
    // None of the seven failures used up an edit: five successes still fit.
    for (let i = 0; i < 5; i++) assert.equal((await patch(p, { title: `Fine ${i}` })).status, 200);
    assertError(await patch(p, { title: 'Sixth' }), 400, 633);
  });

  test('five changes of a field per rolling 24 h: the sixth is 633 with when it frees up, and changes nothing', async () => {
    const p = await linked('gmb', 'gbp-limit-locations1');
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const r = await patch(p, { title: `Title ${i}` });
      assert.equal(r.status, 200, r.text);
    }
    await sb.clearCalls();
    const sixth = await patch(p, { storeCode: 'also', title: 'Title 5' });
    assertError(sixth, 400, 633);
    assert.equal(sixth.json.details.field, 'title');
    const free = Date.parse(sixth.json.details.availableAt);
    assert.ok(free >= t0 + 86400000 && free <= Date.now() + 86400000, sixth.json.details.availableAt);
    assert.equal((await sb.calls('gmb')).filter((c) => c.method === 'PATCH').length, 0, 'nothing sent');
    // storeCode was not counted by the refused request: five still fit.
    for (let i = 0; i < 5; i++) assert.equal((await patch(p, { storeCode: `s${i}` })).status, 200);
    assertError(await patch(p, { storeCode: 's5' }), 400, 633);
    // The test clock: 24 hours pass for the oldest title edit only.
    const oldest = query(`SELECT MIN(id) FROM gbp_edits WHERE field = 'title' AND location = '${locationOf(p)}'`);
    dbExec(srv.data, `UPDATE gbp_edits SET at_ms = at_ms - 86400000 WHERE id = ${oldest}`);
    const seventh = await patch(p, { title: 'After a day' });
    assert.equal(seventh.status, 200, seventh.text);
    assertError(await patch(p, { title: 'Again' }), 400, 633);
  });

  test('racing requests: exactly five of twelve concurrent edits of a field go through', async () => {
    const p = await linked('gmb', 'gbp-race-locations1');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => patch(p, { title: `Race ${i}` })));
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 400 && r.json.code === 633).length;
    assert.equal(ok, 5, results.map((r) => r.status).join(','));
    assert.equal(limited, 7);
    const loc = locationOf(p);
    assert.equal((await sb.calls('gmb')).filter((c) => c.method === 'PATCH' && c.path.endsWith(loc)).length, 5);
    assert.equal(query(`SELECT COUNT(*) FROM gbp_edits WHERE location = '${loc}' AND state = 'done'`), '5');
  });
});

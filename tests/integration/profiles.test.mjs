// Profiles (SPEC §6): create, list, update, delete, unlink, validate, and
// the operator's profile commands, through every alias real clients use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, seenByServer, assertError, secrets, rawRequest, dbDumpText } from './lib/harness.mjs';

let srv, acct;

before(async () => {
  srv = new Server();
  await srv.start();
  acct = srv.account('business');
});
after(async () => { await srv.stop(); });

let n = 0;
const uniq = (p = 'Profile') => `${p} ${++n} ${Math.random().toString(36).slice(2, 6)}`;

async function create(key, body, path = '/api/profiles') {
  const r = await srv.api(path, { method: 'POST', key, body });
  if (r.json?.profileKey) secrets.add(r.json.profileKey);
  return r;
}

async function list(key, query = '') {
  return srv.api('/api/profiles' + query, { key });
}

test('create through all three paths; the key is shown once and stored only hashed', async () => {
  for (const path of ['/api/profiles', '/api/profiles/profile', '/api/profiles/create-profile']) {
    const title = uniq('Create');
    const r = await create(acct.apiKey, { title, source: 'npm' }, path);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['status', 'title', 'refId', 'profileKey']);
    assert.equal(r.json.status, 'success');
    assert.equal(r.json.title, title);
    assert.match(r.json.refId, /^[0-9a-f]{40}$/);
    assert.match(r.json.profileKey, /^([0-9A-Z]{7}-){7}[0-9A-Z]{7}$/);
    const u = await srv.api('/api/user', { key: acct.apiKey, profileKey: r.json.profileKey });
    assert.equal(u.json.title, title);
    assert.equal(u.json.refId, r.json.refId);
    assert.equal(u.json.email, null);
    const l = await list(acct.apiKey, `?refId=${r.json.refId}`);
    assert.ok(!l.text.includes(r.json.profileKey), 'keys are never listed');
  }
  const dump = dbDumpText(srv.data);
  for (const k of secrets) assert.ok(!dump.includes(k), 'a key is stored in the clear');
});

test('146 for a duplicate title; a deleted profile\'s title is free again', async () => {
  const title = uniq('Dup');
  const a = await create(acct.apiKey, { title });
  assert.equal(a.status, 200);
  const b = await create(acct.apiKey, { title });
  assertError(b, 400, 146, 'profiles');
  assert.equal(b.json.details.title, title);
  // another account may use the same title
  const other = srv.account('launch');
  assert.equal((await create(other.apiKey, { title })).status, 200);
  const d = await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, profileKey: a.json.profileKey });
  assert.equal(d.status, 200);
  assert.equal((await create(acct.apiKey, { title })).status, 200);
});

test('create validates every field and reports them all at once', async () => {
  const r = await create(acct.apiKey, {
    title: '', messagingActive: 'yes', hideTopHeader: 1, topHeader: 5, disableSocial: ['myspace', 'tiktok', 7],
    tags: 'x', team: true,
  });
  assertError(r, 400, 600, 'profiles');
  const fields = r.json.details.fields.map((f) => f.field).sort();
  assert.deepEqual(fields, ['disableSocial[0]', 'disableSocial[2]', 'email', 'hideTopHeader',
    'messagingActive', 'tags', 'title', 'topHeader']);
  assert.equal(r.json.details.field, 'title');
  for (const [body, field] of [
    [{}, 'title'], [{ title: null }, 'title'], [{ title: '   ' }, 'title'], [{ title: 'x'.repeat(201) }, 'title'],
    [{ title: 42 }, 'title'], [{ title: 'a\u0001b' }, 'title'], [{ title: 'ok', email: 'nope' }, 'email'],
    [{ title: 'ok', tags: Array(51).fill('t') }, 'tags'], [{ title: 'ok', tags: ['x'.repeat(101)] }, 'tags[0]'],
  ]) {
    const e = await create(acct.apiKey, body);
    assertError(e, 400, 600, 'profiles');
    assert.equal(e.json.details.field, field, JSON.stringify(body));
  }
  const ok = await create(acct.apiKey, {
    title: 'x'.repeat(200), messagingActive: true, hideTopHeader: false, topHeader: 'Connect', subHeader: 'Pick your networks',
    disableSocial: ['tiktok', 'bluesky'], tags: ['vip', 'émoji ✓'], team: true, email: 'member@example.com',
  });
  assert.equal(ok.status, 200, ok.text);
  const emoji = await create(acct.apiKey, { title: '🙂'.repeat(200) });
  assert.equal(emoji.status, 200, '200 characters, not bytes');
});

test('620: the profiles family needs launch, business or enterprise', async () => {
  for (const plan of ['free', 'premium']) {
    const a = srv.account(plan);
    for (const [method, path] of [['POST', '/api/profiles'], ['GET', '/api/profiles'], ['PATCH', '/api/profiles'],
      ['DELETE', '/api/profiles'], ['PUT', '/api/profiles/profile'], ['POST', '/api/profiles/create-profile']]) {
      const r = await srv.api(path, { method, key: a.apiKey, body: { title: 'x' } });
      assertError(r, 403, 620, 'profiles');
      assert.match(r.json.message, /launch, business or enterprise/);
    }
    // unlinking the account's own network is open to every plan
    const u = await srv.api('/api/profiles/social', { method: 'DELETE', key: a.apiKey, body: { platform: 'twitter' } });
    assert.equal(u.status, 200, u.text);
  }
  const launch = srv.account('launch');
  assert.equal((await create(launch.apiKey, { title: 'ok' })).status, 200);
});

test('list: shape, order, only this account\'s live user profiles', async () => {
  const a = srv.account('business');
  const made = [];
  for (let i = 0; i < 3; i++) made.push((await create(a.apiKey, { title: `L${i}` })).json);
  await srv.api('/api/profiles', { method: 'PATCH', key: a.apiKey, profileKey: made[1].profileKey, body: { displayTitle: 'Shown' } });
  const r = await list(a.apiKey);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['profiles', 'count', 'lastUpdated', 'nextUpdate', 'pagination']);
  assert.equal(r.json.count, 3);
  assert.deepEqual(r.json.profiles.map((p) => p.refId), made.map((m) => m.refId));
  const p0 = r.json.profiles[0];
  assert.deepEqual(Object.keys(p0), ['status', 'title', 'created', 'createdUTC', 'refId']);
  assert.equal(p0.status, 'active');
  assert.deepEqual(Object.keys(p0.created), ['_seconds', '_nanoseconds']);
  assert.equal(new Date(p0.createdUTC).getTime(), p0.created._seconds * 1000 + p0.created._nanoseconds / 1e6);
  assert.equal(r.json.profiles[1].displayTitle, 'Shown');
  assert.deepEqual(r.json.pagination, { hasMore: false, nextCursor: null, limit: 5000 });
  assert.ok(!r.text.includes('Primary Profile'));
});

test('list filters: title, refId, hasActiveSocialAccounts, includesActiveSocialAccounts, profileKeys', async () => {
  const seed = srv.cli(['seed', '--profiles', '4', '--accounts', '3', '--keys-out', join(srv.data, 'f.txt')]);
  const key = seed.json.apiKey;
  const keys = readFileSync(join(srv.data, 'f.txt'), 'utf8').trim().split('\n');
  keys.forEach((k) => secrets.add(k));
  // vary the links: #2 loses instagram, #3 loses everything
  const del = (pk, platform) => srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pk, body: { platform } });
  await del(keys[1], 'instagram');
  for (const p of ['facebook', 'gmb', 'instagram']) await del(keys[2], p);
  const empty = (await create(key, { title: 'Nothing linked' })).json;

  const titles = async (q) => (await list(key, q)).json.profiles.map((p) => p.title);
  assert.deepEqual(await titles(''), ['Customer 000001', 'Customer 000002', 'Customer 000003', 'Customer 000004', 'Nothing linked']);
  assert.deepEqual(await titles('?title=Customer%20000002'), ['Customer 000002']);
  assert.deepEqual(await titles('?title=customer%20000002'), [], 'title is exact');
  assert.deepEqual(await titles(`?refId=${empty.refId}`), ['Nothing linked']);
  assert.deepEqual(await titles('?hasActiveSocialAccounts=true'), ['Customer 000001', 'Customer 000002', 'Customer 000004']);
  assert.deepEqual(await titles('?hasActiveSocialAccounts=false'), ['Customer 000003', 'Nothing linked']);
  assert.deepEqual(await titles('?includesActiveSocialAccounts[0]=facebook&includesActiveSocialAccounts[1]=instagram'),
    ['Customer 000001', 'Customer 000004']);
  assert.deepEqual(await titles('?includesActiveSocialAccounts=gmb,facebook&source=npm'), ['Customer 000001', 'Customer 000002', 'Customer 000004']);
  assert.deepEqual(await titles(`?profileKeys[0]=${encodeURIComponent(keys[3])}&profileKeys[1]=${encodeURIComponent(keys[0])}`),
    ['Customer 000001', 'Customer 000004']);
  const one = (await list(key, '?title=Customer%20000002')).json.profiles[0];
  assert.deepEqual(one.activeSocialAccounts, ['facebook', 'gmb']);
  for (const q of ['?hasActiveSocialAccounts=maybe', '?includesActiveSocialAccounts[0]=myspace', '?limit=0',
    '?limit=5001', '?limit=ten', '?include=everything', '?include=socialHealth']) {
    const r = await list(key, q);
    assertError(r, 400, 600, 'profiles');
  }
  const h = await list(key, `?refId=${one.refId}&include=socialHealth`);
  assert.equal(h.status, 200, h.text);
  assert.deepEqual(h.json.profiles[0].socialHealth.map((x) => x.platform), ['facebook', 'gmb']);
  for (const x of h.json.profiles[0].socialHealth) {
    assert.deepEqual(Object.keys(x), ['platform', 'status', 'tokenExpires', 'lastRefresh', 'lastError', 'refreshRequired']);
    assert.equal(x.status, 'ok');
  }
});

test('cursor paging survives creates and deletes between pages; tampering is refused', async () => {
  const a = srv.account('enterprise');
  const made = [];
  for (let i = 0; i < 25; i++) made.push((await create(a.apiKey, { title: `P${String(i).padStart(2, '0')}` })).json);
  const seen = [];
  let cursor = null, pages = 0;
  for (;;) {
    const r = await list(a.apiKey, `?limit=7${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.profiles.length <= 7);
    seen.push(...r.json.profiles.map((p) => p.title));
    pages++;
    if (pages === 1) {
      // between pages: delete one already seen, one not yet seen; create two
      await srv.api('/api/profiles', { method: 'DELETE', key: a.apiKey, profileKey: made[0].profileKey });
      await srv.api('/api/profiles', { method: 'DELETE', key: a.apiKey, profileKey: made[20].profileKey });
      await create(a.apiKey, { title: 'Q1' });
      await create(a.apiKey, { title: 'Q2' });
    }
    if (!r.json.pagination.hasMore) {
      assert.equal(r.json.pagination.nextCursor, null);
      break;
    }
    cursor = r.json.pagination.nextCursor;
    assert.equal(r.json.pagination.limit, 7);
  }
  const expected = made.map((m) => m.title).filter((t) => t !== 'P20').concat(['Q1', 'Q2']);
  assert.deepEqual(seen, expected, 'no profile skipped or repeated');
  assert.equal(new Set(seen).size, seen.length);

  const first = await list(a.apiKey, '?limit=2');
  const c = first.json.pagination.nextCursor;
  const bad = [c.slice(0, -2) + (c.endsWith('AA') ? 'AB' : 'AA'), c.slice(1), c + 'A', 'garbage', c.replace(/[A-Z]/, (x) => x.toLowerCase())];
  for (const t of bad) assertError(await list(a.apiKey, `?limit=2&cursor=${encodeURIComponent(t)}`), 400, 600, 'profiles');
  const other = srv.account('business');
  assertError(await list(other.apiKey, `?limit=2&cursor=${encodeURIComponent(c)}`), 400, 600, 'profiles');
  const filtered = await list(a.apiKey, `?limit=2&title=P01&cursor=${encodeURIComponent(c)}`);
  assertError(filtered, 400, 600, 'profiles');
  assert.match(filtered.json.details.reason, /other filters/);
});

test('update through PATCH /profiles, PUT and PATCH /profiles/profile; key in header or body', async () => {
  const p = (await create(acct.apiKey, { title: uniq('Upd') })).json;
  const newTitle = uniq('Renamed');
  const r1 = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: `  ${p.profileKey} `, body: { title: newTitle } });
  assert.deepEqual(r1.json, { status: 'success', refId: p.refId });
  assert.equal((await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey })).json.title, newTitle);
  const r2 = await srv.api('/api/profiles/profile', { method: 'PUT', key: acct.apiKey, body: { profileKey: p.profileKey, displayTitle: 'Shop', hideTitle: true, source: 'npm' } });
  assert.equal(r2.status, 200, r2.text);
  const r3 = await srv.api('/api/profiles/profile', { method: 'PATCH', key: acct.apiKey, body: { profileKey: p.profileKey, tags: ['a'], disableSocial: ['reddit'], messagingActive: true } });
  assert.equal(r3.status, 200, r3.text);
  const l = await list(acct.apiKey, `?refId=${p.refId}`);
  assert.equal(l.json.profiles[0].displayTitle, 'Shop');
  const cleared = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { displayTitle: null } });
  assert.equal(cleared.status, 200);
  assert.equal((await list(acct.apiKey, `?refId=${p.refId}`)).json.profiles[0].displayTitle, undefined);

  const taken = (await create(acct.apiKey, { title: uniq('Taken') })).json;
  assertError(await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { title: taken.title } }), 400, 146, 'profiles');
  assertError(await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, body: { title: 'x' } }), 400, 600, 'profiles');
  const none = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { source: 'npm' } });
  assertError(none, 400, 600, 'profiles');
  const bad = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { title: '', hideTitle: 'no', bioHandle: 'A!' } });
  assert.deepEqual(bad.json.details.fields.map((f) => f.field).sort(), ['bioHandle', 'hideTitle', 'title']);
});

test('bioHandle: validated, unique across the server, shown as ayrlinkUrl, cleared with null', async () => {
  const p = (await create(acct.apiKey, { title: uniq('Bio') })).json;
  const handle = 'shop-' + Math.random().toString(36).slice(2, 8);
  const set = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { bioHandle: handle } });
  assert.equal(set.status, 200, set.text);
  const u = await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey });
  assert.equal(u.json.ayrlinkUrl, `${srv.url}/bio/${handle}`);
  const other = srv.account('business');
  const q = (await create(other.apiKey, { title: 'Other' })).json;
  const clash = await srv.api('/api/profiles', { method: 'PATCH', key: other.apiKey, profileKey: q.profileKey, body: { bioHandle: handle } });
  assertError(clash, 400, 600, 'profiles');
  assert.equal(clash.json.details.field, 'bioHandle');
  for (const bad of ['ab', 'x'.repeat(31), 'Upper', 'sp ace', 'dot.s']) {
    const r = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { bioHandle: bad } });
    assertError(r, 400, 600, 'profiles');
  }
  await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { bioHandle: null } });
  assert.equal((await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey })).json.ayrlinkUrl, undefined);
  assert.equal((await srv.api('/api/profiles', { method: 'PATCH', key: other.apiKey, profileKey: q.profileKey, body: { bioHandle: handle } })).status, 200);
});

test('delete by header, body profileKey or title; tombstone for validate; twice is a clear error', async () => {
  for (const via of ['header', 'body', 'title', 'delete-profile', 'profile']) {
    const p = (await create(acct.apiKey, { title: uniq('Del') })).json;
    const opts = { method: 'DELETE', key: acct.apiKey };
    let path = '/api/profiles';
    if (via === 'header') opts.profileKey = p.profileKey;
    else if (via === 'title') opts.body = { title: p.title };
    else { opts.body = { profileKey: p.profileKey, source: 'npm' }; if (via !== 'body') path = `/api/profiles/${via}`; }
    const r = await srv.api(path, opts);
    assert.deepEqual(r.json, { status: 'success', refId: p.refId }, via);
    assertError(await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey }), 403, 610, 'user');
    const v = await srv.api('/api/user?validate=true', { key: acct.apiKey, profileKey: p.profileKey });
    assertError(v, 404, 611, 'user');
    assert.equal(v.json.deleted.refId, p.refId);
    assert.equal(v.json.deleted.title, p.title);
    assert.equal(v.json.deleted.deletedBy, 'api');
    assert.ok(Math.abs(new Date(v.json.deleted.deleted) - Date.now()) < 60000);
    const again = await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, profileKey: p.profileKey });
    assertError(again, 403, 610, 'profiles');
    assert.match(again.json.message, /already deleted/);
    assertError(await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { title: 'x' } }), 403, 610);
    assert.equal((await list(acct.apiKey, `?refId=${p.refId}`)).json.count, 0);
  }
  const byTitle = await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, body: { title: 'No such title anywhere' } });
  assertError(byTitle, 400, 600, 'profiles');
  assert.equal(byTitle.json.details.field, 'title');
  const nothing = await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, body: {} });
  assertError(nothing, 400, 600, 'profiles');
  // the primary profile itself cannot be deleted by title
  assertError(await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, body: { title: 'Primary Profile' } }), 400, 600);
  assert.equal((await srv.api('/api/user', { key: acct.apiKey })).status, 200);
});

test('the Profile-Key header wins over a body profileKey (SPEC §1): header A + body B deletes A, B intact', async () => {
  const a = (await create(acct.apiKey, { title: uniq('HeaderA') })).json;
  const b = (await create(acct.apiKey, { title: uniq('BodyB') })).json;
  const r = await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, profileKey: a.profileKey, body: { profileKey: b.profileKey, title: b.title } });
  assert.deepEqual(r.json, { status: 'success', refId: a.refId });
  assertError(await srv.api('/api/user?validate=true', { key: acct.apiKey, profileKey: a.profileKey }), 404, 611, 'user');
  const alive = await srv.api('/api/user', { key: acct.apiKey, profileKey: b.profileKey });
  assert.equal(alive.status, 200, alive.text);
  assert.equal(alive.json.refId, b.refId);
  assert.equal((await list(acct.apiKey, `?refId=${b.refId}`)).json.count, 1);
});

test('unlink: removes the network from GET /api/user at once; 200 when not linked', async () => {
  const seed = srv.cli(['seed', '--profiles', '1', '--accounts', '4', '--keys-out', join(srv.data, 'u.txt')]);
  const key = seed.json.apiKey;
  const pk = readFileSync(join(srv.data, 'u.txt'), 'utf8').trim();
  secrets.add(pk);
  const before = await srv.api('/api/user', { key, profileKey: pk });
  assert.deepEqual(before.json.activeSocialAccounts, ['facebook', 'gmb', 'instagram', 'linkedin']);
  const r = await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pk, body: { platform: 'instagram' } });
  assert.deepEqual(r.json, { status: 'success', platform: 'instagram', refId: before.json.refId });
  const after1 = await srv.api('/api/user', { key, profileKey: pk });
  assert.deepEqual(after1.json.activeSocialAccounts, ['facebook', 'gmb', 'linkedin']);
  assert.deepEqual(after1.json.displayNames.map((d) => d.platform), ['facebook', 'gmb', 'linkedin']);
  const again = await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pk, body: { platform: 'instagram' } });
  assert.equal(again.status, 200);
  const alias = await srv.api('/api/profiles/social', { method: 'DELETE', key, body: { profileKey: pk, platform: 'gbp' } });
  assert.equal(alias.json.platform, 'gmb');
  // the account's own networks
  const own = await srv.api('/api/profiles/social', { method: 'DELETE', key, body: { platform: 'facebook' } });
  assert.equal(own.json.refId, (await srv.api('/api/user', { key })).json.refId);
  assert.deepEqual((await srv.api('/api/user', { key })).json.activeSocialAccounts, ['gmb', 'instagram', 'linkedin']);
  for (const body of [{}, { platform: 'myspace' }, { platform: 7 }, { platform: 'BLUESKY' }, { platform: 'mastodon' }]) {
    assertError(await srv.api('/api/profiles/social', { method: 'DELETE', key, body }), 400, 600, 'profiles');
  }
  const myspace = await srv.api('/api/profiles/social', { method: 'DELETE', key, body: { platform: 'myspace' } });
  assert.match(myspace.json.details.reason, /must be one of/);
  // A network Ayrshare names but sociald does not link is simply not
  // linked: 200 with the name as sent, nothing changes, no webhook.
  await srv.api('/api/hook/webhook', { method: 'POST', key, body: { action: 'social', url: 'https://hooks.does-not-exist.invalid/x' } });
  const user0 = await srv.api('/api/user', { key, profileKey: pk });
  for (const platform of ['bluesky', 'threads', 'snapchat', 'whatsapp', 'fbg', 'tumblr']) {
    for (const profileKey of [pk, undefined]) {
      const r2 = await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey, body: { platform } });
      assert.equal(r2.status, 200, `${platform}: ${r2.text}`);
      const refId = profileKey ? before.json.refId : own.json.refId;
      assert.deepEqual(r2.json, { status: 'success', platform, refId });
    }
  }
  assert.deepEqual((await srv.api('/api/user', { key, profileKey: pk })).json.displayNames, user0.json.displayNames);
  assert.equal((await srv.api('/api/hook/deliveries', { key })).json.count, 0, 'no unlink event');
  // removing every network omits activeSocialAccounts
  for (const p of ['facebook', 'gmb', 'linkedin']) await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pk, body: { platform: p } });
  const bare = await srv.api('/api/user', { key, profileKey: pk });
  assert.equal(bare.json.activeSocialAccounts, undefined);
  assert.deepEqual(bare.json.displayNames, []);
});

test('profile suspend / reactivate / delete from the command line, seen at once', async () => {
  const p = (await create(acct.apiKey, { title: uniq('Ops') })).json;
  assert.equal((await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey })).status, 200);
  const s = srv.cli(['profile', 'suspend', '--ref-id', p.refId]);
  assert.deepEqual(s.json, { refId: p.refId, status: 'suspended' });
  await seenByServer('the suspension', async () =>
    (await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey })).status === 403);
  assertError(await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey }), 403, 612, 'user');
  assertError(await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { title: 'x' } }), 403, 612);
  assertError(await srv.api('/api/profiles/social', { method: 'DELETE', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'reddit' } }), 403, 612);
  const l = await list(acct.apiKey, `?refId=${p.refId}`);
  assert.equal(l.json.profiles[0].status, 'suspended');
  assert.equal(l.json.profiles[0].suspended, true);
  const r = srv.cli(['profile', 'reactivate', '--ref-id', p.refId]);
  assert.deepEqual(r.json, { refId: p.refId, status: 'active' });
  await seenByServer('the reactivation', async () =>
    (await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey })).status === 200);
  assert.equal((await list(acct.apiKey, `?refId=${p.refId}`)).json.profiles[0].suspended, undefined);

  // a suspended profile can still be deleted by its owner
  srv.cli(['profile', 'suspend', '--ref-id', p.refId]);
  await seenByServer('the second suspension', async () =>
    (await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey })).status === 403);
  assert.equal((await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, profileKey: p.profileKey })).status, 200);

  const q = (await create(acct.apiKey, { title: uniq('CliDel') })).json;
  assert.deepEqual(srv.cli(['profile', 'delete', '--ref-id', q.refId]).json, { refId: q.refId, status: 'deleted' });
  const v = await seenByServer('the deletion', async () => {
    const x = await srv.api('/api/user?validate=true', { key: acct.apiKey, profileKey: q.profileKey });
    return x.json?.deleted && x;
  });
  assert.equal(v.json.deleted.deletedBy, 'cli');
  assert.equal(srv.cli(['profile', 'delete', '--ref-id', q.refId]).status, 1);
  assert.equal(srv.cli(['profile', 'reactivate', '--ref-id', 'f'.repeat(40)]).status, 1);
  assert.equal(srv.cli(['profile', 'frobnicate', '--ref-id', q.refId]).status, 2);
  assert.equal(srv.cli(['profile', 'reactivate']).status, 2);
});

test('one account can never see, change or delete another account\'s profiles', async () => {
  const A = srv.account('business');
  const B = srv.account('business');
  const seed = srv.cli(['seed', '--profiles', '1', '--accounts', '2', '--keys-out', join(srv.data, 'b.txt')]);
  const bKey = seed.json.apiKey;
  const bProfile = readFileSync(join(srv.data, 'b.txt'), 'utf8').trim();
  secrets.add(bProfile);
  const bUser = (await srv.api('/api/user', { key: bKey, profileKey: bProfile })).json;
  const endpoints = [
    ['GET', '/api/user', null],
    ['PATCH', '/api/profiles', { title: 'hijacked' }],
    ['PUT', '/api/profiles/profile', { title: 'hijacked' }],
    ['PATCH', '/api/profiles/profile', { title: 'hijacked' }],
    ['DELETE', '/api/profiles', {}],
    ['DELETE', '/api/profiles/profile', {}],
    ['DELETE', '/api/profiles/delete-profile', {}],
    ['DELETE', '/api/profiles/social', { platform: 'facebook' }],
  ];
  for (const intruder of [A, B]) {
    for (const [method, path, body] of endpoints) {
      for (const via of ['header', 'body', 'query']) {
        const opts = { method, key: intruder.apiKey };
        let p = path;
        if (via === 'header') { opts.profileKey = bProfile; if (body) opts.body = body; }
        if (via === 'body') opts.body = { ...(body || {}), profileKey: bProfile };
        if (via === 'query') { p += `?profileKey=${encodeURIComponent(bProfile)}`; if (body) opts.body = body; }
        const r = await srv.api(p, opts);
        assertError(r, 403, 610);
        assert.ok(!r.text.includes(bUser.refId), `${method} ${path} via ${via} leaks the refId`);
      }
    }
    // by title and by refId filter: nothing of B's is reachable
    assertError(await srv.api('/api/profiles', { method: 'DELETE', key: intruder.apiKey, body: { title: bUser.title } }), 400, 600);
    assert.equal((await list(intruder.apiKey, `?refId=${bUser.refId}`)).json.count, 0);
    assert.equal((await list(intruder.apiKey, `?profileKeys[0]=${encodeURIComponent(bProfile)}`)).json.count, 0);
  }
  const after = await srv.api('/api/user', { key: bKey, profileKey: bProfile });
  assert.equal(after.status, 200);
  assert.equal(after.json.title, bUser.title);
  assert.deepEqual(after.json.activeSocialAccounts, bUser.activeSocialAccounts);
});

test('concurrent creates of one title yield exactly one profile', async () => {
  const a = srv.account('business');
  const title = uniq('Race');
  const results = await Promise.all(Array.from({ length: 24 }, () => create(a.apiKey, { title })));
  const ok = results.filter((r) => r.status === 200);
  const dup = results.filter((r) => r.status === 400 && r.json.code === 146);
  assert.equal(ok.length, 1);
  assert.equal(dup.length, 23);
  assert.equal((await list(a.apiKey, `?title=${encodeURIComponent(title)}`)).json.count, 1);
});

test('what clients send: source fields, key[0]= arrays, DELETE bodies, keys with stray spaces', async () => {
  const p = (await create(acct.apiKey, { title: uniq('Client'), source: 'pypi', tags: ['x'] })).json;
  const raw = await rawRequest(srv.port,
    `DELETE /api/profiles/social?source=npm HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${acct.apiKey}\r\n` +
    `Profile-Key: \t${p.profileKey}  \r\nContent-Type: application/json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n` +
    '{"platform":"twitter","source":"npm"}   ');
  assert.equal(raw.status, 200, raw.text);
  assert.equal(raw.json.refId, p.refId);
  const l = await list(acct.apiKey, `?source=npm&refId=${p.refId}&includesActiveSocialAccounts[0]=facebook`);
  assert.equal(l.json.count, 0);
});

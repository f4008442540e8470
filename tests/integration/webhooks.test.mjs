// Webhooks (SPEC §8): registration and its URL rules, signed deliveries
// checked by a receiver written from the SPEC, routing, retries and their
// spacing, final answers, auto-disable, resend, secret rotation, the
// delivery log.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, assertError, secrets, tempDir, waitUntil, pass, dbDumpText } from './lib/harness.mjs';
import { Receiver, verify } from './lib/receiver.mjs';

const SECRET = 'whsec-0123456789-abcdefghij';
secrets.add(SECRET);

// A seeded account (business) with n profiles of m linked networks.
function seed(srv, profiles, accounts) {
  const file = join(srv.data, `keys-${Math.random().toString(36).slice(2)}.txt`);
  const r = srv.cli(['seed', '--profiles', String(profiles), '--accounts', String(accounts), '--keys-out', file]);
  assert.equal(r.status, 0, r.stderr);
  const keys = profiles ? readFileSync(file, 'utf8').trim().split('\n') : [];
  keys.forEach((k) => secrets.add(k));
  return { key: r.json.apiKey, keys };
}

const unlink = (srv, key, profileKey, platform) =>
  srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey, body: { platform } });

const register = (srv, key, body, profileKey) =>
  srv.api('/api/hook/webhook', { method: 'POST', key, profileKey, body });

describe('registration and URL rules (operator defaults: https, public addresses only)', () => {
  let srv, acct;
  before(async () => { srv = new Server(); await srv.start(); acct = srv.account('premium'); });
  after(async () => { await srv.stop(); });

  test('register, list, unregister; plan gating', async () => {
    const r = await register(srv, acct.apiKey, { action: 'social', url: 'https://8.8.8.8/hooks/social', source: 'npm' });
    assert.deepEqual(r.json, { status: 'success', action: 'social', url: 'https://8.8.8.8/hooks/social', refId: acct.refId });
    await register(srv, acct.apiKey, { action: 'feed', url: 'https://8.8.4.4/feed' });
    const l = await srv.api('/api/hook/webhook', { key: acct.apiKey });
    assert.equal(l.json.status, 'success');
    assert.equal(l.json.social, 'https://8.8.8.8/hooks/social');
    assert.equal(l.json.feed, 'https://8.8.4.4/feed');
    assert.ok(Math.abs(new Date(l.json.updated) - Date.now()) < 60000);
    const replaced = await register(srv, acct.apiKey, { action: 'social', url: 'https://1.1.1.1/x' });
    assert.equal(replaced.status, 200);
    assert.equal((await srv.api('/api/hook/webhook', { key: acct.apiKey })).json.social, 'https://1.1.1.1/x');
    const d = await srv.api('/api/hook/webhook', { method: 'DELETE', key: acct.apiKey, body: { action: 'feed' } });
    assert.deepEqual(d.json, { status: 'success', action: 'feed' });
    assert.equal((await srv.api('/api/hook/webhook', { key: acct.apiKey })).json.feed, undefined);
    const free = srv.account('free');
    assertError(await register(srv, free.apiKey, { action: 'social', url: 'https://8.8.8.8/' }), 403, 620, 'webhook');
    assertError(await srv.api('/api/hook/deliveries', { key: free.apiKey }), 403, 620, 'webhook');
  });

  test('bad fields are all reported; unknown actions and unusable secrets refused', async () => {
    const r = await register(srv, acct.apiKey, { action: 'posts', url: 'ftp://x', secret: '' });
    assertError(r, 400, 600, 'webhook');
    assert.deepEqual(r.json.details.fields.map((f) => f.field).sort(), ['action', 'secret', 'url']);
    assertError(await register(srv, acct.apiKey, {}), 400, 600, 'webhook');
    // empty, over 256, control characters, not ASCII: refused on both paths
    for (const secret of ['', 'x'.repeat(257), 'tab\tinside', 'line\nbreak', '\u00e9'.repeat(16)]) {
      const s = await srv.api('/api/hook/webhook/secret', { method: 'POST', key: acct.apiKey, body: { secret } });
      assertError(s, 400, 600, 'webhook');
      assert.equal(s.json.details.field, 'secret', JSON.stringify(secret));
      const w = await register(srv, acct.apiKey, { action: 'social', url: 'https://8.8.8.8/x', secret });
      assertError(w, 400, 600, 'webhook');
      assert.equal(w.json.details.field, 'secret', JSON.stringify(secret));
    }
    assertError(await srv.api('/api/hook/webhook/secret', { method: 'POST', key: acct.apiKey, body: {} }), 400, 600, 'webhook');
  });

  test('any non-empty printable secret up to 256 characters is accepted (Ayrshare\'s example is "secret")', async () => {
    for (const secret of ['secret', 'x', 'has spaces in it', '~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./', 'y'.repeat(256)]) {
      const s = await srv.api('/api/hook/webhook/secret', { method: 'POST', key: acct.apiKey, body: { secret } });
      assert.equal(s.status, 200, `${JSON.stringify(secret)}: ${s.text}`);
      const w = await register(srv, acct.apiKey, { action: 'feed', url: 'https://8.8.8.8/x', secret });
      assert.equal(w.status, 200, `${JSON.stringify(secret)}: ${w.text}`);
    }
  });

  test('https only; no credentials, loopback, private, link-local or metadata targets', async () => {
    for (const url of [
      'http://8.8.8.8/hook', 'https://user:pw@8.8.8.8/hook', 'https://127.0.0.1/hook', 'https://localhost:8443/hook',
      'https://10.1.2.3/hook', 'https://172.16.0.9/hook', 'https://192.168.1.1/hook', 'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook', 'https://[fd00:ec2::254]/hook', 'https://[::ffff:127.0.0.1]/hook', 'https://100.64.0.1/hook',
      'https://0.0.0.0/hook', 'https://8.8.8.8/hook#frag', 'https:///nohost', 'https://exa mple.com/', 'https://8.8.8.8:99999/',
    ]) {
      const r = await register(srv, acct.apiKey, { action: 'social', url });
      assertError(r, 400, 600, 'webhook');
      assert.equal(r.json.details.field, 'url', url);
    }
    // a name that resolves to loopback is refused after resolution
    const lh = await register(srv, acct.apiKey, { action: 'social', url: 'https://localhost.localdomain/hook' });
    assert.ok(lh.status === 400 || lh.status === 200, lh.text); // depends on the machine's hosts file
    // a name that does not resolve (yet) is accepted
    const later = await register(srv, acct.apiKey, { action: 'batch', url: 'https://hooks.does-not-exist.invalid/x' });
    assert.equal(later.status, 200, later.text);
  });

  test('localhost names, zone ids and the special-purpose registries are refused (issue 12)', async () => {
    for (const url of [
      // RFC 6761: every name under localhost is loopback, with or without the root dot
      'https://localhost./hook', 'https://localhost.:8443/hook', 'https://LocalHost./hook',
      'https://api.localhost/hook', 'https://api.localhost./hook', 'https://127.0.0.1./hook',
      // the resolver's numeric forms of 127.0.0.1
      'https://2130706433/hook', 'https://0x7f.1/hook',
      // a zone id only means something on this machine
      'https://[fe80::1%25lo]/hook', 'https://[fe80::1%25eth0]:8443/hook', 'https://[2001:4860::8888%25eth0]/hook',
      // IPv6 ranges that are not global unicast, and forms that carry a private IPv4
      'https://[fec0::1]/hook', 'https://[fe80::1]/hook', 'https://[ff02::1]/hook', 'https://[100::1]/hook',
      'https://[2001:db8::1]/hook', 'https://[2001::1]/hook', 'https://[64:ff9b:1::a00:1]/hook',
      'https://[2002:7f00:1::1]/hook', 'https://[2002:a00:1::1]/hook', 'https://[2002:a9fe:a9fe::1]/hook',
      'https://[::ffff:0:7f00:1]/hook', 'https://[64:ff9b::a9fe:a9fe]/hook', 'https://[::a00:1]/hook',
      // IPv4 special-purpose rows
      'https://192.0.2.1/hook', 'https://198.51.100.7/hook', 'https://203.0.113.9/hook',
      'https://192.88.99.1/hook', 'https://240.0.0.1/hook', 'https://255.255.255.255/hook',
    ]) {
      const r = await register(srv, acct.apiKey, { action: 'social', url });
      assertError(r, 400, 600, 'webhook');
      assert.equal(r.json.details.field, 'url', url);
    }
    // the same families' public members still register
    for (const url of ['https://[2002:808:808::1]/hook', 'https://[64:ff9b::808:808]/hook', 'https://[2606:4700::1111]/hook']) {
      const r = await register(srv, acct.apiKey, { action: 'social', url });
      assert.equal(r.status, 200, `${url}: ${r.text}`);
    }
  });

  test('the secret is stored sealed, never in the clear', async () => {
    const r = await srv.api('/api/hook/webhook/secret', { method: 'POST', key: acct.apiKey, body: { secret: SECRET } });
    assert.deepEqual(r.json, { status: 'success', action: 'webhook', refId: acct.refId });
    const dump = dbDumpText(srv.data);
    assert.ok(!dump.includes(SECRET));
    const key = readFileSync(join(srv.data, 'master.key'), 'utf8');
    assert.match(key, /^1 [0-9a-f]{64}$/m);
  });
});

describe('delivery', () => {
  let srv, rx;
  before(async () => {
    rx = await new Receiver().start();
    srv = new Server({ args: ['--webhook-allow-private', '--webhook-allow-http', '--webhook-retries', '300,600,900,1200,1500,1800'] });
    await srv.start();
  });
  after(async () => { await srv.stop(); await rx.stop(); });

  test('allow-private and allow-http still take loopback receivers, localhost names included', async () => {
    const { key } = seed(srv, 0, 0);
    const port = new URL(rx.url).port;
    for (const url of [rx.url, `http://localhost.:${port}/x`, `http://hooks.localhost:${port}/x`, `http://[::1]:${port}/x`]) {
      const r = await register(srv, key, { action: 'feed', url });
      assert.equal(r.status, 200, `${url}: ${r.text}`);
    }
    assertError(await register(srv, key, { action: 'feed', url: 'https://[fe80::1%25lo]/x' }), 400, 600, 'webhook');
  });

  test('an unlink is delivered signed, with the SPEC fields, verified receiver-side', async () => {
    const { key, keys } = seed(srv, 1, 3);
    await register(srv, key, { action: 'social', url: rx.url, secret: SECRET });
    const user = (await srv.api('/api/user', { key, profileKey: keys[0] })).json;
    const t0 = Date.now();
    await unlink(srv, key, keys[0], 'gmb');
    const [req] = await rx.waitFor((rs) => rs.some((r) => r.body?.platform === 'gmb' && r.body.refId === user.refId));
    const got = rx.requests.find((r) => r.body?.platform === 'gmb' && r.body.refId === user.refId);
    assert.ok(req);
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/json');
    const v = verify(got, SECRET);
    assert.deepEqual(v, { ayrshare: true, previous: false, sociald: true, fresh: true, v1count: 1 });
    assert.equal(verify(got, 'a-different-secret-0000').ayrshare, false);
    assert.match(got.headers['x-sociald-delivery'], /^dlv_[0-9a-f]{24}$/);
    assert.equal(got.headers['x-sociald-attempt'], '1');
    const b = got.body;
    assert.deepEqual(Object.keys(b), ['action', 'hookId', 'created', 'refId', 'title', 'type', 'platform', 'source', 'displayName']);
    assert.equal(b.action, 'social');
    assert.equal(b.type, 'unlink');
    assert.equal(b.source, 'user');
    assert.equal(b.title, user.title);
    assert.equal(b.displayName, user.displayNames.find((d) => d.platform === 'gmb').displayName);
    assert.ok(Date.parse(b.created) >= t0 - 1000 && Date.parse(b.created) <= got.at, 'created between the change and its delivery');
    // nothing for unlinking what was not linked
    const before = rx.requests.length;
    await unlink(srv, key, keys[0], 'gmb');
    await pass(300); // a quiet period: nothing may arrive
    assert.equal(rx.requests.length, before);
  });

  test('Ayrshare\'s example secret "secret" is accepted and signs deliveries', async () => {
    // ("secret" is not added to `secrets`: the word itself is in log lines.)
    const { key, keys } = seed(srv, 1, 1);
    const w = await register(srv, key, { action: 'social', url: rx.url, secret: 'secret' });
    assert.equal(w.status, 200, w.text);
    const refId = (await srv.api('/api/user', { key, profileKey: keys[0] })).json.refId;
    await unlink(srv, key, keys[0], 'facebook');
    await rx.waitFor((rs) => rs.some((r) => r.body?.refId === refId));
    const got = rx.requests.find((r) => r.body?.refId === refId);
    const v = verify(got, 'secret');
    assert.equal(v.ayrshare, true, 'X-Authorization-Content-SHA256 with "secret"');
    assert.equal(v.sociald, true, 'X-Sociald-Signature with "secret"');
  });

  test('routing: the profile\'s own webhook, else the account\'s', async () => {
    const own = await new Receiver().start();
    const { key, keys } = seed(srv, 2, 2);
    await register(srv, key, { action: 'social', url: rx.url });
    await register(srv, key, { action: 'social', url: own.url }, keys[0]);
    const p0 = (await srv.api('/api/user', { key, profileKey: keys[0] })).json.refId;
    const p1 = (await srv.api('/api/user', { key, profileKey: keys[1] })).json.refId;
    const acct = (await srv.api('/api/user', { key })).json.refId;
    await unlink(srv, key, keys[0], 'facebook');
    await unlink(srv, key, keys[1], 'facebook');
    await unlink(srv, key, undefined, 'facebook');
    await own.waitFor((rs) => rs.length >= 1);
    await rx.waitFor((rs) => rs.some((r) => r.body?.refId === p1) && rs.some((r) => r.body?.refId === acct));
    assert.deepEqual(own.requests.map((r) => r.body.refId), [p0]);
    assert.equal(rx.requests.filter((r) => r.body?.refId === p0).length, 0);
    // the profile's list shows only its own webhook
    const l = await srv.api('/api/hook/webhook', { key, profileKey: keys[0] });
    assert.equal(l.json.social, own.url);
    await own.stop();
  });

  test('a profile webhook without a secret of its own is signed with the account\'s; unsigned only when neither has one', async () => {
    const ACCT = 'account-secret-0123456789abcdef', OWN = 'profile-secret-0123456789abcdef';
    secrets.add(ACCT); secrets.add(OWN);
    const { key, keys } = seed(srv, 2, 1);
    const s = await srv.api('/api/hook/webhook/secret', { method: 'POST', key, body: { secret: ACCT } });
    assert.equal(s.status, 200, s.text);
    await register(srv, key, { action: 'social', url: rx.url }, keys[0]);
    await register(srv, key, { action: 'social', url: rx.url, secret: OWN }, keys[1]);
    const ref = async (pk) => (await srv.api('/api/user', { key, profileKey: pk })).json.refId;
    const [r0, r1] = [await ref(keys[0]), await ref(keys[1])];
    await unlink(srv, key, keys[0], 'facebook');
    await unlink(srv, key, keys[1], 'facebook');
    await rx.waitFor((rs) => rs.some((r) => r.body?.refId === r0) && rs.some((r) => r.body?.refId === r1));
    const got0 = rx.requests.find((r) => r.body?.refId === r0);
    const v0 = verify(got0, ACCT);
    assert.equal(v0.ayrshare && v0.sociald, true, 'the account\'s secret signs the profile\'s webhook');
    const got1 = rx.requests.find((r) => r.body?.refId === r1);
    assert.equal(verify(got1, OWN).sociald, true, 'a profile\'s own secret comes first');
    assert.equal(verify(got1, ACCT).sociald, false);
    // neither the profile nor the account has a secret: unsigned
    const bare = seed(srv, 1, 1);
    await register(srv, bare.key, { action: 'social', url: rx.url }, bare.keys[0]);
    const refBare = (await srv.api('/api/user', { key: bare.key, profileKey: bare.keys[0] })).json.refId;
    await unlink(srv, bare.key, bare.keys[0], 'facebook');
    await rx.waitFor((rs) => rs.some((r) => r.body?.refId === refBare));
    const gotBare = rx.requests.find((r) => r.body?.refId === refBare);
    assert.equal(gotBare.headers['x-authorization-content-sha256'], undefined);
    assert.equal(gotBare.headers['x-sociald-signature'], undefined);
  });

  test('deleting a profile sends an unlink for each linked network', async () => {
    const { key, keys } = seed(srv, 1, 3);
    await register(srv, key, { action: 'social', url: rx.url });
    const refId = (await srv.api('/api/user', { key, profileKey: keys[0] })).json.refId;
    assert.equal((await srv.api('/api/profiles', { method: 'DELETE', key, profileKey: keys[0] })).status, 200);
    await rx.waitFor((rs) => rs.filter((r) => r.body?.refId === refId).length === 3);
    const got = rx.requests.filter((r) => r.body?.refId === refId).map((r) => r.body.platform).sort();
    assert.deepEqual(got, ['facebook', 'gmb', 'instagram']);
  });

  test('transient answers are retried on schedule with the same hookId; then delivered', async () => {
    // A fresh receiver: the dropped connection is then a new one. (On a
    // reused keep-alive connection libcurl itself retries a drop once,
    // which receivers see as a duplicate: fine, they dedupe on hookId.)
    const fresh = await new Receiver().start();
    const { key, keys } = seed(srv, 1, 1);
    await register(srv, key, { action: 'social', url: fresh.url, secret: SECRET });
    fresh.respond({ drop: true }, 500, 503, { status: 429 }, 408, 425);
    await unlink(srv, key, keys[0], 'facebook');
    const tries = (await fresh.waitFor((rs) => rs.length >= 7, 60000)).slice(0, 7);
    const hook = tries[0].body.hookId;
    assert.ok(tries.every((t) => t.body.hookId === hook), 'the same hookId on every attempt');
    assert.deepEqual(tries.map((t) => t.headers['x-sociald-attempt']), ['1', '2', '3', '4', '5', '6', '7']);
    assert.ok(tries.every((t) => verify(t, SECRET).sociald));
    const schedule = [300, 600, 900, 1200, 1500, 1800];
    for (let i = 1; i < 7; i++) {
      const gap = tries[i].at - tries[i - 1].at;
      assert.ok(gap >= schedule[i - 1] - 50, `gap ${i}: ${gap} ms, expected >= ${schedule[i - 1]}`);
      // Only a sanity bound above: how late a retry runs depends on the machine.
      assert.ok(gap < schedule[i - 1] + 10000, `gap ${i}: ${gap} ms`);
    }
    await waitDelivery(srv, key, hook, 'delivered');
    const d = await deliveryOf(srv, key, hook);
    assert.equal(d.attempts, 7);
    assert.equal(d.lastStatus, 200);
    await fresh.stop();
  });

  test('every attempt failing ends the delivery failed after 7 tries', async () => {
    const { key, keys } = seed(srv, 1, 1);
    await register(srv, key, { action: 'social', url: rx.url });
    rx.respond(500, 500, 500, 500, 500, 500, 500);
    await unlink(srv, key, keys[0], 'facebook');
    const refId = (await srv.api('/api/user', { key, profileKey: keys[0] })).json.refId;
    await rx.waitFor((rs) => rs.filter((r) => r.body?.refId === refId).length === 7, 60000);
    const hook = rx.requests.find((r) => r.body?.refId === refId).body.hookId;
    const d = await waitDelivery(srv, key, hook, 'failed');
    assert.equal(d.attempts, 7);
    assert.equal(d.lastStatus, 500);
    assert.match(d.lastError, /HTTP 500/);
    await pass(2200); // a quiet period longer than every retry interval here
    assert.equal(rx.requests.filter((r) => r.body?.refId === refId).length, 7, 'no 8th try');
  });

  test('other 4xx answers are final at once; a resend goes out again with the same hookId', async () => {
    const { key, keys } = seed(srv, 1, 2);
    await register(srv, key, { action: 'social', url: rx.url });
    rx.respond(400);
    await unlink(srv, key, keys[0], 'facebook');
    const refId = (await srv.api('/api/user', { key, profileKey: keys[0] })).json.refId;
    await rx.waitFor((rs) => rs.some((r) => r.body?.refId === refId));
    const hook = rx.requests.find((r) => r.body?.refId === refId).body.hookId;
    const d = await waitDelivery(srv, key, hook, 'failed');
    assert.equal(d.attempts, 1);
    assert.equal(d.lastStatus, 400);
    const rs = await srv.api(`/api/hook/deliveries/${d.id}/resend`, { method: 'POST', key });
    assert.equal(rs.status, 200, rs.text);
    assert.equal(rs.json.hookId, hook);
    assert.notEqual(rs.json.deliveryId, d.id);
    await rx.waitFor((all) => all.filter((r) => r.body?.hookId === hook).length === 2);
    const again = rx.forHook(hook)[1];
    assert.equal(again.headers['x-sociald-delivery'], rs.json.deliveryId);
    assert.deepEqual(again.body, rx.forHook(hook)[0].body, 'the same payload');
    assertError(await srv.api('/api/hook/deliveries/dlv_000000000000000000000000/resend', { method: 'POST', key }), 400, 600, 'webhook');
    const other = seed(srv, 0, 0);
    assertError(await srv.api(`/api/hook/deliveries/${d.id}/resend`, { method: 'POST', key: other.key }), 400, 600, 'webhook');
  });

  test('a receiver that does not answer in time is retried', async () => {
    // The receiver's slow answers outlast the timeout many times over, and
    // the timeout is long enough for a loaded machine to answer in time.
    const slow = new Server({ args: ['--webhook-allow-private', '--webhook-allow-http', '--webhook-timeout-ms', '1500', '--webhook-retries', '100,100'] });
    await slow.start();
    const { key, keys } = seed(slow, 1, 1);
    await register(slow, key, { action: 'social', url: rx.url });
    rx.respond({ hang: true }, { status: 200, delayMs: 8000 });
    await unlink(slow, key, keys[0], 'facebook');
    const refId = (await slow.api('/api/user', { key, profileKey: keys[0] })).json.refId;
    await rx.waitFor((rs) => rs.filter((r) => r.body?.refId === refId).length === 3);
    const hook = rx.requests.find((r) => r.body?.refId === refId).body.hookId;
    const d = await waitDelivery(slow, key, hook, 'delivered');
    assert.equal(d.attempts, 3);
    await slow.stop();
  });

  test('a webhook whose last 10 events failed is disabled, listed as such, skipped; registering again enables it', async () => {
    const bad = await new Receiver().start();
    bad.fallback = { status: 410 };
    const { key, keys } = seed(srv, 1, 10);
    await register(srv, key, { action: 'social', url: bad.url });
    const platforms = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'reddit', 'telegram', 'tiktok', 'twitter', 'youtube'];
    for (const p of platforms.slice(0, 9)) await unlink(srv, key, keys[0], p);
    await bad.waitFor((rs) => rs.length === 9);
    await waitFor(async () => (await srv.api('/api/hook/deliveries?status=failed', { key })).json.count === 9);
    assert.equal((await srv.api('/api/hook/webhook', { key })).json.disabled, undefined, 'not yet');
    await unlink(srv, key, keys[0], 'youtube');
    await waitFor(async () => !!(await srv.api('/api/hook/webhook', { key })).json.disabled);
    const l = (await srv.api('/api/hook/webhook', { key })).json;
    assert.equal(l.social, bad.url, 'still listed');
    assert.ok(l.disabled.social.since);
    assert.match(l.disabled.social.reason, /failed/);
    // the next event is recorded as skipped, not sent
    await srv.api('/api/profiles/social', { method: 'DELETE', key, body: { platform: 'facebook' } });
    await waitFor(async () => (await srv.api('/api/hook/deliveries?status=skipped', { key })).json.count === 1);
    assert.equal(bad.requests.length, 10);
    await bad.stop();
    // registering again enables it
    await register(srv, key, { action: 'social', url: rx.url });
    assert.equal((await srv.api('/api/hook/webhook', { key })).json.disabled, undefined);
    await srv.api('/api/profiles/social', { method: 'DELETE', key, body: { platform: 'gmb' } });
    const acctRef = (await srv.api('/api/user', { key })).json.refId;
    await rx.waitFor((rs) => rs.some((r) => r.body?.refId === acctRef && r.body.platform === 'gmb'));
  });

  test('the delivery log: filters, per-profile scope, cursor paging', async () => {
    const { key, keys } = seed(srv, 2, 6);
    await register(srv, key, { action: 'social', url: rx.url });
    for (const p of ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest']) await unlink(srv, key, keys[0], p);
    await unlink(srv, key, keys[1], 'facebook');
    await waitFor(async () => (await srv.api('/api/hook/deliveries?status=delivered', { key })).json.count === 6);
    const all = await srv.api('/api/hook/deliveries', { key });
    assert.equal(all.json.count, 6);
    const d0 = all.json.deliveries[0];
    assert.deepEqual(Object.keys(d0), ['id', 'hookId', 'action', 'url', 'status', 'attempts', 'lastStatus', 'lastError',
      'created', 'lastAttempt', 'nextAttempt', 'completed']);
    assert.ok(all.json.deliveries.every((d, i, a) => i === 0 || a[i - 1].created >= d.created), 'newest first');
    assert.equal((await srv.api('/api/hook/deliveries', { key, profileKey: keys[0] })).json.count, 5);
    assert.equal((await srv.api('/api/hook/deliveries', { key, profileKey: keys[1] })).json.count, 1);
    assert.equal((await srv.api('/api/hook/deliveries?action=batch', { key })).json.count, 0);
    const seen = [];
    let cursor = '';
    for (;;) {
      const page = await srv.api(`/api/hook/deliveries?limit=4${cursor}`, { key });
      seen.push(...page.json.deliveries.map((d) => d.id));
      if (!page.json.pagination.hasMore) break;
      cursor = '&cursor=' + encodeURIComponent(page.json.pagination.nextCursor);
    }
    assert.deepEqual(seen, all.json.deliveries.map((d) => d.id));
    assertError(await srv.api('/api/hook/deliveries?status=lost', { key }), 400, 600, 'webhook');
    assertError(await srv.api('/api/hook/deliveries?limit=0', { key }), 400, 600, 'webhook');
    assertError(await srv.api(`/api/hook/deliveries?action=social${cursor}`, { key }), 400, 600, 'webhook');
  });

  test('unregistering cancels pending deliveries', async () => {
    const { key, keys } = seed(srv, 1, 1);
    await register(srv, key, { action: 'social', url: rx.url });
    // Every attempt fails, so the delivery is still pending (between
    // retries, or on one) whenever the unregistering lands, however slow
    // the machine.
    rx.respond(503, 503, 503, 503, 503, 503, 503);
    const n0 = rx.requests.length;
    await unlink(srv, key, keys[0], 'facebook');
    await rx.waitFor((rs) => rs.length >= n0 + 1);
    await srv.api('/api/hook/webhook', { method: 'DELETE', key, body: { action: 'social' } });
    await waitFor(async () => (await srv.api('/api/hook/deliveries?status=cancelled', { key })).json.count === 1);
    const n1 = rx.requests.length;
    await pass(2000); // a quiet period longer than the retry interval
    assert.equal(rx.requests.length, n1, 'no retry after unregistering');
    rx.plan.length = 0;
  });

  test('unregistering while an attempt is in flight: the delivery stays cancelled', async () => {
    const { key, keys } = seed(srv, 1, 1);
    await register(srv, key, { action: 'social', url: rx.url });
    rx.respond({ status: 503, delayMs: 1500 });
    const n0 = rx.requests.length;
    await unlink(srv, key, keys[0], 'facebook');
    await rx.waitFor((rs) => rs.length >= n0 + 1); // received; the answer comes in 1.5 s
    await srv.api('/api/hook/webhook', { method: 'DELETE', key, body: { action: 'social' } });
    // The 503 arrives and its attempt is recorded.
    const list = await waitUntil('the attempt recorded', async () => {
      const l = await srv.api('/api/hook/deliveries', { key });
      return l.json.deliveries[0]?.lastStatus === 503 && l;
    });
    assert.equal(list.json.count, 1);
    const [d] = list.json.deliveries;
    assert.equal(d.status, 'cancelled', JSON.stringify(d));
    assert.equal(d.attempts, 1);
    const n1 = rx.requests.length;
    await pass(1500); // a quiet period longer than the retry interval
    assert.equal(rx.requests.length, n1, 'no retry after unregistering');
    rx.plan.length = 0;
  });
});

describe('secret rotation', () => {
  test('both signatures for 24 h after a rotation, then only the new one', async () => {
    const data = tempDir();
    const clock = join(data, 'clock');
    writeFileSync(clock, '0');
    const rx = await new Receiver().start();
    const srv = new Server({ data, args: ['--webhook-allow-private', '--webhook-allow-http'], env: { SOCIALD_TEST_CLOCK_FILE: clock } });
    await srv.start();
    const { key, keys } = seed(srv, 1, 3);
    const OLD = 'old-secret-0123456789', NEW = 'new-secret-9876543210';
    secrets.add(OLD); secrets.add(NEW);
    await register(srv, key, { action: 'social', url: rx.url, secret: OLD });
    await srv.api('/api/hook/webhook/secret', { method: 'POST', key, body: { secret: NEW } });
    await unlink(srv, key, keys[0], 'facebook');
    const [a] = await rx.waitFor((rs) => rs.length === 1);
    assert.deepEqual(verify(a, NEW), { ayrshare: true, previous: false, sociald: true, fresh: true, v1count: 2 });
    const old = verify(a, OLD);
    assert.equal(old.previous, true, 'the previous secret signs X-Authorization-Content-SHA256-Previous');
    assert.equal(old.sociald, true, 'and one v1= of X-Sociald-Signature');
    // 25 hours later only the new secret signs
    writeFileSync(clock, String(25 * 3600 * 1000));
    await pass(100); // the server reads the clock file again after 50 ms
    await unlink(srv, key, keys[0], 'gmb');
    const rs = await rx.waitFor((all) => all.length === 2);
    const b = rs[1];
    assert.equal(b.headers['x-authorization-content-sha256-previous'], undefined);
    const vb = verify(b, NEW);
    assert.equal(vb.ayrshare && vb.sociald, true);
    assert.equal(vb.v1count, 1);
    assert.equal(verify(b, OLD).sociald, false);
    await srv.stop();
    await rx.stop();
  });

  test('rotate-master-key re-seals the secrets; deliveries stay verifiable', async () => {
    const rx = await new Receiver().start();
    const srv = new Server({ args: ['--webhook-allow-private', '--webhook-allow-http'] });
    await srv.start();
    const { key, keys } = seed(srv, 1, 2);
    await register(srv, key, { action: 'social', url: rx.url, secret: SECRET });
    const before = readFileSync(join(srv.data, 'master.key'), 'utf8');
    const r = srv.cli(['rotate-master-key']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.keyId, 2);
    // The webhook secret, and the seeded tokens (the primary and one
    // profile, 2 networks each: the seed links with sealed tokens).
    assert.equal(r.json.resealed, 1 + 4);
    assert.equal(r.json.retired, 1);
    const after = readFileSync(join(srv.data, 'master.key'), 'utf8');
    assert.notEqual(after, before);
    assert.doesNotMatch(after, /^1 /m, 'the old key is retired');
    await unlink(srv, key, keys[0], 'facebook');
    const [a] = await rx.waitFor((rs) => rs.length === 1);
    assert.equal(verify(a, SECRET).sociald, true, 'the running server reads the new key');
    await srv.stop();
    await rx.stop();
  });
});

async function deliveryOf(srv, key, hook) {
  const r = await srv.api('/api/hook/deliveries?limit=500', { key });
  return r.json.deliveries.find((d) => d.hookId === hook);
}

async function waitDelivery(srv, key, hook, status, timeoutMs = 15000) {
  let d;
  await waitFor(async () => (d = await deliveryOf(srv, key, hook))?.status === status, timeoutMs);
  return d;
}

const waitFor = (pred, timeoutMs) => waitUntil('the delivery log to show it', pred, { timeoutMs });

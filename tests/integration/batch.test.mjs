// GET /api/user/batch (SPEC §5): every user profile's GET /api/user body in
// one JSON file, written by a job, served by signed expiring URLs with
// Range and ETag, announced by the batch webhook; one export at a time per
// account, a new one only after the interval; signature tampering refused;
// kill -9 in the middle of an export leaves no partial file behind the URL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, assertError, secrets, tempDir, waitUntil, pass, dbQuery } from './lib/harness.mjs';
import { Receiver, verify } from './lib/receiver.mjs';

let srv, rx;

// A GET of a full URL: {status, headers, text, body (Buffer)}.
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') });
      });
    }).on('error', reject);
  });
}

const batch = (server, key) => server.api('/api/user/batch', { key });

// Waits until the export behind url is ready and returns its answer.
function ready(url, timeoutMs = 30000) {
  return waitUntil('the export to be ready', async () => {
    const r = await get(url);
    if (r.status === 425) assert.equal(JSON.parse(r.text).code, 640);
    return r.status !== 425 && r;
  }, { timeoutMs, everyMs: 100 });
}

function account(server, plan = 'business') {
  const a = server.account(plan);
  secrets.add(a.apiKey);
  return a;
}

async function profiles(server, key, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await server.api('/api/profiles', { method: 'POST', key, body: { title: `Customer ${i}` } });
    assert.equal(r.status, 200, r.text);
    secrets.add(r.json.profileKey);
    out.push(r.json);
  }
  return out;
}

before(async () => {
  rx = await new Receiver().start();
  srv = new Server({ args: ['--batch-interval', '3', '--details-ttl', '3600', '--webhook-allow-private', '--webhook-allow-http'] });
  await srv.start();
});

after(async () => {
  await srv?.stop();
  await rx?.stop();
});

describe('the export', () => {
  test('the file is every user profile\'s GET /api/user body, in creation order; the batch webhook announces it', async () => {
    const acct = account(srv);
    const w = await srv.api('/api/hook/webhook', { method: 'POST', key: acct.apiKey, body: { action: 'batch', url: rx.url, secret: 'batch-secret-0123456789' } });
    assert.equal(w.status, 200, w.text);
    const ps = await profiles(srv, acct.apiKey, 6);
    const gone = ps.pop();
    assert.equal((await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, body: { profileKey: gone.profileKey } })).status, 200);
    const bodies = [];
    for (const p of ps) {
      const u = await srv.api('/api/user', { key: acct.apiKey, profileKey: p.profileKey });
      assert.equal(u.status, 200);
      bodies.push(u.text);
    }
    const b = await batch(srv, acct.apiKey);
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(Object.keys(b.json), ['success', 'url', 'urlAvailable', 'urlExpires', 'lastUpdated', 'nextUpdate']);
    assert.equal(b.json.success, true);
    assert.match(b.json.url, new RegExp(`^${srv.url}/files/batch/${acct.refId}/users-batch-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.json\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    const last = Date.parse(b.json.lastUpdated);
    assert.equal(Date.parse(b.json.nextUpdate) - last, 3000);
    const days = (Date.parse(b.json.urlExpires) - last) / 86400000;
    assert.equal(days, 7);
    assert.ok(Date.parse(b.json.urlAvailable) >= last);
    const f = await ready(b.json.url);
    assert.equal(f.status, 200, f.text);
    assert.equal(f.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(f.headers['content-length']), f.body.length);
    // Byte for byte: the per-profile bodies, in creation order, as one array.
    assert.equal(f.text, '[' + bodies.join(',') + ']');
    const [ev] = await rx.waitFor((rs) => rs.some((q) => q.body?.action === 'batch'));
    const hook = rx.requests.find((q) => q.body?.action === 'batch');
    assert.equal(hook.body.status, 'success');
    assert.equal(hook.body.count, 5);
    assert.equal(hook.body.refId, acct.refId);
    assert.equal(hook.body.urlExpires, b.json.urlExpires);
    const v = verify(hook, 'batch-secret-0123456789');
    assert.ok(v.ayrshare && v.sociald, 'signed');
    assert.equal((await get(hook.body.url)).text, f.text, 'the webhook\'s URL serves the file');
    void ev;
  });

  test('an account without user profiles gets an empty array; a plan without batch gets 620', async () => {
    const acct = account(srv);
    const b = await batch(srv, acct.apiKey);
    assert.equal((await ready(b.json.url)).text, '[]');
    assertError(await batch(srv, account(srv, 'premium').apiKey), 403, 620);
  });

  test('within the interval the same export is returned; after it, a new one', async () => {
    const acct = account(srv);
    await profiles(srv, acct.apiKey, 2);
    const first = await batch(srv, acct.apiKey);
    const again = await batch(srv, acct.apiKey);
    assert.equal(again.json.url, first.json.url);
    assert.equal(again.json.lastUpdated, first.json.lastUpdated);
    await ready(first.json.url);
    await pass(3100 - (Date.now() - Date.parse(first.json.lastUpdated))); // the 3 s interval
    const later = await batch(srv, acct.apiKey);
    assert.notEqual(later.json.lastUpdated, first.json.lastUpdated);
    assert.ok(Date.parse(later.json.lastUpdated) >= Date.parse(first.json.nextUpdate));
    assert.equal((await ready(later.json.url)).status, 200);
  });

  test('concurrent requests start one export', async () => {
    const acct = account(srv);
    await profiles(srv, acct.apiKey, 3);
    const all = await Promise.all(Array.from({ length: 12 }, () => batch(srv, acct.apiKey)));
    for (const r of all) assert.equal(r.status, 200, r.text);
    assert.equal(new Set(all.map((r) => r.json.url)).size, 1);
    const rows = dbQuery(srv.data,
      `SELECT COUNT(*) FROM batch_exports WHERE account_id = (SELECT account_id FROM profiles WHERE ref_id = '${acct.refId}')`);
    assert.equal(rows, '1');
  });
});

describe('the signed URL', () => {
  let url, full;
  before(async () => {
    const acct = account(srv);
    await profiles(srv, acct.apiKey, 8);
    url = (await batch(srv, acct.apiKey)).json.url;
    full = (await ready(url)).body;
  });

  test('tampered path, expiry or signature: 403, 641', async () => {
    const u = new URL(url);
    const other = new URL(url);
    // Another minute's file name (an export started at :00 gets :01).
    other.pathname = u.pathname.replace(/\d\d\.json$/, (m) => (m === '00.json' ? '01.json' : '00.json'));
    assert.notEqual(other.pathname, u.pathname);
    const ref = new URL(url);
    ref.pathname = u.pathname.replace(/batch\/[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0'));
    const exp = new URL(url);
    exp.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 1));
    const sig = new URL(url);
    const s = u.searchParams.get('signature');
    sig.searchParams.set('signature', (s[0] === 'a' ? 'b' : 'a') + s.slice(1));
    const none = new URL(url);
    none.searchParams.delete('signature');
    for (const bad of [other, ref, exp, sig, none]) {
      const r = await get(bad.toString());
      assert.equal(r.status, 403, bad.toString());
      assert.equal(JSON.parse(r.text).code, 641);
    }
  });

  test('Range, ETag and If-None-Match', async () => {
    const whole = await get(url);
    const etag = whole.headers.etag;
    assert.match(etag, /^"[^"]+"$/);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    const part = await get(url, { Range: 'bytes=0-9' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 0-9/${full.length}`);
    assert.deepEqual(part.body, full.subarray(0, 10));
    const mid = await get(url, { Range: 'bytes=100-' });
    assert.equal(mid.status, 206);
    assert.deepEqual(mid.body, full.subarray(100));
    const tail = await get(url, { Range: 'bytes=-7' });
    assert.deepEqual(tail.body, full.subarray(full.length - 7));
    assert.equal(tail.headers['content-range'], `bytes ${full.length - 7}-${full.length - 1}/${full.length}`);
    for (const ignored of ['bytes=abc', 'bytes=5-2', `bytes=${full.length}-`, 'bytes=0-1,4-5', 'items=0-1']) {
      const r = await get(url, { Range: ignored });
      assert.equal(r.status, 200, ignored);
      assert.deepEqual(r.body, full);
    }
    assert.equal((await get(url, { Range: 'bytes=0-9', 'If-Range': '"other"' })).status, 200);
    const cached = await get(url, { 'If-None-Match': etag });
    assert.equal(cached.status, 304);
    assert.equal(cached.body.length, 0);
  });
});

test('expired URLs: 403, 641, and the sweeper deletes the file', async () => {
  const short = new Server({ args: ['--batch-url-ttl', '2', '--jobs-poll-ms', '100'] });
  await short.start();
  const acct = account(short);
  await profiles(short, acct.apiKey, 2);
  const b = await batch(short, acct.apiKey);
  assert.equal((await ready(b.json.url)).status, 200);
  const file = join(short.data, 'files', 'batch', acct.refId, new URL(b.json.url).pathname.split('/').pop());
  assert.ok(existsSync(file));
  await pass(Date.parse(b.json.urlExpires) - Date.now() + 300); // the URL's life
  const r = await get(b.json.url);
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(r.text).code, 641);
  await waitUntil('the sweeper to remove the expired file', () => !existsSync(file));
  await short.stop();
});

test('kill -9 during an export: no partial file behind the URL; the export completes after restart', async () => {
  const data = tempDir();
  const args = ['--jobs-lease-ms', '1500', '--jobs-poll-ms', '100'];
  const first = new Server({ data, args });
  const seed = first.cli(['seed', '--profiles', '40000', '--accounts', '3']);
  assert.equal(seed.status, 0, seed.stderr);
  secrets.add(seed.json.apiKey);
  await first.start();
  const b = await batch(first, seed.json.apiKey);
  assert.equal(b.status, 200, b.text);
  const early = await get(b.json.url);
  assert.equal(early.status, 425, 'not ready at once');
  assert.equal(JSON.parse(early.text).code, 640);
  assert.ok(Date.parse(JSON.parse(early.text).details.urlAvailable) > Date.now() - 1000);
  // Kill it while the temporary file grows.
  const dir = join(data, 'files', 'batch', seed.json.refId);
  const name = new URL(b.json.url).pathname.split('/').pop();
  await waitUntil('the temporary file', () => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.tmp')), { everyMs: 5 });
  await first.kill9();
  assert.ok(!existsSync(join(dir, name)), 'no file under the final name');

  const second = new Server({ data, args });
  await second.start();
  // The same signed path on the restarted server (a new port).
  const moved = new URL(b.json.url);
  moved.host = new URL(second.url).host;
  const done = await ready(moved.toString(), 60000);
  assert.equal(done.status, 200);
  const list = JSON.parse(done.text);
  assert.equal(list.length, 40000);
  assert.equal(list[0].title, 'Customer 000001');
  assert.equal(list[39999].title, 'Customer 040000');
  assert.equal(list[0].displayNames.length, 3);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  await second.stop();
  rmSync(data, { recursive: true, force: true });
});

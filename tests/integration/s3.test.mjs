// Batch exports in S3-compatible object storage (SPEC §12, --files
// s3://bucket/prefix): the export streams into the store (multipart past
// one part), GET /api/user/batch and the batch webhook hand out a SigV4
// pre-signed URL valid 7 days, which serves the file byte for byte; a
// tampered or expired URL is refused by the store; the sweeper deletes
// expired objects; kill -9 mid-upload leaves no object, and after a restart
// no pending upload; SIGTERM mid-upload stops the export and aborts it. The store is s3rver behind tests/s3/server.mjs, which
// checks every signature itself (s3rver does not).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, secrets, tempDir, waitUntil, pass } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';
import { S3, get } from './lib/s3.mjs';

let s3, rx;

before(async () => {
  s3 = await new S3().start();
  rx = await new Receiver().start();
});

after(async () => {
  await rx?.stop();
  await s3?.stop();
});

function server(args = [], { data, store = s3, prefix = 'exports' } = {}) {
  return new Server({
    data,
    args: ['--files', `s3://${store.bucket}/${prefix}`, '--jobs-poll-ms', '100', '--webhook-allow-private', '--webhook-allow-http', ...args],
    env: store.env(),
  });
}

// Waits until the object behind a pre-signed URL is there; returns the GET.
function ready(url, timeoutMs = 60000) {
  return waitUntil('the export in the store', async () => {
    const r = await get(url);
    return r.status === 200 && r;
  }, { timeoutMs, everyMs: 100 });
}

function seed(srv, profiles, accounts, keysOut) {
  const r = srv.cli(['seed', '--profiles', String(profiles), '--accounts', String(accounts), ...(keysOut ? ['--keys-out', keysOut] : [])]);
  assert.equal(r.status, 0, r.stderr);
  secrets.add(r.json.apiKey);
  return r.json;
}

test('10,000 profiles: uploaded in parts, the pre-signed URL serves every GET /api/user body byte for byte, the webhook carries it', async () => {
  const srv = server(['--details-ttl', '3600']);
  const keysFile = join(srv.data, 'keys.txt');
  const acct = seed(srv, 10000, 10, keysFile);
  await srv.start();
  const w = await srv.api('/api/hook/webhook', { method: 'POST', key: acct.apiKey, body: { action: 'batch', url: rx.url, secret: 'batch-secret-0123456789' } });
  assert.equal(w.status, 200, w.text);
  const keys = readFileSync(keysFile, 'utf8').trim().split('\n');
  assert.equal(keys.length, 10000);
  const bodies = [];
  for (const k of keys) {
    const u = await srv.api('/api/user', { key: acct.apiKey, profileKey: k });
    assert.equal(u.status, 200, u.text);
    bodies.push(u.text);
  }
  const b = await srv.api('/api/user/batch', { key: acct.apiKey });
  assert.equal(b.status, 200, b.text);
  const url = new URL(b.json.url);
  assert.equal(url.origin, s3.endpoint, 'the URL is the store\'s, not the server\'s');
  assert.match(url.pathname, new RegExp(`^/${s3.bucket}/exports/batch/${acct.refId}/users-batch-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.json$`));
  assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(url.searchParams.get('X-Amz-Expires'), '604800');
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
  assert.equal(Date.parse(b.json.urlExpires) - Date.parse(b.json.lastUpdated), 7 * 86400000);
  const f = await ready(b.json.url);
  // Byte for byte, but for LinkedIn's refreshDaysRemaining: a day count
  // from the clock, which moves by one for an account whose renewal time
  // of day passes between its GET and the export (the seed spreads 10,000
  // of them over the day: about one per 9 s).
  const days = /"refreshDaysRemaining":(\d+)/g;
  const got = [...f.text.matchAll(days)].map((m) => +m[1]);
  const had = [...bodies.join(',').matchAll(days)].map((m) => +m[1]);
  assert.equal(got.length, had.length);
  assert.ok(got.every((d, i) => d === had[i] || d === had[i] - 1), 'a day at most, and only down');
  const want = ('[' + bodies.join(',') + ']').replace(days, '"refreshDaysRemaining":N');
  f.text = f.text.replace(days, '"refreshDaysRemaining":N');
  if (f.text !== want) {
    let i = 0;
    while (i < want.length && f.text[i] === want[i]) i++;
    assert.fail(`byte ${i} differs: got …${f.text.slice(i - 200, i + 100)}… want …${want.slice(i - 200, i + 100)}…`);
  }
  const parts = s3.requests((r) => r.method === 'PUT' && /partNumber=/.test(r.query) && r.status === 200);
  assert.ok(parts.length >= 3, `uploaded in several parts (${parts.length}; ${f.body.length} bytes)`);
  assert.equal(s3.requests((r) => r.method === 'POST' && /^uploadId=/.test(r.query) && r.status === 200).length, 1, 'completed once');
  // The same export answers with the same URL; the webhook carries it.
  assert.equal((await srv.api('/api/user/batch', { key: acct.apiKey })).json.url, b.json.url);
  await rx.waitFor((rs) => rs.some((q) => q.body?.action === 'batch'));
  const hook = rx.requests.find((q) => q.body?.action === 'batch');
  assert.equal(hook.body.url, b.json.url);
  assert.equal(hook.body.count, 10000);
  assert.deepEqual(await s3.uploads('exports/'), [], 'no pending upload');
  await srv.stop();
});

test('a small export is one PUT; tampered URLs are refused by the store; an expired one too, and the sweeper deletes the object', async () => {
  const srv = server(['--batch-url-ttl', '5', '--sweep-interval', '1'], { prefix: 'short/ttl' });
  await srv.start();
  const acct = srv.account();
  secrets.add(acct.apiKey);
  for (let i = 0; i < 3; i++) {
    const r = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title: `Customer ${i}` } });
    assert.equal(r.status, 200, r.text);
    secrets.add(r.json.profileKey);
  }
  const b = await srv.api('/api/user/batch', { key: acct.apiKey });
  const f = await ready(b.json.url);
  assert.equal(JSON.parse(f.text).length, 3);
  assert.equal(s3.requests((r) => r.method === 'POST' && r.path.includes('/short/ttl/') && r.query === 'uploads=').length, 0, 'no multipart upload for one part');
  const key = decodeURIComponent(new URL(b.json.url).pathname.slice(s3.bucket.length + 2));
  assert.deepEqual(await s3.keys('short/ttl/'), [key]);

  const tamper = (fn) => { const u = new URL(b.json.url); fn(u); return u.toString(); };
  const sig = new URL(b.json.url).searchParams.get('X-Amz-Signature');
  const cases = {
    signature: tamper((u) => u.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1))),
    path: tamper((u) => { u.pathname = u.pathname.replace(/\.json$/, '.jso'); }),
    expiry: tamper((u) => u.searchParams.set('X-Amz-Expires', '604800')),
    // one second later: still within the URL's life, so only the signature can refuse it
    date: tamper((u) => {
      const d = u.searchParams.get('X-Amz-Date');
      const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15)) + 1000;
      u.searchParams.set('X-Amz-Date', new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''));
    }),
  };
  for (const [what, u] of Object.entries(cases)) {
    const r = await get(u);
    assert.equal(r.status, 403, `${what} tampered: ${r.text}`);
    assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/, what);
  }
  await pass(Date.parse(b.json.urlExpires) - Date.now() + 300);
  const late = await get(b.json.url);
  assert.equal(late.status, 403);
  assert.match(late.text, /Request has expired/);
  await waitUntil('the sweeper to delete the expired object', async () => (await s3.keys('short/ttl/')).length === 0);
  await srv.stop();
});

test('kill -9 mid-upload: no object behind the URL; after restart no pending upload and the export completes', async () => {
  const data = tempDir();
  const args = ['--jobs-lease-ms', '1500'];
  const first = server(args, { data, prefix: 'crash' });
  const acct = seed(first, 40000, 3);
  await first.start();
  const b = await first.api('/api/user/batch', { key: acct.apiKey });
  assert.equal(b.status, 200, b.text);
  const path = new URL(b.json.url).pathname;
  await waitUntil('a part stored', () => s3.requests((r) => r.path === path && /partNumber=/.test(r.query) && r.status === 200).length > 0, { everyMs: 5, timeoutMs: 60000 });
  await first.kill9();
  assert.equal((await get(b.json.url)).status, 404, 'no object behind the URL');
  assert.deepEqual(await s3.keys('crash/'), []);
  assert.equal((await s3.uploads('crash/')).length, 1, 'the killed upload is pending');

  const second = server(args, { data, prefix: 'crash' });
  await second.start();
  const done = await ready(b.json.url).catch((e) => { throw new Error(e.message + '\n' + second.logs.filter((l) => !l.includes('"request"')).join('\n') + '\n' + s3.logs.slice(-20).join('\n')); });
  const list = JSON.parse(done.text);
  assert.equal(list.length, 40000);
  assert.equal(list[0].title, 'Customer 000001');
  assert.equal(list[39999].title, 'Customer 040000');
  assert.deepEqual(await s3.uploads('crash/'), [], 'no pending upload left');
  await second.stop();
});

test('SIGTERM mid-upload: the export stops, its upload aborted, and the server exits', async () => {
  const data = tempDir();
  const first = server([], { data, prefix: 'term' });
  const acct = seed(first, 40000, 3);
  await first.start();
  const b = await first.api('/api/user/batch', { key: acct.apiKey });
  const path = new URL(b.json.url).pathname;
  await waitUntil('a part stored', () => s3.requests((r) => r.path === path && /partNumber=/.test(r.query) && r.status === 200).length > 0, { everyMs: 5, timeoutMs: 60000 });
  const r = await first.terminate();
  assert.equal(r.code, 0);
  // Had the stop waited for the export, its object would be there.
  assert.deepEqual(await s3.keys('term/'), [], 'no object');
  assert.deepEqual(await s3.uploads('term/'), [], 'its upload aborted');
  // The export runs again after the restart.
  const second = server([], { data, prefix: 'term' });
  await second.start();
  assert.equal(JSON.parse((await ready(b.json.url)).text).length, 40000);
  await second.stop();
});

test('temporary credentials: the session token is sent, signed and carried by the URL', async () => {
  const sts = await new S3({ sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/token+value==' }).start();
  try {
    const srv = server([], { store: sts });
    await srv.start();
    const acct = srv.account();
    secrets.add(acct.apiKey);
    const b = await srv.api('/api/user/batch', { key: acct.apiKey });
    assert.equal(new URL(b.json.url).searchParams.get('X-Amz-Security-Token'), sts.sessionToken);
    assert.equal((await ready(b.json.url)).text, '[]');
    await srv.stop();
  } finally {
    await sts.stop();
  }
});

test('a setting that cannot work refuses to start, saying why', async () => {
  const cases = [
    [['--files', 's3://Not_A_Bucket/x'], s3.env(), /not an S3 bucket name/],
    [['--files', 's3://fine-bucket'], { ...s3.env(), AWS_SECRET_ACCESS_KEY: '' }, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/],
    [['--files', 's3://fine-bucket'], { ...s3.env(), AWS_ENDPOINT_URL: 'ftp://x' }, /AWS_ENDPOINT_URL/],
    [['--files', 's3://fine-bucket', '--batch-url-ttl', '700000'], s3.env(), /at most 604800/],
    [['--files', 's3://fine-bucket', '--files-part-mb', '4'], s3.env(), /files-part-mb/],
  ];
  for (const [args, env, why] of cases) {
    const srv = new Server({ args, env });
    await assert.rejects(srv.start(), why);
    await srv.stop();
  }
});

test('a store that does not answer at start is logged; the export retries until it does', async () => {
  const later = new S3({ bucket: 'later-bucket' });
  const srv = new Server({ args: ['--files', 's3://later-bucket', '--jobs-poll-ms', '100'], env: { ...later.env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
  await srv.start();
  await srv.waitForLog((l, j) => j?.msg?.startsWith('batch files:') && j.level === 'error');
  const acct = srv.account();
  secrets.add(acct.apiKey);
  const b = await srv.api('/api/user/batch', { key: acct.apiKey });
  assert.equal(b.status, 200, b.text);
  // The attempt fails, saying why, and is queued again (not lost).
  await srv.waitForLog((l, j) => j?.level === 'error' && /^batch export \d+ failed .*retrying in 30 s/.test(j.msg));
  await srv.stop();
});

// The store the tests and bench/batch rely on keeps multipart uploads as S3
// does (tests/s3/server.mjs uploadPart/completeUpload): what sociald's
// uploads are checked against must refuse what S3 refuses.
test('the test store: multipart parts, ETags and order are checked as S3 checks them; a part sent again replaces the first', async () => {
  const { createHash } = await import('node:crypto');
  const md5 = (b) => createHash('md5').update(b).digest('hex');
  const key = '/' + s3.bucket + '/store-check/object.bin';
  const create = async () => {
    const r = await s3.call('POST', `${key}?uploads=`);
    assert.equal(r.status, 200, r.text);
    return /<UploadId>([^<]+)<\/UploadId>/.exec(r.text)[1];
  };
  const put = async (id, n, body) => {
    const r = await s3.call('PUT', `${key}?partNumber=${n}&uploadId=${id}`, { body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.etag, `"${md5(body)}"`);
    return r.headers.etag;
  };
  const complete = (id, parts) => s3.call('POST', `${key}?uploadId=${id}`, {
    body: '<CompleteMultipartUpload>' + parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('') + '</CompleteMultipartUpload>',
  });
  const big = (c) => Buffer.alloc(5 * 1024 * 1024, c);

  const id = await create();
  const first = await put(id, 1, big('a'));
  const second = await put(id, 2, Buffer.from('tail'));
  assert.equal((await s3.call('PUT', `${key}?partNumber=1&uploadId=ffff`, { body: 'x' })).status, 404);
  let r = await complete(id, [[2, second], [1, first]]);
  assert.equal(r.status, 400);
  assert.match(r.text, /InvalidPartOrder/);
  r = await complete(id, [[1, '"00000000000000000000000000000000"'], [2, second]]);
  assert.match(r.text, /InvalidPart</);
  assert.equal((await s3.call('GET', key)).status, 404, 'no object before the completion');
  const again = await put(id, 1, big('b')); // sent again: the newer bytes count
  r = await complete(id, [[1, first], [2, second]]);
  assert.match(r.text, /InvalidPart</, 'the replaced part\'s ETag is no longer valid');
  r = await complete(id, [[1, again], [2, second]]);
  assert.equal(r.status, 200, r.text);
  const etag = createHash('md5').update(Buffer.concat([Buffer.from(md5(big('b')), 'hex'), Buffer.from(md5(Buffer.from('tail')), 'hex')])).digest('hex') + '-2';
  assert.match(r.text, new RegExp(`<ETag>&quot;${etag}&quot;</ETag>`));
  let got = await s3.call('GET', key);
  assert.equal(got.status, 200);
  assert.ok(got.body.equals(Buffer.concat([big('b'), Buffer.from('tail')])), 'the object is the listed parts, in order');
  assert.equal(got.headers.etag, `"${etag}"`);
  assert.equal((await complete(id, [[1, again], [2, second]])).status, 404, 'a completed upload is gone');
  assert.deepEqual(await s3.uploads('store-check/'), []);

  const small = await create(); // parts but the last must be >= 5 MiB
  const s1 = await put(small, 1, Buffer.from('short'));
  const s2 = await put(small, 2, Buffer.from('end'));
  r = await complete(small, [[1, s1], [2, s2]]);
  assert.equal(r.status, 400);
  assert.match(r.text, /EntityTooSmall/);
  assert.equal((await s3.call('DELETE', `${key}?uploadId=${small}`)).status, 204);

  const inOrder = await create(); // parts sent in turn: the object is their bytes end to end
  const o1 = await put(inOrder, 1, big('c'));
  const o2 = await put(inOrder, 2, Buffer.from('last'));
  assert.equal((await complete(inOrder, [[1, o1], [2, o2]])).status, 200);
  got = await s3.call('GET', key);
  assert.ok(got.body.equals(Buffer.concat([big('c'), Buffer.from('last')])));
  assert.equal((await s3.call('DELETE', key)).status, 204);
});

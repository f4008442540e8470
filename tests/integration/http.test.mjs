// The HTTP layer: routing (601/602), limits (603), JSON bodies (604), query
// parsing (600), compression, request ids (SPEC §1, §7).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { Server, assertError, rawRequest, waitUntil } from './lib/harness.mjs';

let srv, acct;

before(async () => {
  srv = new Server();
  await srv.start();
  acct = srv.account('business');
});
after(async () => { await srv.stop(); });

test('601 for unknown paths, 602 with Allow for wrong methods', async () => {
  for (const p of ['/api/nope', '/', '/api', '/api/user/x/y/z', '//api/user', '/API/USER', '/api/user/..']) {
    assertError(await srv.api(p, { key: acct.apiKey }), 404, 601);
  }
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await srv.api('/api/user', { method: m, key: acct.apiKey });
    assertError(r, 405, 602);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
  const head = await fetch(srv.url + '/api/user', { method: 'HEAD', headers: { Authorization: `Bearer ${acct.apiKey}` } });
  assert.equal(head.status, 200);
  const slash = await srv.api('/api/user/', { key: acct.apiKey });
  assert.equal(slash.status, 200);
});

test('every answer has a request id and the JSON content type', async () => {
  const ids = new Set();
  for (const p of ['/api/user', '/api/nope', '/healthz']) {
    const r = await srv.api(p, { key: acct.apiKey });
    assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
    ids.add(r.headers.get('x-request-id'));
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  }
  assert.equal(ids.size, 3);
});

test('603: bodies over 1 MiB, declared or streamed', async () => {
  const big = 'x'.repeat(1024 * 1024 + 1);
  const r = await srv.api('/api/user', { method: 'GET', key: acct.apiKey, body: big });
  assertError(r, 413, 603);
  // chunked, no Content-Length: the limit is enforced while reading
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let req = `GET /api/user HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${acct.apiKey}\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const parts = [Buffer.from(req)];
  for (let i = 0; i < 20; i++) parts.push(Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  const raw = await rawRequest(srv.port, Buffer.concat(parts));
  assert.equal(raw.status, 413);
  assert.equal(raw.json.code, 603);
  // exactly at the limit is fine (the body is then not valid JSON: 604)
  const edge = await srv.api('/api/user', { method: 'GET', key: acct.apiKey, body: 'y'.repeat(1024 * 1024) });
  assertError(edge, 400, 604);
});

test('604: malformed JSON, non-objects, duplicate keys; position reported', async () => {
  for (const body of ['{"a":', '[1,2]', '"str"', '42', 'null', '{"a":1,"a":2}', '{\'a\':1}', '\u0000']) {
    const r = await srv.api('/api/user', { method: 'GET', key: acct.apiKey, body });
    assertError(r, 400, 604, 'user');
    assert.ok(r.json.details.reason, body);
  }
  const pos = await srv.api('/api/user', { method: 'GET', key: acct.apiKey, body: '{\n  "a": tru }' });
  assert.equal(pos.json.details.line, 2);
  const ws = await srv.api('/api/user', { method: 'GET', key: acct.apiKey, body: ' \n' });
  assert.equal(ws.status, 200, 'white space is an empty body');
});

test('600: bad percent-encoding and bad booleans name the field', async () => {
  const r1 = await srv.api('/api/user?validate=%zz', { key: acct.apiKey });
  assertError(r1, 400, 600, 'user');
  assert.equal(r1.json.details.field, 'query');
  const r2 = await srv.api('/api/user?x=%00', { key: acct.apiKey });
  assertError(r2, 400, 600);
  const many = '/api/user?' + Array.from({ length: 300 }, (_, i) => `k${i}=1`).join('&');
  assertError(await srv.api(many, { key: acct.apiKey }), 400, 600);
  for (const v of ['', 'yes', 'tru', '2', 'on']) {
    const r = await srv.api(`/api/user?validate=${v}`, { key: acct.apiKey });
    assertError(r, 400, 600, 'user');
    assert.equal(r.json.details.field, 'validate');
  }
});

test('unknown query parameters and body fields are ignored; arrays in every form', async () => {
  const r = await srv.api('/api/user?source=npm&x[0]=a&x[1]=b&y=a,b&z=', {
    method: 'GET', key: acct.apiKey, body: { source: 'pypi', whatever: [1, { deep: true }] },
  });
  assert.equal(r.status, 200);
});

test('gzip for bodies over 1 KiB only when the client asks', async () => {
  const seeded = srv.cli(['seed', '--profiles', '0', '--accounts', '10']);
  const key = seeded.json.apiKey;
  const req = (ae) => `GET /api/user HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n${ae}Connection: close\r\n\r\n`;
  const plain = await rawRequest(srv.port, req(''));
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.ok(Number(plain.headers['content-length']) > 1024);
  const gz = await rawRequest(srv.port, req('Accept-Encoding: br, gzip;q=0.8\r\n'));
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.deepEqual(gz.json.displayNames.length, 10);
  assert.ok(Number(gz.headers['content-length']) < Number(plain.headers['content-length']));
  const refused = await rawRequest(srv.port, req('Accept-Encoding: gzip;q=0\r\n'));
  assert.equal(refused.headers['content-encoding'], undefined);
  const small = await rawRequest(srv.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n`);
  assert.equal(small.headers['content-encoding'], undefined, 'small bodies are not compressed');
  assert.deepEqual(JSON.parse(zlib.gunzipSync(Buffer.from(gz.text.slice(gz.text.indexOf('\r\n\r\n') + 4), 'latin1')).toString()).refId, plain.json.refId);
});

test('431/603: headers over 16 KiB; the server stays up', async () => {
  const r = await rawRequest(srv.port, `GET /api/user HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17000)}\r\n\r\n`);
  assert.equal(r.status, 431);
  assert.equal(r.json.code, 603);
  const many = Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'b'.repeat(90)}`).join('\r\n');
  const r2 = await rawRequest(srv.port, `GET /api/user HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`);
  assert.equal(r2.status, 431);
  const ok = await srv.api('/api/user', { key: acct.apiKey });
  assert.equal(ok.status, 200);
});

test('garbage requests get an HTTP error or a closed connection, never a crash', async () => {
  const garbage = [
    'GARBAGE\r\n\r\n',
    'GET\r\n\r\n',
    'GET /api/user HTTP/9.9\r\n\r\n',
    'GET /api/user HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'GET /api/user HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'GET /api/user HTTP/1.1\r\nNoColonHeader\r\n\r\n',
    'GET /api/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /api/user?%ZZ%00 HTTP/1.1\r\nHost: x\r\n\r\n',
    `GET /${'a/'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  ];
  for (const g of garbage) {
    const r = await rawRequest(srv.port, Buffer.from(g, 'latin1'), { timeoutMs: 3000 });
    assert.ok(r.closed || r.status >= 400, JSON.stringify(g.slice(0, 40)) + ' -> ' + r.text.slice(0, 80));
  }
  // A request line starting with NUL reads as an empty line to
  // libmicrohttpd, which waits for a real one: no answer, then the idle
  // timeout closes it. Never a success, never a crash.
  const nul = await rawRequest(srv.port, Buffer.from('\x00\x01\x02\x03\r\n\r\n', 'latin1'), { timeoutMs: 1500 });
  assert.ok(nul.status === 0 || nul.status >= 400);
  assert.equal((await srv.api('/healthz')).status, 200);
});

test('a slow client is cut at the timeout; others are served meanwhile', async () => {
  const slow = new Server({ args: ['--timeout', '2'] });
  await slow.start();
  const { default: net } = await import('node:net');
  const sock = net.connect(slow.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  sock.write('GET /api/user HTTP/1.1\r\nHost: x\r\n');
  const closed = new Promise((r) => sock.on('close', r));
  const t0 = Date.now();
  assert.equal((await slow.api('/healthz')).status, 200);
  await closed;
  const took = Date.now() - t0;
  assert.ok(took >= 1500 && took < 10000, `cut after ${took} ms`);
  await slow.stop();
});

test('/healthz answers without auth', async () => {
  const r = await srv.api('/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
});

// Parses the Prometheus text exposition into {"name{labels}": value}.
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

test('GET /metrics: requests by route and status, latency histograms, the job queue', async () => {
  // A server of its own: no other test's request is still being counted.
  const srv = await new Server().start();
  const acct = srv.account('business');
  const before = parseMetrics(await (await fetch(srv.url + '/metrics')).text());
  for (let i = 0; i < 5; i++) assert.equal((await srv.api('/api/user', { key: acct.apiKey })).status, 200);
  assertError(await srv.api('/api/user', { key: 'not-a-key' }), 401, 102);
  await srv.api('/api/nope', { key: acct.apiKey });
  // A request is counted once its last byte is sent, which can be a moment
  // after the client has read it: wait for the count.
  const ok = 'sociald_http_requests_total{route="/api/user",method="GET",status="200"}';
  let text;
  const m = await waitUntil('the five requests counted', async () => {
    const res = await fetch(srv.url + '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    text = await res.text();
    const parsed = parseMetrics(text);
    return parsed[ok] - (before[ok] || 0) >= 5 && parsed['sociald_http_requests_total{route="/api/user",method="GET",status="401"}'] >= 1 &&
      parsed['sociald_http_requests_total{route="(none)",method="GET",status="404"}'] >= 1 && parsed;
  });
  assert.equal(m[ok] - (before[ok] || 0), 5, text);
  assert.ok(m['sociald_http_requests_total{route="/api/user",method="GET",status="401"}'] >= 1);
  assert.ok(m['sociald_http_requests_total{route="(none)",method="GET",status="404"}'] >= 1);
  // The histogram is cumulative and ends with +Inf = count.
  const buckets = Object.entries(m).filter(([k]) => k.startsWith('sociald_http_request_duration_seconds_bucket{route="/api/user",method="GET"'));
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1], 'cumulative');
  assert.equal(m['sociald_http_request_duration_seconds_bucket{route="/api/user",method="GET",le="+Inf"}'],
    m['sociald_http_request_duration_seconds_count{route="/api/user",method="GET"}']);
  assert.ok(m['sociald_http_request_duration_seconds_sum{route="/api/user",method="GET"}'] > 0);
  assert.ok('sociald_jobs_queued{kind="sweep"}' in m, 'the job queue by kind');
  assert.ok('sociald_webhook_deliveries_total{outcome="delivered"}' in m);
  assert.ok('sociald_cache_entries' in m);
  for (const line of text.split('\n')) assert.ok(!line || line.startsWith('#') || /^sociald_[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/.test(line), line);
  await srv.stop();
});

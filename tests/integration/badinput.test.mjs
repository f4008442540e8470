// Bad input (SPEC §1, §1.1, §1.2, §7): hundreds of malformed requests
// against the real binary — broken JSON, wrong types in every body field,
// bad UTF-8 and NUL bytes, huge numbers, deep nesting, oversized bodies,
// headers and request lines, duplicate headers, path traversal in every
// path parameter, broken HTTP framing. Each answer must be the right
// status and code with the §1.1 error body (or, for broken framing, a 4xx
// or a closed connection); the server stays up throughout and nothing
// stored changes.
//
// Cases are tables (route x field x bad value) so the count stays high and
// the file readable. Known deviations are `todo` tests at the end: they
// assert what the SPEC and RFC 9112 ask and report, without failing the run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, rawRequest, secrets, dbQuery } from './lib/harness.mjs';

let srv, K, PK, initial;
let thrown = 0; // every request sent at the server, checks included
let groupStart = 0;
let failures = [];

const JSON_CT = 'application/json; charset=utf-8';
const TABLES = ['accounts', 'profiles', 'linked_accounts', 'webhooks', 'webhook_secrets', 'link_sessions',
  'oauth_states', 'deliveries', 'events', 'gbp_edits', 'batch_exports'];

before(async () => {
  // The rate limit is raised so that hundreds of calls on one profile are
  // all answered for what they are, not with 621.
  srv = new Server({ args: ['--rate-limit', '10000000'] });
  await srv.start();
  K = srv.account('business').apiKey;
  const made = await srv.api('/api/profiles', { method: 'POST', key: K, body: { title: 'Seeded', tags: ['t1'] } });
  assert.equal(made.status, 200, made.text);
  PK = made.json.profileKey;
  secrets.add(PK);
  const upd = await srv.api('/api/profiles', { method: 'PATCH', key: K, profileKey: PK,
    body: { bioHandle: 'seeded-bio', subHeader: 'hello' } });
  assert.equal(upd.status, 200, upd.text);
  initial = await snapshot();
});
after(async () => { await srv.stop(); });

// ---- helpers -------------------------------------------------------------------

// What a client can read back, minus the fields that move with every call.
async function snapshot() {
  const strip = (j) => {
    const c = structuredClone(j);
    for (const k of ['monthlyApiCalls', 'lastUpdated', 'nextUpdate']) delete c[k];
    return c;
  };
  const get = async (path, opts) => {
    const r = await srv.api(path, { key: K, ...opts });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return strip(r.json);
  };
  return {
    account: await get('/api/user'),
    profile: await get('/api/user', { profileKey: PK }),
    profiles: await get('/api/profiles'),
    webhooks: await get('/api/hook/webhook'),
    counts: Object.fromEntries(TABLES.map((t) => [t, dbQuery(srv.data, `SELECT count(*) FROM ${t}`)])),
  };
}

const hdr = (r, name) => (r.headers?.get ? r.headers.get(name) : r.headers?.[name]);
const show = (v) => {
  if (v === undefined) return 'undefined';
  const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('latin1') : JSON.stringify(v);
  return JSON.stringify(s.length > 90 ? `${s.slice(0, 60)}…(${s.length} chars)` : s);
};
const snip = (r) => `${r.status} ${show(r.body ?? r.text ?? '')}`;

// One request through node:http; body strings and Buffers go as they are.
function call(method, path, { body, pk, key = K, headers } = {}) {
  thrown++;
  return srv.api(path, { method, key: key ?? undefined, profileKey: pk, body, headers });
}

// One request as raw bytes on its own connection.
function raw(bytes, opts = {}) {
  thrown++;
  return rawRequest(srv.port, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1'), { timeoutMs: 3000, ...opts });
}

// A raw request: method, target, extra header lines, optional body.
function rawReq(method, target, lines = [], body) {
  const head = [`${method} ${target} HTTP/1.1`, 'Host: x', ...lines];
  if (body !== undefined) head.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  head.push('Connection: close');
  return Buffer.from(head.join('\r\n') + '\r\n\r\n' + (body ?? ''), 'latin1');
}

// Records (does not throw) when r is not the SPEC §1.1 error body with this
// status and code; `field` is checked against details.field (a sub-field
// like "tags[0]" or "latlng.latitude" counts for "tags" / "latlng").
function expectError(label, r, http, code, { action, field } = {}) {
  const bad = [];
  if (r.status !== http) bad.push(`HTTP ${r.status}, want ${http}`);
  const ct = hdr(r, 'content-type');
  if (ct !== JSON_CT) bad.push(`content-type ${ct}`);
  const j = r.json;
  if (!j || typeof j !== 'object' || Array.isArray(j)) {
    bad.push('no JSON error body');
  } else {
    if (j.status !== 'error') bad.push(`status ${show(j.status)}`);
    if (j.code !== code) bad.push(`code ${j.code}, want ${code}`);
    if (action && j.action !== action) bad.push(`action ${j.action}, want ${action}`);
    if (typeof j.action !== 'string') bad.push('no action');
    if (typeof j.message !== 'string' || j.message.length <= 10) bad.push('no message');
    const extra = Object.keys(j).filter((k) => !['action', 'status', 'code', 'message', 'details'].includes(k));
    if (extra.length) bad.push(`extra keys ${extra}`);
    if ('details' in j && (typeof j.details !== 'object' || Array.isArray(j.details) || j.details === null)) bad.push('details not an object');
    if (field) {
      const f = j.details?.field;
      if (!(f === field || f?.startsWith(field + '[') || f?.startsWith(field + '.'))) bad.push(`details.field ${show(f)}, want ${field}`);
    }
  }
  if (bad.length) failures.push(`${label}: ${bad.join('; ')} — got ${snip(r)}`);
}

// Broken framing: a 4xx (with the error body when it is JSON) or a closed
// connection; never a 2xx/3xx/5xx, never a hang.
function expectRejected(label, r) {
  if (r.status === 0 && r.closed) return;
  if (r.status === 0) return void failures.push(`${label}: no answer and the connection stayed open (hang)`);
  if (r.status < 400 || r.status >= 500) return void failures.push(`${label}: HTTP ${r.status} — ${show(r.text)}`);
  if (hdr(r, 'content-type') === JSON_CT) expectError(label, r, r.status, r.json?.code);
}

// Ends a group: nothing recorded, and the server still answers.
async function endGroup(t, name) {
  const list = failures;
  failures = [];
  const h = await call('GET', '/healthz', { key: null });
  t.diagnostic(`${name}: ${thrown - groupStart} requests`);
  groupStart = thrown;
  assert.equal(h.status, 200, `${name}: /healthz after the group`);
  assert.deepEqual(list, [], `${name}: ${list.length} wrong answers`);
}

// A JSON object text: base plus field set to the raw JSON token tok, so
// tokens JSON.stringify cannot make (-0, 1e400, NaN) can be sent.
function withField(base, field, tok) {
  const head = JSON.stringify(base).slice(0, -1);
  return `${head}${head.length > 1 ? ',' : ''}${JSON.stringify(field)}:${tok}}`;
}

const nest = (n, open, close, inner = '1') => open.repeat(n) + inner + close.repeat(n);

// ---- the routes that read a JSON body ------------------------------------------------

const JSON_ROUTES = [
  { method: 'GET', path: '/api/user', action: 'user' },
  { method: 'POST', path: '/api/profiles', action: 'profiles' },
  { method: 'POST', path: '/api/profiles/create-profile', action: 'profiles' },
  { method: 'PATCH', path: '/api/profiles', action: 'profiles', pk: true },
  { method: 'PUT', path: '/api/profiles/profile', action: 'profiles', pk: true },
  { method: 'DELETE', path: '/api/profiles', action: 'profiles' },
  { method: 'POST', path: '/api/profiles/generateJWT', action: 'profiles', pk: true },
  { method: 'POST', path: '/api/profiles/link-sessions', action: 'profiles', pk: true },
  { method: 'POST', path: '/api/profiles/social', action: 'profiles', pk: true },
  { method: 'DELETE', path: '/api/profiles/social', action: 'profiles', pk: true },
  { method: 'POST', path: '/api/hook/webhook', action: 'webhook' },
  { method: 'DELETE', path: '/api/hook/webhook', action: 'webhook' },
  { method: 'POST', path: '/api/hook/webhook/secret', action: 'webhook' },
  { method: 'PATCH', path: '/api/user/gbp', action: 'user' },
];

// Bodies that are not JSON objects: 604 on every route.
const NOT_JSON = {
  'bad UTF-8 byte': '{"title":"\xff"}',
  'overlong UTF-8 /': '{"title":"\xc0\xaf"}',
  'overlong UTF-8 NUL': '{"title":"\xc0\x80"}',
  'UTF-8 encoded surrogate': '{"title":"\xed\xa0\x80"}',
  'truncated UTF-8': '{"title":"\xe2\x82"}',
  '5-byte UTF-8': '{"title":"\xf8\x88\x80\x80\x80"}',
  'code point over U+10FFFF': '{"title":"\xf4\x90\x80\x80"}',
  'bad UTF-8 in a key': '{"\xfe\xff":1}',
  'raw NUL in a string': '{"title":"a\x00b"}',
  'raw NUL before the body': '\x00{}',
  'escaped NUL': '{"title":"a\\u0000b"}',
  'escaped NUL in a key': '{"a\\u0000":1}',
  'lone high surrogate': '{"title":"\\ud800"}',
  'lone low surrogate': '{"title":"\\udfff"}',
  'high surrogate then letter': '{"title":"\\ud800\\u0041"}',
  'bad escape': '{"title":"\\x41"}',
  'short \\u escape': '{"title":"\\u12"}',
  'raw control char': '{"title":"a\x01b"}',
  NaN: '{"expiresIn":NaN}',
  Infinity: '{"expiresIn":Infinity}',
  '-Infinity': '{"expiresIn":-Infinity}',
  '1e400': '{"expiresIn":1e400}',
  '-1e400': '{"expiresIn":-1e400}',
  'integer over int64': '{"expiresIn":99999999999999999999999}',
  'integer under int64': '{"expiresIn":-99999999999999999999999}',
  'leading zero': '{"expiresIn":01}',
  'bare fraction': '{"expiresIn":.5}',
  'plus sign': '{"expiresIn":+1}',
  hex: '{"expiresIn":0x10}',
  'bare exponent': '{"expiresIn":1e}',
  'lone minus': '{"expiresIn":-}',
  '10000 nested arrays': `{"a":${nest(10000, '[', ']')}}`,
  '10000 nested objects': `{"a":${nest(10000, '{"a":', '}')}}`,
  '3000 open brackets': `{"a":${'['.repeat(3000)}`,
  'trailing comma': '{"a":1,}',
  'two objects': '{"a":1}{"b":2}',
  comment: '/*c*/{}',
  'single quotes': "{'a':1}",
  'byte order mark': '\xef\xbb\xbf{}',
  'duplicate key': '{"a":1,"a":1}',
  array: '[]',
  string: '"s"',
  number: '-0',
  true: 'true',
  null: 'null',
  'unterminated string': '{"title":"abc',
};

test('604: bodies that are not a JSON object, on every route that reads one', async (t) => {
  for (const route of JSON_ROUTES) {
    for (const [name, body] of Object.entries(NOT_JSON)) {
      const r = await call(route.method, route.path, { body: Buffer.from(body, 'latin1'), pk: route.pk ? PK : undefined });
      expectError(`${route.method} ${route.path} ${name}`, r, 400, 604, { action: route.action });
    }
  }
  // Parsing comes before authentication: no key, same answer.
  for (const name of ['bad UTF-8 byte', '10000 nested arrays', 'escaped NUL', '1e400']) {
    const r = await call('POST', '/api/profiles', { body: Buffer.from(NOT_JSON[name], 'latin1'), key: null });
    expectError(`POST /api/profiles without key, ${name}`, r, 400, 604, { action: 'profiles' });
  }
  await endGroup(t, 'not JSON');
});

// ---- wrong types and values in every body field ----------------------------------------

// Raw JSON tokens, by what they are not.
const NOT_STRING = ['42', '-0', '1.5', '1e-400', 'true', 'false', '[]', '{}', '["x"]', '{"a":"x"}'];
const NOT_BOOL = ['"true"', '"false"', '1', '0', 'null', '[]', '{}', '[true]'];
const NOT_ARRAY = ['"x"', '1', 'true', '{}', '{"0":"x"}'];
const BAD_ITEMS = ['[1]', '[null]', '[[]]', '[{}]', '[true]', '["a\\u0001b"]'];
const NOT_OBJECT = ['"x"', '1', 'true', 'null', '[]', '[{}]'];
const NOT_WHOLE_MINUTES = ['"5"', 'true', 'null', '[]', '{}', '0', '-0', '-1', '1.5', '2881', '1e308', '1e-400',
  '9223372036854775807', '-9223372036854775808'];
const str = (s) => JSON.stringify(s);
const long = (n) => str('x'.repeat(n));

// endpoint: method, path, Profile-Key or not, the valid body the field is
// added to, and per field the bad tokens.
const ENDPOINTS = [
  {
    method: 'POST', path: '/api/profiles', action: 'profiles', base: { title: 'Never Created' },
    fields: {
      title: [...NOT_STRING, 'null', '""', '"   "', '"\\t"', long(201), '"a\\u0001b"', '"a\\u007fb"'],
      messagingActive: NOT_BOOL,
      hideTopHeader: NOT_BOOL,
      team: NOT_BOOL,
      topHeader: [...NOT_STRING, long(501)],
      subHeader: [...NOT_STRING, long(501), '"\\u001b[31m"'],
      email: [...NOT_STRING, '"nope"', '"a@b"', '"a b@c.d"', '"@c.d"', long(255)],
      disableSocial: [...NOT_ARRAY, ...BAD_ITEMS, '["myspace"]', '["../../etc/passwd"]', '[""]', str(Array(14).fill('tiktok'))],
      tags: [...NOT_ARRAY, ...BAD_ITEMS, '[""]', str([ 'x'.repeat(101) ]), str(Array(51).fill('t'))],
    },
  },
  {
    method: 'PATCH', path: '/api/profiles', action: 'profiles', pk: true, base: {},
    fields: {
      title: [...NOT_STRING, 'null', '""', '"  "', long(201)],
      displayTitle: [...NOT_STRING, long(201)],
      hideTitle: NOT_BOOL,
      messagingActive: NOT_BOOL,
      topHeader: NOT_STRING,
      tags: [...NOT_ARRAY, ...BAD_ITEMS],
      bioHandle: [...NOT_STRING, '"ab"', '"UPPER"', '"a b c"', '"../etc"', '"a/b/c"', '"%2e%2e"', '"h\\u00e9llo"', long(31)],
    },
  },
  {
    method: 'POST', path: '/api/profiles/generateJWT', action: 'profiles', pk: true, base: { domain: 'example.com' },
    fields: {
      domain: [...NOT_STRING, 'null', '""', long(201)],
      privateKey: NOT_STRING,
      base64: NOT_BOOL,
      logout: NOT_BOOL,
      redirect: [...NOT_STRING, '"not a url"', '"javascript:alert(1)"', '"ftp://x.example"', '"https://u:p@x.example"',
        '"https://x.example/#frag"', '"//x.example"', '"https://"', `"https://x.example/${'a'.repeat(2048)}"`],
      allowedSocial: ['"facebook"', '1', 'true', '{}', '[1]', '[null]', '["myspace"]', '[[]]', str(Array(33).fill('facebook'))],
      expiresIn: NOT_WHOLE_MINUTES,
    },
  },
  {
    method: 'POST', path: '/api/profiles/link-sessions', action: 'profiles', pk: true, base: {},
    fields: {
      redirect: ['42', '[]', '"nope"'],
      allowedSocial: ['"twitter"', '[7]'],
      expiresIn: ['"5"', '0', '2881', '0.5'],
    },
  },
  {
    method: 'POST', path: '/api/hook/webhook', action: 'webhook', base: { action: 'social', url: 'https://example.com/hook' },
    fields: {
      action: [...NOT_STRING, 'null', '""', '"nope"', '"SOCIAL"', long(33)],
      url: [...NOT_STRING, 'null', '""', '"http://example.com/x"', '"ftp://example.com/"', '"https://"', '"https://a b.example/"',
        '"https://x.example/#f"', '"https://u@x.example/"', '"https://x.example:0/"', '"https://x.example:99999/"', '"https://[::1/"',
        '"https://127.0.0.1/"', '"https://[::1]/"', '"https://localhost/"', '"https://10.0.0.1/"', '"https://192.168.1.1/"',
        '"https://169.254.169.254/latest/meta-data"', '"https://[::ffff:127.0.0.1]/"', '"https://0.0.0.0/"',
        '"https://127.1/"', '"https://2130706433/"', '"https://0x7f000001/"', '"https://h\\u00e9.example/"', `"https://x.example/${'a'.repeat(2048)}"`],
      secret: [...NOT_STRING, '""', '"tab\\tinside-the-secret"', '"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"', long(257)],
    },
  },
  {
    method: 'DELETE', path: '/api/hook/webhook', action: 'webhook', base: {},
    fields: { action: [...NOT_STRING, 'null', '"nope"'] },
  },
  {
    method: 'POST', path: '/api/hook/webhook/secret', action: 'webhook', base: {},
    fields: { secret: [...NOT_STRING, 'null', '""', '"new\\nline"', '"\\u00e9t\\u00e9"', long(257)] },
  },
  {
    method: 'PATCH', path: '/api/user/gbp', action: 'user', base: {},
    fields: {
      phoneNumbers: [...NOT_OBJECT, '{}', '{"primaryPhone":5}', '{"primaryPhone":"abc"}', '{"primaryPhone":"12"}',
        '{"additionalPhones":"123"}', '{"additionalPhones":["123","456","789"]}', '{"additionalPhones":[5]}', '{"primaryPhone":null}'],
      adPhone: [...NOT_STRING, 'null', '"abc"', '"12"', '"1234567890123456789012345678901234"'],
      storeCode: [...NOT_STRING, 'null', '""', long(65)],
      title: [...NOT_STRING, 'null', '""', long(101)],
      websiteUrl: [...NOT_STRING, 'null', '"ftp://x.example"', '"example.com"', '"https://"', '"https:///x"', '"javascript:alert(1)"'],
      websiteUri: ['42', '"mailto:a@b.c"'],
      labels: [...NOT_ARRAY, 'null', ...BAD_ITEMS, '[""]', str(Array(11).fill('l')), str(['x'.repeat(256)])],
      latlng: [...NOT_OBJECT, '{}', '{"latitude":91,"longitude":0}', '{"latitude":0,"longitude":-181}', '{"latitude":"1","longitude":2}',
        '{"latitude":1e308,"longitude":0}', '{"latitude":null,"longitude":0}', '{"latitude":0}', '{"longitude":0}'],
      profile: [...NOT_OBJECT, '{}', '{"description":5}', '{"description":null}', `{"description":${long(751)}}`],
      name: ['"locations/1"', '""', 'null', '42'],
    },
  },
  {
    method: 'POST', path: '/api/profiles/social', action: 'profiles', pk: true, base: { platform: 'facebook', accessToken: 'tok' },
    fields: {
      platform: [...NOT_STRING, 'null', '""', '"myspace"', '"bluesky"', '"FACEBOOK"', '"../facebook"', long(33)],
      accessToken: [...NOT_STRING, 'null', '""', long(8193)],
      refreshToken: [...NOT_STRING, '""'],
      accountId: [...NOT_STRING, '""', long(201)],
      expiresIn: ['"5"', 'true', 'null', '[]', '{}', '0', '-0', '-1', '1.5', '1e308', '315360001'],
    },
  },
  {
    method: 'DELETE', path: '/api/profiles/social', action: 'profiles', pk: true, base: {},
    fields: { platform: [...NOT_STRING, 'null', '""', '"myspace"', '"Bluesky"', '"../../facebook"', long(33)] },
  },
  {
    // Deleting by title without a Profile-Key: never a real title here.
    method: 'DELETE', path: '/api/profiles', action: 'profiles', base: {},
    fields: { title: [...NOT_STRING, 'null', '""', long(201)] },
  },
];

test('600: wrong types and values in every body field name the field', async (t) => {
  for (const ep of ENDPOINTS) {
    for (const [field, tokens] of Object.entries(ep.fields)) {
      const base = { ...ep.base };
      delete base[field];
      for (const tok of tokens) {
        const body = withField(base, field, tok);
        const r = await call(ep.method, ep.path, { body, pk: ep.pk ? PK : undefined });
        expectError(`${ep.method} ${ep.path} ${show(body)}`, r, 400, 600, { action: ep.action, field });
      }
    }
  }
  // profileKey in the body must be a string (null counts as absent), on
  // every route that takes one (creating a profile does not).
  for (const route of JSON_ROUTES.filter((r) => !(r.method === 'POST' && /^\/api\/profiles(\/create-profile)?$/.test(r.path)))) {
    for (const tok of ['42', 'true', '[]', '{}']) {
      const body = withField({}, 'profileKey', tok);
      const r = await call(route.method, route.path, { body });
      expectError(`${route.method} ${route.path} ${body}`, r, 400, 600, { action: route.action, field: 'profileKey' });
    }
  }
  // A privateKey that is a string but not an RSA key is 189, not 600.
  for (const key of ['garbage', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', 'x'.repeat(16384)]) {
    const r = await call('POST', '/api/profiles/generateJWT', { body: { domain: 'example.com', privateKey: key }, pk: PK });
    expectError(`generateJWT privateKey ${show(key)}`, r, 400, 189, { action: 'profiles' });
  }
  for (const b64 of ['!!!not base64!!!', 'AA==', Buffer.from('a\0b').toString('base64')]) {
    const r = await call('POST', '/api/profiles/generateJWT', { body: { domain: 'example.com', privateKey: b64, base64: true }, pk: PK });
    expectError(`generateJWT base64 privateKey ${show(b64)}`, r, 400, 189, { action: 'profiles' });
  }
  // Controls: bodies that pass validation reach the next check (the profile
  // has nothing linked: 156), so the 600s above are about the field. -0 and
  // 1e-400 are fine numbers (0).
  for (const body of ['{"title":"ok"}', '{"latlng":{"latitude":-0,"longitude":1e-400}}', '{"labels":[]}', '{"profile":{"description":""}}']) {
    for (const path of ['/api/user/gbp', '/api/user/gmb']) {
      const r = await call('PATCH', path, { body });
      expectError(`PATCH ${path} ${body}`, r, 400, 156, { action: 'user' });
    }
  }
  // Updating with no field at all, or only unknown ones.
  for (const body of ['{}', '{"source":"npm"}', '{"unknown":[1,2,3]}']) {
    expectError(`PATCH /api/profiles ${body}`, await call('PATCH', '/api/profiles', { body, pk: PK }), 400, 600, { action: 'profiles', field: 'body' });
  }
  await endGroup(t, 'wrong types');
});

// ---- oversized bodies --------------------------------------------------------------------

test('413/603: bodies over 1 MiB, declared, streamed or chunked; 4 KiB on the linking forms', async (t) => {
  const MiB = 1024 * 1024;
  const bigTitle = JSON.stringify({ title: 'x'.repeat(MiB) }); // valid JSON, 1 MiB + 12 bytes
  for (const route of JSON_ROUTES) {
    const r = await call(route.method, route.path, { body: bigTitle, pk: route.pk ? PK : undefined });
    expectError(`${route.method} ${route.path} 1 MiB + 12 bytes`, r, 413, 603, { action: route.action });
  }
  // Just under the limit is read and judged on its content.
  const under = JSON.stringify({ title: 'x'.repeat(MiB - 20) });
  expectError('POST /api/profiles 1 MiB - 8 bytes', await call('POST', '/api/profiles', { body: under }), 400, 600, { field: 'title' });
  // Announced but not sent: answered at once after 100-continue or when huge.
  for (const [cl, expect] of [[2 * MiB, true], [20 * MiB, false], ['9223372036854775807', false]]) {
    const lines = [`Authorization: Bearer ${K}`, `Content-Length: ${cl}`];
    if (expect) lines.push('Expect: 100-continue');
    const r = await raw(rawReq('POST', '/api/profiles', lines));
    expectError(`POST /api/profiles Content-Length ${cl}${expect ? ' + Expect' : ''}`, r, 413, 603, { action: 'profiles' });
  }
  // Chunked, no Content-Length: the limit holds while reading.
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const parts = [Buffer.from(`POST /api/hook/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${K}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`)];
  for (let i = 0; i < 5; i++) parts.push(Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  expectError('POST /api/hook/webhook chunked 1.25 MiB', await raw(Buffer.concat(parts)), 413, 603, { action: 'webhook' });
  // The linking page's forms take 4 KiB.
  for (const path of ['/link/s/nosuchsession/unlink', '/link/s/nosuchsession/telegram', '/link/s/nosuchsession/telegram/check', '/link/s/nosuchsession/choose/x']) {
    const r = await call('POST', path, { key: null, body: 'platform=' + 'a'.repeat(5000), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expectError(`POST ${path} 5000-byte form`, r, 413, 603, { action: 'link' });
  }
  await endGroup(t, 'oversized bodies');
});

// ---- path parameters ------------------------------------------------------------------

// Values for a path segment, by what the router makes of them.
const DOTS = ['..', '.']; // never a parameter: no route matches
const BAD_ENCODING = ['%00', 'a%00b', '%zz', '%', '%4', '%%30%30']; // 400/600 field path
const ODD = ['%2e%2e', '%2E%2E', '.%2e', '..%2F..%2Fetc%2Fpasswd', '%2F', 'a%2Fb', '%5c..%5c', '..%5C..%5Cwin.ini', '%ff', '%c0%af',
  '%ed%a0%80', '%252e%252e', '...', '..;', '~root', '%20', '%0d%0aX-Injected:%201', '%3Cscript%3E', 'x'.repeat(3000)];

// Each route with parameters: how to call it with value v in one segment,
// and what an ODD value must get.
const PARAM_ROUTES = [
  { name: 'GET /api/user/details/:platform', method: 'GET', path: (v) => `/api/user/details/${v}`, want: [400, 600, 'user', 'platform'] },
  { name: 'PATCH /api/user/:platform', method: 'PATCH', path: (v) => `/api/user/${v}`, body: '{"title":"ok"}', want: [400, 600, 'user', 'platform'] },
  { name: 'POST /api/hook/deliveries/:id/resend', method: 'POST', path: (v) => `/api/hook/deliveries/${v}/resend`, want: [400, 600, 'webhook', 'id'] },
  { name: 'GET /link/s/:session', method: 'GET', path: (v) => `/link/s/${v}`, noKey: true, want: [404, 502, 'link'] },
  { name: 'POST /link/s/:session/unlink', method: 'POST', path: (v) => `/link/s/${v}/unlink`, form: 'platform=facebook', noKey: true, want: [404, 502, 'link'] },
  { name: 'POST /link/s/:session/telegram', method: 'POST', path: (v) => `/link/s/${v}/telegram`, form: 'chat=%40x', noKey: true, want: [404, 502, 'link'] },
  { name: 'POST /link/s/:session/telegram/check', method: 'POST', path: (v) => `/link/s/${v}/telegram/check`, form: 'go=1', noKey: true, want: [404, 502, 'link'] },
  { name: 'GET /link/s/:session/choose/:choice', method: 'GET', path: (v) => `/link/s/${v}/choose/x`, noKey: true, want: [404, 502, 'link'] },
  { name: 'POST /link/s/x/choose/:choice', method: 'POST', path: (v) => `/link/s/x/choose/${v}`, form: 'pick=1', noKey: true, want: [404, 502, 'link'] },
  { name: 'GET /link/:platform/start', method: 'GET', path: (v) => `/link/${v}/start?s=nosuchsession`, noKey: true, want: [404, 502, 'link'] },
  { name: 'GET /link/:platform/callback', method: 'GET', path: (v) => `/link/${v}/callback?state=x.y`, noKey: true, want: [404, 601, 'link'] },
  { name: 'GET /link/assets/:name', method: 'GET', path: (v) => `/link/assets/${v}`, noKey: true, want: [404, 601, 'link'] },
  { name: 'GET /bio/:handle', method: 'GET', path: (v) => `/bio/${v}`, noKey: true, want: 'html404' },
  { name: 'GET /files/batch/:ref/:file (ref)', method: 'GET', path: (v) => `/files/batch/${v}/users-batch.json?expires=9999999999&signature=00`, noKey: true, want: [403, 641, 'request'] },
  { name: 'GET /files/batch/:ref/:file (file)', method: 'GET', path: (v) => `/files/batch/0123abcd/${v}?expires=9999999999&signature=00`, noKey: true, want: [403, 641, 'request'] },
];

test('path traversal and bad encodings in every path parameter', async (t) => {
  for (const route of PARAM_ROUTES) {
    const send = (v) => call(route.method, route.path(v), {
      key: route.noKey ? null : K,
      body: route.form ?? route.body,
      headers: route.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : undefined,
    });
    for (const v of DOTS) expectError(`${route.name} ${v}`, await send(v), 404, 601, { action: 'request' });
    for (const v of BAD_ENCODING) expectError(`${route.name} ${v}`, await send(v), 400, 600, { action: 'request', field: 'path' });
    for (const v of ODD) {
      const r = await send(v);
      const label = `${route.name} ${show(v)}`;
      if (route.want === 'html404') {
        if (r.status !== 404 || !/^text\/html/.test(hdr(r, 'content-type'))) failures.push(`${label}: want the HTML 404 page — got ${snip(r)}`);
      } else {
        const [http, code, action, field] = route.want;
        expectError(label, r, http, code, { action, field });
      }
    }
  }
  // Traversal in a fixed segment or the route's own words.
  for (const p of ['/api/user/details/../../healthz', '/api/hook/deliveries/../webhook', '/link/s/../../api/user', '/files/batch/../../sociald.db',
    '/files/batch/x/../../../etc/passwd', '/api/%75ser', '/api/user%2Fdetails%2Fpinterest', '/bio/../api/user', '/link/assets/../../src/main.c']) {
    expectError(`GET ${p}`, await call('GET', p), 404, 601, { action: 'request' });
  }
  // A known route with a parameter and the wrong method: 405 with Allow.
  for (const p of ['/api/user/%2e%2e', '/api/user/x%00', '/api/user/..%2F..']) {
    const r = await call('GET', p);
    expectError(`GET ${p}`, r, 405, 602);
    if (hdr(r, 'allow') !== 'PATCH') failures.push(`GET ${p}: Allow ${hdr(r, 'allow')}`);
  }
  await endGroup(t, 'path parameters');
});

// ---- query strings ------------------------------------------------------------------------

const BAD_UTF8_Q = ['%FF', '%C0%AF', '%ED%A0%80', '%F8%88%80%80%80', '%E2%82'];

test('query strings: bad UTF-8, NUL, bad percent-encoding, out-of-range values', async (t) => {
  const cases = [];
  const add = (path, http, code, opts = {}) => cases.push({ path, http, code, ...opts });
  // Booleans: only true/false/1/0.
  for (const p of ['validate', 'instagramQuota', 'instagramDetails']) {
    for (const v of [...BAD_UTF8_Q, 'yes', '2', '', 'tru', 'true%20', 'TRUE%00', '%74rue%FF']) {
      add(`/api/user?${p}=${v}`, 400, 600, { action: 'user', field: v.includes('%00') ? 'query' : p });
    }
  }
  add('/api/user?validate=true', 400, 600, { action: 'user', field: 'validate' }); // needs a Profile-Key
  // NUL and broken percent-encoding anywhere in the query: field "query".
  for (const q of ['x=%00', '%00=1', 'profileKey=%00', 'x=%zz', 'x=%', 'x=%4', '%zz=1', 'a%=1', 'x=%%', 'x=1%0']) {
    add(`/api/user?${q}`, 400, 600, { action: 'user', field: 'query' });
  }
  add('/api/user?' + Array.from({ length: 257 }, (_, i) => `k${i}=1`).join('&'), 400, 600, { field: 'query' });
  // A profile key nobody has.
  for (const v of [...BAD_UTF8_Q, '%20%20', '..%2F..', 'x'.repeat(300), PK.toLowerCase(), K]) {
    add(`/api/user?profileKey=${v}`, 403, 610, { action: 'user' });
  }
  // The listing's filters.
  for (const v of ['0', '5001', '-1', '1e3', '1.5', '0x10', '99999999999999999999', '', 'abc', ...BAD_UTF8_Q]) {
    add(`/api/profiles?limit=${v}`, 400, 600, { action: 'profiles', field: 'limit' });
  }
  for (const v of ['maybe', '', ...BAD_UTF8_Q]) add(`/api/profiles?hasActiveSocialAccounts=${v}`, 400, 600, { field: 'hasActiveSocialAccounts' });
  for (const q of ['includesActiveSocialAccounts[0]=%FF', 'includesActiveSocialAccounts[0]=myspace', 'includesActiveSocialAccounts=facebook,..%2F',
    'includesActiveSocialAccounts=%C0%AF']) {
    add(`/api/profiles?${q}`, 400, 600, { field: 'includesActiveSocialAccounts' });
  }
  for (const q of ['include=bogus', 'include=%FF', 'include=socialHealth', 'include[0]=socialHealth']) add(`/api/profiles?${q}`, 400, 600, { field: 'include' });
  for (const v of ['%FF', 'AAAA', 'x'.repeat(3000), '..%2F..', 'eyJhbGciOiJub25lIn0']) add(`/api/profiles?cursor=${v}`, 400, 600, { field: 'cursor' });
  // The delivery log's filters.
  for (const v of ['bogus', '', ...BAD_UTF8_Q]) add(`/api/hook/deliveries?status=${v}`, 400, 600, { action: 'webhook', field: 'status' });
  for (const v of ['0', '501', '-5', '%FF']) add(`/api/hook/deliveries?limit=${v}`, 400, 600, { field: 'limit' });
  for (const v of ['junk', '%FF']) add(`/api/hook/deliveries?cursor=${v}`, 400, 600, { field: 'cursor' });
  // The linking page's tokens (no API key).
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  for (const jwt of ['a.b.c', '%FF.%FF.%FF', 'x'.repeat(6000), `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', aud: 'y' })}.`,
    `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', exp: 9e9, jti: 'y' })}.AAAA`, `${b64({ alg: 'RS256' })}.${b64({ sub: '../..' })}.AAAA`]) {
    add(`/link?jwt=${jwt}`, 404, 502, { action: 'link', noKey: true });
  }
  add('/link?jwt=', 400, 600, { action: 'link', field: 'jwt', noKey: true });
  add('/link', 400, 600, { action: 'link', field: 'jwt', noKey: true });
  for (const s of ['%FF', 'x'.repeat(5000), '..%2F..', '']) add(`/link/facebook/start?s=${s}`, 404, 502, { action: 'link', noKey: true });
  for (const st of ['', '%FF', 'a.b', `${'a'.repeat(22)}.${'b'.repeat(22)}`, 'x'.repeat(3000)]) {
    add(`/link/facebook/callback?state=${st}`, 400, 600, { action: 'link', field: 'state', noKey: true });
  }
  for (const q of ['', 'expires=%FF&signature=%FF', 'expires=-1&signature=00', 'expires=99999999999999999999&signature=zz', 'expires=1&signature=' + 'f'.repeat(64)]) {
    add(`/files/batch/0123abcd/users-batch-2026-01-01-00-00.json?${q}`, 403, 641, { action: 'request', noKey: true });
  }
  for (const c of cases) {
    const r = await call('GET', c.path, { key: c.noKey ? null : K });
    expectError(`GET ${show(c.path)}`, r, c.http, c.code, c);
  }
  // Free-text filters with bad UTF-8 match nothing.
  for (const q of ['title=%FF', 'refId=%C0%AF', 'title=..%2F..%2F', 'refId=%27%20OR%201%3D1--', 'profileKeys[0]=%FF']) {
    const r = await call('GET', `/api/profiles?${q}`);
    if (r.status !== 200 || r.json?.count !== 0) failures.push(`GET /api/profiles?${q}: want 200 and no profiles — got ${snip(r)}`);
  }
  // Raw (not percent-encoded) bytes in the target.
  for (const target of ['/api/user?validate=\xff', '/api/user?validate=\xc0\xaf', '/api/profiles?limit=\xff\xfe']) {
    const r = await raw(rawReq('GET', target, [`Authorization: Bearer ${K}`]));
    expectError(`GET ${show(target)} (raw bytes)`, r, 400, 600);
  }
  const rawPk = await raw(rawReq('GET', '/api/user?profileKey=\xff\xfe', [`Authorization: Bearer ${K}`]));
  expectError('GET /api/user?profileKey=\\xff\\xfe (raw bytes)', rawPk, 403, 610);
  await endGroup(t, 'query strings');
});

// ---- headers ----------------------------------------------------------------------------------

test('headers: bad keys, bad UTF-8, oversize, duplicates', async (t) => {
  // Authorization that is not a usable API key: 401/102.
  const auths = ['', 'Bearer', 'Bearer ', 'Bearer      ', `Bearer${K}`, `Basic ${K}`, `Token ${K}`, `Bearer ${K} extra`,
    `Bearer ${K}x`, `Bearer ${K.slice(0, -1)}`, 'Bearer \xff\xfe\xfd', 'Bearer \xc0\xaf', `Bearer ${'a'.repeat(257)}`,
    `Bearer ${'a'.repeat(10000)}`, 'Bearer ../../etc/passwd', "Bearer ' OR 1=1 --", `Bearer\t${K}x`];
  for (const a of auths) {
    const r = await raw(rawReq('GET', '/api/user', [`Authorization: ${a}`]));
    expectError(`Authorization ${show(a)}`, r, 401, 102, { action: 'user' });
  }
  // No Authorization at all, on every authenticated family.
  for (const [m, p, action] of [['GET', '/api/user', 'user'], ['GET', '/api/profiles', 'profiles'], ['POST', '/api/hook/webhook', 'webhook'],
    ['PATCH', '/api/user/gbp', 'user'], ['GET', '/api/hook/deliveries', 'webhook']]) {
    expectError(`${m} ${p} without a key`, await call(m, p, { key: null }), 401, 102, { action });
  }
  // A profile key where the API key belongs: 613.
  expectError('Authorization: Bearer <profile key>', await call('GET', '/api/user', { key: PK }), 401, 613, { action: 'user' });
  // Profile-Key nobody has: 403/610.
  const pks = ['', '   ', '\t', '\xff\xfe', '\xc0\xaf', 'x'.repeat(257), 'x'.repeat(10000), `${PK}x`, PK.toLowerCase(), K, '../../etc/passwd', `${PK},${PK}`];
  for (const p of pks) {
    const r = await raw(rawReq('GET', '/api/user', [`Authorization: Bearer ${K}`, `Profile-Key: ${p}`]));
    expectError(`Profile-Key ${show(p)}`, r, 403, 610, { action: 'user' });
  }
  // Surrounding white space is trimmed (SPEC §1): these work.
  for (const p of [` ${PK}`, `${PK}  `, `\t${PK}\t`]) {
    const r = await raw(rawReq('GET', '/api/user', [`Authorization: Bearer ${K}`, `Profile-Key: ${p}`]));
    if (r.status !== 200 || r.json?.title !== 'Seeded') failures.push(`Profile-Key ${show(p)}: want 200 — got ${snip(r)}`);
  }
  // Headers over 16 KiB: 431/603, whatever carries the bytes.
  const over = [
    [`X-Big: ${'a'.repeat(16 * 1024 + 1)}`],
    [`X-Big: ${'a'.repeat(40000)}`],
    [`Authorization: Bearer ${'a'.repeat(17000)}`],
    [`Profile-Key: ${'a'.repeat(17000)}`],
    [`${'N'.repeat(17000)}: v`],
    Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'b'.repeat(90)}`),
    Array.from({ length: 20 }, (_, i) => `Cookie: c${i}=${'c'.repeat(1000)}`),
  ];
  for (const lines of over) {
    const r = await raw(rawReq('GET', '/api/user', [`Authorization: Bearer ${K}`, ...lines]));
    expectError(`headers ${show(lines.join('|'))}`, r, 431, 603);
  }
  // Just under the limit is fine.
  const under = await raw(rawReq('GET', '/api/user', [`Authorization: Bearer ${K}`, `X-Pad: ${'p'.repeat(15000)}`]));
  if (under.status !== 200) failures.push(`15000-byte header: want 200 — got ${snip(under)}`);
  // Duplicates. RFC 9110 gives no list syntax to these; the server may
  // refuse (4xx with the error body) or use one value, but the answer
  // must then be exactly that of the first value — never a mix, never 5xx.
  const dup = [
    ['two Authorization, good first', [`Authorization: Bearer ${K}`, 'Authorization: Bearer bogus'], 'account'],
    ['two Authorization, good last', ['Authorization: Bearer bogus', `Authorization: Bearer ${K}`], 401],
    ['two Profile-Key, good first', [`Authorization: Bearer ${K}`, `Profile-Key: ${PK}`, 'Profile-Key: bogus'], 'profile'],
    ['two Profile-Key, good last', [`Authorization: Bearer ${K}`, 'Profile-Key: bogus', `Profile-Key: ${PK}`], 403],
    ['two Profile-Key, both good', [`Authorization: Bearer ${K}`, `Profile-Key: ${PK}`, `Profile-Key: ${PK}`], 'profile'],
    ['profile key as API key then API key', [`Authorization: Bearer ${PK}`, `Authorization: Bearer ${K}`], 401],
  ];
  for (const [name, lines, want] of dup) {
    const r = await raw(rawReq('GET', '/api/user', lines));
    if (r.status >= 400 && r.status < 500) {
      if (typeof want === 'number' && r.status !== want) failures.push(`${name}: want ${want} — got ${snip(r)}`);
      expectError(name, r, r.status, r.json?.code, { action: 'user' });
    } else if (r.status === 200) {
      const title = want === 'account' ? 'Primary Profile' : want === 'profile' ? 'Seeded' : null;
      if (r.json?.title !== title) failures.push(`${name}: a 200 that is not the first value's — got ${snip(r)}`);
    } else {
      failures.push(`${name}: got ${snip(r)}`);
    }
  }
  // Two Content-Length with the same value is one length.
  const same = await raw(Buffer.from(`POST /api/profiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${K}\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`));
  expectError('two equal Content-Length', same, 400, 600, { field: 'title' });
  await endGroup(t, 'headers');
});

// ---- broken HTTP framing -----------------------------------------------------------------------

test('broken HTTP framing gets a 4xx or a closed connection', async (t) => {
  const frames = [
    'GARBAGE\r\n\r\n',
    'GET\r\n\r\n',
    'GET /healthz\r\n\r\n',
    'GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n',
    'GET  HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /healthz HTTP/1.1\x00\r\nHost: x\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nNoColonHeader\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nX-\x00A: 1\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}\r\n0\r\n\r\n',
    'POST /api/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n',
    `GET /${'a/'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /api/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /api/us\x00er HTTP/1.1\r\nHost: x\r\n\r\n`,
    `${'A'.repeat(5000)} /healthz HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GE\x00T /api/user HTTP/1.1\r\nHost: x\r\n\r\n',
    'BREW /api/user HTTP/1.1\r\nHost: x\r\n\r\n',
    'get /api/user HTTP/1.1\r\nHost: x\r\n\r\n',
  ];
  for (const f of frames) {
    const r = await raw(Buffer.from(f, 'latin1'), { timeoutMs: 2000, keepOpen: true });
    expectRejected(`frame ${show(f)}`, r);
  }
  // An HTTP version the server does not speak.
  const v = await raw('GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', { timeoutMs: 2000, keepOpen: true });
  if (!(v.closed && v.status === 0) && v.status !== 505 && v.status !== 400) failures.push(`HTTP/9.9: got ${snip(v)}`);
  await endGroup(t, 'framing');
});

// ---- nothing changed -----------------------------------------------------------------------------

test('after it all: the server is up and nothing stored changed', async (t) => {
  const h = await call('GET', '/healthz', { key: null });
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
  assert.deepEqual(await snapshot(), initial);
  assert.ok(!srv.logs.some((l) => /"level":"error"|internal error|Sanitizer/.test(l)),
    srv.logs.filter((l) => /"level":"error"|internal error|Sanitizer/.test(l)).join('\n'));
  t.diagnostic(`${thrown} requests thrown`);
  assert.ok(thrown >= 200, `${thrown} requests`);
});

// ---- known deviations ------------------------------------------------------------------------
// Each asserts what the SPEC (or RFC 9112 for framing) asks; they are
// `todo` until the server does it. They run after the check above, so
// what they may store does not disturb it.

const statusLines = (r) => (r.text.match(/HTTP\/1\.[01] \d{3} /g) || []).length;

// Exactly one answer on the wire, and it is the §1.1 error body.
function expectOneJsonAnswer(label, r, https, codes) {
  if (statusLines(r) !== 1) failures.push(`${label}: ${statusLines(r)} status lines on the wire — ${show(r.text)}`);
  if (!https.includes(r.status)) failures.push(`${label}: HTTP ${r.status}, want ${https.join(' or ')}`);
  expectError(label, r, r.status, codes.includes(r.json?.code) ? r.json.code : codes[0]);
}

async function endTodo(name) {
  const list = failures;
  failures = [];
  assert.equal((await call('GET', '/healthz', { key: null })).status, 200);
  assert.deepEqual(list, [], `${name}: ${list.length} deviations`);
}

test('a title of only white space with a newline is blank (SPEC §6: 400/600)', async () => {
  for (const title of ['\n', ' \n ', '\n\t\n']) {
    const r = await call('POST', '/api/profiles', { body: { title } });
    expectError(`POST /api/profiles title ${show(title)}`, r, 400, 600, { field: 'title' });
  }
  expectError('PATCH /api/profiles title "\\n \\n"', await call('PATCH', '/api/profiles', { body: { title: '\n \n' }, pk: PK }), 400, 600, { field: 'title' });
  await endTodo('blank titles');
});

test('conflicting Content-Length headers are refused and nothing after them runs (RFC 9112 §6.3)', async () => {
  const smuggled = 'GET /api/smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
  for (const [a, b] of [[2, 2 + smuggled.length], [2 + smuggled.length, 2]]) {
    const r = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: ${a}\r\nContent-Length: ${b}\r\n\r\n{}${smuggled}`, { timeoutMs: 1000 });
    const label = `Content-Length ${a} then ${b}`;
    if (statusLines(r) > 1) failures.push(`${label}: the bytes after the first length ran as a request — ${show(r.text)}`);
    if (!(r.status === 0 && r.closed) && r.status !== 400) failures.push(`${label}: want 400 or a closed connection — got ${snip(r)}`);
  }
  await endTodo('conflicting Content-Length');
});

test('Content-Length with Transfer-Encoding: the connection is closed after the answer (RFC 9112 §6.1)', async () => {
  const smuggled = 'GET /api/smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`, { timeoutMs: 1000 });
  if (statusLines(r) > 1) failures.push(`CL+TE: a second request ran on the connection — ${show(r.text)}`);
  await endTodo('CL and TE');
});

test("libmicrohttpd's own refusals carry one answer with the §1.1 error body (SPEC §1.1, §7)", { todo: 'HTML bodies, no code, and for a bad Content-Length the status line and headers are sent twice' }, async () => {
  for (const cl of ['abc', '-5', '+2', '2, 40', '0x2']) {
    const r = await raw(`POST /api/profiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${K}\r\nContent-Length: ${cl}\r\nConnection: close\r\n\r\n{}`, { timeoutMs: 1000 });
    expectOneJsonAnswer(`Content-Length: ${cl}`, r, [400], [600, 604]);
  }
  const big = await raw(rawReq('POST', '/api/profiles', ['Content-Length: 99999999999999999999999']), { timeoutMs: 1000 });
  expectOneJsonAnswer('Content-Length: 99999999999999999999999', big, [413], [603]);
  const chunk = await raw(rawReq('POST', '/api/profiles', ['Transfer-Encoding: chunked'], 'ffffffffffffffffff\r\n{}\r\n0\r\n\r\n'), { timeoutMs: 1000 });
  expectOneJsonAnswer('chunk size ffffffffffffffffff', chunk, [413], [603]);
  const huge = await raw(rawReq('GET', '/api/user', [`X-Big: ${'a'.repeat(100000)}`]), { timeoutMs: 1000 });
  expectOneJsonAnswer('a 100 KiB header', huge, [431], [603]);
  const many = await raw(rawReq('GET', '/api/user', Array.from({ length: 3000 }, (_, i) => `a${i}: b`)), { timeoutMs: 1000 });
  expectOneJsonAnswer('3000 short headers', many, [431], [603]);
  const line = await raw(rawReq('GET', `/api/user?q=${'a'.repeat(70000)}`), { timeoutMs: 1000 });
  expectOneJsonAnswer('a 70 KiB request line', line, [414, 431], [603, 600]);
  await endTodo('libmicrohttpd refusals');
});

test('NUL bytes inside header values are refused, not cut off (RFC 9110 §5.5)', { todo: 'libmicrohttpd 0.9.75 reports the value cut at the NUL (its size too), so sociald cannot tell; what is used is a prefix of what was sent, so a key still has to be known whole' }, async () => {
  const a = await raw(rawReq('GET', '/api/user', [`Authorization: Bearer ${K}\x00junk`]));
  if (a.status === 200) failures.push(`Authorization "Bearer <key>\\0junk": authenticated — got ${snip(a)}`);
  const p = await raw(rawReq('GET', '/api/user', [`Authorization: Bearer ${K}`, `Profile-Key: ${PK}\x00junk`]));
  if (p.status === 200) failures.push(`Profile-Key "<key>\\0junk": accepted — got ${snip(p)}`);
  await endTodo('NUL bytes in headers');
});

test('a raw NUL in the request target is refused, not cut off', { todo: 'libmicrohttpd hands the target over as a C string: the rest after the NUL is never seen' }, async () => {
  const q = await raw(rawReq('GET', '/api/user?x=\x00', [`Authorization: Bearer ${K}`]));
  if (q.status === 200) failures.push(`GET /api/user?x=\\0 (raw NUL; %00 is a 600): got ${snip(q)}`);
  await endTodo('NUL bytes in the target');
});

test('an unknown Transfer-Encoding or bare CR line ends get an answer, not a wait for the idle timeout', { todo: 'no answer until the 30 s connection timeout' }, async () => {
  for (const f of ['GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nConnection: close\r\n\r\n',
    'GET /healthz HTTP/1.1\rHost: x\rConnection: close\r\r']) {
    const r = await raw(f, { timeoutMs: 1000 });
    if (!r.closed && r.status === 0) failures.push(`${show(f)}: no answer within 1 s`);
    else if (r.status && r.status < 400) failures.push(`${show(f)}: got ${snip(r)}`);
  }
  await endTodo('unknown framing');
});

test('a Content-Length of 2^63 or more is refused at once (413/603), not continued', async () => {
  for (const cl of ['9223372036854775808', '18446744073709551615']) {
    // 5 s: a server that waits for the body never answers, however long;
    // 1 s was too short on a busy machine for one that answers at once.
    const r = await raw(rawReq('POST', '/api/profiles', [`Authorization: Bearer ${K}`, 'Expect: 100-continue', `Content-Length: ${cl}`]), { timeoutMs: 5000 });
    expectError(`Content-Length ${cl} + Expect`, r, 413, 603);
  }
  await endTodo('huge Content-Length');
});

test('a header line with an empty name is a 400 (RFC 9110 §5.1)', { todo: 'libmicrohttpd drops the line before sociald sees the headers' }, async () => {
  const r = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n: empty-name\r\nConnection: close\r\n\r\n', { timeoutMs: 1000 });
  if (r.status !== 400) failures.push(`": empty-name": got ${snip(r)}`);
  await endTodo('empty header name');
});

// Authentication and profile selection (SPEC §1, §2; codes 102, 610, 612, 613).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, seenByServer, assertError, secrets, dbDumpText } from './lib/harness.mjs';

let srv, a, b, aKeys, bKeys;

before(async () => {
  srv = new Server();
  const ra = srv.cli(['seed', '--profiles', '2', '--accounts', '2', '--keys-out', join(srv.data, 'a.txt'), '--email', 'a@example.com']);
  const rb = srv.cli(['seed', '--profiles', '1', '--accounts', '1', '--keys-out', join(srv.data, 'b.txt'), '--email', 'b@example.com']);
  assert.equal(ra.status, 0, ra.stderr);
  assert.equal(rb.status, 0, rb.stderr);
  a = ra.json;
  b = rb.json;
  aKeys = readFileSync(join(srv.data, 'a.txt'), 'utf8').trim().split('\n');
  bKeys = readFileSync(join(srv.data, 'b.txt'), 'utf8').trim().split('\n');
  [...aKeys, ...bKeys].forEach((k) => secrets.add(k));
  await srv.start();
});
after(async () => { await srv.stop(); });

test('102: missing, malformed or unknown API key', async () => {
  assertError(await srv.api('/api/user'), 401, 102, 'user');
  assertError(await srv.api('/api/user', { headers: { Authorization: a.apiKey } }), 401, 102);
  assertError(await srv.api('/api/user', { headers: { Authorization: 'Basic ' + a.apiKey } }), 401, 102);
  assertError(await srv.api('/api/user', { headers: { Authorization: 'Bearer ' } }), 401, 102);
  const last = a.apiKey.slice(-1);
  assertError(await srv.api('/api/user', { key: a.apiKey.slice(0, -1) + (last === 'X' ? 'Y' : 'X') }), 401, 102);
  assertError(await srv.api('/api/user', { key: 'x'.repeat(5000) }), 401, 102);
  const ok = await srv.api('/api/user', { headers: { Authorization: `bearer   ${a.apiKey}  ` } });
  assert.equal(ok.status, 200, 'scheme is case-insensitive, the key is trimmed');
});

test('613: a Profile Key sent as the API key', async () => {
  const r = await srv.api('/api/user', { key: aKeys[0] });
  assertError(r, 401, 613, 'user');
});

test('610: unknown Profile-Key, or one of another account', async () => {
  assertError(await srv.api('/api/user', { key: a.apiKey, profileKey: 'NOT-A-KEY' }), 403, 610, 'user');
  assertError(await srv.api('/api/user', { key: a.apiKey, profileKey: bKeys[0] }), 403, 610, 'user');
  assertError(await srv.api('/api/user', { key: b.apiKey, profileKey: aKeys[0] }), 403, 610, 'user');
  assertError(await srv.api('/api/user', { key: a.apiKey, profileKey: '' }), 403, 610, 'user');
  assertError(await srv.api('/api/user', { key: a.apiKey, profileKey: '   ' }), 403, 610, 'user');
});

test('Profile-Key from header, body or query; the header wins; spaces trimmed', async () => {
  const byHeader = await srv.api('/api/user', { key: a.apiKey, profileKey: `  ${aKeys[0]}\t` });
  assert.equal(byHeader.status, 200);
  const refId0 = byHeader.json.refId;
  const byQuery = await srv.api(`/api/user?source=npm&profileKey=${encodeURIComponent(aKeys[0])}`, { key: a.apiKey });
  assert.equal(byQuery.json.refId, refId0);
  const byBody = await srv.api('/api/user', { key: a.apiKey, method: 'GET', body: { profileKey: aKeys[0], source: 'npm' } });
  assert.equal(byBody.status, 200);
  assert.equal(byBody.json.refId, refId0);
  const both = await srv.api(`/api/user?profileKey=${encodeURIComponent(aKeys[1])}`, { key: a.apiKey, profileKey: aKeys[0] });
  assert.equal(both.json.refId, refId0, 'header beats query');
  const bodyWrongType = await srv.api('/api/user', { key: a.apiKey, method: 'GET', body: { profileKey: 42 } });
  assertError(bodyWrongType, 400, 600, 'user');
  assert.equal(bodyWrongType.json.details.field, 'profileKey');
});

test('one account never sees another\'s profile data', async () => {
  const mine = await srv.api('/api/user', { key: b.apiKey, profileKey: bKeys[0] });
  assert.equal(mine.status, 200);
  for (const k of aKeys) {
    const r = await srv.api('/api/user', { key: b.apiKey, profileKey: k });
    assert.equal(r.status, 403);
    assert.ok(!r.text.includes('refId'), 'no data leaks in the error');
  }
});

test('rotate-key: the old key stops at once, the new one works', async () => {
  const acct = srv.account('business');
  assert.equal((await srv.api('/api/user', { key: acct.apiKey })).status, 200);
  const r = srv.cli(['account', 'rotate-key', '--ref-id', acct.refId]);
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(r.json.apiKey, acct.apiKey);
  await seenByServer('the old key refused', async () => (await srv.api('/api/user', { key: acct.apiKey })).status === 401);
  assertError(await srv.api('/api/user', { key: acct.apiKey }), 401, 102);
  const fresh = await srv.api('/api/user', { key: r.json.apiKey });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.json.refId, acct.refId);
});

test('API keys: 280 bits in eight groups, stored only as hashes', async () => {
  const acct = srv.account('free');
  assert.match(acct.apiKey, /^([0-9A-HJKMNP-TV-Z]{7}-){7}[0-9A-HJKMNP-TV-Z]{7}$/);
  const dump = dbDumpText(srv.data);
  for (const k of [acct.apiKey, a.apiKey, ...aKeys]) assert.ok(!dump.includes(k), 'key found in the database');
});

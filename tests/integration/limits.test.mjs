// Plan gating (620), rate limits (621) and profile states the middleware
// enforces (610 deleted, 611 validate, 612 suspended). Profile states have
// no API before the profiles endpoints, so they are set in the database
// before the server first reads those profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, seenByServer, assertError, writeConfig, tempDir, secrets, pass, dbQuery, dbExec } from './lib/harness.mjs';

test('620: a plan without the endpoint family names the plans that have it', async () => {
  const data = tempDir();
  const cfg = writeConfig(data, { plans: { viewer: { monthlyQuota: null, families: [] } } });
  const srv = new Server({ data, args: ['--config', cfg] });
  await srv.start();
  const made = srv.cli(['account', 'create', '--email', 'v@example.com', '--plan', 'viewer', '--config', cfg]);
  assert.equal(made.status, 0, made.stderr);
  const acct = made.json;
  const r = await srv.api('/api/user', { key: acct.apiKey });
  assertError(r, 403, 620, 'user');
  assert.match(r.json.message, /free, premium, launch, business or enterprise plan; this account is on the viewer plan/);
  assert.equal(r.json.details.plan, 'viewer');
  await srv.stop();
});

test('621: per-profile windows, headers on every answer, Retry-After', async () => {
  const data = tempDir(); // kept across the restart below
  const srv = new Server({ data, args: ['--rate-limit', '3', '--rate-window', '60'] });
  const seed = srv.cli(['seed', '--profiles', '1', '--accounts', '1', '--keys-out', join(srv.data, 'k.txt')]);
  const pkey = readFileSync(join(srv.data, 'k.txt'), 'utf8').trim();
  secrets.add(pkey);
  await srv.start();
  for (let i = 1; i <= 3; i++) {
    const r = await srv.api('/api/user', { key: seed.json.apiKey });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-ratelimit-max'), '3');
    assert.equal(r.headers.get('x-ratelimit-count'), String(i));
    assert.equal(r.headers.get('x-ratelimit-remaining'), String(3 - i));
    const reset = Number(r.headers.get('x-ratelimit-reset'));
    assert.ok(reset > 0 && reset <= 60000);
  }
  const over = await srv.api('/api/user', { key: seed.json.apiKey });
  assertError(over, 429, 621, 'user');
  const retry = Number(over.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  assert.equal(over.json.details.retryAfter, retry);
  assert.equal(over.headers.get('x-ratelimit-remaining'), '0');
  // the user profile has its own window; the refused call was not counted
  const other = await srv.api('/api/user', { key: seed.json.apiKey, profileKey: pkey });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('x-ratelimit-count'), '1');
  await srv.stop();
  const after = new Server({ data, args: ['--rate-limit', '100'] });
  await after.start();
  const acct = await after.api('/api/user', { key: seed.json.apiKey });
  assert.equal(acct.json?.monthlyApiCalls, 4, '3 counted before, 1 now; the 429 did not count: ' + acct.text);
  await after.stop();
  rmSync(data, { recursive: true });
});

test('612 after too many rate-limit errors in 24 h; `sociald profile reactivate` brings the profile back', async () => {
  const srv = new Server({ args: ['--rate-limit', '2', '--rate-window', '2', '--rate-suspend-after', '5'] });
  const seed = srv.cli(['seed', '--profiles', '2', '--accounts', '1', '--keys-out', join(srv.data, 'k.txt')]);
  const [pkey, other] = readFileSync(join(srv.data, 'k.txt'), 'utf8').trim().split('\n');
  secrets.add(pkey);
  secrets.add(other);
  await srv.start();
  const call = (k) => srv.api('/api/user', { key: seed.json.apiKey, profileKey: k });
  for (let i = 0; i < 2; i++) assert.equal((await call(pkey)).status, 200);
  for (let i = 0; i < 4; i++) assertError(await call(pkey), 429, 621);
  const fifth = await call(pkey);
  assertError(fifth, 429, 621); // the fifth refusal itself is still a 429 ...
  const suspended = await call(pkey);
  assertError(suspended, 403, 612); // ... and from then on the profile is suspended
  await pass(2100); // a new window changes nothing
  assertError(await call(pkey), 403, 612);
  assert.equal((await call(other)).status, 200, 'other profiles are not affected');
  await srv.waitForLog('profile suspended after too many rate-limit errors');
  const ref = dbQuery(srv.data, "SELECT ref_id FROM profiles WHERE title = 'Customer 000001'");
  const re = srv.cli(['profile', 'reactivate', '--ref-id', ref]);
  assert.equal(re.status, 0, re.stderr);
  await seenByServer('the reactivation', async () => (await call(pkey)).status === 200);
  await srv.stop();
});

test('610/611/612: deleted and suspended profiles; ayrlinkUrl from the bio handle', async () => {
  const srv = new Server({ args: ['--public-url', 'https://social.example.com/'] });
  const seed = srv.cli(['seed', '--profiles', '3', '--accounts', '2', '--keys-out', join(srv.data, 'k.txt')]);
  const [live, gone, held] = readFileSync(join(srv.data, 'k.txt'), 'utf8').trim().split('\n');
  [live, gone, held].forEach((k) => secrets.add(k));
  // Deleted a day ago: within the default retention of tombstones (30 days).
  const deletedAt = Date.now() - 86400000;
  dbExec(srv.data, `UPDATE profiles SET deleted_ms = ${deletedAt}, deleted_by = 'cli' WHERE title = 'Customer 000002'`);
  dbExec(srv.data, "UPDATE profiles SET suspended_ms = 1767225600000 WHERE title = 'Customer 000003'");
  dbExec(srv.data, "UPDATE profiles SET bio_handle = 'greatshop' WHERE title = 'Customer 000001'");
  const goneRef = dbQuery(srv.data, "SELECT ref_id FROM profiles WHERE title = 'Customer 000002'");
  await srv.start();
  const key = seed.json.apiKey;

  const ok = await srv.api('/api/user', { key, profileKey: live });
  assert.equal(ok.json.ayrlinkUrl, 'https://social.example.com/bio/greatshop');

  assertError(await srv.api('/api/user', { key, profileKey: gone }), 403, 610, 'user');
  const v = await srv.api('/api/user?validate=true', { key, profileKey: gone });
  assertError(v, 404, 611, 'user');
  assert.deepEqual(v.json.deleted, { refId: goneRef, title: 'Customer 000002', deleted: new Date(deletedAt).toISOString(), deletedBy: 'cli' });

  assertError(await srv.api('/api/user', { key, profileKey: held }), 403, 612, 'user');
  assertError(await srv.api('/api/user?validate=true', { key, profileKey: held }), 403, 612, 'user');
  // the account itself is unaffected
  assert.equal((await srv.api('/api/user', { key })).status, 200);
  await srv.stop();
});

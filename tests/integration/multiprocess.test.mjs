// Several `sociald serve` processes on one database acting as one (SPEC §12):
// three servers share a data directory (SQLite: one file and its shared
// stamps; PostgreSQL with SOCIALD_TEST_PG: one database and its change log).
//  - a key rotated with the CLI is refused by all three, and the new key
//    answers on all three;
//  - a profile renamed through one is seen by the others;
//  - the rate limit and the monthly quota are exact across the three
//    (PostgreSQL: leased from the database; SQLite keeps them per process,
//    one process per machine, so those two run on PostgreSQL only);
//  - a server killed with SIGKILL while a webhook delivery is in flight:
//    another one delivers it once the lease expires, same hookId; with
//    many in flight, every event arrives and the duplicates are at most
//    the deliveries the killed server had started.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, secrets, tempDir, waitUntil, assertError, dropDb, pass } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

const PG = !!process.env.SOCIALD_TEST_PG;
const pgOnly = PG ? false : 'limits are per process on SQLite (one process per machine)';

async function three(data, args = []) {
  const servers = [];
  for (let i = 0; i < 3; i++) servers.push(await new Server({ data, args }).start());
  return servers;
}

async function stopAll(servers) {
  for (const s of servers) await s.stop();
}

const cleanup = [];
after(() => {
  for (const d of cleanup) {
    rmSync(d, { recursive: true, force: true });
    dropDb(d);
  }
});

test('a key rotated with the CLI is refused by all three servers; the new one works on all', async () => {
  const data = tempDir();
  cleanup.push(data);
  const first = new Server({ data });
  const acct = first.account('business');
  const servers = await three(data);
  for (const s of servers) assert.equal((await s.api('/api/user', { key: acct.apiKey })).status, 200);
  const r = servers[0].cli(['account', 'rotate-key', '--ref-id', acct.refId]);
  assert.equal(r.status, 0, r.stderr);
  secrets.add(r.json.apiKey);
  // SPEC §12: seen within 250 ms; the bench measures it (bench/postgres).
  // Here a generous bound: a shared machine must not fail the suite.
  for (const s of servers) {
    await waitUntil('the old key refused', async () => (await s.api('/api/user', { key: acct.apiKey })).status === 401, { timeoutMs: 5000 });
    assertError(await s.api('/api/user', { key: acct.apiKey }), 401, 102);
    const fresh = await s.api('/api/user', { key: r.json.apiKey });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.json.refId, acct.refId);
  }
  await stopAll(servers);
});

test('a profile renamed through one server is seen by the other two', async () => {
  const data = tempDir();
  cleanup.push(data);
  const acct = new Server({ data }).account('business');
  const servers = await three(data);
  const made = await servers[0].api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title: 'Before' } });
  assert.equal(made.status, 200, made.text);
  const pkey = made.json.profileKey;
  secrets.add(pkey);
  for (const s of servers) {
    const u = await s.api('/api/user', { key: acct.apiKey, profileKey: pkey });
    assert.equal(u.status, 200);
    assert.equal(u.json.title, 'Before');
  }
  const p = await servers[1].api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: pkey, body: { title: 'After' } });
  assert.equal(p.status, 200, p.text);
  for (const s of servers) {
    await waitUntil('the new title', async () => (await s.api('/api/user', { key: acct.apiKey, profileKey: pkey })).json.title === 'After', { timeoutMs: 5000 });
  }
  await stopAll(servers);
});

test('the rate limit is exact across three servers: 300 concurrent requests, exactly the limit pass', { skip: pgOnly }, async () => {
  const data = tempDir();
  cleanup.push(data);
  const acct = new Server({ data }).account('business');
  const servers = await three(data, ['--rate-limit', '57', '--rate-window', '600']);
  const answers = await Promise.all(
    Array.from({ length: 300 }, (_, i) => servers[i % 3].api('/api/user', { key: acct.apiKey })),
  );
  const byStatus = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] || 0) + 1;
  assert.deepEqual(byStatus, { 200: 57, 429: 243 });
  for (const a of answers.filter((x) => x.status === 429)) assertError(a, 429, 621);
  await stopAll(servers);
});

test('the monthly quota is exact across three servers: 106 at exactly quota + 1', { skip: pgOnly }, async () => {
  const data = tempDir();
  cleanup.push(data);
  const acct = new Server({ data }).account('free');
  const servers = await three(data, ['--rate-limit', '100000']);
  // The free plan's quota (SPEC §7), as the first answer shows it.
  const first = await servers[0].api('/api/user', { key: acct.apiKey });
  assert.equal(first.status, 200, first.text);
  const quota = first.json.monthlyApiCallsQuota;
  assert.ok(Number.isInteger(quota) && quota > 1 && quota < 2000, `a quota to use up: ${first.text.slice(0, 200)}`);
  let used = 1;
  const refused = [];
  while (used + refused.length < quota + 30) {
    const batch = await Promise.all(Array.from({ length: 30 }, (_, i) => servers[i % 3].api('/api/user', { key: acct.apiKey })));
    for (const b of batch) {
      if (b.status === 200) used++;
      else refused.push(b);
    }
  }
  assert.equal(used, quota);
  assert.ok(refused.length >= 1);
  for (const r of refused) assertError(r, 429, 106);
  await stopAll(servers);
});

test('kill -9 of the server delivering a webhook: another one delivers it, same hookId', async () => {
  const data = tempDir();
  cleanup.push(data);
  const args = ['--webhook-allow-private', '--webhook-allow-http', '--jobs-lease-ms', '1500', '--jobs-poll-ms', '100'];
  const rx = await new Receiver().start();
  rx.respond({ hang: true }); // the first attempt never gets an answer
  const a = new Server({ data, args });
  const seed = a.cli(['seed', '--profiles', '1', '--accounts', '2', '--keys-out', join(data, 'k.txt')]);
  assert.equal(seed.status, 0, seed.stderr);
  const key = seed.json.apiKey;
  const pkey = readFileSync(join(data, 'k.txt'), 'utf8').trim();
  secrets.add(pkey);
  // Only server A runs while the delivery starts, so A holds it.
  await a.start();
  const hook = await a.api('/api/hook/webhook', { method: 'POST', key, body: { action: 'social', url: rx.url } });
  assert.equal(hook.status, 200, hook.text);
  const del = await a.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pkey, body: { platform: 'facebook' } });
  assert.equal(del.status, 200, del.text);
  const [firstTry] = await rx.waitFor((rs) => rs.length === 1);
  const b = await new Server({ data, args }).start();
  const c = await new Server({ data, args }).start();
  await a.kill9();
  const rs = await rx.waitFor((all) => all.length >= 2);
  assert.equal(rs[1].body.hookId, firstTry.body.hookId, 'same hookId');
  assert.deepEqual(rs[1].body, firstTry.body, 'same payload');
  await waitUntil('the delivery recorded delivered', async () => {
    const l = await b.api('/api/hook/deliveries', { key });
    if (process.env.DEBUG_MP) console.log(l.text);
    return l.json.deliveries?.[0]?.status === 'delivered';
  });
  // Delivered once more at most: the interrupted try and the one that
  // answered, nothing after.
  assert.equal(rx.requests.filter((r) => r.body.hookId === firstTry.body.hookId).length, 2);
  await stopAll([b, c]);
  await rx.stop();
});

test('kill -9 with deliveries in flight: every event delivered, duplicates at most the deliveries the killed server had in flight', async () => {
  const data = tempDir();
  cleanup.push(data);
  const inFlight = 8;
  const args = ['--webhook-allow-private', '--webhook-allow-http', '--jobs-lease-ms', '1500', '--jobs-poll-ms', '100',
    '--jobs-concurrency', String(inFlight)];
  const rx = await new Receiver().start();
  rx.fallback = { status: 200, delayMs: 300 }; // slow enough to be killed mid-flight
  const a = new Server({ data, args });
  const n = 40;
  const seed = a.cli(['seed', '--profiles', String(n), '--accounts', '2', '--keys-out', join(data, 'k.txt')]);
  assert.equal(seed.status, 0, seed.stderr);
  const key = seed.json.apiKey;
  const pkeys = readFileSync(join(data, 'k.txt'), 'utf8').trim().split('\n');
  pkeys.forEach((k) => secrets.add(k));
  await a.start();
  const hook = await a.api('/api/hook/webhook', { method: 'POST', key, body: { action: 'social', url: rx.url } });
  assert.equal(hook.status, 200, hook.text);
  for (const pkey of pkeys) {
    const del = await a.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pkey, body: { platform: 'facebook' } });
    assert.equal(del.status, 200, del.text);
  }
  await rx.waitFor((rs) => rs.length >= inFlight);
  const b = await new Server({ data, args }).start();
  const c = await new Server({ data, args }).start();
  await a.kill9();
  const ids = () => new Set(rx.requests.map((r) => r.body.hookId));
  await waitUntil('every event delivered', () => ids().size === n, { timeoutMs: 30000 });
  await pass(2500); // past a lease: a late duplicate would have arrived
  const dups = rx.requests.length - n;
  assert.ok(dups <= inFlight, `${dups} duplicates, ${inFlight} deliveries were in flight`);
  await stopAll([b, c]);
  await rx.stop();
});

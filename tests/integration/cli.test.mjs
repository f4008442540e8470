// The command line (SPEC §11): JSON on stdout, JSON-lines logs on stderr,
// options from flags, environment and config file; changes seen by a
// running server at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir, Server, writeConfig, dbDialect, dbQuery } from './lib/harness.mjs';

test('version prints JSON', () => {
  const r = cli(['version']);
  assert.equal(r.status, 0);
  assert.match(r.json.version, /^\d+\.\d+\.\d+$/);
});

test('no command or an unknown one is a usage error (exit 2)', () => {
  assert.equal(cli([]).status, 2);
  const r = cli(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
  const o = cli(['migrate', '--no-such-option', 'x'], { data: tempDir() });
  assert.equal(o.status, 2);
  assert.match(o.stderr, /unknown option --no-such-option/);
  assert.equal(cli(['help']).status, 0);
});

test('migrate applies once, then nothing', () => {
  const data = tempDir();
  const a = cli(['migrate'], { data });
  assert.equal(a.status, 0, a.stderr);
  assert.ok(a.json.applied >= 1);
  const b = cli(['migrate'], { data });
  assert.deepEqual(b.json, { applied: 0, version: a.json.version });
  // logs are JSON lines on stderr
  for (const line of a.stderr.trim().split('\n')) {
    const j = JSON.parse(line);
    assert.ok(j.ts && j.level && j.msg);
  }
  assert.equal(statSync(data).mode & 0o777, 0o700, 'data directory is private');
  rmSync(data, { recursive: true });
});

test('account create / list / set-plan / rotate-key', () => {
  const data = tempDir();
  const c = cli(['account', 'create', '--email', 'x@example.com', '--plan', 'premium'], { data });
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual(Object.keys(c.json).sort(), ['apiKey', 'email', 'plan', 'refId']);
  assert.match(c.json.refId, /^[0-9a-f]{40}$/);
  const dup = cli(['account', 'create', '--email', 'x@example.com'], { data });
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /already exists/);
  assert.equal(cli(['account', 'create', '--email', 'not-an-email'], { data }).status, 2);
  assert.equal(cli(['account', 'create', '--email', 'y@example.com', '--plan', 'platinum'], { data }).status, 2);
  assert.equal(cli(['account', 'create'], { data }).status, 2);

  const l = cli(['account', 'list'], { data });
  assert.equal(l.status, 0);
  assert.equal(l.json.length, 1);
  assert.deepEqual(Object.keys(l.json[0]).sort(), ['created', 'email', 'plan', 'refId']);
  assert.ok(!l.stdout.includes(c.json.apiKey), 'keys are never listed');

  const sp = cli(['account', 'set-plan', '--email', 'x@example.com', '--plan', 'enterprise'], { data });
  assert.deepEqual(sp.json, { refId: c.json.refId, plan: 'enterprise' });
  assert.equal(cli(['account', 'set-plan', '--email', 'nobody@example.com', '--plan', 'free'], { data }).status, 1);
  assert.equal(cli(['account', 'set-plan', '--email', 'x@example.com'], { data }).status, 2);

  const rk = cli(['account', 'rotate-key', '--ref-id', c.json.refId], { data });
  assert.equal(rk.status, 0);
  assert.notEqual(rk.json.apiKey, c.json.apiKey);
  assert.equal(rk.json.plan, 'enterprise');
  assert.equal(cli(['account', 'rotate-key'], { data }).status, 2);
  assert.equal(cli(['account', 'frob'], { data }).status, 2);
  rmSync(data, { recursive: true });
});

test('seed creates N profiles with M networks and writes their keys', () => {
  const data = tempDir();
  const keys = join(data, 'keys.txt');
  const r = cli(['seed', '--profiles', '50', '--accounts', '4', '--keys-out', keys], { data });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.profiles, 50);
  assert.ok(r.json.apiKey);
  const lines = readFileSync(keys, 'utf8').trim().split('\n');
  assert.equal(lines.length, 50);
  assert.equal(new Set(lines).size, 50);
  assert.equal(statSync(keys).mode & 0o777, 0o600);
  assert.equal(cli(['seed', '--profiles', '1', '--accounts', '11'], { data }).status, 2);
  assert.equal(cli(['seed', '--accounts', '1'], { data }).status, 2);
  rmSync(data, { recursive: true });
});

test('seed links through the real link path: every seeded account holds a sealed token', () => {
  const data = tempDir();
  const env = { SOCIALD_MASTER_KEY: '' }; // both commands use <data>/master.key
  const r = cli(['seed', '--profiles', '3', '--accounts', '2'], { data, env });
  assert.equal(r.status, 0, r.stderr);
  // rotate-master-key re-seals every sealed token (and webhook secret; the
  // seed has none): 3 profiles and the primary, 2 networks each.
  const rot = cli(['rotate-master-key'], { data, env });
  assert.equal(rot.status, 0, rot.stderr);
  assert.equal(rot.json.resealed, 8);
  assert.ok(!rot.stdout.includes('seed-access') && !rot.stderr.includes('seed-access'));
  rmSync(data, { recursive: true });
});

// The seed makes profiles on one thread and writes them on another, in
// chunks of 256 and transactions of 2,000; on a database with no account it
// writes without journal or triggers (then back to WAL). Both paths must
// leave every key answering with its networks, every token sealed for its
// own profile, and the rows the triggers keep as they keep them.
test('seed: new database and one in use, past a chunk and a transaction; every key answers, every token opens', async () => {
  const data = tempDir();
  const env = { SOCIALD_MASTER_KEY: '' };
  const keysA = join(data, 'a.txt'), keysB = join(data, 'b.txt');
  const a = cli(['seed', '--profiles', '2100', '--accounts', '10', '--keys-out', keysA], { data, env });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.json.profiles, 2100);
  // The fast path is SQLite's (store_bulk_begin); on PostgreSQL both
  // seeds take the ordinary one.
  if (dbDialect() === 'sqlite') {
    assert.match(a.stderr, /the seed writes without journal/);
    // WAL again (file format bytes 18 and 19 are 2), so servers share it.
    const head = readFileSync(join(data, 'sociald.db')).subarray(18, 20);
    assert.deepEqual([...head], [2, 2]);
  }
  const srv = new Server({ data, env });
  await srv.start();
  // A database in use (a server on it, an account in it): the ordinary path.
  const b = srv.cli(['seed', '--profiles', '300', '--accounts', '10', '--keys-out', keysB], { env });
  assert.equal(b.status, 0, b.stderr);
  assert.doesNotMatch(b.stderr, /without journal/);
  const ka = readFileSync(keysA, 'utf8').trim().split('\n');
  const kb = readFileSync(keysB, 'utf8').trim().split('\n');
  assert.equal(ka.length, 2100);
  assert.equal(kb.length, 300);
  for (const [key, keys, n, title] of [
    [a.json.apiKey, ka, 10, (i) => `Customer ${String(i + 1).padStart(6, '0')}`],
    [b.json.apiKey, kb, 10, (i) => `Customer ${String(i + 1).padStart(6, '0')}`],
  ]) {
    for (const i of [0, 255, 256, 1999, 2000, keys.length - 1].filter((i) => i < keys.length)) {
      const r = await srv.api('/api/user', { key, profileKey: keys[i] });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.title, title(i));
      assert.equal(r.json.activeSocialAccounts.length, n);
      assert.equal(r.json.displayNames.length, n);
    }
  }
  await srv.stop();
  // Without journal the seed also writes, once per profile, what the
  // linked-account triggers write per account: the same on both paths.
  const rows = dbQuery(data, 'SELECT version, linked_mask, COUNT(*) FROM profiles GROUP BY 1, 2');
  assert.equal(rows, `11|1023|${2101 + 301}`);
  // rotate-master-key opens every sealed token with its profile's binding
  // and stops on the first that does not open.
  const rot = cli(['rotate-master-key'], { data, env });
  assert.equal(rot.status, 0, rot.stderr);
  assert.equal(rot.json.resealed, (2101 + 301) * 10);
  rmSync(data, { recursive: true });
});

test('options from the config file, overridden by environment, overridden by flags', async () => {
  const data = tempDir();
  const cfg = writeConfig(data, { data, rate_limit: 5, public_url: 'https://file.example', plans: { free: { monthlyQuota: 2 } } });
  const srv = new Server({ data, args: ['--config', cfg, '--rate-limit', '3'], env: { SOCIALD_RATE_LIMIT: '4' } });
  await srv.start();
  const acct = srv.account('free');
  const r = await srv.api('/api/user', { key: acct.apiKey });
  assert.equal(r.headers.get('x-ratelimit-max'), '3', 'flag beats env beats file');
  assert.equal(r.json.monthlyApiCallsQuota, 2, 'plan quota from the config file');
  await srv.stop();

  const env = new Server({ data, args: ['--config', cfg], env: { SOCIALD_RATE_LIMIT: '4' } });
  await env.start();
  assert.equal((await env.api('/api/user', { key: acct.apiKey })).headers.get('x-ratelimit-max'), '4');
  await env.stop();
  const file = new Server({ data, args: ['--config', cfg] });
  await file.start();
  assert.equal((await file.api('/api/user', { key: acct.apiKey })).headers.get('x-ratelimit-max'), '5');
  await file.stop();

  const bad = cli(['serve', '--config', join(data, 'missing.json')], { data });
  assert.equal(bad.status, 2);
  const badVal = cli(['serve', '--listen', 'nowhere'], { data });
  assert.equal(badVal.status, 2);
  rmSync(data, { recursive: true });
});

test('serve: a second server on a busy port fails cleanly; SIGTERM exits 0', async () => {
  const srv = new Server();
  await srv.start();
  const clash = cli(['serve', '--listen', `127.0.0.1:${srv.port}`], { data: srv.data });
  assert.equal(clash.status, 1);
  assert.match(clash.stderr, /cannot listen/);
  const r = await srv.stop();
  assert.equal(r.code, 0);
});

// PostgreSQL going away and coming back (SPEC §12 "Failover"), on a cluster
// of this test's own (scripts/pg.sh), stopped and started under load:
// warm reads keep answering, writes answer 503 with code 651 and
// Retry-After, the server does not exit, and writes succeed again within
// 10 s of the database's return. PostgreSQL only (the suite's second pass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, secrets, tempDir, waitUntil, assertError, pass } from './lib/harness.mjs';

const PG = !!process.env.SOCIALD_TEST_PG;
const PGSH = fileURLToPath(new URL('../../scripts/pg.sh', import.meta.url));
const pg = (...args) => execFileSync('bash', [PGSH, ...args], { encoding: 'utf8' }).trim();

test('PostgreSQL stopped under load and started again', { skip: !PG && 'PostgreSQL only' }, async () => {
  const dir = `/tmp/sociald-fo-${process.pid}-${Date.now()}`;
  const url = pg('start', dir);
  try {
    execFileSync('psql', ['-qX', url, '-c', 'CREATE DATABASE fo']);
    const env = { SOCIALD_DB: url.replace(/\/postgres$/, '/fo') };
    const data = tempDir();
    const srv = new Server({ data, env });
    const seed = srv.cli(['seed', '--profiles', '20', '--accounts', '3', '--keys-out', join(data, 'k.txt')], { env });
    assert.equal(seed.status, 0, seed.stderr);
    const key = seed.json.apiKey;
    const pkeys = readFileSync(join(data, 'k.txt'), 'utf8').trim().split('\n');
    for (const k of pkeys) secrets.add(k);
    await srv.start();
    const before = new Map();
    for (const k of pkeys) {
      const r = await srv.api('/api/user', { key, profileKey: k });
      assert.equal(r.status, 200);
      before.set(k, r.text);
    }
    const rename = (title) =>
      srv.api('/api/profiles', { method: 'PATCH', key, profileKey: pkeys[0], body: { title } });
    assert.equal((await rename('Up')).status, 200);
    // The rename moved profile 0's stamp: read it again so it is warm too.
    assert.equal((await srv.api('/api/user', { key, profileKey: pkeys[0] })).status, 200);

    pg('down', dir);
    // Under load while it is down: every warm read answers as before.
    for (let round = 0; round < 5; round++) {
      const rs = await Promise.all(pkeys.slice(1).map((k) => srv.api('/api/user', { key, profileKey: k })));
      rs.forEach((r, i) => {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.title, JSON.parse(before.get(pkeys[i + 1])).title);
      });
    }
    const w = await rename('Down');
    assertError(w, 503, 651);
    assert.equal(w.headers.get('retry-after'), '5');
    const m = await srv.api('/metrics');
    assert.match(m.text, /^sociald_db_reachable 0$/m);
    assert.equal(srv.proc.exitCode, null, 'the server is still running');

    pg('up', dir);
    const t0 = Date.now();
    await waitUntil('a write succeeds again', async () => (await rename('Back')).status === 200, { timeoutMs: 10000, everyMs: 100 });
    const back = Date.now() - t0;
    assert.ok(back < 10000, `whole again after ${back} ms`);
    console.log(`failover: writes answered again ${back} ms after the database came back`);
    await pass(100);
    const u = await srv.api('/api/user', { key, profileKey: pkeys[0] });
    assert.equal(u.json.title, 'Back');
    assert.match((await srv.api('/metrics')).text, /^sociald_db_reachable 1$/m);
    await srv.stop();
    rmSync(data, { recursive: true, force: true });
  } finally {
    pg('stop', dir);
  }
});

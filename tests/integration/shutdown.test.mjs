// Shutdown with requests suspended (SPEC §1.2, 651): SIGTERM with
// --shutdown-grace 0 while a request waits on something slow. Every kind of
// suspended request — one on a network worker (an import), one reading live
// data (instagramQuota), one waiting on the DNS lookup of a webhook's host —
// is answered (or finished) before the HTTP server stops; libmicrohttpd
// aborts the process when stopped with a suspended connection. The server
// must exit 0, with no sanitizer report (the harness checks).
//
// A slow DNS lookup without root and without a network: the last test runs
// this same file again inside a user, mount and network namespace of its
// own (`unshare -rmn`, which needs no privilege where unprivileged user
// namespaces are allowed). There it brings the loopback interface up,
// bind-mounts a resolv.conf naming 127.0.0.1 over /etc/resolv.conf (glibc's
// getaddrinfo reads only that file; no variable names another one), and
// answers nothing on 127.0.0.1:53 with a tiny node (dgram) "DNS server" —
// port 53 can be bound because the namespace's root owns that network
// namespace. The lookup is then really slow, in the real resolver, and the
// test knows it is waiting because the query reaches the fake server. Test-
// only switches inside sociald were ruled out: the path under test must be
// the one production runs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dgram from 'node:dgram';
import { Server, assertError, secrets, tempDir, waitUntil, dbDialect, pgSocketUrl } from './lib/harness.mjs';
import { Sandbox } from './lib/sandbox.mjs';
import { linkAs } from './lib/browser.mjs';

const INNER = process.env.SOCIALD_SHUTDOWN_NETNS === '1';

const until = (fn, what) => waitUntil(what, fn);

// A request that may be cut when the server goes: its answer, or {closed}.
const settle = (p) => p.then((r) => r, (e) => ({ closed: true, error: e }));

if (!INNER) {
  describe('suspended requests at SIGTERM with --shutdown-grace 0', () => {
    let sb;
    before(async () => { sb = await new Sandbox().start(); });
    after(async () => { await sb?.stop(); });

    test('a request on a network worker (import) is answered; exit 0', async () => {
      const srv = await new Server({ args: ['--sandbox', sb.url, '--shutdown-grace', '0'] }).start();
      const a = srv.account('business');
      const p = (await srv.api('/api/profiles', { method: 'POST', key: a.apiKey, body: { title: 'slow import' } })).json;
      secrets.add(p.profileKey);
      await sb.clearCalls();
      await sb.fault({ network: 'pinterest', path: '/user_account', delayMs: 60000 });
      const pending = settle(srv.api('/api/profiles/social', { method: 'POST', key: a.apiKey, profileKey: p.profileKey, body: { platform: 'pinterest', accessToken: 'waiting-token' } }));
      await until(async () => (await sb.calls('pinterest')).some((c) => c.path.includes('/user_account')), 'the import to reach Pinterest');
      assert.deepEqual(await srv.stop(), { code: 0, signal: null });
      const r = await pending;
      assert.ok(!r.closed, 'answered, not cut');
      assert.equal(r.json?.status, 'error', r.text);
      assert.ok([630, 631, 651].includes(r.json.code), r.text);
      await sb.clearFaults();
    });

    test('GET /api/user?instagramQuota=true waiting on Instagram is answered; exit 0', async () => {
      const srv = await new Server({ args: ['--sandbox', sb.url, '--shutdown-grace', '0'] }).start();
      const a = srv.account('business');
      const p = (await srv.api('/api/profiles', { method: 'POST', key: a.apiKey, body: { title: 'slow quota' } })).json;
      secrets.add(p.profileKey);
      await linkAs(srv, a.apiKey, p.profileKey, 'instagram', 'shutdown-ig1');
      await sb.clearCalls();
      await sb.fault({ network: 'instagram', path: 'content_publishing_limit', delayMs: 60000 });
      const pending = settle(srv.api('/api/user', { key: a.apiKey, profileKey: p.profileKey, query: { instagramQuota: 'true' } }));
      await until(async () => (await sb.calls('instagram')).some((c) => c.path.includes('content_publishing_limit')), 'the quota read to reach Instagram');
      assert.deepEqual(await srv.stop(), { code: 0, signal: null });
      const r = await pending;
      assert.ok(!r.closed, 'answered, not cut');
      // Live data never fails the request: the entry carries quotaError, or
      // the server answers 651 because it is going away.
      if (r.status === 200) {
        const ig = r.json.displayNames.find((d) => d.platform === 'instagram');
        assert.ok(ig.quotaError, r.text);
      } else {
        assertError(r, 503, 651, 'user');
      }
      await sb.clearFaults();
    });

    test('a webhook registration waiting on a slow DNS lookup (in a namespace of its own)', (t) => {
      const probe = spawnSync('unshare', ['-rmn', 'true'], { encoding: 'utf8' });
      if (probe.status !== 0) {
        // Unprivileged user namespaces are off here: say so, loudly.
        t.skip(`unshare -rmn is not allowed here (${(probe.stderr || probe.error?.message || '').trim()})`);
        return;
      }
      const env = { ...process.env, SOCIALD_SHUTDOWN_NETNS: '1' };
      delete env.NODE_TEST_CONTEXT; // the inner run reports on its own
      // The namespace has no route to the cluster's 127.0.0.1:PORT: the
      // inner run (its harness and its servers) goes through the socket.
      if (dbDialect() === 'postgres') {
        const pg = pgSocketUrl();
        if (pg.skip) {
          t.skip(`on PostgreSQL the inner run needs the cluster's Unix socket: ${pg.skip}`);
          return;
        }
        env.SOCIALD_TEST_PG = pg.url;
      }
      const dir = tempDir('sociald-dns-');
      const resolv = join(dir, 'resolv.conf');
      // One nameserver, one try, a long timeout: the lookup waits 60 s unless
      // something answers, and nothing does.
      writeFileSync(resolv, 'nameserver 127.0.0.1\noptions timeout:60 attempts:1\n');
      const r = spawnSync('unshare', ['-rmn', '--', 'sh', '-c',
        'ip link set lo up && mount --bind "$0" /etc/resolv.conf && exec node "$1"',
        resolv, fileURLToPath(import.meta.url)], { encoding: 'utf8', env, timeout: 120000 });
      rmSync(dir, { recursive: true, force: true });
      assert.equal(r.status, 0, `inner run failed (${r.status} ${r.signal ?? ''}):\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /# pass 1/, r.stdout);
    });
  });
} else {
  test('SIGTERM while POST /api/hook/webhook waits on DNS: 651, exit 0, nothing saved', async () => {
    const queries = [];
    const dns = dgram.createSocket('udp4');
    dns.on('message', (m) => queries.push(m)); // and never answer
    await new Promise((res, rej) => { dns.once('error', rej); dns.bind(53, '127.0.0.1', res); });
    try {
      const data = tempDir();
      const srv = await new Server({ data, args: ['--shutdown-grace', '0'] }).start();
      const a = srv.account('premium');
      const pending = settle(srv.api('/api/hook/webhook', { method: 'POST', key: a.apiKey, body: { action: 'social', url: 'https://hooks.slow-dns.test/in' } }));
      await until(() => queries.length > 0, 'the DNS query');
      const exit = await srv.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, srv.logs.slice(-5).join('\n'));
      const r = await pending;
      assert.ok(!r.closed, 'answered, not cut');
      assertError(r, 503, 651, 'webhook');
      // Nothing was saved: the client was told to retry.
      const again = await new Server({ data, args: ['--shutdown-grace', '0'] }).start();
      const list = await again.api('/api/hook/webhook', { key: a.apiKey });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.json.social, undefined, list.text);
      assert.deepEqual(await again.stop(), { code: 0, signal: null });
      rmSync(data, { recursive: true, force: true });
    } finally {
      dns.close();
    }
  });
}

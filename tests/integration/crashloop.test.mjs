// A crash loop (SPEC §12; issue 15 item 8): three servers on one database
// under a steady stream of writes, one of them killed with SIGKILL every
// second or so and started again. Every write a server acknowledged (a
// profile created, an account unlinked) is there at the end, and every
// unlink's webhook event is delivered. Runs on both drivers (SQLite: three
// processes on one file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, secrets, tempDir, waitUntil, pass, dropDb } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

const ARGS = ['--webhook-allow-private', '--webhook-allow-http', '--jobs-lease-ms', '1500', '--jobs-poll-ms', '100',
  '--rate-limit', '1000000'];
const PLATFORMS = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest'];

test('SIGKILL every second to one of three servers under writes: no acknowledged write or event lost', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  const first = new Server({ data, args: ARGS });
  const seed = first.cli(['seed', '--profiles', '20', '--accounts', '5', '--keys-out', join(data, 'k.txt')]);
  assert.equal(seed.status, 0, seed.stderr);
  const key = seed.json.apiKey;
  const pkeys = readFileSync(join(data, 'k.txt'), 'utf8').trim().split('\n');
  pkeys.forEach((k) => secrets.add(k));
  const servers = [await first.start(), await new Server({ data, args: ARGS }).start(), await new Server({ data, args: ARGS }).start()];
  const hook = await servers[0].api('/api/hook/webhook', { method: 'POST', key, body: { action: 'social', url: rx.url } });
  assert.equal(hook.status, 200, hook.text);
  const refOf = new Map();
  for (const k of pkeys) refOf.set(k, (await servers[0].api('/api/user', { key, profileKey: k })).json.refId);

  // The writes: unlinks of every (profile, network), and profile creates,
  // sent one after another to the servers in turn; a write counts only
  // when a server answered 200.
  const unlinks = [];
  for (const k of pkeys) for (const p of PLATFORMS) unlinks.push({ k, p });
  const acked = { unlinks: [], titles: [] };
  let stop = false;
  const writer = (async () => {
    let i = 0;
    while (!stop) {
      const s = servers[i++ % 3];
      await pass(5); // ~150 writes a second, so that they span the kills
      try {
        if (unlinks.length && i % 10 === 0) {
          const u = unlinks[unlinks.length - 1];
          const r = await s.api('/api/profiles/social', { method: 'DELETE', key, profileKey: u.k, body: { platform: u.p } });
          if (r.status === 200) {
            acked.unlinks.push(u);
            unlinks.pop();
          }
        } else {
          const title = `Crash ${i}`;
          const r = await s.api('/api/profiles', { method: 'POST', key, body: { title } });
          if (r.status === 200) {
            acked.titles.push(title);
            secrets.add(r.json.profileKey);
          }
        }
      } catch {
        // the server was killed under the request: not acknowledged
      }
    }
  })();
  // The crash loop: about eight kills, a random server each time.
  for (let n = 0; n < 8; n++) {
    await pass(700 + Math.random() * 600);
    const j = Math.floor(Math.random() * 3);
    const victim = servers[j];
    servers[j] = new Server({ data, args: ARGS }); // requests meanwhile fail over to the others
    await victim.kill9();
    await servers[j].start();
  }
  stop = true;
  await writer;
  assert.ok(acked.unlinks.length > 0 && acked.titles.length > 0, 'writes went through');
  console.log(`crash loop: 8 kills; ${acked.titles.length} creates and ${acked.unlinks.length} unlinks acknowledged`);

  // Every acknowledged write is there...
  const s = servers[0];
  const titles = new Set();
  let cursor = null;
  do {
    const l = await s.api('/api/profiles', { key, query: cursor ? { cursor } : {} });
    assert.equal(l.status, 200, l.text);
    for (const p of l.json.profiles) titles.add(p.title);
    cursor = l.json.pagination?.hasMore ? l.json.pagination.nextCursor : null;
  } while (cursor);
  for (const t of acked.titles) assert.ok(titles.has(t), `profile ${t} was acknowledged and is gone`);
  for (const u of acked.unlinks) {
    const user = await s.api('/api/user', { key, profileKey: u.k });
    assert.ok(!(user.json.activeSocialAccounts || []).includes(u.p), `${u.p} was unlinked and is back`);
  }
  // ...and every acknowledged unlink's event arrives (at least once).
  await waitUntil('every acknowledged unlink delivered', () =>
    acked.unlinks.every((u) => rx.requests.some((r) => r.body?.refId === refOf.get(u.k) && r.body.platform === u.p)), { timeoutMs: 30000 });
  for (const srv of servers) await srv.stop();
  await rx.stop();
  rmSync(data, { recursive: true, force: true });
  dropDb(data);
});

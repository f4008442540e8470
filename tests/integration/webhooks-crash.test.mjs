// Webhook events are never lost (SPEC §8): kill -9 the server while
// deliveries wait for a retry and while one is in flight, restart it on the
// same database, and every event arrives — at least once, same hookId.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, secrets, tempDir, waitUntil, pass } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

const ARGS = ['--webhook-allow-private', '--webhook-allow-http', '--jobs-lease-ms', '1500', '--webhook-retries', '2000,2000,2000'];
const PLATFORMS = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest'];

async function setup(data, rx, extra = []) {
  const srv = new Server({ data, args: [...ARGS, ...extra] });
  const seed = srv.cli(['seed', '--profiles', '1', '--accounts', '5', '--keys-out', join(data, 'k.txt')]);
  const pkey = readFileSync(join(data, 'k.txt'), 'utf8').trim();
  secrets.add(pkey);
  await srv.start();
  const r = await srv.api('/api/hook/webhook', { method: 'POST', key: seed.json.apiKey, body: { action: 'social', url: rx.url } });
  assert.equal(r.status, 200, r.text);
  return { srv, key: seed.json.apiKey, pkey };
}

test('kill -9 while deliveries wait for a retry: all delivered after restart', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  rx.fallback = { status: 503 };
  const { srv, key, pkey } = await setup(data, rx);
  for (const p of PLATFORMS) {
    const r = await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pkey, body: { platform: p } });
    assert.equal(r.status, 200);
  }
  await rx.waitFor((rs) => new Set(rs.map((r) => r.body.hookId)).size === 5);
  const hooks = new Set(rx.requests.map((r) => r.body.hookId));
  await srv.kill9();

  rx.fallback = { status: 200 };
  const again = new Server({ data, args: ARGS });
  await again.start();
  await rx.waitFor((rs) => [...hooks].every((h) => rs.some((r) => r.body.hookId === h && r.headers['x-sociald-attempt'] !== '1')));
  // The receiver sees a request before the server records its answer.
  const list = await waitUntil('five deliveries recorded delivered', async () => {
    const l = await again.api('/api/hook/deliveries', { key });
    return l.json.deliveries.filter((d) => d.status === 'delivered').length === 5 && l;
  });
  assert.deepEqual(new Set(list.json.deliveries.map((d) => d.hookId)), hooks);
  await again.stop();
  await rx.stop();
  rmSync(data, { recursive: true });
});

test('kill -9 while a delivery is in flight: it is sent again after the lease expires', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  rx.respond({ hang: true });
  const { srv, key, pkey } = await setup(data, rx);
  await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pkey, body: { platform: 'facebook' } });
  const [first] = await rx.waitFor((rs) => rs.length === 1);
  await srv.kill9();

  const again = new Server({ data, args: ARGS });
  await again.start();
  const rs = await rx.waitFor((all) => all.length === 2);
  assert.equal(rs[1].body.hookId, first.body.hookId, 'same hookId');
  assert.deepEqual(rs[1].body, first.body, 'same payload');
  assert.equal(rs[1].headers['x-sociald-attempt'], '2', 'the interrupted attempt counts');
  await waitUntil('the delivery recorded delivered', async () =>
    (await again.api('/api/hook/deliveries', { key })).json.deliveries[0]?.status === 'delivered');
  await again.stop();
  await rx.stop();
  rmSync(data, { recursive: true });
});

test('kill -9 before most events were ever attempted: they are delivered after restart', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  rx.fallback = { hang: true }; // the first attempt hangs; one at a time, so the rest wait
  const { srv, key, pkey } = await setup(data, rx, ['--jobs-concurrency', '1']);
  const results = await Promise.all(PLATFORMS.map((p) =>
    srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pkey, body: { platform: p } })));
  assert.ok(results.every((r) => r.status === 200));
  await rx.waitFor((all) => all.length === 1);
  await pass(200); // a quiet period: one worker, held by the first
  assert.equal(rx.requests.length, 1, 'four events not attempted yet');
  await srv.kill9();
  rx.fallback = { status: 200 };
  const again = new Server({ data, args: ARGS });
  await again.start();
  const rs = await rx.waitFor((all) => new Set(all.map((r) => r.body.platform)).size === 5, 15000);
  await waitUntil('all five recorded delivered', async () => {
    const l = await again.api('/api/hook/deliveries', { key });
    return l.json.deliveries.filter((d) => d.status === 'delivered').length === 5;
  });
  assert.deepEqual(new Set(rs.map((r) => r.body.platform)), new Set(PLATFORMS));
  await again.stop();
  await rx.stop();
  rmSync(data, { recursive: true });
});

test('SIGTERM waits for a delivery in flight and records it', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  rx.respond({ status: 200, delayMs: 700 });
  const { srv, key, pkey } = await setup(data, rx);
  await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pkey, body: { platform: 'facebook' } });
  await rx.waitFor((rs) => rs.length === 1);
  const r = await srv.stop();
  assert.equal(r.code, 0);
  const again = new Server({ data, args: ARGS });
  await again.start();
  const l = await again.api('/api/hook/deliveries', { key });
  assert.equal(l.json.deliveries[0].status, 'delivered');
  assert.equal(l.json.deliveries[0].attempts, 1);
  await pass(2000); // a quiet period: nothing is sent again
  assert.equal(rx.requests.length, 1, 'not sent twice');
  await again.stop();
  await rx.stop();
  rmSync(data, { recursive: true });
});

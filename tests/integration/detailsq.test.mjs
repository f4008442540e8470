// The details refresh respects the networks (issue 14): reads past
// nextUpdate queue profiles in memory, never write and never wait; the
// queue is bounded (the rest are counted as dropped); the calls to each
// network stay within details-rate per second; nextUpdate moves out while
// the queue is long.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, secrets, pass, waitUntil, dbQuery } from './lib/harness.mjs';
import { Sandbox } from './lib/sandbox.mjs';

const PROFILES = 10000;
const RATE = 4; // --details-rate: calls per second per network
const QUEUE = 2000; // --details-queue

let sb, srv, apiKey, keys;

async function metric(name) {
  const r = await srv.api('/metrics');
  assert.equal(r.status, 200, r.text);
  const m = r.text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

before(async () => {
  sb = await new Sandbox().start();
  srv = new Server({
    args: ['--sandbox', sb.url, '--details-ttl', '1', '--details-rate', String(RATE),
      '--details-queue', String(QUEUE)],
  });
  await srv.start();
  const seed = srv.cli(['seed', '--profiles', String(PROFILES), '--accounts', '3',
    '--keys-out', join(srv.data, 'keys.txt')]);
  assert.equal(seed.status, 0, seed.stderr);
  apiKey = JSON.parse(seed.stdout).apiKey;
  secrets.add(apiKey);
  keys = readFileSync(join(srv.data, 'keys.txt'), 'utf8').trim().split('\n');
  keys.forEach((k) => secrets.add(k));
  assert.equal(keys.length, PROFILES);
  await pass(1100); // details-ttl: every seeded profile is now past nextUpdate
});

after(async () => {
  await srv?.stop();
  await sb?.stop();
});

test(`${PROFILES} stale profiles read: no write, a bounded queue, calls within the budget`, async () => {
  await sb.clearCalls();
  const answers = [];
  let next = 0;
  const reader = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const r = await srv.api('/api/user', { key: apiKey, profileKey: key });
      assert.equal(r.status, 200, r.text);
      answers.push(r.json);
    }
  };
  await Promise.all(Array.from({ length: 16 }, reader));
  assert.equal(answers.length, PROFILES);
  // No details job rows: the queue is in memory.
  assert.equal(dbQuery(srv.data, "SELECT COUNT(*) FROM jobs WHERE kind = 'details'"), '0');
  // Bounded: at most QUEUE waited at once; the rest were dropped, counted.
  const queued = await metric('sociald_details_queued_total');
  const dropped = await metric('sociald_details_dropped_total');
  assert.ok(queued <= QUEUE + RATE * 600, `queued ${queued}`);
  assert.ok(queued >= QUEUE, `queued ${queued}`);
  assert.ok(dropped > 0 && queued + dropped >= PROFILES, `queued ${queued} dropped ${dropped}`);
  assert.ok((await metric('sociald_details_waiting')) <= QUEUE);
  // nextUpdate moved out for the last ones read: the queue ahead of them
  // needs QUEUE / RATE seconds at the budget, far more than details-ttl.
  const last = answers[answers.length - 1];
  const ahead = Date.parse(last.nextUpdate) - Date.parse(last.lastUpdated);
  assert.ok(ahead > 60000, `nextUpdate only ${ahead} ms after lastUpdated`);

  // The calls the refresh makes: within RATE per second per network, over
  // any stretch of the log (one second's burst allowed, one more second of
  // slack for the time between the decision and the sandbox's receipt).
  const calls = await sb.waitForCalls('details reads at three networks',
    (c) => new Set(c.map((x) => x.network)).size >= 3 && c.length >= 12 * RATE, { timeoutMs: 30000 });
  const byNet = new Map();
  for (const c of calls) {
    if (!byNet.has(c.network)) byNet.set(c.network, []);
    byNet.get(c.network).push(Date.parse(c.at));
  }
  for (const [net, times] of byNet) {
    times.sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        const span = (times[j] - times[i]) / 1000;
        const count = j - i + 1;
        assert.ok(count <= RATE * (span + 2), `${net}: ${count} calls in ${span} s (budget ${RATE}/s)`);
      }
    }
  }
  // And the refreshes get written: lastUpdated moves for the stalest.
  const first = answers[0];
  await waitUntil('the first profile read refreshed and written', async () => {
    const r = await srv.api('/api/user', { key: apiKey, profileKey: keys[0] });
    return Date.parse(r.json.lastUpdated) > Date.parse(first.lastUpdated);
  }, { timeoutMs: 30000 });
});

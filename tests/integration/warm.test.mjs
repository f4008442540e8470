// The cache warm at start (issue 14, --cache-warm): a server started on
// seeded data caches every live profile in the background and answers
// exactly as one that reads them from the database; a change made while
// the warm runs, or after it, through the API or the CLI, is seen by the
// next request; a budget too small for the data ends the warm before any
// eviction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, cli, tempDir, secrets, waitUntil } from './lib/harness.mjs';

const PROFILES = 10000;

let data, apiKey, keys;

function metric(text, name) {
  const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

async function warmEnded(srv) {
  return waitUntil('the cache warm to end', async () => {
    const r = await srv.api('/metrics');
    return r.status === 200 && metric(r.text, 'sociald_cache_warming') === 0 ? r.text : null;
  }, { timeoutMs: 120000 });
}

// What GET /api/user says of a profile, without the fields that move with
// the clock.
function shape(json) {
  const { lastUpdated, nextUpdate, ...rest } = json;
  assert.ok(lastUpdated !== undefined && nextUpdate !== undefined);
  return rest;
}

before(() => {
  data = tempDir();
  const seed = cli(['seed', '--profiles', String(PROFILES), '--accounts', '3',
    '--keys-out', join(data, 'keys.txt')], { data });
  assert.equal(seed.status, 0, seed.stderr);
  apiKey = JSON.parse(seed.stdout).apiKey;
  secrets.add(apiKey);
  keys = readFileSync(join(data, 'keys.txt'), 'utf8').trim().split('\n');
  keys.forEach((k) => secrets.add(k));
  assert.equal(keys.length, PROFILES);
});

after(() => rmSync(data, { recursive: true, force: true }));

test('a warmed server answers as a cold one, and sees changes made during and after the warm', async () => {
  // The reference: the same data read from the database.
  const cold = new Server({ data, args: ['--cache-warm', 'false'] });
  await cold.start();
  const sample = Array.from({ length: 50 }, (_, i) => keys[Math.floor((i * PROFILES) / 50)]);
  const want = new Map();
  for (const k of sample) {
    const r = await cold.api('/api/user', { key: apiKey, profileKey: k });
    assert.equal(r.status, 200, r.text);
    want.set(k, shape(r.json));
  }
  const coldMetrics = await cold.api('/metrics');
  assert.equal(metric(coldMetrics.text, 'sociald_cache_warmed_profiles'), 0);
  await cold.stop();

  const srv = new Server({ data });
  await srv.start();
  try {
    // Titles changed while the warm runs (it may be anywhere in its pages).
    const changed = keys.filter((_, i) => i % 97 === 5);
    await Promise.all(changed.map(async (k, i) => {
      const r = await srv.api('/api/profiles', { method: 'PATCH', key: apiKey, profileKey: k, body: { title: `During warm ${i}` } });
      assert.equal(r.status, 200, r.text);
    }));
    const text = await warmEnded(srv);
    // Every live profile, the account's primary one too.
    assert.equal(metric(text, 'sociald_cache_warmed_profiles'), PROFILES + 1);
    // The line is written by the logger thread within 50 ms, not with the metric.
    await waitUntil('the warm to log how it ended', () =>
      srv.logs.some((l) => l.includes('"cache warm ended"') && l.includes('every profile is cached')));

    for (const k of sample) {
      if (changed.includes(k)) continue;
      const r = await srv.api('/api/user', { key: apiKey, profileKey: k });
      assert.equal(r.status, 200, r.text);
      // The same, but for this read's own count.
      const w = want.get(k);
      assert.deepEqual(shape(r.json), { ...w, monthlyApiCalls: w.monthlyApiCalls + 1 },
        'warmed answer equals the database read');
    }
    for (const [i, k] of changed.entries()) {
      const r = await srv.api('/api/user', { key: apiKey, profileKey: k });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.title, `During warm ${i}`, 'a change made while warming is seen');
    }

    // After the warm: an API change and a CLI change (another process).
    const k1 = keys[123];
    let r = await srv.api('/api/profiles', { method: 'PATCH', key: apiKey, profileKey: k1, body: { title: 'After warm' } });
    assert.equal(r.status, 200, r.text);
    r = await srv.api('/api/user', { key: apiKey, profileKey: k1 });
    assert.equal(r.json.title, 'After warm');

    const k2 = keys[4567];
    r = await srv.api('/api/user', { key: apiKey, profileKey: k2 });
    assert.equal(r.status, 200, r.text);
    const s = srv.cli(['profile', 'suspend', '--ref-id', r.json.refId]);
    assert.equal(s.status, 0, s.stderr);
    r = await srv.api('/api/user', { key: apiKey, profileKey: k2 });
    assert.equal(r.status, 403, `a profile suspended by the CLI after the warm is seen: ${r.text}`);
    assert.equal(r.json.code, 612, r.text);
  } finally {
    await srv.stop();
  }
});

test('a budget too small for the data: the warm stops before evicting and reads stay right', async () => {
  const srv = new Server({ data, args: ['--cache-mb', '1'] });
  await srv.start();
  try {
    const text = await warmEnded(srv);
    const warmed = metric(text, 'sociald_cache_warmed_profiles');
    assert.ok(warmed > 0 && warmed < PROFILES, `warmed ${warmed} of ${PROFILES + 1}`);
    await waitUntil('the warm to log that the budget is full', () =>
      srv.logs.some((l) => l.includes('"cache warm ended"') && l.includes('the cache budget is full')));
    // Beyond what was warmed the profiles are read from the database.
    for (const k of [keys[0], keys[PROFILES - 1]]) {
      const r = await srv.api('/api/user', { key: apiKey, profileKey: k });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.activeSocialAccounts.length === 3, r.text);
    }
  } finally {
    await srv.stop();
  }
});

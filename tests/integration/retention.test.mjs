// Retention (docs/operations.md "Retention"): the sweep deletes deleted
// profiles' tombstones, finished deliveries, events, unregistered webhooks
// and finished batch exports' records once they are older than their
// --retain-* knob, and keeps everything younger. Rows are aged by rewriting
// their times in the database while the server is stopped, so the test does
// not depend on how fast the machine is: with 30-day retention, a row dated
// 40 days back must go and one dated now must stay, in the same sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, assertError, cli, secrets, tempDir, waitUntil, dbQuery, dbExec } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';

const DAY = 86400 * 1000;
const ALLOW = ['--webhook-allow-private', '--webhook-allow-http'];

// A business account with two seeded (linked) profiles, a social webhook
// to rx with one delivered event per seeded profile, an unregistered feed
// webhook, and two deleted user profiles (tombstones, nothing linked).
async function populate(srv, rx) {
  const file = join(srv.data, 'keys.txt');
  const seed = srv.cli(['seed', '--profiles', '2', '--accounts', '1', '--keys-out', file]);
  assert.equal(seed.status, 0, seed.stderr);
  const key = seed.json.apiKey;
  const keys = readFileSync(file, 'utf8').trim().split('\n');
  keys.forEach((k) => secrets.add(k));
  const hook = (body, method = 'POST') => srv.api('/api/hook/webhook', { method, key, body });
  assert.equal((await hook({ action: 'social', url: rx.url })).status, 200);
  assert.equal((await hook({ action: 'feed', url: rx.url })).status, 200);
  assert.equal((await hook({ action: 'feed' }, 'DELETE')).status, 200);
  for (const pk of keys) {
    const u = await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: pk, body: { platform: 'facebook' } });
    assert.equal(u.status, 200);
  }
  await waitUntil('two delivered events', async () =>
    (await srv.api('/api/hook/deliveries?status=delivered', { key })).json.count === 2);
  const gone = [];
  for (const title of ['old tombstone', 'new tombstone']) {
    const c = await srv.api('/api/profiles', { method: 'POST', key, body: { title } });
    assert.equal(c.status, 200);
    secrets.add(c.json.profileKey);
    const d = await srv.api('/api/profiles', { method: 'DELETE', key, body: { profileKey: c.json.profileKey } });
    assert.equal(d.status, 200);
    gone.push(c.json);
  }
  return { key, keys, old: gone[0], young: gone[1] };
}

const count = (data, table, where = '1 = 1') => Number(dbQuery(data, `SELECT COUNT(*) FROM ${table} WHERE ${where}`));

test('rows past retention go, younger rows stay; a purged tombstone answers 610 instead of 611', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  let srv = new Server({ data, args: ALLOW });
  await srv.start();
  const { key, old, young } = await populate(srv, rx);
  for (const p of [old, young]) assertError(await srv.api('/api/user?validate=true', { key, profileKey: p.profileKey }), 404, 611, 'user');
  await srv.stop();

  // Age one of each kind by 40 days: the oldest event and its delivery,
  // the old tombstone, the unregistered webhook; and two finished exports'
  // records, one deleted 40 days ago and one just now.
  const now = Date.now();
  const oldEvent = Number(dbQuery(data, 'SELECT MIN(id) FROM events'));
  const acct = Number(dbQuery(data, `SELECT account_id FROM profiles WHERE ref_id = '${old.refId}'`));
  dbExec(data, `UPDATE events SET created_ms = created_ms - ${40 * DAY} WHERE id = ${oldEvent};
    UPDATE deliveries SET created_ms = created_ms - ${40 * DAY} WHERE event_id = ${oldEvent};
    UPDATE profiles SET deleted_ms = deleted_ms - ${40 * DAY} WHERE ref_id = '${old.refId}';
    UPDATE webhooks SET deleted_ms = deleted_ms - ${40 * DAY} WHERE deleted_ms IS NOT NULL;
    INSERT INTO batch_exports (account_id, file, started_ms, estimate_ms, expires_ms, ready_ms, deleted_ms) VALUES
      (${acct}, 'old.json', ${now - 50 * DAY}, ${now - 50 * DAY}, ${now - 43 * DAY}, ${now - 50 * DAY}, ${now - 40 * DAY}),
      (${acct}, 'new.json', ${now - 8 * DAY}, ${now - 8 * DAY}, ${now - DAY}, ${now - 8 * DAY}, ${now - DAY});`);
  const oldId = Number(dbQuery(data, `SELECT id FROM profiles WHERE ref_id = '${old.refId}'`));
  assert.equal(count(data, 'events'), 2);
  assert.equal(count(data, 'webhooks', 'deleted_ms IS NOT NULL'), 1);

  // Default retention (30 days); the sweep comes every second.
  srv = new Server({ data, args: [...ALLOW, '--sweep-interval', '1'] });
  await srv.start();
  // The tombstone is the last kind but one a sweep visits, the exports the
  // last: once both are gone, the sweep has been everywhere.
  await waitUntil('the old tombstone purged', async () =>
    (await srv.api('/api/user?validate=true', { key, profileKey: old.profileKey })).json?.code === 610);
  await waitUntil('the old export record purged', () => count(data, 'batch_exports', "file = 'old.json'") === 0);
  assertError(await srv.api('/api/user?validate=true', { key, profileKey: old.profileKey }), 403, 610, 'user');
  assert.equal(count(data, 'profiles', `id = ${oldId}`), 0);
  assert.equal(count(data, 'webhook_secrets', `profile_id = ${oldId}`), 0);
  // The young tombstone is still one.
  const v = await srv.api('/api/user?validate=true', { key, profileKey: young.profileKey });
  assertError(v, 404, 611, 'user');
  assert.equal(v.json.deleted.refId, young.refId);
  // One delivery and its event left; the young one stays.
  const l = await srv.api('/api/hook/deliveries', { key });
  assert.equal(l.json.count, 1);
  assert.equal(count(data, 'events'), 1);
  assert.equal(count(data, 'events', `id = ${oldEvent}`), 0);
  assert.equal(count(data, 'webhooks', 'deleted_ms IS NOT NULL'), 0);
  assert.equal(count(data, 'webhooks', "action = 'social'"), 1);
  assert.equal(count(data, 'batch_exports', "file = 'new.json'"), 1);
  await srv.waitForLog((line, j) => j?.msg === 'rows past retention deleted' && j.profiles === 1);
  await srv.stop();
  await rx.stop();
  rmSync(data, { recursive: true, force: true });
});

test('a knob at 0 keeps its rows for ever; the others still go', async () => {
  const data = tempDir();
  const rx = await new Receiver().start();
  let srv = new Server({ data, args: ALLOW });
  await srv.start();
  const { key, old } = await populate(srv, rx);
  await srv.stop();
  const oldEvent = Number(dbQuery(data, 'SELECT MIN(id) FROM events'));
  dbExec(data, `UPDATE events SET created_ms = created_ms - ${40 * DAY} WHERE id = ${oldEvent};
    UPDATE deliveries SET created_ms = created_ms - ${40 * DAY} WHERE event_id = ${oldEvent};
    UPDATE profiles SET deleted_ms = deleted_ms - ${4000 * DAY} WHERE ref_id = '${old.refId}';`);

  srv = new Server({ data, args: [...ALLOW, '--sweep-interval', '1', '--retain-deleted', '0'] });
  await srv.start();
  // Tombstones come after events in a sweep: once the old event is gone,
  // the sweep has passed them by.
  await waitUntil('the old event purged', () => count(data, 'events', `id = ${oldEvent}`) === 0);
  await srv.waitForLog((line, j) => j?.msg === 'rows past retention deleted' && j.events === 1);
  assertError(await srv.api('/api/user?validate=true', { key, profileKey: old.profileKey }), 404, 611, 'user');
  await srv.stop();
  await rx.stop();
  rmSync(data, { recursive: true, force: true });
});

test('the knobs are checked: a negative or unreadable retention is refused at start', () => {
  const data = tempDir();
  for (const args of [['--retain-events', '-1'], ['--retain-deleted', '30d'], ['--sweep-interval', '0']]) {
    const r = cli(['serve', '--listen', '127.0.0.1:0', ...args], { data });
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, new RegExp(args[0].slice(2)));
  }
  rmSync(data, { recursive: true, force: true });
});

// GET /api/user (SPEC §2) through the real binary: every field of the seed
// example, for the account and for user profiles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, seenByServer, assertError, secrets } from './lib/harness.mjs';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_S = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const PLATFORMS = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'reddit',
  'telegram', 'tiktok', 'twitter', 'youtube'];

// Which fields each network's entry carries in the seed example.
const SEED_FIELDS = {
  facebook: ['created', 'displayName', 'id', 'pageName', 'platform', 'profileUrl', 'userImage'],
  gmb: ['created', 'description', 'displayName', 'mapsUrl', 'placeId', 'platform', 'profileUrl', 'reviewUrl'],
  instagram: ['created', 'displayName', 'id', 'pageName', 'platform', 'profileUrl', 'userImage', 'username'],
  linkedin: ['created', 'displayName', 'id', 'platform', 'profileUrl', 'refreshDaysRemaining',
    'refreshRequired', 'type', 'userImage', 'username'],
  pinterest: ['created', 'displayName', 'id', 'platform', 'profileUrl', 'userImage', 'username'],
  reddit: ['created', 'displayName', 'platform', 'profileUrl', 'userImage', 'username'],
  telegram: ['created', 'displayName', 'id', 'platform', 'profileUrl', 'type', 'userImage'],
  tiktok: ['created', 'displayName', 'id', 'platform', 'profileUrl', 'userImage', 'username'],
  twitter: ['created', 'displayName', 'id', 'platform', 'profileUrl', 'userImage', 'username'],
  youtube: ['created', 'displayName', 'id', 'platform', 'profileUrl', 'userImage', 'username'],
};

let srv, seed, keys;

before(async () => {
  srv = new Server();
  const r = srv.cli(['seed', '--profiles', '3', '--accounts', '10', '--keys-out',
    join(srv.data, 'keys.txt'), '--email', 'owner@example.com']);
  assert.equal(r.status, 0, r.stderr);
  seed = r.json;
  keys = readFileSync(join(srv.data, 'keys.txt'), 'utf8').trim().split('\n');
  keys.forEach((k) => secrets.add(k));
  await srv.start();
});
after(async () => { await srv.stop(); });

test('account (no Profile-Key): the seed example, field by field', async () => {
  const r = await srv.api('/api/user', { key: seed.apiKey });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  const u = r.json;
  assert.deepEqual(Object.keys(u), ['activeSocialAccounts', 'created', 'displayNames', 'email',
    'monthlyApiCalls', 'refId', 'title', 'lastUpdated', 'nextUpdate']);
  assert.deepEqual(u.activeSocialAccounts, PLATFORMS);
  assert.equal(u.title, 'Primary Profile');
  assert.equal(u.email, 'owner@example.com');
  assert.match(u.refId, /^[0-9a-f]{40}$/);
  assert.equal(typeof u.created._seconds, 'number');
  assert.equal(typeof u.created._nanoseconds, 'number');
  assert.equal(u.created._nanoseconds % 1000000, 0);
  assert.match(u.created.utc, ISO_S);
  assert.equal(new Date(u.created.utc).getTime() / 1000, u.created._seconds);
  assert.match(u.lastUpdated, ISO_MS);
  assert.equal(new Date(u.nextUpdate) - new Date(u.lastUpdated), 30000);
  assert.equal(u.monthlyApiCalls, 1);
  assert.equal(u.monthlyApiCallsQuota, undefined, 'business plans have no quota');
});

test('displayNames: sorted by platform, each network with the seed fields and types', async () => {
  const r = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[0] });
  assert.equal(r.status, 200);
  const dn = r.json.displayNames;
  assert.deepEqual(dn.map((d) => d.platform), PLATFORMS);
  for (const d of dn) {
    assert.deepEqual(Object.keys(d).sort(), [...SEED_FIELDS[d.platform]].sort(), d.platform);
    assert.deepEqual(Object.keys(d), [...Object.keys(d)].sort(), 'keys alphabetical');
    assert.match(d.created, ISO_MS);
    for (const [k, v] of Object.entries(d)) {
      if (k === 'id' && d.platform === 'telegram') assert.equal(typeof v, 'number');
      else if (k === 'refreshDaysRemaining') assert.equal(typeof v, 'number');
      else assert.equal(typeof v, 'string', `${d.platform}.${k}`);
      assert.notEqual(v, null);
    }
    if (d.platform !== 'gmb') assert.match(d.profileUrl, /^https:\/\//);
  }
  const li = dn.find((d) => d.platform === 'linkedin');
  const due = new Date(li.created).getTime() + 365 * 86400000;
  assert.equal(li.refreshRequired, new Date(due).toISOString());
  assert.equal(li.refreshDaysRemaining, Math.floor((due - Date.now()) / 86400000));
  assert.ok(['personal', 'corporate'].includes(li.type));
  assert.ok(['channel', 'group', 'supergroup'].includes(dn.find((d) => d.platform === 'telegram').type));
  const gmb = dn.find((d) => d.platform === 'gmb');
  assert.ok(gmb.reviewUrl.endsWith(gmb.placeId));
  assert.equal(r.json.email, null);
  assert.match(r.json.title, /^Customer \d+$/);
});

test('instagram type only with instagramQuota (alias instagramDetails)', async () => {
  const plain = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[1] });
  assert.equal(plain.json.displayNames.find((d) => d.platform === 'instagram').type, undefined);
  for (const q of ['instagramQuota=true', 'instagramDetails=TRUE', 'instagramQuota=1']) {
    const r = await srv.api('/api/user?' + q, { key: seed.apiKey, profileKey: keys[1] });
    assert.equal(r.status, 200);
    const ig = r.json.displayNames.find((d) => d.platform === 'instagram');
    assert.ok(['business', 'creator'].includes(ig.type), q);
  }
  const bad = await srv.api('/api/user?instagramQuota=yes', { key: seed.apiKey });
  assertError(bad, 400, 600, 'user');
  assert.equal(bad.json.details.field, 'instagramQuota');
});

test('monthlyApiCalls counts this profile\'s calls, including the current one', async () => {
  const a = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[2] });
  const b = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[2] });
  assert.equal(b.json.monthlyApiCalls, a.json.monthlyApiCalls + 1);
  // A rejected call does not count.
  await srv.api('/api/user', { key: seed.apiKey, profileKey: 'nope' });
  await srv.api('/api/user', { key: 'wrong' });
  const c = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[2] });
  assert.equal(c.json.monthlyApiCalls, b.json.monthlyApiCalls + 1);
});

test('profiles are separate: their own refId, created and counts', async () => {
  const a = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[0] });
  const b = await srv.api('/api/user', { key: seed.apiKey, profileKey: keys[1] });
  const acct = await srv.api('/api/user', { key: seed.apiKey });
  assert.notEqual(a.json.refId, b.json.refId);
  assert.notEqual(a.json.refId, acct.json.refId);
  assert.ok(a.json.created._seconds <= b.json.created._seconds);
});

test('validate=true: needs a Profile-Key; live profile answers normally', async () => {
  const noKey = await srv.api('/api/user?validate=true', { key: seed.apiKey });
  assertError(noKey, 400, 600, 'user');
  assert.equal(noKey.json.details.field, 'validate');
  const live = await srv.api('/api/user?validate=true', { key: seed.apiKey, profileKey: keys[0] });
  assert.equal(live.status, 200);
  assert.ok(live.json.displayNames.length);
  const bad = await srv.api('/api/user?validate=maybe', { key: seed.apiKey, profileKey: keys[0] });
  assertError(bad, 400, 600, 'user');
});

test('the free plan shows its quota and answers 106 when it is used up', async () => {
  const acct = srv.account('free');
  let last;
  for (let i = 1; i <= 20; i++) {
    last = await srv.api('/api/user', { key: acct.apiKey });
    assert.equal(last.status, 200);
    assert.equal(last.json.monthlyApiCalls, i);
    assert.equal(last.json.monthlyApiCallsQuota, 20);
  }
  const over = await srv.api('/api/user', { key: acct.apiKey });
  assertError(over, 429, 106, 'user');
  const resets = new Date(over.json.details.resets);
  const now = new Date();
  assert.equal(resets.getUTCDate(), 1);
  assert.equal(resets.getUTCHours(), 0);
  assert.ok(resets > now && resets - now <= 31 * 86400000);
  // Rejected calls did not count; the plan change is seen at once.
  assert.equal(srv.cli(['account', 'set-plan', '--ref-id', acct.refId, '--plan', 'premium']).status, 0);
  const after = await seenByServer('the new plan', async () => {
    const x = await srv.api('/api/user', { key: acct.apiKey });
    return x.status === 200 && x;
  });
  assert.equal(after.status, 200);
  assert.equal(after.json.monthlyApiCalls, 21);
  assert.equal(after.json.monthlyApiCallsQuota, 1000);
});

test('a new account has no linked networks: activeSocialAccounts omitted', async () => {
  const acct = srv.account('launch');
  const r = await srv.api('/api/user', { key: acct.apiKey });
  assert.equal(r.status, 200);
  assert.equal(r.json.activeSocialAccounts, undefined);
  assert.deepEqual(r.json.displayNames, []);
  assert.equal(r.json.ayrlinkUrl, undefined);
  assert.equal(r.json.refId, acct.refId);
  assert.equal(r.json.monthlyApiCallsQuota, 5000);
});

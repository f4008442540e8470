// The official Ayrshare npm SDK `social-media-api` 1.3.0, used unchanged but
// for its BASE_URL (rewritten in a generated copy beside the installed
// package, so its own `got` dependency resolves), answered as its callers
// expect. tests/sdk holds the pinned package; scripts/test.sh installs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, secrets } from './lib/harness.mjs';

const SDK_DIR = new URL('../sdk/', import.meta.url).pathname;
const PKG = join(SDK_DIR, 'node_modules', 'social-media-api');
let srv, SocialMediaAPI, acct;

before(async () => {
  assert.ok(existsSync(join(PKG, 'index.js')), 'run `npm ci --prefix tests/sdk` (scripts/test.sh does)');
  const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.equal(pkg.version, '1.3.0');
  srv = new Server();
  await srv.start();
  acct = srv.account('business');
  const original = readFileSync(join(PKG, 'index.js'), 'utf8');
  const line = 'const BASE_URL = "https://api.ayrshare.com/api";';
  assert.ok(original.includes(line), 'the SDK still defines BASE_URL as expected');
  const copy = original.replace(line, `const BASE_URL = "${srv.url}/api";`);
  // The copy differs from the package in that one line only.
  assert.equal(copy.split('\n').filter((l, i) => l !== original.split('\n')[i]).length, 1);
  mkdirSync(join(PKG, '.gen'), { recursive: true });
  const file = join(PKG, '.gen', `index-${srv.port}.js`);
  writeFileSync(file, copy);
  ({ default: SocialMediaAPI } = await import(file));
});
after(async () => { await srv.stop(); });

test('user(): the account, then a profile with setProfileKey', async () => {
  const social = new SocialMediaAPI(acct.apiKey);
  const u = await social.user();
  assert.equal(u.title, 'Primary Profile');
  assert.equal(u.refId, acct.refId);
  assert.equal(typeof u.monthlyApiCalls, 'number');
  const withQuota = await social.user({ instagramQuota: true });
  assert.equal(withQuota.refId, acct.refId);
});

test('createProfile / getProfiles / updateProfile / unlinkSocial / deleteProfile', async () => {
  const social = new SocialMediaAPI(acct.apiKey);
  const created = await social.createProfile({ title: 'SDK Shop', tags: ['sdk'], disableSocial: ['tiktok'] });
  assert.equal(created.status, 'success', JSON.stringify(created));
  assert.equal(created.title, 'SDK Shop');
  assert.match(created.refId, /^[0-9a-f]{40}$/);
  assert.ok(created.profileKey);
  secrets.add(created.profileKey);

  const listed = await social.getProfiles();
  assert.ok(Array.isArray(listed.profiles));
  assert.ok(listed.profiles.some((p) => p.refId === created.refId && p.title === 'SDK Shop'));
  const filtered = await social.getProfiles({ title: 'SDK Shop', includesActiveSocialAccounts: [] });
  assert.equal(filtered.profiles.length, 1);
  const byKeys = await social.getProfiles({ profileKeys: [created.profileKey] });
  assert.equal(byKeys.profiles[0].refId, created.refId);

  const updated = await social.updateProfile({ profileKey: created.profileKey, title: 'SDK Shop 2', displayTitle: 'Shop' });
  assert.deepEqual(updated, { status: 'success', refId: created.refId });
  const asProfile = await new SocialMediaAPI(acct.apiKey).setProfileKey(created.profileKey).user();
  assert.equal(asProfile.title, 'SDK Shop 2');
  assert.equal(asProfile.email, null);

  const unlinked = await social.unlinkSocial({ profileKey: created.profileKey, platform: 'twitter' });
  assert.deepEqual(unlinked, { status: 'success', platform: 'twitter', refId: created.refId });

  const deleted = await social.deleteProfile({ profileKey: created.profileKey });
  assert.deepEqual(deleted, { status: 'success', refId: created.refId });
  const gone = await new SocialMediaAPI(acct.apiKey).setProfileKey(created.profileKey).user({ validate: true });
  assert.equal(gone.status, 'error');
  assert.equal(gone.code, 611);
  assert.equal(gone.deleted.refId, created.refId);
});

test('errors come back as the result body, as SDK callers branch on them', async () => {
  const social = new SocialMediaAPI(acct.apiKey);
  const first = await social.createProfile({ title: 'Twice' });
  secrets.add(first.profileKey);
  const dup = await social.createProfile({ title: 'Twice' });
  assert.equal(dup.status, 'error');
  assert.equal(dup.code, 146);
  assert.equal(dup.action, 'profiles');
  const bad = await new SocialMediaAPI('not-a-key').user();
  assert.equal(bad.code, 102);
  const missing = await social.deleteProfile({ profileKey: 'nope' });
  assert.equal(missing.code, 610);
  const free = srv.account('free');
  const plan = await new SocialMediaAPI(free.apiKey).createProfile({ title: 'x' });
  assert.equal(plan.code, 620);
});

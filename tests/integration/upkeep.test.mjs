// Keeping accounts alive (SPEC §2, §9): the refresher renews tokens before
// they expire and saves rotated refresh tokens; a grant the network says is
// gone marks the account relink_required and sends the system unlink
// webhook; passing failures (5xx storms, 429 with Retry-After) never unlink;
// LinkedIn's re-link reminder; health in GET /api/profiles; the background
// details refresh after nextUpdate; Instagram's live quota and X's usage,
// cached, with failures reported in the entry, and a slow network that does
// not slow other requests. Everything runs against the sandbox's faults.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, secrets, waitUntil, pass, dbQuery } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';
import { Sandbox } from './lib/sandbox.mjs';
import { linkAs, sandboxToken } from './lib/browser.mjs';

let sb, srv, rx, acct;

const sleep = pass;

async function profile(title = `p-${Math.random().toString(36).slice(2)}`) {
  const r = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title } });
  assert.equal(r.status, 200, r.text);
  secrets.add(r.json.profileKey);
  return r.json;
}

const user = (profileKey, query) => srv.api('/api/user', { key: acct.apiKey, profileKey, query });

async function health(refId) {
  const r = await srv.api('/api/profiles', { key: acct.apiKey, query: { refId, include: 'socialHealth' } });
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.profiles[0].socialHealth.map((h) => [h.platform, h]));
}

const until = (what, fn, timeoutMs = 20000) => waitUntil(what, fn, { timeoutMs });

// The sandbox's token-endpoint calls of a network that used a refresh token.
async function refreshes(network) {
  const calls = await sb.calls(network);
  return calls.filter((c) => c.form && c.form.grant_type === 'refresh_token');
}

const socialEvents = (pred) => rx.requests.filter((q) => q.body && q.body.action === 'social' && pred(q.body));

before(async () => {
  sb = await new Sandbox().start();
  rx = await new Receiver().start();
  srv = new Server({
    args: ['--sandbox', sb.url, '--webhook-allow-private', '--webhook-allow-http',
      '--refresh-retries', '300,600,1200', '--details-ttl', '1', '--jobs-poll-ms', '100'],
  });
  await srv.start();
  acct = srv.account('business');
  const w = await srv.api('/api/hook/webhook', { method: 'POST', key: acct.apiKey, body: { action: 'social', url: rx.url } });
  assert.equal(w.status, 200, w.text);
});

after(async () => {
  await srv?.stop();
  await sb?.stop();
  await rx?.stop();
});

describe('the refresher', () => {
  test('renews at 80 % of the life and saves each rotated refresh token (X: single use)', async () => {
    await sb.fault({ tokenTtl: { network: 'twitter', access: 2 } });
    const p = await profile();
    // Taken before linking: the token is issued during linkAs, which may
    // take a while on a loaded machine after the token was issued.
    const linkedAt = Date.now();
    await linkAs(srv, acct.apiKey, p.profileKey, 'twitter', 'rot-x');
    // Three refreshes in a row succeed only if each used the refresh token
    // the previous one returned: X's refresh tokens work once.
    const calls = await until('three X refreshes', async () => {
      const c = await refreshes('twitter');
      return c.length >= 3 && c;
    });
    assert.ok(Date.parse(calls[0].at) >= linkedAt + 1000, 'not before most of the life');
    const h = await until('health shows the refresh', async () => {
      const x = (await health(p.refId)).twitter;
      return x.lastRefresh && x;
    });
    assert.equal(h.status, 'ok');
    assert.equal(h.lastError, null);
    assert.ok(Date.parse(h.tokenExpires) > Date.parse(h.lastRefresh));
    await sb.clearFaults();
    // No refresh failed, nothing was unlinked, the account still works.
    const u = await user(p.profileKey);
    assert.deepEqual(u.json.activeSocialAccounts, ['twitter']);
    assert.equal(socialEvents((b) => b.refId === p.refId && b.type === 'unlink').length, 0);
    assert.equal(dbQuery(srv.data, `SELECT refresh_failures FROM linked_accounts WHERE platform = 'twitter' AND profile_id = (SELECT id FROM profiles WHERE ref_id = '${p.refId}')`), '0');
  });

  test('a revoked grant: relink_required, the system unlink webhook with the reason, hidden from GET /api/user', async () => {
    await sb.fault({ tokenTtl: { network: 'tiktok', access: 2 } });
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'tiktok', 'gone-t');
    await sb.clearFaults();
    await sb.fault({ revoke: { network: 'tiktok', login: 'gone-t' } });
    await rx.waitFor(() => socialEvents((b) => b.refId === p.refId && b.type === 'unlink').length === 1, 15000);
    const [ev] = socialEvents((b) => b.refId === p.refId && b.type === 'unlink');
    assert.equal(ev.body.platform, 'tiktok');
    assert.equal(ev.body.source, 'system');
    assert.match(ev.body.details, /^TikTok unlinked: .*invalid_grant|^TikTok unlinked: .*refused/i);
    const h = (await health(p.refId)).tiktok;
    assert.equal(h.status, 'relink_required');
    assert.ok(h.lastError);
    const u = await user(p.profileKey);
    assert.equal(u.json.activeSocialAccounts, undefined, 'no active account left');
    assert.deepEqual(u.json.displayNames, []);
    const list = await srv.api('/api/profiles', { key: acct.apiKey, query: { refId: p.refId } });
    assert.equal(list.json.profiles[0].activeSocialAccounts, undefined);
    // Nothing more is tried for a dead grant.
    const n = (await refreshes('tiktok')).length;
    await sleep(1500);
    assert.equal((await refreshes('tiktok')).length, n);
    // Linking again brings it back.
    await linkAs(srv, acct.apiKey, p.profileKey, 'tiktok', 'gone-t2');
    assert.deepEqual((await user(p.profileKey)).json.activeSocialAccounts, ['tiktok']);
    assert.equal((await health(p.refId)).tiktok.status, 'ok');
  });

  test('an imported token that expires with no refresh token: relink_required when it dies, not before', async () => {
    const tok = await sandboxToken(sb.url, 'reddit', 'expire-r');
    secrets.add(tok.access_token);
    secrets.add(tok.refresh_token);
    const p = await profile();
    const imp = await srv.api('/api/profiles/social', {
      method: 'POST', key: acct.apiKey, profileKey: p.profileKey,
      body: { platform: 'reddit', accessToken: tok.access_token, expiresIn: 2 },
    });
    assert.equal(imp.status, 200, imp.text);
    assert.equal((await health(p.refId)).reddit.status, 'ok');
    await rx.waitFor(() => socialEvents((b) => b.refId === p.refId && b.type === 'unlink').length === 1, 15000);
    const [ev] = socialEvents((b) => b.refId === p.refId && b.type === 'unlink');
    assert.equal(ev.body.source, 'system');
    assert.match(ev.body.details, /access token expired and Reddit issued no refresh token/);
    assert.equal((await health(p.refId)).reddit.status, 'relink_required');
  });

  test('a storm of 5xx: refresh_failing with the error, retried, never unlinked, then ok', async () => {
    await sb.fault({ tokenTtl: { network: 'reddit', access: 2 } });
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'reddit', 'storm-r');
    await sb.fault({ network: 'reddit', path: '/access_token', status: 503, count: 4 });
    const failing = await until('refresh_failing', async () => {
      const h = (await health(p.refId)).reddit;
      return h.status === 'refresh_failing' && h;
    });
    assert.match(failing.lastError, /503/);
    assert.deepEqual((await user(p.profileKey)).json.activeSocialAccounts, ['reddit'], 'still linked while failing');
    const ok = await until('ok again', async () => {
      const h = (await health(p.refId)).reddit;
      return h.status === 'ok' && h.lastRefresh && h;
    });
    assert.equal(ok.lastError, null);
    assert.ok((await refreshes('reddit')).length >= 5, 'four failures, then a success');
    assert.equal(socialEvents((b) => b.refId === p.refId && b.type === 'unlink').length, 0);
    await sb.clearFaults();
  });

  test('429 with Retry-After: that network waits at least as long; another network goes on', async () => {
    await sb.fault({ tokenTtl: { network: 'pinterest', access: 2 } });
    await sb.fault({ tokenTtl: { network: 'youtube', access: 2 } });
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'pinterest', 'slow-p');
    await linkAs(srv, acct.apiKey, p.profileKey, 'youtube', 'slow-y');
    await sb.fault({ network: 'pinterest', path: '/oauth/token', status: 429, retryAfter: 3 });
    const [limited, next] = await until('a 429, then the retry', async () => {
      const c = await refreshes('pinterest');
      return c.length >= 2 && c;
    });
    const gap = Date.parse(next.at) - Date.parse(limited.at);
    assert.ok(gap >= 2900, `retried after ${gap} ms, before Retry-After's 3 s`);
    const yt = (await refreshes('youtube')).filter((c) => Date.parse(c.at) > Date.parse(limited.at) && Date.parse(c.at) < Date.parse(next.at));
    assert.ok(yt.length >= 1, 'YouTube refreshed while Pinterest waited');
    const h = await until('pinterest ok', async () => {
      const x = (await health(p.refId)).pinterest;
      return x.status === 'ok' && x;
    });
    assert.equal(h.lastError, null);
    assert.equal(socialEvents((b) => b.refId === p.refId && b.type === 'unlink').length, 0);
    await sb.clearFaults();
  });

  test("LinkedIn's reminder: the social refresh webhook 15 days before the link must be renewed", async () => {
    // A refresh token that ends in 15 days and 2 seconds: the reminder is due now.
    await sb.fault({ tokenTtl: { network: 'linkedin', refresh: 15 * 86400 + 2 } });
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'linkedin', 'remind-l-noorg');
    await sb.clearFaults();
    await rx.waitFor(() => socialEvents((b) => b.refId === p.refId && b.type === 'refresh').length === 1, 15000);
    const [ev] = socialEvents((b) => b.refId === p.refId && b.type === 'refresh');
    assert.equal(ev.body.platform, 'linkedin');
    assert.equal(ev.body.source, 'system');
    assert.match(ev.body.details, /LinkedIn requires the account to be linked again by \d{4}-\d\d-\d\dT/);
    assert.ok(ev.body.displayName);
    // Sent once; the account stays linked.
    await sleep(1000);
    assert.equal(socialEvents((b) => b.refId === p.refId && b.type === 'refresh').length, 1);
    assert.deepEqual((await user(p.profileKey)).json.activeSocialAccounts, ['linkedin']);
    // A normal link is reminded 350 days after it, not now.
    const q = await profile();
    await linkAs(srv, acct.apiKey, q.profileKey, 'linkedin', 'remind-l2-noorg');
    const due = Number(dbQuery(srv.data, `SELECT run_at_ms FROM jobs WHERE kind = 'remind' AND ref = (SELECT l.id FROM linked_accounts l JOIN profiles p ON p.id = l.profile_id WHERE p.ref_id = '${q.refId}')`));
    const days = (due - Date.now()) / 86400000;
    assert.ok(days > 349 && days <= 350, `reminder in ${days} days`);
    const h = (await health(q.refId)).linkedin;
    assert.ok(h.refreshRequired, JSON.stringify(h));
  });
});

describe('details after nextUpdate', () => {
  test('answered at once from the store, then read again in the background', async () => {
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'twitter', 'rename-x');
    const first = await user(p.profileKey);
    const before = first.json.displayNames[0].displayName;
    await sb.fault({ rename: { network: 'twitter', login: 'rename-x', name: 'Renamed At X' } });
    await sleep(1100); // past nextUpdate (details-ttl 1 s)
    const stale = await user(p.profileKey);
    assert.equal(stale.status, 200);
    assert.equal(stale.json.displayNames[0].displayName, before, 'answered from the store');
    const fresh = await until('the new name', async () => {
      const u = await user(p.profileKey);
      return u.json.displayNames[0].displayName === 'Renamed At X' && u;
    });
    assert.ok(Date.parse(fresh.json.lastUpdated) > Date.parse(first.json.lastUpdated));
    assert.equal(Date.parse(fresh.json.nextUpdate) - Date.parse(fresh.json.lastUpdated), 1000);
    await sb.clearFaults();
  });
});

describe('live data in GET /api/user', () => {
  test('instagramQuota: type, usedQuota and quotaTotal from Instagram, cached 60 s', async () => {
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'instagram', 'quota-ig1');
    await sb.fault({ quota: { login: 'quota-ig1', used: 7 } });
    const r = await user(p.profileKey, { instagramQuota: 'true' });
    assert.equal(r.status, 200, r.text);
    const ig = r.json.displayNames.find((d) => d.platform === 'instagram');
    assert.equal(ig.type, 'business');
    assert.equal(ig.usedQuota, 7);
    assert.equal(ig.quotaTotal, 50);
    const keys = Object.keys(ig);
    assert.deepEqual(keys, [...keys].sort(), 'keys in order');
    const n = (await sb.calls('instagram')).filter((c) => c.path.includes('content_publishing_limit')).length;
    const again = await user(p.profileKey, { instagramDetails: 'true' });
    assert.equal(again.json.displayNames[0].usedQuota, 7);
    assert.equal((await sb.calls('instagram')).filter((c) => c.path.includes('content_publishing_limit')).length, n, 'cached');
    // Without the parameter: no live fields, no type.
    const plain = (await user(p.profileKey)).json.displayNames[0];
    assert.equal(plain.usedQuota, undefined);
    assert.equal(plain.type, undefined);
  });

  test('Instagram failing: still 200, with quotaError in the entry', async () => {
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'instagram', 'quota-fail-ig1');
    await sb.fault({ network: 'instagram', path: 'content_publishing_limit', status: 500 });
    const r = await user(p.profileKey, { instagramQuota: 'true' });
    assert.equal(r.status, 200, r.text);
    const ig = r.json.displayNames[0];
    assert.equal(ig.quotaError.code, 630);
    assert.match(ig.quotaError.message, /500/);
    assert.equal(ig.usedQuota, undefined);
    await sb.clearFaults();
  });

  test('a slow Instagram does not slow other requests', async () => {
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'instagram', 'quota-slow-ig1');
    const other = await profile();
    // Held at Instagram until clearFaults below (well within the server's
    // 15 s network timeout), however long the forty requests take.
    await sb.clearCalls();
    await sb.fault({ network: 'instagram', path: 'content_publishing_limit', delayMs: 120000 });
    const order = [];
    const slow = user(p.profileKey, { instagramQuota: 'true' }).then((r) => { order.push('slow'); return r; });
    await sb.waitForCalls('the quota call waiting at Instagram', (calls) => calls.some((c) => c.path.includes('content_publishing_limit')), { network: 'instagram' });
    const fast = [];
    for (let i = 0; i < 20; i++) {
      fast.push(user(other.profileKey).then((r) => { order.push('fast'); return r; }));
      fast.push(user(p.profileKey).then((r) => { order.push('fast'); return r; }));
    }
    for (const r of await Promise.all(fast)) assert.equal(r.status, 200);
    assert.ok(!order.includes('slow'), 'forty requests answered while Instagram was still slow');
    await sb.clearFaults(); // Instagram answers now
    const s = await slow;
    assert.equal(s.status, 200);
    assert.equal(typeof s.json.displayNames[0].usedQuota, 'number', s.text);
  });

  test('twitterUsage on the account itself, from X with the app token, cached 15 minutes', async () => {
    const tok = await sandboxToken(sb.url, 'twitter', 'usage-x');
    secrets.add(tok.access_token);
    secrets.add(tok.refresh_token);
    const imp = await srv.api('/api/profiles/social', {
      method: 'POST', key: acct.apiKey,
      body: { platform: 'twitter', accessToken: tok.access_token, refreshToken: tok.refresh_token, expiresIn: 7200 },
    });
    assert.equal(imp.status, 200, imp.text);
    const a = await srv.api('/api/user', { key: acct.apiKey });
    assert.equal(a.status, 200, a.text);
    const x = a.json.displayNames.find((d) => d.platform === 'twitter');
    assert.equal(x.twitterUsage.monthlyLimit, 2000000);
    assert.equal(typeof x.twitterUsage.monthlyUsage, 'number');
    assert.match(x.twitterUsage.monthlyReset, /^\d{4}-\d\d-12$/);
    assert.ok(Date.parse(x.twitterUsage.monthlyReset) > Date.now() - 86400000);
    const usageCalls = async () => (await sb.calls('twitter')).filter((c) => c.path.includes('/usage/tweets')).length;
    const n = await usageCalls();
    await srv.api('/api/user', { key: acct.apiKey });
    assert.equal(await usageCalls(), n, 'cached');
    // A user profile's X entry has no usage.
    const p = await profile();
    await linkAs(srv, acct.apiKey, p.profileKey, 'twitter', 'usage-x2');
    assert.equal((await user(p.profileKey)).json.displayNames[0].twitterUsage, undefined);
  });
});

test('GET /metrics counts network calls by network and outcome, and webhook deliveries', async () => {
  const text = await (await fetch(srv.url + '/metrics')).text();
  const value = (k) => Number((text.split('\n').find((l) => l.startsWith(k + ' ')) || ' 0').split(' ').pop());
  assert.ok(value('sociald_network_calls_total{network="twitter",outcome="2xx"}') > 3, text);
  assert.ok(value('sociald_network_calls_total{network="reddit",outcome="5xx"}') >= 4, 'the 503 storm');
  assert.ok(value('sociald_network_calls_total{network="pinterest",outcome="4xx"}') >= 1, 'the 429');
  assert.ok(value('sociald_network_calls_total{network="instagram",outcome="timeout"}') +
    value('sociald_network_calls_total{network="instagram",outcome="2xx"}') > 0);
  assert.ok(value('sociald_webhook_deliveries_total{outcome="delivered"}') >= 3);
  assert.ok(value('sociald_jobs_queued{kind="refresh"}') >= 1);
});

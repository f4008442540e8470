// The sandbox (docs/sandbox.md): consent pages, token endpoints with their
// per-network rules, every identity endpoint's shape, error envelopes,
// scenario words, fault injection and the call log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, NETWORKS, AUTHORIZE, pkceChallenge, masked, redirectParams } from './lib/sandbox.mjs';
import { waitUntil, pass } from './lib/harness.mjs';

let sbx;
before(async () => { sbx = await new Sandbox().start(); });
after(async () => { await sbx.stop(); });

const get = (path, token, query) => sbx.request(path, { token, query });

// ---- consent pages -------------------------------------------------------------------

test('every consent page shows the client and scopes with an accessible form', async () => {
  for (const net of NETWORKS) {
    const idName = net === 'tiktok' ? 'client_key' : 'client_id';
    const q = { [idName]: 'my-app', redirect_uri: 'https://app.example/cb?x=1', response_type: 'code', scope: 'a.read,b.write', state: 'S<"&>' };
    if (net === 'twitter') Object.assign(q, { code_challenge: 'abc', code_challenge_method: 'plain' });
    const r = await get(AUTHORIZE[net], undefined, q);
    assert.equal(r.status, 200, `${net}: ${r.text}`);
    assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assert.match(r.text, /<html lang="en">/);
    assert.match(r.text, /<title>Sandbox [^<]+ — authorize<\/title>/);
    assert.match(r.text, /<code>my-app<\/code>/);
    assert.match(r.text, /<li><code>a\.read<\/code><\/li>/);
    assert.match(r.text, /<li><code>b\.write<\/code><\/li>/);
    assert.match(r.text, new RegExp(`<form method="post" action="${AUTHORIZE[net].replace(/\//g, '\\/')}">`));
    // Every query parameter is echoed, HTML-escaped.
    assert.match(r.text, /<input type="hidden" name="state" value="S&lt;&quot;&amp;&gt;">/);
    assert.match(r.text, new RegExp(`<input type="hidden" name="${idName}" value="my-app">`));
    assert.match(r.text, /<label for="login">Login<\/label>/);
    assert.match(r.text, /<input id="login" name="login" required[^>]*aria-describedby="login-hint"/);
    assert.match(r.text, /value="allow">Authorize<\/button>/);
    assert.match(r.text, /value="deny">Deny<\/button>/);
  }
  const titles = { facebook: 'Facebook', twitter: 'X', gmb: 'Google Business Profile', tiktok: 'TikTok' };
  for (const [net, title] of Object.entries(titles)) {
    const loc = await sbx.authorize(net, { codeChallenge: net === 'twitter' ? 'x'.repeat(43) : undefined });
    assert.ok(loc);
    const page = await get(AUTHORIZE[net], undefined, { [net === 'tiktok' ? 'client_key' : 'client_id']: 'c', redirect_uri: 'http://x/cb', response_type: 'code', code_challenge: 'c' });
    assert.match(page.text, new RegExp(`<title>Sandbox ${title} — authorize</title>`));
  }
});

test('a malformed authorization request is refused with a plain-text 400', async () => {
  const base = { client_id: 'c', redirect_uri: 'http://127.0.0.1/cb', response_type: 'code', code_challenge: 'abc' };
  const cases = [
    ['linkedin', { ...base, client_id: undefined }, /client_id/],
    ['linkedin', { ...base, redirect_uri: undefined }, /redirect_uri/],
    ['linkedin', { ...base, redirect_uri: 'not a url' }, /redirect_uri/],
    ['linkedin', { ...base, response_type: 'token' }, /response_type/],
    ['twitter', { ...base, code_challenge: undefined }, /code_challenge/],
    ['twitter', { ...base, code_challenge_method: 'S512' }, /code_challenge_method/],
    ['tiktok', base, /client_key/], // TikTok names it client_key
  ];
  for (const [net, q, why] of cases) {
    const query = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
    const r = await get(AUTHORIZE[net], undefined, query);
    assert.equal(r.status, 400, `${net} ${JSON.stringify(q)}`);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.match(r.text, why);
  }
});

test('deny redirects with error=access_denied and the state', async () => {
  const loc = await sbx.authorize('pinterest', { decision: 'deny', state: 'keep me', redirectUri: 'https://app.example/cb?tenant=7' });
  const u = new URL(loc);
  assert.equal(u.origin + u.pathname, 'https://app.example/cb');
  const p = redirectParams(loc);
  assert.equal(p.tenant, '7');
  assert.equal(p.error, 'access_denied');
  assert.ok(p.error_description.length > 5);
  assert.equal(p.state, 'keep me');
  assert.equal(p.code, undefined);
});

test('allow redirects with a code and the state; a bad login re-shows the form', async () => {
  const loc = await sbx.authorize('reddit', { state: 'a b&c' });
  const p = redirectParams(loc);
  assert.match(p.code, /^sbx-rd-/);
  assert.equal(p.state, 'a b&c');
  const form = { client_id: 'c', redirect_uri: 'http://127.0.0.1/cb', response_type: 'code', decision: 'allow', login: 'no spaces allowed' };
  const r = await sbx.request(AUTHORIZE.reddit, { form });
  assert.equal(r.status, 400);
  assert.match(r.text, /role="alert"/);
  assert.match(r.text, /aria-invalid="true"/);
  const r2 = await sbx.request(AUTHORIZE.reddit, { form: { ...form, login: 'x'.repeat(65) } });
  assert.equal(r2.status, 400);
});

// ---- code exchange and identity for every network ---------------------------------------

test('facebook: code, long-lived token, me, pages with page tokens, debug_token', async () => {
  const t = await sbx.link('facebook', { login: 'alice-smith' });
  assert.deepEqual(Object.keys(t).sort(), ['access_token', 'expires_in', 'token_type']);
  assert.equal(t.token_type, 'bearer');
  assert.equal(t.expires_in, 3600);
  const long = await get('/facebook/graph/oauth/access_token', undefined, { grant_type: 'fb_exchange_token', client_id: 'sandbox-client', client_secret: 's', fb_exchange_token: t.access_token });
  assert.equal(long.status, 200, long.text);
  assert.equal(long.json.expires_in, 5183944);
  assert.equal(long.json.token_type, 'bearer');
  const token = long.json.access_token;

  const me = await get('/facebook/graph/me', token, { fields: 'id,name' });
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(Object.keys(me.json), ['id', 'name']);
  assert.match(me.json.id, /^\d{15,21}$/);
  assert.equal(me.json.name, 'Alice Smith');
  // Graph clients often send the token as a query parameter.
  const meQ = await get('/facebook/graph/me', undefined, { access_token: token });
  assert.equal(meQ.json.id, me.json.id);

  const pages = await get('/facebook/graph/me/accounts', token, { fields: 'id,name,username,link,category,access_token,picture{url},instagram_business_account', limit: '10' });
  assert.equal(pages.status, 200, pages.text);
  assert.equal(pages.json.data.length, 2);
  for (const p of pages.json.data) {
    assert.match(p.id, /^\d{15,21}$/);
    assert.match(p.name, /^Alice Smith/);
    assert.match(p.link, /^https:\/\/www\.facebook\.com\//);
    assert.equal(typeof p.category, 'string');
    assert.match(p.access_token, /^sbx-fb-pt-/);
    assert.match(p.picture.data.url, /\/_sandbox\/img\/facebook\/alice-smith\.png/);
    assert.equal(p.instagram_business_account, undefined); // only on Instagram's network
  }
  assert.ok(pages.json.paging.cursors.before && pages.json.paging.cursors.after);
  assert.equal(pages.json.paging.next, undefined);
  // Page tokens are stable and work for their page, not for others.
  const again = await get('/facebook/graph/me/accounts', token, { fields: 'access_token' });
  assert.equal(again.json.data[0].access_token, pages.json.data[0].access_token);
  const pageToken = pages.json.data[0].access_token;
  const asPage = await get('/facebook/graph/me', pageToken, { fields: 'id,name' });
  assert.equal(asPage.json.id, pages.json.data[0].id);
  const other = await get(`/facebook/graph/${pages.json.data[1].id}`, pageToken, { fields: 'name' });
  assert.equal(other.status, 400);
  assert.equal(other.json.error.code, 100);

  // Paging with limit=1 walks the pages with after cursors.
  const p1 = await get('/facebook/graph/me/accounts', token, { limit: '1', fields: 'id' });
  assert.equal(p1.json.data.length, 1);
  assert.ok(p1.json.paging.next);
  const p2 = await get('/facebook/graph/me/accounts', token, { limit: '1', fields: 'id', after: p1.json.paging.cursors.after });
  assert.equal(p2.json.data[0].id, pages.json.data[1].id);
  assert.equal(p2.json.paging.next, undefined);
  const viaNext = await fetch(p1.json.paging.next, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await viaNext.json()).data[0].id, pages.json.data[1].id);

  const dbg = await get('/facebook/graph/debug_token', 'app-id|app-secret', { input_token: token });
  assert.equal(dbg.json.data.is_valid, true);
  assert.ok(dbg.json.data.expires_at > Date.now() / 1000 + 5000000);
  assert.deepEqual(dbg.json.data.scopes, ['read', 'write']);
  const dbgPage = await get('/facebook/graph/debug_token', 'app-id|app-secret', { input_token: pageToken });
  assert.equal(dbgPage.json.data.expires_at, 0);

  const none = await sbx.link('facebook', { login: 'bob-pages0' });
  const empty = await get('/facebook/graph/me/accounts', none.access_token);
  assert.deepEqual(empty.json, { data: [] });
});

test('instagram: pages with business accounts, the IG user and the publishing limit', async () => {
  const t = await sbx.link('instagram', { login: 'carol-ig2-quota7' });
  const pages = await get('/instagram/graph/me/accounts', t.access_token, { fields: 'id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}' });
  assert.equal(pages.status, 200, pages.text);
  assert.equal(pages.json.data.length, 2);
  const ig = pages.json.data.map((p) => p.instagram_business_account);
  assert.ok(ig.every(Boolean));
  assert.match(ig[0].id, /^17841\d{12}$/);
  assert.equal(ig[0].username, 'carolig2quota7');
  assert.equal(ig[0].name, 'Carol Ig2 Quota7');
  assert.match(ig[0].profile_picture_url, /\/_sandbox\/img\/instagram\/carol-ig2-quota7\.png/);

  const pageToken = pages.json.data[0].access_token;
  for (const token of [t.access_token, pageToken]) {
    const u = await get(`/instagram/graph/${ig[0].id}`, token, { fields: 'id,username,name,profile_picture_url' });
    assert.equal(u.status, 200, u.text);
    assert.deepEqual(Object.keys(u.json), ['id', 'username', 'name', 'profile_picture_url']);
    assert.equal(u.json.username, ig[0].username);
  }
  // A page token reads only its own page's account.
  const foreign = await get(`/instagram/graph/${ig[1].id}`, pageToken, { fields: 'id' });
  assert.equal(foreign.status, 400);

  const lim = await get(`/instagram/graph/${ig[0].id}/content_publishing_limit`, pageToken, { fields: 'config,quota_usage' });
  assert.equal(lim.status, 200, lim.text);
  assert.deepEqual(lim.json, { data: [{ quota_usage: 7, config: { quota_total: 50, quota_duration: 86400 } }] });
  const only = await get(`/instagram/graph/${ig[0].id}/content_publishing_limit`, pageToken);
  assert.deepEqual(only.json, { data: [{ quota_usage: 7 }] });

  // Default scenario: 2 pages, the first with an Instagram account, quota 3.
  const d = await sbx.link('instagram', { login: 'dave' });
  const dp = await get('/instagram/graph/me/accounts', d.access_token, { fields: 'id,instagram_business_account' });
  assert.equal(dp.json.data.length, 2);
  assert.deepEqual(Object.keys(dp.json.data[0].instagram_business_account), ['id']);
  assert.equal(dp.json.data[1].instagram_business_account, undefined);
  const dl = await get(`/instagram/graph/${dp.json.data[0].instagram_business_account.id}/content_publishing_limit`, d.access_token, { fields: 'quota_usage' });
  assert.equal(dl.json.data[0].quota_usage, 3);
  // The quota state change overrides the login's word.
  await sbx.fault({ quota: { login: 'dave', used: 49 } });
  const dl2 = await get(`/instagram/graph/${dp.json.data[0].instagram_business_account.id}/content_publishing_limit`, d.access_token, { fields: 'quota_usage' });
  assert.equal(dl2.json.data[0].quota_usage, 49);
});

test('linkedin: token lifetimes, userinfo, me, organisations', async () => {
  const t = await sbx.link('linkedin', { login: 'erin-orgs3', scope: 'openid profile' });
  assert.equal(t.expires_in, 5184000);
  assert.equal(t.refresh_token_expires_in, 31536000);
  assert.equal(t.scope, 'openid profile');
  assert.match(t.refresh_token, /^sbx-li-rt-/);
  const ui = await get('/linkedin/api/v2/userinfo', t.access_token);
  assert.equal(ui.status, 200, ui.text);
  assert.deepEqual(Object.keys(ui.json), ['sub', 'name', 'given_name', 'family_name', 'picture', 'locale', 'email', 'email_verified']);
  assert.equal(ui.json.name, 'Erin Orgs3');
  assert.equal(ui.json.given_name, 'Erin');
  const me = await get('/linkedin/api/v2/me', t.access_token);
  assert.deepEqual(me.json, { id: ui.json.sub, localizedFirstName: 'Erin', localizedLastName: 'Orgs3', vanityName: 'erinorgs3' });
  const acls = await get('/linkedin/api/v2/organizationAcls', t.access_token, { q: 'roleAssignee', role: 'ADMINISTRATOR', state: 'APPROVED' });
  assert.equal(acls.status, 200, acls.text);
  assert.equal(acls.json.elements.length, 3);
  assert.equal(acls.json.paging.total, 3);
  const el = acls.json.elements[0];
  assert.match(el.organization, /^urn:li:organization:\d+$/);
  assert.equal(el.role, 'ADMINISTRATOR');
  assert.equal(el.state, 'APPROVED');
  assert.equal(el.roleAssignee, `urn:li:person:${ui.json.sub}`);
  const orgId = el.organization.split(':').pop();
  const org = await get(`/linkedin/api/v2/organizations/${orgId}`, t.access_token);
  assert.equal(org.json.id, Number(orgId));
  assert.equal(typeof org.json.localizedName, 'string');
  assert.equal(typeof org.json.vanityName, 'string');
  assert.match(org.json.logoV2.original, /^http:\/\/127\.0\.0\.1:\d+\/_sandbox\/img\/linkedin\//);
  const missing = await get('/linkedin/api/v2/organizations/1', t.access_token);
  assert.equal(missing.status, 403);

  const n = await sbx.link('linkedin', { login: 'frank-noorg' });
  const none = await get('/linkedin/api/v2/organizationAcls', n.access_token, { q: 'roleAssignee' });
  assert.deepEqual(none.json.elements, []);
  assert.equal(none.json.paging.total, 0);
});

test('gmb: userinfo, accounts, locations list and get (readMask required)', async () => {
  const t = await sbx.link('gmb', { login: 'gina-locations3', scope: 'https://www.googleapis.com/auth/business.manage' });
  assert.equal(t.expires_in, 3599);
  assert.equal(t.token_type, 'Bearer');
  assert.ok(t.refresh_token);
  assert.equal(t.scope, 'https://www.googleapis.com/auth/business.manage');
  const ui = await get('/gmb/googleapis/oauth2/v2/userinfo', t.access_token);
  assert.deepEqual(Object.keys(ui.json), ['id', 'email', 'verified_email', 'name', 'given_name', 'family_name', 'picture', 'locale']);
  assert.match(ui.json.id, /^\d{21}$/);
  const acc = await get('/gmb/accountmanagement/v1/accounts', t.access_token);
  assert.equal(acc.json.accounts.length, 1);
  const a = acc.json.accounts[0];
  assert.match(a.name, /^accounts\/\d+$/);
  assert.deepEqual([a.type, a.role, a.verificationState], ['PERSONAL', 'PRIMARY_OWNER', 'VERIFIED']);
  const noMask = await get(`/gmb/businessinformation/v1/${a.name}/locations`, t.access_token);
  assert.equal(noMask.status, 400);
  assert.equal(noMask.json.error.status, 'INVALID_ARGUMENT');
  const list = await get(`/gmb/businessinformation/v1/${a.name}/locations`, t.access_token, { readMask: 'name,title,metadata', pageSize: '2' });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.locations.length, 2);
  assert.deepEqual(Object.keys(list.json.locations[0]), ['name', 'title', 'metadata']);
  assert.match(list.json.locations[0].metadata.mapsUri, /^https:\/\/maps\.google\.com\//);
  assert.match(list.json.locations[0].metadata.placeId, /^ChIJ/);
  assert.ok(list.json.nextPageToken);
  const rest = await get(`/gmb/businessinformation/v1/${a.name}/locations`, t.access_token, { readMask: 'name', pageSize: '2', pageToken: list.json.nextPageToken });
  assert.equal(rest.json.locations.length, 1);
  assert.equal(rest.json.nextPageToken, undefined);

  const id = list.json.locations[0].name;
  const full = await get(`/gmb/businessinformation/v1/${id}`, t.access_token, { readMask: 'name,languageCode,title,storeCode,phoneNumbers,categories,storefrontAddress,websiteUri,labels,latlng,profile,adWordsLocationExtensions,openInfo,metadata' });
  assert.equal(full.status, 200, full.text);
  const L = full.json;
  assert.equal(L.languageCode, 'en');
  assert.deepEqual(L.phoneNumbers.additionalPhones, []);
  assert.match(L.phoneNumbers.primaryPhone, /^\+1 /);
  assert.ok(L.categories.primaryCategory.name && L.categories.primaryCategory.displayName);
  assert.deepEqual(Object.keys(L.storefrontAddress), ['regionCode', 'languageCode', 'postalCode', 'administrativeArea', 'locality', 'addressLines']);
  assert.equal(typeof L.latlng.latitude, 'number');
  assert.deepEqual(L.openInfo, { status: 'OPEN', canReopen: true });
  assert.equal(L.metadata.hasPendingEdits, false);
  const fromOther = await get(`/gmb/businessinformation/v1/${a.name}/locations`, (await sbx.link('gmb', { login: 'other' })).access_token, { readMask: 'name' });
  assert.equal(fromOther.status, 403);

  const zero = await sbx.link('gmb', { login: 'hal-locations0' });
  const zacc = await get('/gmb/accountmanagement/v1/accounts', zero.access_token);
  const zl = await get(`/gmb/businessinformation/v1/${zacc.json.accounts[0].name}/locations`, zero.access_token, { readMask: 'name' });
  assert.deepEqual(zl.json, {}); // Google leaves empty lists out
});

test('youtube: channels for mine=true, several or none', async () => {
  const t = await sbx.link('youtube', { login: 'ivy' });
  const r = await get('/youtube/googleapis/youtube/v3/channels', t.access_token, { part: 'snippet,statistics', mine: 'true' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'youtube#channelListResponse');
  assert.deepEqual(r.json.pageInfo, { totalResults: 1, resultsPerPage: 5 });
  const c = r.json.items[0];
  assert.equal(c.kind, 'youtube#channel');
  assert.match(c.id, /^UC[A-Za-z0-9_-]{22}$/);
  assert.equal(c.snippet.title, 'Ivy');
  assert.equal(c.snippet.customUrl, '@ivy');
  assert.match(c.snippet.publishedAt, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(Object.keys(c.snippet.thumbnails), ['default', 'high']);
  assert.equal(c.snippet.thumbnails.default.width, 88);
  for (const k of ['viewCount', 'subscriberCount', 'videoCount']) assert.equal(typeof c.statistics[k], 'string');
  const ui = await get('/youtube/googleapis/oauth2/v2/userinfo', t.access_token);
  assert.equal(ui.json.name, 'Ivy');

  const three = await sbx.link('youtube', { login: 'jon-channels3' });
  const r3 = await get('/youtube/googleapis/youtube/v3/channels', three.access_token, { part: 'snippet', mine: 'true' });
  assert.equal(r3.json.items.length, 3);
  assert.equal(r3.json.items[0].statistics, undefined);
  const none = await sbx.link('youtube', { login: 'kim-channels0' });
  const r0 = await get('/youtube/googleapis/youtube/v3/channels', none.access_token, { part: 'snippet', mine: 'true' });
  assert.equal(r0.status, 200);
  assert.equal(r0.json.pageInfo.totalResults, 0);
  assert.equal(r0.json.items, undefined);
});

test('pinterest: token body, user account, boards with bookmark paging', async () => {
  const t = await sbx.link('pinterest', { login: 'lou-boards600', scope: 'boards:read,user_accounts:read' });
  assert.equal(t.token_type, 'bearer');
  assert.equal(t.expires_in, 2592000);
  assert.equal(t.response_type, 'authorization_code');
  assert.equal(t.refresh_token_expires_in, 5184000);
  assert.ok(Math.abs(t.refresh_token_expires_at - (Date.now() / 1000 + 5184000)) < 10);
  assert.equal(t.scope, 'boards:read,user_accounts:read');
  const u = await get('/pinterest/v5/user_account', t.access_token);
  assert.deepEqual(Object.keys(u.json), ['account_type', 'id', 'username', 'profile_image', 'business_name', 'website_url', 'board_count', 'pin_count', 'follower_count', 'following_count']);
  assert.equal(u.json.account_type, 'BUSINESS');
  assert.equal(u.json.username, 'louboards600');
  assert.equal(u.json.board_count, 600);

  const sizes = [];
  const ids = new Set();
  let bookmark;
  for (let i = 0; i < 5; i++) {
    const r = await get('/pinterest/v5/boards', t.access_token, { page_size: '250', ...(bookmark ? { bookmark } : {}) });
    assert.equal(r.status, 200, r.text);
    sizes.push(r.json.items.length);
    for (const b of r.json.items) ids.add(b.id);
    bookmark = r.json.bookmark;
    if (bookmark === null) break;
    assert.equal(typeof bookmark, 'string');
  }
  assert.deepEqual(sizes, [250, 250, 100]);
  assert.equal(bookmark, null);
  assert.equal(ids.size, 600);
  const first = await get('/pinterest/v5/boards', t.access_token);
  assert.equal(first.json.items.length, 25); // the default page_size
  const b = first.json.items[0];
  assert.deepEqual(Object.keys(b), ['id', 'name', 'description', 'owner', 'privacy', 'created_at', 'pin_count', 'follower_count']);
  assert.deepEqual(b.owner, { username: 'louboards600' });
  assert.ok(['PUBLIC', 'SECRET', 'PROTECTED'].includes(b.privacy));
  assert.ok(first.json.items.some((x) => x.privacy === 'SECRET'));
  assert.ok(first.json.items[0].created_at < first.json.items[1].created_at); // creation order

  const big = await get('/pinterest/v5/boards', t.access_token, { page_size: '251' });
  assert.equal(big.status, 400);
  assert.equal(big.json.code, 1);
  assert.equal(typeof big.json.message, 'string');

  const none = await sbx.link('pinterest', { login: 'max-boards0' });
  const r0 = await get('/pinterest/v5/boards', none.access_token);
  assert.deepEqual(r0.json, { items: [], bookmark: null });
  const def = await sbx.link('pinterest', { login: 'ned' });
  assert.equal((await get('/pinterest/v5/boards', def.access_token)).json.items.length, 3);
});

test('reddit: token body and me', async () => {
  const t = await sbx.link('reddit', { login: 'olga', scope: 'identity read' });
  assert.deepEqual(Object.keys(t).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
  assert.equal(t.expires_in, 3600);
  const me = await get('/reddit/oauth/api/v1/me', t.access_token);
  assert.equal(me.status, 200, me.text);
  assert.match(me.json.id, /^[0-9a-z]+$/);
  assert.equal(me.json.name, 'olga');
  assert.match(me.json.icon_img, /\.png\?s=/);
  assert.equal(typeof me.json.created_utc, 'number');
  assert.equal(me.json.subreddit.display_name_prefixed, 'u/olga');
  for (const k of ['snoovatar_img', 'total_karma', 'verified', 'has_verified_email']) assert.ok(k in me.json, k);
});

test('tiktok: token body with open_id, user info with the fields asked for', async () => {
  const t = await sbx.link('tiktok', { login: 'pat', scope: 'user.info.basic,user.info.profile' });
  assert.equal(t.expires_in, 7200);
  assert.equal(t.refresh_expires_in, 15552000);
  assert.equal(t.token_type, 'Bearer');
  assert.match(t.open_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const r = await get('/tiktok/v2/user/info/', t.access_token, { fields: 'open_id,union_id,avatar_url,display_name,username' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json.data.user), ['open_id', 'union_id', 'avatar_url', 'display_name', 'username']);
  assert.equal(r.json.data.user.open_id, t.open_id);
  assert.equal(r.json.data.user.display_name, 'Pat');
  assert.equal(r.json.error.code, 'ok');
  assert.ok(r.json.error.log_id);
  const bad = await get('/tiktok/v2/user/info/', t.access_token);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_params');
});

test('twitter: PKCE is required and checked, users/me answers the fields asked for', async () => {
  const verifier = 'a-long-random-verifier-of-43-characters-at-least';
  const loc = await sbx.authorize('twitter', { login: 'quinn', codeChallenge: pkceChallenge(verifier), scope: 'tweet.read users.read offline.access' });
  const { code } = redirectParams(loc);
  const wrong = await sbx.exchange('twitter', code, { codeVerifier: verifier + 'x' });
  assert.equal(wrong.status, 400);
  assert.deepEqual(wrong.json, { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' });
  const missing = await sbx.exchange('twitter', code);
  assert.equal(missing.status, 400);
  const ok = await sbx.exchange('twitter', code, { codeVerifier: verifier });
  assert.equal(ok.status, 200, ok.text); // failed checks did not spend the code
  assert.equal(ok.json.token_type, 'bearer');
  assert.equal(ok.json.expires_in, 7200);
  assert.equal(ok.json.scope, 'tweet.read users.read offline.access');
  assert.ok(ok.json.refresh_token);

  // plain method, and a public client that sends client_id in the form
  const loc2 = await sbx.authorize('twitter', { login: 'quinn', codeChallenge: 'plain-verifier', codeChallengeMethod: 'plain' });
  const r2 = await sbx.request('/twitter/2/oauth2/token', { form: { grant_type: 'authorization_code', code: redirectParams(loc2).code, redirect_uri: 'http://127.0.0.1:9/callback', code_verifier: 'plain-verifier', client_id: 'sandbox-client' } });
  assert.equal(r2.status, 200, r2.text);

  const me = await get('/twitter/2/users/me', ok.json.access_token, { 'user.fields': 'profile_image_url,verified,verified_type,subscription_type,public_metrics,description' });
  assert.equal(me.status, 200, me.text);
  const d = me.json.data;
  assert.match(d.id, /^\d{19}$/);
  assert.equal(d.name, 'Quinn');
  assert.equal(d.username, 'quinn');
  assert.equal(d.subscription_type, 'None');
  assert.equal(d.verified, false);
  assert.deepEqual(Object.keys(d.public_metrics), ['followers_count', 'following_count', 'tweet_count', 'listed_count', 'like_count', 'media_count']);
  const plain = await get('/twitter/2/users/me', ok.json.access_token);
  assert.deepEqual(Object.keys(plain.json.data), ['id', 'name', 'username']);
});

test('the same login always yields the same account; another login another', async () => {
  const a1 = await sbx.link('twitter', { login: 'same-login' });
  const a2 = await sbx.link('twitter', { login: 'same-login' });
  const b = await sbx.link('twitter', { login: 'other-login' });
  const id = async (t) => (await get('/twitter/2/users/me', t.access_token)).json.data.id;
  assert.equal(await id(a1), await id(a2));
  assert.notEqual(await id(a1), await id(b));
});

// ---- token endpoint checks ------------------------------------------------------------

test('a code works once, only with its redirect_uri and client, and not on another network', async () => {
  const code = async (net) => redirectParams(await sbx.authorize(net, { login: 'rita' })).code;
  for (const net of ['linkedin', 'gmb', 'pinterest', 'tiktok']) {
    const c = await code(net);
    const mismatch = await sbx.exchange(net, c, { redirectUri: 'http://127.0.0.1:9/other' });
    assert.equal(mismatch.status, 400, `${net} redirect mismatch: ${mismatch.text}`);
    const client = await sbx.exchange(net, c, { clientId: 'someone-else' });
    assert.equal(client.status, 400, `${net} client mismatch`);
    const ok = await sbx.exchange(net, c);
    assert.equal(ok.status, 200, `${net}: ${ok.text}`);
    const reuse = await sbx.exchange(net, c);
    assert.equal(reuse.status, 400, `${net} reuse`);
  }
  const g = await sbx.exchange('gmb', await code('gmb'), { redirectUri: 'http://x/y' });
  assert.equal(g.json.error, 'redirect_uri_mismatch');
  const li = await code('linkedin');
  await sbx.exchange('linkedin', li);
  const again = await sbx.exchange('linkedin', li);
  assert.equal(again.json.error, 'invalid_grant');
  assert.equal(typeof again.json.error_description, 'string');
  const tk = await sbx.exchange('tiktok', 'nonsense');
  assert.equal(tk.json.error, 'invalid_grant');
  assert.ok(tk.json.log_id);
  const pin = await sbx.exchange('pinterest', 'nonsense');
  assert.deepEqual(pin.json, { code: 1, message: 'invalid_grant' });
  // A code from one network is unknown to another.
  const cross = await sbx.exchange('youtube', await code('gmb'));
  assert.equal(cross.status, 400);
  // Facebook words its code errors in the Graph envelope.
  const fb = await code('facebook');
  assert.equal((await sbx.exchange('facebook', fb)).status, 200);
  const fbAgain = await sbx.exchange('facebook', fb);
  assert.equal(fbAgain.status, 400);
  assert.equal(fbAgain.json.error.type, 'OAuthException');
  assert.equal(fbAgain.json.error.code, 100);
  assert.ok(fbAgain.json.error.fbtrace_id);
});

test('client authentication is required as each network takes it', async () => {
  const c = redirectParams(await sbx.authorize('pinterest', { login: 'sam' })).code;
  const noBasic = await sbx.request('/pinterest/v5/oauth/token', { form: { grant_type: 'authorization_code', code: c, redirect_uri: 'http://127.0.0.1:9/callback' } });
  assert.equal(noBasic.status, 400);
  const rc = redirectParams(await sbx.authorize('reddit', { login: 'sam' })).code;
  const reddit = await sbx.request('/reddit/api/v1/access_token', { form: { grant_type: 'authorization_code', code: rc, redirect_uri: 'http://127.0.0.1:9/callback' } });
  assert.equal(reddit.status, 401);
  const lc = redirectParams(await sbx.authorize('linkedin', { login: 'sam' })).code;
  const noSecret = await sbx.request('/linkedin/oauth/v2/accessToken', { form: { grant_type: 'authorization_code', code: lc, redirect_uri: 'http://127.0.0.1:9/callback', client_id: 'sandbox-client' } });
  assert.equal(noSecret.status, 400);
  assert.equal(noSecret.json.error, 'invalid_client');
  const unsupported = await sbx.request('/linkedin/oauth/v2/accessToken', { form: { grant_type: 'password', client_id: 'a', client_secret: 'b' } });
  assert.equal(unsupported.json.error, 'unsupported_grant_type');
});

test('refresh: tiktok, twitter and pinterest rotate; linkedin, reddit and google keep theirs', async () => {
  for (const net of ['tiktok', 'twitter', 'pinterest']) {
    const t = await sbx.link(net, { login: 'tess' });
    const r1 = await sbx.refresh(net, t.refresh_token);
    assert.equal(r1.status, 200, `${net}: ${r1.text}`);
    assert.ok(r1.json.refresh_token && r1.json.refresh_token !== t.refresh_token, net);
    assert.notEqual(r1.json.access_token, t.access_token);
    const old = await sbx.refresh(net, t.refresh_token);
    assert.equal(old.status, 400, `${net}: the old refresh token must be dead`);
    const r2 = await sbx.refresh(net, r1.json.refresh_token);
    assert.equal(r2.status, 200, net);
    if (net === 'pinterest') {
      assert.equal(r1.json.response_type, 'refresh_token');
      assert.equal(r1.json.refresh_token_expires_in, 5184000); // continuous refresh: a fresh 60 days
    }
    if (net === 'tiktok') assert.equal(r1.json.open_id, t.open_id);
    // The old access token keeps working until it expires.
    assert.equal((await sbx.request(net === 'tiktok' ? '/tiktok/v2/user/info/?fields=open_id' : net === 'twitter' ? '/twitter/2/users/me' : '/pinterest/v5/user_account', { token: t.access_token })).status, 200);
  }
  const twOld = await sbx.link('twitter', { login: 'tess' });
  await sbx.refresh('twitter', twOld.refresh_token);
  const spent = await sbx.refresh('twitter', twOld.refresh_token);
  assert.deepEqual(spent.json, { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' });

  const li = await sbx.link('linkedin', { login: 'tess' });
  await pass(1100); // a second of the refresh token's life has gone
  const l1 = await sbx.refresh('linkedin', li.refresh_token);
  assert.equal(l1.status, 200, l1.text);
  assert.equal(l1.json.refresh_token, li.refresh_token);
  assert.ok(l1.json.refresh_token_expires_in < 31536000, 'counts down from the first consent');
  assert.ok(l1.json.refresh_token_expires_in > 31536000 - 10);
  assert.equal(l1.json.expires_in, 5184000);
  assert.equal((await sbx.refresh('linkedin', li.refresh_token)).status, 200);

  const rd = await sbx.link('reddit', { login: 'tess' });
  const r1 = await sbx.refresh('reddit', rd.refresh_token);
  assert.equal(r1.json.refresh_token, rd.refresh_token);
  assert.equal((await sbx.refresh('reddit', rd.refresh_token)).status, 200);

  for (const net of ['gmb', 'youtube']) {
    const g = await sbx.link(net, { login: 'tess' });
    const g1 = await sbx.refresh(net, g.refresh_token);
    assert.equal(g1.status, 200, g1.text);
    assert.equal(g1.json.refresh_token, undefined, 'Google sends no refresh token on a refresh');
    assert.equal(g1.json.expires_in, 3599);
    assert.equal((await sbx.refresh(net, g.refresh_token)).status, 200);
    const bad = await sbx.refresh(net, 'nope');
    assert.deepEqual(bad.json, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  }
});

test("reddit's token endpoint answers a bad grant with HTTP 200 and an error member", async () => {
  const r = await sbx.refresh('reddit', 'not-a-token');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { error: 'invalid_grant' });
  const c = await sbx.exchange('reddit', 'not-a-code');
  assert.equal(c.status, 200);
  assert.deepEqual(c.json, { error: 'invalid_grant' });
});

// ---- revocation and auth failures -------------------------------------------------------

test('revocation kills tokens; each network refuses dead and foreign tokens in its format', async () => {
  // Google: revoking the refresh token ends the grant, access token included.
  const g = await sbx.link('gmb', { login: 'uma' });
  assert.deepEqual((await sbx.request('/gmb/oauth2/revoke', { method: 'POST', query: { token: g.refresh_token } })).json, {});
  const ga = await get('/gmb/googleapis/oauth2/v2/userinfo', g.access_token);
  assert.equal(ga.status, 401);
  assert.deepEqual(ga.json, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
  assert.equal((await sbx.refresh('gmb', g.refresh_token)).json.error, 'invalid_grant');
  assert.equal((await sbx.request('/gmb/oauth2/revoke', { method: 'POST', query: { token: g.refresh_token } })).status, 400);

  const tw = await sbx.link('twitter', { login: 'uma' });
  const rv = await sbx.request('/twitter/2/oauth2/revoke', { form: { token: tw.access_token, client_id: 'sandbox-client' } });
  assert.deepEqual(rv.json, { revoked: true });
  const twr = await get('/twitter/2/users/me', tw.access_token);
  assert.equal(twr.status, 401);
  assert.deepEqual(twr.json, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });

  const rd = await sbx.link('reddit', { login: 'uma' });
  const rr = await sbx.request('/reddit/api/v1/revoke_token', { form: { token: rd.refresh_token, token_type_hint: 'refresh_token' }, basic: ['sandbox-client', 's'] });
  assert.equal(rr.status, 204);
  const rme = await get('/reddit/oauth/api/v1/me', rd.access_token);
  assert.equal(rme.status, 401);
  assert.deepEqual(rme.json, { message: 'Unauthorized', error: 401 });
  assert.equal(rme.headers.get('www-authenticate'), 'Bearer realm="reddit", error="invalid_token"');

  const tk = await sbx.link('tiktok', { login: 'uma' });
  const tr = await sbx.request('/tiktok/v2/oauth/revoke/', { form: { client_key: 'sandbox-client', client_secret: 's', token: tk.access_token } });
  assert.equal(tr.status, 200);
  const tme = await get('/tiktok/v2/user/info/', tk.access_token, { fields: 'open_id' });
  assert.equal(tme.status, 401);
  assert.equal(tme.json.error.code, 'access_token_invalid');
  assert.deepEqual(tme.json.data, {});
  assert.equal((await sbx.refresh('tiktok', tk.refresh_token)).status, 400);

  const li = await sbx.link('linkedin', { login: 'uma' });
  assert.equal((await sbx.request('/linkedin/oauth/v2/revoke', { form: { token: li.access_token, client_id: 'sandbox-client', client_secret: 's' } })).status, 200);
  const lme = await get('/linkedin/api/v2/userinfo', li.access_token);
  assert.equal(lme.status, 401);
  assert.deepEqual(lme.json, { status: 401, serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN', message: 'The token used in the request has been revoked by the user' });

  // Facebook: removing the app's permissions kills the user and page tokens.
  const fb = await sbx.link('facebook', { login: 'uma' });
  const pages = await get('/facebook/graph/me/accounts', fb.access_token, { fields: 'access_token' });
  const pageToken = pages.json.data[0].access_token;
  assert.deepEqual((await sbx.request('/facebook/graph/me/permissions', { method: 'DELETE', token: fb.access_token })).json, { success: true });
  for (const token of [fb.access_token, pageToken]) {
    const r = await get('/facebook/graph/me', token);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 190);
    assert.equal(r.json.error.error_subcode, 460);
    assert.equal(r.json.error.type, 'OAuthException');
    assert.match(r.json.error.message, /^Error validating access token: /);
  }

  // Tokens are refused by other networks' endpoints, and missing ones too.
  const pin = await sbx.link('pinterest', { login: 'uma' });
  const cross = await get('/tiktok/v2/user/info/', pin.access_token, { fields: 'open_id' });
  assert.equal(cross.status, 401);
  const cross2 = await get('/pinterest/v5/user_account', tk.refresh_token);
  assert.deepEqual(cross2.json, { code: 2, message: 'Authentication failed.' });
  const ig = await get('/instagram/graph/me', fb.access_token);
  assert.equal(ig.json.error.code, 190);
  const yt = await sbx.link('youtube', { login: 'uma' });
  assert.equal((await get('/gmb/accountmanagement/v1/accounts', yt.access_token)).status, 401);
  assert.equal((await get('/linkedin/api/v2/me')).status, 401);
  assert.equal((await get('/pinterest/v5/user_account', pin.refresh_token)).status, 401, 'a refresh token is no bearer token');
});

// ---- GBP PATCH -------------------------------------------------------------------------

test('gbp PATCH applies valid edits, which persist', async () => {
  const t = await sbx.link('gmb', { login: 'vera' });
  const acc = (await get('/gmb/accountmanagement/v1/accounts', t.access_token)).json.accounts[0].name;
  const id = (await get(`/gmb/businessinformation/v1/${acc}/locations`, t.access_token, { readMask: 'name' })).json.locations[1].name;
  const body = {
    title: 'Vera’s Bakery',
    storeCode: 'V-002',
    phoneNumbers: { primaryPhone: '+1 (415) 555-0132', additionalPhones: ['+1 415.555.0199', '415 555 0100'] },
    websiteUri: 'https://vera.example.com/bakery',
    labels: ['north', 'x'.repeat(255)],
    latlng: { latitude: -33.8688, longitude: 151.2093 },
    profile: { description: 'Fresh bread every morning.' },
    adWordsLocationExtensions: { adPhone: '+1 415 555 0177' },
    categories: { ignored: 'not in the mask' },
  };
  const mask = 'title,storeCode,phoneNumbers,websiteUri,labels,latlng,profile.description,adWordsLocationExtensions.adPhone';
  const r = await sbx.request(`/gmb/businessinformation/v1/${id}`, { method: 'PATCH', token: t.access_token, query: { updateMask: mask }, json: body });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, id);
  assert.equal(r.json.title, body.title);
  assert.equal(r.json.storeCode, 'V-002');
  assert.deepEqual(r.json.phoneNumbers, body.phoneNumbers);
  assert.equal(r.json.websiteUri, body.websiteUri);
  assert.deepEqual(r.json.labels, body.labels);
  assert.deepEqual(r.json.latlng, body.latlng);
  assert.deepEqual(r.json.profile, body.profile);
  assert.deepEqual(r.json.adWordsLocationExtensions, body.adWordsLocationExtensions);
  assert.ok(r.json.categories.primaryCategory, 'fields outside the mask are untouched');
  assert.ok(r.json.metadata && r.json.openInfo, 'the full Location comes back');

  const back = await get(`/gmb/businessinformation/v1/${id}`, t.access_token, { readMask: 'title,phoneNumbers,latlng' });
  assert.deepEqual(back.json, { title: body.title, phoneNumbers: body.phoneNumbers, latlng: body.latlng });
  const listed = await get(`/gmb/businessinformation/v1/${acc}/locations`, t.access_token, { readMask: 'title' });
  assert.equal(listed.json.locations[1].title, body.title);

  // A field in the mask but not in the body is cleared.
  const clear = await sbx.request(`/gmb/businessinformation/v1/${id}`, { method: 'PATCH', token: t.access_token, query: { updateMask: 'websiteUri,labels' }, json: {} });
  assert.equal(clear.status, 200, clear.text);
  assert.equal(clear.json.websiteUri, undefined);
  assert.deepEqual(clear.json.labels, []);
  // validateOnly checks without writing.
  const vo = await sbx.request(`/gmb/businessinformation/v1/${id}`, { method: 'PATCH', token: t.access_token, query: { updateMask: 'title', validateOnly: 'true' }, json: { title: 'Not saved' } });
  assert.deepEqual(vo.json, {});
  assert.equal((await get(`/gmb/businessinformation/v1/${id}`, t.access_token, { readMask: 'title' })).json.title, body.title);
});

test('gbp PATCH refuses bad masks and values the way Google does', async () => {
  const t = await sbx.link('gmb', { login: 'walt' });
  const acc = (await get('/gmb/accountmanagement/v1/accounts', t.access_token)).json.accounts[0].name;
  const id = (await get(`/gmb/businessinformation/v1/${acc}/locations`, t.access_token, { readMask: 'name' })).json.locations[0].name;
  const patch = (updateMask, json) => sbx.request(`/gmb/businessinformation/v1/${id}`, { method: 'PATCH', token: t.access_token, query: updateMask ? { updateMask } : undefined, json });
  const phones = (primaryPhone, additionalPhones = []) => ({ phoneNumbers: { primaryPhone, additionalPhones } });
  const info = [
    ['title', { title: 'x'.repeat(101) }, 'STRING_TOO_LONG'],
    ['title', { title: '   ' }, 'STRING_TOO_SHORT'],
    ['title', {}, 'REQUIRED_FIELD_MISSING_VALUE'],
    ['phoneNumbers', phones('call me maybe'), 'INVALID_PHONE_NUMBER'],
    ['phoneNumbers', phones('+1 415 555 0132', ['12']), 'INVALID_PHONE_NUMBER'],
    ['phoneNumbers', phones('+1 415 555 0132', ['+1 415 555 0001', '+1 415 555 0002', '+1 415 555 0003']), 'TOO_MANY_VALUES'],
    ['phoneNumbers', phones(''), 'MISSING_PRIMARY_PHONE_NUMBER'],
    ['websiteUri', { websiteUri: 'ftp://example.com/' }, 'INVALID_URL'],
    ['websiteUri', { websiteUri: 'example.com' }, 'INVALID_URL'],
    ['labels', { labels: Array.from({ length: 11 }, (_, i) => `l${i}`) }, 'TOO_MANY_VALUES'],
    ['labels', { labels: ['x'.repeat(256)] }, 'STRING_TOO_LONG'],
    ['labels', { labels: [''] }, 'STRING_TOO_SHORT'],
    ['latlng', { latlng: { latitude: 91, longitude: 0 } }, 'INVALID_LATLNG'],
    ['latlng', { latlng: { latitude: 0, longitude: -180.5 } }, 'INVALID_LATLNG'],
    ['latlng', { latlng: { latitude: 10 } }, 'INVALID_LATLNG'],
    ['profile.description', { profile: { description: 'd'.repeat(751) } }, 'STRING_TOO_LONG'],
    ['adWordsLocationExtensions.adPhone', { adWordsLocationExtensions: { adPhone: 'nope' } }, 'INVALID_PHONE_NUMBER'],
  ];
  for (const [mask, body, reason] of info) {
    const r = await patch(mask, body);
    assert.equal(r.status, 400, `${mask} ${JSON.stringify(body).slice(0, 60)}: ${r.text}`);
    assert.deepEqual(r.json, {
      error: {
        code: 400,
        message: 'Request contains an invalid argument.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'mybusinessbusinessinformation.googleapis.com', metadata: { field_mask: mask } }],
      },
    });
  }
  // Exactly 100 characters and 750 are fine; so are two extra phones.
  assert.equal((await patch('title', { title: 'é'.repeat(100) })).status, 200);
  assert.equal((await patch('profile.description', { profile: { description: 'd'.repeat(750) } })).status, 200);
  assert.equal((await patch('phoneNumbers', phones('+44 20 7946 0958', ['020 7946 0000', '(020) 7946-0001']))).status, 200);

  const noMask = await patch(undefined, { title: 'x' });
  assert.equal(noMask.status, 400);
  assert.equal(noMask.json.error.status, 'INVALID_ARGUMENT');
  for (const mask of ['categories', 'phoneNumbers.primaryPhone', 'profile', 'title,openInfo', 'nonsense']) {
    const r = await patch(mask, { title: 'x', phoneNumbers: { primaryPhone: '+1 415 555 0132' } });
    assert.equal(r.status, 400, `${mask}: ${r.text}`);
    assert.equal(r.json.error.code, 400);
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
  }
  const unknownField = await patch('title', { title: 'ok', bogus: 1 });
  assert.equal(unknownField.status, 400);
  const wrongType = await patch('title', { title: 5 });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.error.details[0]['@type'], 'type.googleapis.com/google.rpc.BadRequest');
  // Nothing of the failed edits stuck.
  const now = await get(`/gmb/businessinformation/v1/${id}`, t.access_token, { readMask: 'title,labels' });
  assert.equal(now.json.title, 'é'.repeat(100));
  assert.deepEqual(now.json.labels, []);
  const notMine = await sbx.request('/gmb/businessinformation/v1/locations/123', { method: 'PATCH', token: t.access_token, query: { updateMask: 'title' }, json: { title: 'x' } });
  assert.equal(notMine.status, 404);
  assert.equal(notMine.json.error.status, 'NOT_FOUND');
});

// ---- Telegram --------------------------------------------------------------------------

test('telegram: getMe, getChat by name and id, getChatMember, getFile, bad tokens', async () => {
  const bot = '/telegram/bot123456:AAH-sandbox_token';
  const me = await get(`${bot}/getMe`);
  assert.deepEqual(me.json, { ok: true, result: { id: 123456, is_bot: true, first_name: 'Sandbox Bot', username: 'sandbox_123456_bot' } });

  const ch = await get(`${bot}/getChat`, undefined, { chat_id: '@MyNews' });
  assert.equal(ch.status, 200, ch.text);
  const c = ch.json.result;
  assert.equal(c.type, 'channel');
  assert.match(String(c.id), /^-100\d{10}$/);
  assert.equal(c.title, 'Mynews');
  assert.equal(c.username, 'mynews');
  assert.ok(c.description && c.photo.small_file_id && c.photo.big_file_id);
  // The numeric id it maps to works afterwards (JSON body this time).
  const byId = await sbx.request(`${bot}/getChat`, { json: { chat_id: c.id } });
  assert.equal(byId.json.result.username, 'mynews');
  assert.equal((await get(`${bot}/getChat`, undefined, { chat_id: '@groupfriends' })).json.result.type, 'group');
  assert.equal((await get(`${bot}/getChat`, undefined, { chat_id: '@superteam' })).json.result.type, 'supergroup');
  const nobot = await get(`${bot}/getChat`, undefined, { chat_id: '@nobotchannel' });
  assert.equal(nobot.status, 400);
  assert.deepEqual(nobot.json, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
  assert.equal((await get(`${bot}/getChat`, undefined, { chat_id: '-1001' })).status, 400);

  const admin = await sbx.request(`${bot}/getChatMember`, { form: { chat_id: '@mynews', user_id: '123456' } });
  assert.equal(admin.json.result.status, 'administrator');
  assert.equal(admin.json.result.user.id, 123456);
  const member = await get(`${bot}/getChatMember`, undefined, { chat_id: '@notadminchan', user_id: '123456' });
  assert.equal(member.json.result.status, 'member');
  const absent = await get(`${bot}/getChatMember`, undefined, { chat_id: '@nobotx', user_id: '123456' });
  assert.equal(absent.status, 400);

  const file = await get(`${bot}/getFile`, undefined, { file_id: c.photo.big_file_id });
  assert.equal(file.json.result.file_id, c.photo.big_file_id);
  assert.match(file.json.result.file_path, /^photos\/.+\.jpg$/);
  const img = await sbx.request(`/telegram/file/bot123456:AAH-sandbox_token/${file.json.result.file_path}`);
  assert.equal(img.status, 200);

  for (const bad of ['/telegram/bot123456/getMe', '/telegram/botabc:def/getMe', '/telegram/123:abc/getMe']) {
    const r = await get(bad);
    assert.equal(r.status, 401, bad);
    assert.deepEqual(r.json, { ok: false, error_code: 401, description: 'Unauthorized' });
  }
  assert.equal((await get(`${bot}/sendRocket`)).json.error_code, 404);
  // A revoked bot is Unauthorized from then on.
  await sbx.fault({ revoke: { network: 'telegram', login: '999' } });
  assert.equal((await get('/telegram/bot999:tok/getMe')).status, 401);
  assert.equal((await get(`${bot}/getMe`)).status, 200);
});

test('telegram: members, messages as users, admins and channels, getUpdates with offset', async () => {
  const bot = '/telegram/bot777:AAH-updates';
  const other = '/telegram/bot778:AAH-other';
  const post = (body) => sbx.request('/_sandbox/telegram/messages', { json: body });
  const member = (body) => sbx.request('/_sandbox/telegram/members', { json: body });
  // Start from an empty queue for both bots.
  const drain = async (b) => {
    const all = await get(`${b}/getUpdates`);
    const ids = all.json.result.map((u) => u.update_id);
    if (ids.length) await get(`${b}/getUpdates`, undefined, { offset: String(Math.max(...ids) + 1) });
  };
  await drain(bot);
  await drain(other);

  const m = await member({ chat: '@superdesk', user: 'ada-admin', status: 'administrator' });
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.status, 'administrator');
  assert.equal(m.json.chat.type, 'supergroup');
  const adaId = m.json.user.id;
  assert.equal(typeof adaId, 'number');
  assert.deepEqual(Object.keys(m.json.user).sort(), ['first_name', 'id', 'is_bot', 'last_name', 'username']);

  // A user's message in a supergroup: Update.message with from and chat.
  const p1 = await post({ chat: '@superdesk', from: 'ada-admin', text: '/connect ABC' });
  assert.equal(p1.status, 200, p1.text);
  assert.equal(p1.json.ok, true);
  const u1 = p1.json.result;
  assert.equal(typeof u1.update_id, 'number');
  assert.equal(u1.message.from.id, adaId);
  assert.equal(u1.message.from.is_bot, false);
  assert.equal(u1.message.chat.type, 'supergroup');
  assert.equal(u1.message.chat.id, m.json.chat.id);
  assert.equal(u1.message.text, '/connect ABC');
  assert.deepEqual(u1.message.entities, [{ offset: 0, length: 8, type: 'bot_command' }]);
  assert.equal(typeof u1.message.date, 'number');
  // An anonymous administrator: from is @GroupAnonymousBot, sender_chat the group.
  const p2 = await post({ chat: '@superdesk', from: 'ada-admin', text: 'hello', anonymous: true });
  assert.equal(p2.json.result.message.from.username, 'GroupAnonymousBot');
  assert.equal(p2.json.result.message.sender_chat.id, m.json.chat.id);
  assert.equal(p2.json.result.message.entities, undefined);
  // Only administrators post anonymously, or in a channel.
  assert.equal((await post({ chat: '@superdesk', from: 'bob-member', text: 'x', anonymous: true })).status, 400);
  assert.equal((await post({ chat: '@deskchannel', from: 'bob-member', text: 'x' })).status, 400);
  // A channel post (as the channel): Update.channel_post without from.
  const p3 = await post({ chat: '@deskchannel', text: 'news' });
  assert.equal(p3.json.result.channel_post.chat.type, 'channel');
  assert.equal(p3.json.result.channel_post.sender_chat.id, p3.json.result.channel_post.chat.id);
  assert.equal(p3.json.result.channel_post.from, undefined);
  // A private message goes to one bot only.
  const p4 = await post({ chat: 'private', bot: '777', from: 'ada-admin', text: 'ABC' });
  assert.equal(p4.json.result.message.chat.type, 'private');
  assert.equal(p4.json.result.message.chat.id, adaId);
  for (const bad of [{ chat: '@superdesk', text: 'x' }, { chat: 'private', from: 'ada-admin', text: 'x' }, { chat: '@nobotplace', from: 'ada-admin', text: 'x' }, { chat: '@superdesk', from: 'ada-admin' }, { chat: '@x y', from: 'a', text: 'x' }]) {
    const r = await post(bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.json.status, 'error');
  }

  // getUpdates: every update in order, the Bot API's shape.
  const all = await get(`${bot}/getUpdates`);
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.ok, true);
  const ids = all.json.result.map((u) => u.update_id);
  assert.deepEqual(ids, [u1.update_id, p2.json.result.update_id, p3.json.result.update_id, p4.json.result.update_id]);
  assert.deepEqual(all.json.result[0], u1);
  assert.ok(all.json.result[2].channel_post);
  // Not confirmed yet: the same again. The other bot has no private message.
  assert.equal((await get(`${bot}/getUpdates`)).json.result.length, 4);
  assert.deepEqual((await get(`${other}/getUpdates`)).json.result.map((u) => u.update_id), ids.slice(0, 3));
  // allowed_updates (JSON text in the query, or an array in a JSON body); kept until changed.
  const posts = await get(`${bot}/getUpdates`, undefined, { allowed_updates: '["channel_post"]' });
  assert.deepEqual(posts.json.result.map((u) => u.update_id), [ids[2]]);
  assert.equal((await get(`${bot}/getUpdates`)).json.result.length, 1, 'the setting sticks');
  const both = await sbx.request(`${bot}/getUpdates`, { json: { allowed_updates: ['message', 'channel_post'], limit: 2 } });
  assert.deepEqual(both.json.result.map((u) => u.update_id), ids.slice(0, 2));
  // An offset confirms what is below it; a negative one keeps the last few.
  const after2 = await get(`${bot}/getUpdates`, undefined, { offset: String(ids[1] + 1) });
  assert.deepEqual(after2.json.result.map((u) => u.update_id), ids.slice(2));
  assert.deepEqual((await get(`${bot}/getUpdates`)).json.result.map((u) => u.update_id), ids.slice(2), 'confirmed ones are gone');
  const last = await get(`${bot}/getUpdates`, undefined, { offset: '-1' });
  assert.deepEqual(last.json.result.map((u) => u.update_id), [ids[3]]);
  assert.deepEqual((await get(`${bot}/getUpdates`)).json.result.map((u) => u.update_id), [ids[3]]);
  assert.equal((await get(`${bot}/getUpdates`, undefined, { offset: 'x' })).status, 400);
  assert.equal((await get(`${bot}/getUpdates`, undefined, { allowed_updates: 'nope' })).status, 400);

  // getChatMember for people: the status set, "left" elsewhere, unknown ids refused.
  const gm = await get(`${bot}/getChatMember`, undefined, { chat_id: '@superdesk', user_id: String(adaId) });
  assert.equal(gm.json.result.status, 'administrator');
  assert.equal(gm.json.result.user.id, adaId);
  const bob = (await post({ chat: '@superdesk', from: 'bob-member', text: 'hi' })).json.result.message.from.id;
  assert.equal((await get(`${bot}/getChatMember`, undefined, { chat_id: '@superdesk', user_id: String(bob) })).json.result.status, 'member');
  assert.equal((await get(`${bot}/getChatMember`, undefined, { chat_id: '@otherdesk', user_id: String(adaId) })).json.result.status, 'left');
  const nobody = await get(`${bot}/getChatMember`, undefined, { chat_id: '@superdesk', user_id: '42' });
  assert.deepEqual(nobody.json, { ok: false, error_code: 400, description: 'Bad Request: user not found' });
  assert.equal((await member({ chat: '@superdesk', user: 'ada-admin', status: 'boss' })).status, 400);
});

// ---- X usage ------------------------------------------------------------------------

test('X usage takes the app token and refuses user tokens', async () => {
  const r = await get('/twitter/2/usage/tweets', 'sandbox-app-token', { 'usage.fields': 'cap_reset_day,project_cap,project_id,project_usage' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.cap_reset_day, 12);
  assert.equal(r.json.data.project_cap, '2000000');
  assert.equal(r.json.data.project_id, '1');
  assert.match(r.json.data.project_usage, /^\d+$/);
  const user = await sbx.link('twitter', { login: 'xena' });
  await get('/twitter/2/users/me', user.access_token);
  const after = await get('/twitter/2/usage/tweets', 'sandbox-app-token');
  assert.ok(Number(after.json.data.project_usage) > Number(r.json.data.project_usage));
  const u = await get('/twitter/2/usage/tweets', user.access_token);
  assert.equal(u.status, 403);
  assert.equal(u.json.title, 'Unsupported Authentication');
  assert.equal((await get('/twitter/2/usage/tweets')).status, 401);
});

// ---- faults ------------------------------------------------------------------------------

test('fault status: count, path, network, envelopes and Retry-After', async () => {
  await sbx.clearFaults();
  const pin = await sbx.link('pinterest', { login: 'yara' });
  await sbx.fault({ network: 'pinterest', path: '/boards', status: 503, count: 2 });
  // Another path and another network are not affected.
  assert.equal((await get('/pinterest/v5/user_account', pin.access_token)).status, 200);
  for (let i = 0; i < 2; i++) {
    const r = await get('/pinterest/v5/boards', pin.access_token);
    assert.equal(r.status, 503);
    assert.equal(r.json.code, 503);
    assert.equal(typeof r.json.message, 'string');
  }
  assert.equal((await get('/pinterest/v5/boards', pin.access_token)).status, 200);

  const tk = await sbx.link('tiktok', { login: 'yara' });
  await sbx.fault({ network: 'tiktok', path: '/oauth/token', status: 429, retryAfter: 7 });
  const limited = await sbx.refresh('tiktok', tk.refresh_token);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  assert.equal(limited.json.error, 'rate_limit_exceeded');
  assert.ok(limited.json.log_id);
  assert.equal((await sbx.refresh('tiktok', tk.refresh_token)).status, 200, 'the refresh token survived the 429');

  const envelopes = {
    twitter: ['/twitter/2/users/me', (j) => j.status === 429 && j.title === 'Too Many Requests'],
    telegram: ['/telegram/bot1:x/getMe', (j) => j.ok === false && j.error_code === 429 && j.parameters.retry_after === 3 && j.description === 'Too Many Requests: retry after 3'],
    gmb: ['/gmb/accountmanagement/v1/accounts', (j) => j.error.code === 429 && j.error.status === 'RESOURCE_EXHAUSTED'],
    linkedin: ['/linkedin/api/v2/me', (j) => j.status === 429 && typeof j.serviceErrorCode === 'number'],
    facebook: ['/facebook/graph/me', (j) => j.error.code === 4 && j.error.type === 'OAuthException'],
    reddit: ['/reddit/oauth/api/v1/me', (j) => j.error === 429],
    tiktok: ['/tiktok/v2/user/info/', (j) => j.error.code === 'rate_limit_exceeded'],
  };
  for (const [net, [path, ok]] of Object.entries(envelopes)) {
    await sbx.fault({ network: net, status: 429, retryAfter: 3 });
    const r = await get(path, 'whatever');
    assert.equal(r.status, 429, net);
    assert.equal(r.headers.get('retry-after'), '3', net);
    assert.ok(ok(r.json), `${net}: ${r.text}`);
  }
  // A fault without a network or path hits the next request of any network.
  await sbx.fault({ status: 500 });
  assert.equal((await get('/reddit/oauth/api/v1/me', 'x')).status, 500);
  // The sandbox's own endpoints are never faulted.
  await sbx.fault({ status: 500 });
  assert.equal((await get('/_sandbox/health')).status, 200);
  await sbx.clearFaults();
  assert.equal((await get('/reddit/oauth/api/v1/me', 'x')).status, 401);
});

test('fault delayMs delays its request without blocking others', async () => {
  await sbx.clearFaults();
  await sbx.clearCalls();
  const tw = await sbx.link('twitter', { login: 'zed' });
  // More held requests than the sandbox has HTTP threads (2), held until
  // clearFaults lets them go.
  await sbx.fault({ network: 'twitter', path: '/users/me', delayMs: 120000, count: 3 });
  let answered = 0;
  const slow = [0, 1, 2].map(() => get('/twitter/2/users/me', tw.access_token).then((r) => { answered++; return r; }));
  await sbx.waitForCalls('three held requests', (calls) => calls.filter((c) => c.path.endsWith('/users/me')).length === 3, { network: 'twitter' });
  const quick = await get('/twitter/2/users/me', tw.access_token);
  const health = await get('/_sandbox/health');
  assert.equal(quick.status, 200);
  assert.equal(health.status, 200);
  assert.equal(answered, 0, 'others were answered while the three waited');
  await sbx.clearFaults();
  for (const r of await Promise.all(slow)) {
    assert.equal(r.status, 200, 'answered normally after the delay');
    assert.equal(r.json.data.username, 'zed');
  }
  // delay + status: waits, then fails
  await sbx.fault({ network: 'reddit', delayMs: 300, status: 502 });
  const t2 = Date.now();
  const r = await get('/reddit/oauth/api/v1/me', 'x');
  assert.equal(r.status, 502);
  assert.ok(Date.now() - t2 >= 280);
});

test('fault garbage and body', async () => {
  await sbx.clearFaults();
  const rd = await sbx.link('reddit', { login: 'amy' });
  await sbx.fault({ network: 'reddit', path: '/api/v1/me', garbage: true });
  const g = await get('/reddit/oauth/api/v1/me', rd.access_token);
  assert.equal(g.status, 200);
  assert.throws(() => JSON.parse(g.text));
  await sbx.fault({ network: 'reddit', path: '/api/v1/me', body: '{"odd":true}' });
  const b = await get('/reddit/oauth/api/v1/me', rd.access_token);
  assert.equal(b.status, 200);
  assert.equal(b.text, '{"odd":true}');
  await sbx.fault({ network: 'reddit', path: '/api/v1/me', body: 'upstream timeout', status: 504 });
  const b2 = await get('/reddit/oauth/api/v1/me', rd.access_token);
  assert.equal(b2.status, 504);
  assert.equal(b2.text, 'upstream timeout');
  assert.equal((await get('/reddit/oauth/api/v1/me', rd.access_token)).json.name, 'amy');
  // Consent pages fail in plain text.
  await sbx.fault({ network: 'linkedin', path: '/authorization', status: 500 });
  const c = await get(AUTHORIZE.linkedin, undefined, { client_id: 'c', redirect_uri: 'http://x/cb', response_type: 'code' });
  assert.equal(c.status, 500);
  assert.match(c.headers.get('content-type'), /^text\/plain/);
});

test('fault revoke and tokenTtl change state at once', async () => {
  await sbx.clearFaults();
  const a = await sbx.link('twitter', { login: 'alice' });
  const b = await sbx.link('twitter', { login: 'bella' });
  const r = await sbx.fault({ revoke: { network: 'twitter', login: 'alice' } });
  assert.ok(r.revoked >= 2);
  assert.equal((await get('/twitter/2/users/me', a.access_token)).status, 401);
  assert.equal((await sbx.refresh('twitter', a.refresh_token)).status, 400);
  assert.equal((await get('/twitter/2/users/me', b.access_token)).status, 200);

  await sbx.fault({ tokenTtl: { network: 'linkedin', access: 1, refresh: 4 } });
  const li = await sbx.link('linkedin', { login: 'carl' });
  assert.equal(li.expires_in, 1);
  assert.equal(li.refresh_token_expires_in, 4);
  assert.equal((await get('/linkedin/api/v2/me', li.access_token)).status, 200);
  const expired = await waitUntil('the access token expired', async () => {
    const e = await get('/linkedin/api/v2/me', li.access_token);
    return e.status !== 200 && e;
  });
  assert.equal(expired.status, 401);
  assert.equal(expired.json.code, 'EXPIRED_ACCESS_TOKEN');
  assert.equal(expired.json.serviceErrorCode, 65602);
  const fresh = await sbx.refresh('linkedin', li.refresh_token);
  assert.equal(fresh.status, 200, fresh.text);
  // LinkedIn's refresh tokens are reusable: it keeps working until it expires.
  const gone = await waitUntil('the refresh token expired', async () => {
    const f = await sbx.refresh('linkedin', li.refresh_token);
    return f.status !== 200 && f;
  });
  assert.equal(gone.status, 400, 'the refresh token expired');
  // Other networks keep their lifetimes; DELETE restores the defaults.
  assert.equal((await sbx.link('tiktok', { login: 'carl' })).expires_in, 7200);
  await sbx.clearFaults();
  assert.equal((await sbx.link('linkedin', { login: 'carl' })).expires_in, 5184000);

  await sbx.fault({ tokenTtl: { network: 'facebook', access: 0 } });
  const fb = await sbx.link('facebook', { login: 'dora' });
  const dead = await get('/facebook/graph/me', fb.access_token);
  assert.equal(dead.json.error.error_subcode, 463);
  await sbx.clearFaults();
});

test('fault requests are validated', async () => {
  for (const bad of [{}, { status: 42 }, { network: 'myspace', status: 500 }, { delayMs: -1 }, { stauts: 500 }, { revoke: { network: 'twitter' } }, { quota: { login: 'a b', used: 1 } }, { tokenTtl: { access: 5 } }]) {
    const r = await sbx.request('/_sandbox/faults', { json: bad });
    assert.equal(r.status, 400, JSON.stringify(bad));
  }
});

test('rename changes the name (and image) the identity endpoints answer until DELETE', async () => {
  await sbx.clearFaults();
  const tw = await sbx.link('twitter', { login: 'rhea' });
  const li = await sbx.link('linkedin', { login: 'rhea' });
  const twMe = () => get('/twitter/2/users/me', tw.access_token, { 'user.fields': 'profile_image_url' });
  const before = await twMe();
  assert.equal(before.json.data.name, 'Rhea');
  assert.match(before.json.data.profile_image_url, /\/_sandbox\/img\/twitter\/rhea\.png$/);

  const r = await sbx.fault({ rename: { network: 'twitter', login: 'rhea', name: 'Rhea Renamed', image: 'https://cdn.example/rhea.png?v=2' } });
  assert.equal(r.status, 'ok');
  const after = await twMe();
  assert.equal(after.json.data.name, 'Rhea Renamed');
  assert.equal(after.json.data.profile_image_url, 'https://cdn.example/rhea.png?v=2');
  assert.equal(after.json.data.id, before.json.data.id, 'ids stay');
  assert.equal(after.json.data.username, 'rhea', 'the handle stays');
  // Only that network's account: LinkedIn's rhea keeps her name until renamed there.
  assert.equal((await get('/linkedin/api/v2/userinfo', li.access_token)).json.name, 'Rhea');
  await sbx.fault({ rename: { network: 'linkedin', login: 'rhea', name: 'Rhéa Nouveau Nom' } });
  const info = (await get('/linkedin/api/v2/userinfo', li.access_token)).json;
  assert.equal(info.name, 'Rhéa Nouveau Nom');
  assert.equal(info.given_name, 'Rhéa');
  assert.equal(info.family_name, 'Nouveau Nom');
  assert.match(info.picture, /\/_sandbox\/img\/linkedin\/rhea\.png$/, 'no image: the derived one');
  assert.equal((await get('/linkedin/api/v2/me', li.access_token)).json.localizedFirstName, 'Rhéa');
  // A later rename replaces the earlier one, image included.
  await sbx.fault({ rename: { network: 'twitter', login: 'rhea', name: 'Rhea Again' } });
  const again = await twMe();
  assert.equal(again.json.data.name, 'Rhea Again');
  assert.match(again.json.data.profile_image_url, /\/_sandbox\/img\/twitter\/rhea\.png$/);

  // Every network's identity endpoint answers the name; derived names follow it.
  const img = 'https://cdn.example/new.png';
  const identity = {
    facebook: async (t) => {
      const me = await get('/facebook/graph/me', t, { fields: 'id,name,picture' });
      const pages = await get('/facebook/graph/me/accounts', t, { fields: 'name,picture' });
      assert.equal(pages.json.data[0].name, 'New Name Page 1');
      assert.equal(pages.json.data[0].picture.data.url, img);
      return [me.json.name, me.json.picture.data.url];
    },
    instagram: async (t) => {
      const pages = await get('/instagram/graph/me/accounts', t, { fields: 'instagram_business_account{name,profile_picture_url}' });
      const ig = pages.json.data[0].instagram_business_account;
      return [ig.name, ig.profile_picture_url];
    },
    linkedin: async (t) => {
      const u = (await get('/linkedin/api/v2/userinfo', t)).json;
      return [u.name, u.picture];
    },
    gmb: async (t) => {
      const u = (await get('/gmb/googleapis/oauth2/v2/userinfo', t)).json;
      const acct = (await get('/gmb/accountmanagement/v1/accounts', t)).json.accounts[0];
      assert.equal(acct.accountName, 'New Name');
      const locs = await get(`/gmb/businessinformation/v1/${acct.name}/locations`, t, { readMask: 'title' });
      assert.equal(locs.json.locations[0].title, 'New Name Bakery');
      return [u.name, u.picture];
    },
    youtube: async (t) => {
      const ch = (await get('/youtube/googleapis/youtube/v3/channels', t, { part: 'snippet', mine: 'true' })).json.items[0];
      return [ch.snippet.title, ch.snippet.thumbnails.default.url];
    },
    pinterest: async (t) => {
      const u = (await get('/pinterest/v5/user_account', t)).json;
      return [u.business_name, u.profile_image];
    },
    reddit: async (t) => {
      const u = (await get('/reddit/oauth/api/v1/me', t)).json;
      assert.equal(u.name, 'newname', 'Reddit usernames never change');
      return [u.subreddit.title, u.icon_img];
    },
    tiktok: async (t) => {
      const u = (await get('/tiktok/v2/user/info/', t, { fields: 'display_name,avatar_url,avatar_url_100' })).json.data.user;
      assert.equal(u.avatar_url_100, u.avatar_url);
      return [u.display_name, u.avatar_url];
    },
  };
  for (const [net, read] of Object.entries(identity)) {
    const t = await sbx.link(net, { login: 'newname' });
    await sbx.fault({ rename: { network: net, login: 'newname', name: 'New Name', image: img } });
    assert.deepEqual(await read(t.access_token), ['New Name', img], net);
  }
  // Telegram: the chat @<login> (case-insensitive) and the bot whose id is the login.
  const bot = '/telegram/bot4242:AAH-rename';
  const chat = () => get(`${bot}/getChat`, undefined, { chat_id: '@renamedchan' });
  const old = (await chat()).json.result;
  assert.equal(old.title, 'Renamedchan');
  await sbx.fault({ rename: { network: 'telegram', login: 'RenamedChan', name: 'Renamed Channel', image: img } });
  const now = (await chat()).json.result;
  assert.equal(now.title, 'Renamed Channel');
  assert.equal(now.id, old.id);
  assert.notEqual(now.photo.small_file_id, old.photo.small_file_id, 'a new photo has new file ids');
  await sbx.fault({ rename: { network: 'telegram', login: '4242', name: 'Renamed Bot' } });
  assert.equal((await get(`${bot}/getMe`)).json.result.first_name, 'Renamed Bot');

  // DELETE forgets renames (and the other overrides, quotas included).
  const ig = await sbx.link('instagram', { login: 'rhea' });
  const igId = (await get('/instagram/graph/me/accounts', ig.access_token, { fields: 'instagram_business_account' })).json.data[0].instagram_business_account.id;
  const quota = async () => (await get(`/instagram/graph/${igId}/content_publishing_limit`, ig.access_token)).json.data[0].quota_usage;
  await sbx.fault({ quota: { login: 'rhea', used: 42 } });
  assert.equal(await quota(), 42);
  await sbx.clearFaults();
  assert.equal((await twMe()).json.data.name, 'Rhea');
  assert.equal((await get('/linkedin/api/v2/userinfo', li.access_token)).json.name, 'Rhea');
  assert.equal((await chat()).json.result.title, 'Renamedchan');
  assert.equal((await get(`${bot}/getMe`)).json.result.first_name, 'Sandbox Bot');
  assert.equal(await quota(), 3);
});

test('rename is validated and bounded', async () => {
  await sbx.clearFaults();
  const ok = { network: 'twitter', login: 'rhea', name: 'Fine' };
  for (const rename of [
    'rhea', { ...ok, network: 'myspace' }, { ...ok, network: undefined }, { ...ok, login: 'a b' }, { ...ok, login: '' },
    { ...ok, name: '' }, { ...ok, name: 7 }, { ...ok, name: undefined }, { ...ok, name: 'x'.repeat(101) }, { ...ok, name: 'a\nb' },
    { ...ok, name: ' padded' }, { ...ok, image: 'ftp://x/y.png' }, { ...ok, image: 'https://' }, { ...ok, image: 'https://x/' + 'a'.repeat(2048) },
    { ...ok, image: 'https://x/a b.png' }, { ...ok, picture: 'https://x/y.png' },
  ]) {
    const r = await sbx.request('/_sandbox/faults', { json: { rename } });
    assert.equal(r.status, 400, JSON.stringify(rename));
  }
  assert.equal((await sbx.request('/_sandbox/faults', { json: { rename: { ...ok, name: 'é'.repeat(50) } } })).status, 200, '100 bytes of UTF-8');
  // At most 1000 renamed accounts; renaming one of them again still works.
  for (let i = 1; i < 1000; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, 1000 - i) }, (_, k) => sbx.fault({ rename: { network: 'reddit', login: `cap${i + k}`, name: `Cap ${i + k}` } })));
  }
  const full = await sbx.request('/_sandbox/faults', { json: { rename: { network: 'reddit', login: 'one-too-many', name: 'Nope' } } });
  assert.equal(full.status, 400, full.text);
  assert.match(full.text, /1000/);
  await sbx.fault({ rename: { network: 'twitter', login: 'rhea', name: 'Still Fine' } });
  await sbx.clearFaults();
  await sbx.fault({ rename: { network: 'reddit', login: 'one-too-many', name: 'Now Fine' } });
  await sbx.clearFaults();
});

// ---- call log, images, health ---------------------------------------------------------

test('the call log records requests with secrets masked', async () => {
  await sbx.clearCalls();
  const t = await sbx.link('linkedin', { login: 'ella' });
  await sbx.request('/linkedin/oauth/v2/revoke', { form: { token: t.access_token, client_id: 'sandbox-client', client_secret: 'super-secret-value' } });
  await get('/telegram/bot42:very-secret-bot-token/getMe');
  await get('/facebook/graph/me', undefined, { access_token: 'sbx-fb-at-0123456789abcdef', fields: 'id' });
  const calls = await sbx.calls();
  assert.equal(calls.length, 6);
  for (const c of calls) {
    assert.deepEqual(Object.keys(c).slice(0, 6), ['at', 'method', 'network', 'path', 'query', 'form']);
    assert.ok(!Number.isNaN(Date.parse(c.at)));
  }
  assert.deepEqual(calls.map((c) => c.network), ['linkedin', 'linkedin', 'linkedin', 'linkedin', 'telegram', 'facebook']);
  const [page, post, token, revoke] = calls;
  assert.equal(page.method, 'GET');
  assert.equal(page.query.login, undefined);
  assert.equal(post.form.login, 'ella');
  assert.equal(token.path, '/linkedin/oauth/v2/accessToken');
  assert.equal(token.form.grant_type, 'authorization_code');
  assert.equal(token.form.client_secret, masked('sandbox-secret'));
  assert.equal(revoke.form.token, masked(t.access_token));
  assert.notEqual(revoke.form.token, t.access_token);
  assert.equal(revoke.form.client_secret, masked('super-secret-value'));
  assert.equal(calls[4].path, '/telegram/bot42:***/getMe');
  assert.equal(calls[5].query.access_token, masked('sbx-fb-at-0123456789abcdef'));
  assert.equal(calls[5].query.fields, 'id');
  const text = JSON.stringify(calls);
  for (const secret of [t.access_token, t.refresh_token, 'super-secret-value', 'very-secret-bot-token']) assert.ok(!text.includes(secret));
  assert.equal((await sbx.calls('telegram')).length, 1);
  await sbx.clearCalls();
  assert.deepEqual(await sbx.calls(), []);
});

test('image URLs serve a 1x1 PNG; health answers ok', async () => {
  const r = await fetch(`${sbx.url}/_sandbox/img/twitter/alice-smith.png`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.readUInt32BE(16), 1); // width
  assert.equal(bytes.readUInt32BE(20), 1); // height
  assert.equal((await fetch(`${sbx.url}/_sandbox/img/myspace/alice.png`)).status, 404);
  assert.equal((await fetch(`${sbx.url}/_sandbox/img/twitter/bad%20login.png`)).status, 404);
  assert.deepEqual((await get('/_sandbox/health')).json, { status: 'ok' });
});

test('SIGTERM answers requests still waiting on a delay and exits cleanly', async () => {
  const own = await new Sandbox().start();
  await own.fault({ network: 'twitter', delayMs: 60000, count: 3 });
  const t0 = Date.now();
  const waiting = [0, 1, 2].map(() => own.request('/twitter/2/users/me', { token: 'x' }).catch((e) => e));
  // Stop only once all three arrived (the call log records them on arrival).
  await own.waitForCalls('three waiting requests', (calls) => calls.length === 3, { network: 'twitter' });
  const exit = await own.stop();
  assert.deepEqual(exit, { code: 0, signal: null });
  for (const r of await Promise.all(waiting)) assert.equal(r.status, 401, 'answered, not dropped');
  assert.ok(Date.now() - t0 < 10000);
});

test('the sandbox stops cleanly on SIGTERM', async () => {
  const exit = await sbx.stop();
  assert.deepEqual(exit, { code: 0, signal: null });
});

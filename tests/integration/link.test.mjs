// Linking (SPEC §6, §9): generateJWT and link-sessions, the linking page,
// every network's OAuth through the sandbox (consent form posted, redirects
// followed), choices, Telegram by chat with a one-time code posted in it
// (proof of control: other tenants, used or foreign codes, non-administrators
// and expired codes link nothing), unlink with revocation at the
// network, import, and the failure paths: denied consent, replayed, forged
// or foreign state, expired, tampered and revoked links, networks answering
// garbage or failing. Tokens never reach the database in the clear.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, assertError, secrets, waitUntil, dbQuery, dbExec, dbDumpText } from './lib/harness.mjs';
import { Receiver } from './lib/receiver.mjs';
import { Sandbox } from './lib/sandbox.mjs';
import { Agent, readForm, linkHref, linkThroughSandbox, sandboxToken } from './lib/browser.mjs';

const OAUTH = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'reddit', 'tiktok', 'twitter', 'youtube'];
// Logins that give exactly one linkable account on each network.
const SINGLE = {
  facebook: 'alice-pages1', gmb: 'alice-locations1', instagram: 'alice-ig1', linkedin: 'alice-noorg',
  pinterest: 'alice', reddit: 'alice', tiktok: 'alice', twitter: 'alice', youtube: 'alice',
};

let sb, srv, rx, acct;

async function profile(title = `p-${Math.random().toString(36).slice(2)}`, extra = {}) {
  const r = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title, ...extra } });
  assert.equal(r.status, 200, r.text);
  secrets.add(r.json.profileKey);
  return r.json;
}

async function jwt(profileKey, body = {}) {
  const r = await srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, profileKey, body: { domain: 'acme', ...body } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// Opens a generateJWT URL as a browser: the page's URL after the redirect.
async function openPage(agent, url) {
  secrets.add(new URL(url).searchParams.get('jwt'));
  const r = await agent.request(url);
  assert.equal(r.status, 302, r.text);
  assert.match(r.location, /\/link\/s\/[A-Za-z0-9_-]{43}$/);
  secrets.add(r.location.split('/').pop());
  return r.location;
}

const user = (profileKey) => srv.api('/api/user', { key: acct.apiKey, profileKey });


// ---- Telegram: the one-time code posted in the chat (docs/networks.md) ----
const TG_BOT = '123456789'; // the sandbox's default bot under --sandbox (platforms/netconf.c)

// Posts a message in a sandbox chat (or privately to the bot); the Update.
async function tgPost(body) {
  const r = await sb.request('/_sandbox/telegram/messages', { json: body });
  assert.equal(r.status, 200, r.text);
  return r.json.result;
}

// Sets a sandbox user's status in a chat.
async function tgMember(chat, login, status) {
  const r = await sb.request('/_sandbox/telegram/members', { json: { chat, user: login, status } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// Asks the page for a code for chat; returns the code the page shows.
async function tgCode(agent, page, chat) {
  const r = await agent.request(page + '/telegram', { method: 'POST', form: { chat } });
  assert.equal(r.status, 303, r.text);
  assert.match(r.location, /\?m=tgcode&p=telegram$/);
  const shown = await agent.request(r.location);
  assert.equal(shown.status, 200);
  assert.match(shown.text, /Now post the code/);
  const m = shown.text.match(/<code id="telegram-code">\/connect ([A-Z2-9]{10})<\/code>/);
  assert.ok(m, 'the page shows the code: ' + shown.text);
  secrets.add(m[1]); // never in a log line (checked when the server stops)
  assert.ok(shown.text.includes(`action="${new URL(page).pathname}/telegram/check"`));
  return m[1];
}

// "I've posted the code": the 303's Location.
async function tgCheck(agent, page) {
  const r = await agent.request(page + '/telegram/check', { method: 'POST', form: { go: '1' } });
  assert.equal(r.status, 303, r.text);
  return r.location;
}

const tgLinked = async (profileKey) => (await user(profileKey)).json.displayNames?.find((d) => d.platform === 'telegram');

before(async () => {
  sb = await new Sandbox().start();
  rx = await new Receiver().start();
  srv = new Server({ args: ['--sandbox', sb.url, '--webhook-allow-private', '--webhook-allow-http'] });
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

describe('every network links through the sandbox', () => {
  test('ten networks on one profile: page, consent, callback, GET /api/user, webhooks', async () => {
    const p = await profile('Ten networks', { topHeader: 'Connect <b>Acme</b>', subHeader: 'Pick & choose' });
    const { url } = await jwt(p.profileKey);
    const agent = new Agent();
    const page = await openPage(agent, url);
    const first = await agent.request(page);
    assert.equal(first.status, 200);
    assert.match(first.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.equal(first.headers['referrer-policy'], 'no-referrer');
    assert.match(first.headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.ok(first.text.includes('Connect &lt;b&gt;Acme&lt;/b&gt;'), 'header text escaped');
    assert.ok(first.text.includes('Pick &amp; choose'));
    for (const net of OAUTH) assert.ok(linkHref(first, net), `Link button for ${net}`);
    assert.ok(first.text.includes('action="' + new URL(page).pathname + '/telegram"'));

    for (const net of OAUTH) {
      const r = await linkThroughSandbox(agent, page, net, SINGLE[net]);
      assert.equal(r.callback.status, 303, `${net}: ${r.callback.text}`);
      assert.equal(r.final.status, 200);
      assert.ok(r.final.url.includes('m=linked'), `${net} ended at ${r.final.url}`);
      assert.match(r.final.text, /is linked\./);
      assert.match(r.final.text, new RegExp(`id="card-${net}"[^>]*>|class="card linked" id="card-${net}"`));
    }
    // The Telegram form is the only one with a chat field.
    const forms = [...(await agent.request(page)).text.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]);
    const tgAction = forms.find((a) => a.endsWith('/telegram'));
    assert.ok(tgAction, 'telegram form');
    assert.equal(new URL(tgAction, page).toString(), page + '/telegram');
    // A channel post of the code proves control: only its administrators post there.
    const code = await tgCode(agent, page, '@acmechannel');
    await tgPost({ chat: '@acmechannel', text: `/connect ${code}` });
    assert.match(await tgCheck(agent, page), /m=linked&p=telegram/);

    const u = await user(p.profileKey);
    assert.equal(u.status, 200);
    assert.deepEqual(u.json.activeSocialAccounts, ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'reddit', 'telegram', 'tiktok', 'twitter', 'youtube']);
    const by = Object.fromEntries(u.json.displayNames.map((d) => [d.platform, d]));
    for (const [net, d] of Object.entries(by)) {
      assert.equal(typeof d.displayName, 'string', net);
      assert.ok(d.displayName.length > 0, net);
      assert.ok(!Number.isNaN(Date.parse(d.created)), net);
      for (const v of Object.values(d)) assert.notEqual(v, null, `${net}: no nulls`);
    }
    assert.equal(typeof by.telegram.id, 'number');
    assert.equal(by.telegram.type, 'channel');
    assert.equal(by.linkedin.type, 'personal');
    assert.ok(by.gmb.mapsUrl && by.gmb.placeId && by.gmb.reviewUrl, JSON.stringify(by.gmb));
    assert.equal(by.gmb.id, undefined);
    assert.equal(by.reddit.id, undefined);
    for (const net of ['facebook', 'instagram', 'linkedin', 'pinterest', 'tiktok', 'twitter', 'youtube']) {
      assert.equal(typeof by[net].id, 'string', net);
      assert.ok(by[net].profileUrl?.startsWith('https://'), `${net} profileUrl ${by[net].profileUrl}`);
    }
    assert.ok(by.facebook.pageName);
    assert.equal(by.twitter.username, 'alice');
    assert.ok(by.youtube.userImage?.startsWith(sb.url));

    // The same login links the same account (deterministic sandbox):
    // unlink X from the page, link it again.
    const un = await agent.request(page + '/unlink', { method: 'POST', form: { platform: 'twitter' } });
    assert.match(un.location, /m=unlinked&p=twitter/);
    const again = await linkThroughSandbox(agent, page, 'twitter', 'alice');
    assert.ok(again.final.url.includes('m=linked'));
    const u2 = await user(p.profileKey);
    assert.deepEqual(u2.json.displayNames.find((d) => d.platform === 'twitter').id, by.twitter.id);

    const got = await rx.waitFor((reqs) => reqs.filter((q) => q.body?.refId === p.refId && q.body.type === 'link').length >= 11);
    assert.equal(got.filter((q) => q.body?.refId === p.refId && q.body.type === 'unlink').length, 1);
    const links = got.filter((q) => q.body?.refId === p.refId && q.body.type === 'link');
    assert.deepEqual([...new Set(links.map((q) => q.body.platform))].sort(), Object.keys(by).sort());
    for (const q of links) {
      assert.equal(q.body.action, 'social');
      assert.equal(q.body.source, 'user');
      assert.equal(q.body.title, 'Ten networks');
      assert.equal(typeof q.body.displayName, 'string');
    }

    // PKCE: X's authorize URL carries an S256 challenge.
    const start = agent.hops.find((h) => h.url.includes('/link/twitter/start'));
    const to = new URL(start.location);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    assert.match(to.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(to.searchParams.get('redirect_uri'), `${srv.url}/link/twitter/callback`);
  });

  test('networks with several accounts ask which one: pages, locations, organisations', async () => {
    const p = await profile();
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    const cases = [
      ['facebook', 'bob-pages3', 3],
      ['gmb', 'bob-locations2', 2],
      ['linkedin', 'bob-orgs2', 3], // the member and two organisations
    ];
    for (const [net, login, count] of cases) {
      const r = await linkThroughSandbox(agent, page, net, login);
      assert.match(r.final.url, /\/choose\/[A-Za-z0-9_-]{22}$/, `${net}: ${r.final.url}`);
      const radios = [...r.final.text.matchAll(/type="radio" name="pick" value="(\d+)"/g)];
      assert.equal(radios.length, count, net);
      const form = readForm(r.final);
      const chosen = await agent.request(form.action, { method: 'POST', form: { pick: String(count - 1) } });
      assert.equal(chosen.status, 303, chosen.text);
      assert.match(chosen.location, new RegExp(`m=linked&p=${net}`));
      // Single use: the same choice posted again links nothing more.
      const twice = await agent.request(form.action, { method: 'POST', form: { pick: '0' } });
      assert.equal(twice.status, 303);
      assert.match(twice.location, /m=expired/);
    }
    const u = await user(p.profileKey);
    const by = Object.fromEntries(u.json.displayNames.map((d) => [d.platform, d]));
    assert.equal(by.linkedin.type, 'corporate');
    assert.ok(by.facebook.pageName);
    assert.ok(by.gmb.placeId);
  });
});

describe('failures on the way', () => {
  test('denied consent links nothing and says so', async () => {
    const p = await profile();
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    const r = await linkThroughSandbox(agent, page, 'tiktok', 'carol', { decision: 'deny' });
    assert.match(r.final.url, /m=denied&p=tiktok/);
    assert.match(r.final.text, /Access was not granted on TikTok/);
    assert.equal((await user(p.profileKey)).json.activeSocialAccounts, undefined);
  });

  test('replayed, forged and foreign state are refused', async () => {
    const p = await profile();
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    let callbackUrl;
    let savedCookie;
    const r = await linkThroughSandbox(agent, page, 'pinterest', 'dave', {
      beforeCallback: (u) => { callbackUrl = u; savedCookie = agent.cookieHeader(new URL(u)); },
    });
    assert.match(r.final.url, /m=linked/);
    assert.ok(savedCookie.startsWith('sd_'));

    // Replayed with the browser's cookie: the state was used.
    const replay = await srv.api(new URL(callbackUrl).pathname + new URL(callbackUrl).search, { headers: { Cookie: savedCookie } });
    assertError(replay, 400, 600, 'link');
    assert.equal(replay.json.details.field, 'state');
    assert.match(replay.json.details.reason, /already used/);

    // Forged: the mac does not match.
    const u = new URL(callbackUrl);
    const state = u.searchParams.get('state');
    const forged = state.slice(0, -1) + (state.endsWith('A') ? 'B' : 'A');
    u.searchParams.set('state', forged);
    const f = await srv.api(u.pathname + u.search, { headers: { Cookie: savedCookie } });
    assertError(f, 400, 600, 'link');
    assert.match(f.json.details.reason, /not one this server issued/);
    // Malformed.
    assertError(await srv.api('/link/pinterest/callback?code=x&state=nope'), 400, 600, 'link');

    // Foreign: a consent completed in another browser (no cookie) links
    // nothing, and the state stays usable by the browser that started.
    const other = new Agent();
    let cb2;
    const mine = await linkThroughSandbox(agent, page, 'reddit', 'erin', {
      beforeCallback: async (url) => {
        cb2 = url;
        const foreign = await other.request(url, { headers: { Accept: 'text/html' } });
        assert.equal(foreign.status, 400);
        assert.match(foreign.headers['content-type'], /text\/html/);
        assert.match(foreign.text, /another browser/);
      },
    });
    assert.ok(cb2);
    assert.match(mine.final.url, /m=linked&p=reddit/);
  });

  test('a network answering garbage, failing or rate limiting: nothing linked, a clear notice', async () => {
    const p = await profile();
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    await sb.fault({ network: 'reddit', path: '/api/v1/me', garbage: true });
    let r = await linkThroughSandbox(agent, page, 'reddit', 'frank');
    assert.match(r.final.url, /m=failed&p=reddit&x=bad/);
    assert.match(r.final.text, /answered with something unexpected/);
    await sb.fault({ network: 'tiktok', path: '/oauth/token', status: 503 });
    r = await linkThroughSandbox(agent, page, 'tiktok', 'frank');
    assert.match(r.final.url, /m=failed&p=tiktok&x=transient/);
    await sb.fault({ network: 'twitter', path: '/users/me', status: 429, retryAfter: 5 });
    r = await linkThroughSandbox(agent, page, 'twitter', 'frank');
    assert.match(r.final.url, /m=failed&p=twitter&x=transient/);
    await sb.fault({ network: 'pinterest', path: '/oauth/token', body: '{"access_token": 42}' });
    r = await linkThroughSandbox(agent, page, 'pinterest', 'frank');
    assert.match(r.final.url, /m=failed&p=pinterest&x=bad/);
    // Facebook with no page: nothing to link.
    r = await linkThroughSandbox(agent, page, 'facebook', 'frank-pages0');
    assert.match(r.final.url, /m=failed&p=facebook&x=denied/);
    await sb.clearFaults();
    assert.equal((await user(p.profileKey)).json.activeSocialAccounts, undefined);
    await srv.waitForLog((l) => l.includes('"linking failed"') && l.includes('"reddit"'));
  });

  test('telegram: bad chat names, a chat without the bot as administrator', async () => {
    const p = await profile();
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    const post = (chat) => agent.request(page + '/telegram', { method: 'POST', form: { chat } });
    let r = await post('not a chat');
    assert.match(r.location, /m=chat/);
    r = await post('@notadminchannel');
    assert.match(r.location, /m=failed&p=telegram&x=chat/);
    // A group: an administrator posts the code there.
    const code = await tgCode(agent, page, '@groupfriends');
    await tgMember('@groupfriends', 'gina-admin', 'administrator');
    await tgPost({ chat: '@groupfriends', from: 'gina-admin', text: code.toLowerCase() });
    assert.match(await tgCheck(agent, page), /m=linked&p=telegram/);
    const tg = (await user(p.profileKey)).json.displayNames.find((d) => d.platform === 'telegram');
    assert.equal(tg.type, 'group');
    assert.equal(typeof tg.id, 'number');
    assert.equal(tg.userImage, undefined);
  });
});

describe('telegram: proof of control, a one-time code posted in the chat', () => {
  // Tenant A's channel; tenant B knows its @name.
  const CHAN = '@proofchannel';
  let acctB;
  before(() => { acctB = srv.account('business'); });
  const profileOf = async (key, title) => {
    const r = await srv.api('/api/profiles', { method: 'POST', key, body: { title: title || `p-${Math.random().toString(36).slice(2)}` } });
    assert.equal(r.status, 200, r.text);
    secrets.add(r.json.profileKey);
    return r.json;
  };
  const pageOf = async (key, profileKey) => {
    const j = await srv.api('/api/profiles/generateJWT', { method: 'POST', key, profileKey, body: { domain: 'acme' } });
    assert.equal(j.status, 200, j.text);
    const agent = new Agent();
    return { agent, page: await openPage(agent, j.json.url) };
  };
  const linkedOf = async (key, profileKey) => (await srv.api('/api/user', { key, profileKey })).json.displayNames?.find((d) => d.platform === 'telegram');
  let usedCodeA;

  test('tenant A: nothing until the code is posted, then linked; the code works once', async () => {
    const pa = await profile('Tenant A');
    const { agent, page } = await pageOf(acct.apiKey, pa.profileKey);
    const code = await tgCode(agent, page, CHAN);
    // Pressed too early: a clear notice, nothing linked, the code still shown.
    const early = await tgCheck(agent, page);
    assert.match(early, /m=tgwait&p=telegram/);
    const shown = await agent.request(early);
    assert.match(shown.text, /The bot has not seen the code in the chat yet/);
    assert.ok(shown.text.includes(`/connect ${code}`));
    assert.equal(await tgLinked(pa.profileKey), undefined);
    await tgPost({ chat: CHAN, text: `/connect ${code}` });
    assert.match(await tgCheck(agent, page), /m=linked&p=telegram/);
    const tg = await tgLinked(pa.profileKey);
    assert.equal(tg.type, 'channel');
    assert.equal(tg.username, 'proofchannel');
    // Used up: the page shows no code, and checking again finds none.
    assert.ok(!(await agent.request(page)).text.includes('telegram-code'));
    assert.match(await tgCheck(agent, page), /m=failed&p=telegram&x=nocode/);
    await srv.waitForLog((l) => l.includes('"telegram code seen"') && l.includes('"channel post"'));
    assert.ok(!srv.logs.some((l) => l.includes(code)), 'codes are never logged');
    usedCodeA = code;
  });

  test('tenant B knows A\'s @name: no link without its own code posted there; A\'s used code and another session\'s code do not count', async () => {
    assert.ok(usedCodeA, 'runs after the test above');
    const pb = await profileOf(acctB.apiKey, 'Tenant B');
    const { agent, page } = await pageOf(acctB.apiKey, pb.profileKey);
    // The bot administers the chat, so B gets a code for it ...
    const codeB = await tgCode(agent, page, CHAN);
    // ... but without it posted in the chat, nothing links.
    let loc = await tgCheck(agent, page);
    assert.match(loc, /m=tgwait&p=telegram/);
    assert.match((await agent.request(loc)).text, /has not seen the code/);
    assert.equal(await linkedOf(acctB.apiKey, pb.profileKey), undefined);
    // A's old, used code posted again in the chat: nothing.
    await tgPost({ chat: CHAN, text: `/connect ${usedCodeA}` });
    assert.match(await tgCheck(agent, page), /m=tgwait&p=telegram/);
    // A code of another session (B's own chat) posted in A's chat: it
    // links neither session.
    const other = await pageOf(acctB.apiKey, (await profileOf(acctB.apiKey)).profileKey);
    const codeOther = await tgCode(other.agent, other.page, '@bchannel');
    await tgPost({ chat: CHAN, text: `/connect ${codeOther}` });
    assert.match(await tgCheck(agent, page), /m=tgwait&p=telegram/);
    loc = await tgCheck(other.agent, other.page);
    assert.match(loc, /m=failed&p=telegram&x=elsewhere/);
    assert.match((await other.agent.request(loc)).text, /posted in another chat/);
    assert.equal(await linkedOf(acctB.apiKey, pb.profileKey), undefined);
    // A new code replaces the old one, which then counts for nothing.
    const codeB2 = await tgCode(agent, page, CHAN);
    assert.notEqual(codeB2, codeB);
    await tgPost({ chat: CHAN, text: codeB });
    assert.match(await tgCheck(agent, page), /m=tgwait&p=telegram/);
    assert.equal(await linkedOf(acctB.apiKey, pb.profileKey), undefined);
    // The import API cannot link a chat either.
    const imp = await srv.api('/api/profiles/social', { method: 'POST', key: acctB.apiKey, profileKey: pb.profileKey, body: { platform: 'telegram', accessToken: CHAN } });
    assertError(imp, 400, 600, 'profiles');
    assert.equal(imp.json.details.field, 'platform');
    assert.equal(await linkedOf(acctB.apiKey, pb.profileKey), undefined);
  });

  test('a group: the code from a member who is not an administrator does not count; an administrator\'s does', async () => {
    const p = await profile();
    const { agent, page } = await pageOf(acct.apiKey, p.profileKey);
    const code = await tgCode(agent, page, '@superproof');
    await tgMember('@superproof', 'mia-member', 'member');
    await tgMember('@superproof', 'ada-owner', 'creator');
    await tgPost({ chat: '@superproof', from: 'mia-member', text: `/connect ${code}` });
    let loc = await tgCheck(agent, page);
    assert.match(loc, /m=failed&p=telegram&x=notadmin/);
    assert.match((await agent.request(loc)).text, /not an administrator of the chat/);
    // Sent privately to the bot by the same member: still not.
    await tgPost({ chat: 'private', bot: TG_BOT, from: 'mia-member', text: code });
    assert.match(await tgCheck(agent, page), /m=failed&p=telegram&x=notadmin/);
    assert.equal(await tgLinked(p.profileKey), undefined);
    // The creator sends it to the bot privately: linked.
    await tgPost({ chat: 'private', bot: TG_BOT, from: 'ada-owner', text: `/connect ${code}` });
    assert.match(await tgCheck(agent, page), /m=linked&p=telegram/);
    assert.equal((await tgLinked(p.profileKey)).type, 'supergroup');
    // An anonymous administrator (on behalf of the group) counts too.
    const q = await profile();
    const two = await pageOf(acct.apiKey, q.profileKey);
    const code2 = await tgCode(two.agent, two.page, '@superproof');
    await tgPost({ chat: '@superproof', from: 'ada-owner', anonymous: true, text: code2 });
    assert.match(await tgCheck(two.agent, two.page), /m=linked&p=telegram/);
  });

  test('the code expires', async () => {
    const p = await profile();
    const { agent, page } = await pageOf(acct.apiKey, p.profileKey);
    const code = await tgCode(agent, page, '@expirychannel');
    dbExec(srv.data, 'UPDATE telegram_codes SET expires_ms = 1 WHERE used_ms IS NULL');
    await tgPost({ chat: '@expirychannel', text: `/connect ${code}` });
    const loc = await tgCheck(agent, page);
    assert.match(loc, /m=failed&p=telegram&x=expired/);
    const shown = await agent.request(loc);
    assert.match(shown.text, /the code has expired/);
    assert.ok(!shown.text.includes(code), 'an expired code is no longer shown');
    assert.equal(await tgLinked(p.profileKey), undefined);
    // A new code works.
    const fresh = await tgCode(agent, page, '@expirychannel');
    await tgPost({ chat: '@expirychannel', text: fresh });
    assert.match(await tgCheck(agent, page), /m=linked&p=telegram/);
  });

  test('Telegram refusing getUpdates (a webhook is set): a clear notice', async () => {
    const p = await profile();
    const { agent, page } = await pageOf(acct.apiKey, p.profileKey);
    await tgCode(agent, page, '@conflictchannel');
    await sb.fault({ network: 'telegram', path: 'getUpdates', status: 409 });
    const loc = await tgCheck(agent, page);
    assert.match(loc, /m=failed&p=telegram&x=updates/);
    assert.match((await agent.request(loc)).text, /does not hand the bot&#39;s messages|does not hand the bot's messages/);
    await sb.clearFaults();
  });
});

describe('linking URLs: generateJWT, link-sessions, expiry, revocation', () => {
  test('generateJWT answer, claims, validation, plans', async () => {
    const p = await profile('JWT profile');
    const r = await jwt(p.profileKey, { expiresIn: 30, allowedSocial: ['twitter', 'bluesky'], redirect: 'https://app.example.com/done' });
    assert.equal(r.status, 'success');
    assert.equal(r.title, 'JWT profile');
    assert.equal(r.expiresIn, '30m');
    assert.equal(r.url, `${srv.url}/link?jwt=${r.token}`);
    const [h, c] = r.token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url')));
    assert.equal(h.alg, 'HS256');
    assert.equal(c.sub, p.refId);
    assert.equal(c.iss, 'acme');
    assert.equal(c.aud, srv.url);
    assert.equal(c.exp - c.iat, 1800);
    assert.match(c.jti, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!JSON.stringify(c).includes(acct.apiKey) && !JSON.stringify(c).includes(p.profileKey));

    const agent = new Agent();
    const page = await agent.request(await openPage(agent, r.url));
    assert.ok(linkHref(page, 'twitter'));
    assert.equal(linkHref(page, 'facebook'), null, 'only allowed networks');
    assert.ok(page.text.includes('href="https://app.example.com/done"'), 'Done goes to redirect');

    const bad = await srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { expiresIn: 0, allowedSocial: ['myspace'], redirect: 'javascript:alert(1)' } });
    assertError(bad, 400, 600, 'profiles');
    assert.deepEqual(bad.json.details.fields.map((x) => x.field).sort(), ['allowedSocial', 'domain', 'expiresIn', 'redirect']);
    assertError(await srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, body: { domain: 'acme' } }), 400, 600, 'profiles');
    assertError(await srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, profileKey: 'nope', body: { domain: 'acme' } }), 403, 610, 'profiles');
    const free = srv.account('free');
    assertError(await srv.api('/api/profiles/generateJWT', { method: 'POST', key: free.apiKey, body: { domain: 'acme' } }), 403, 620, 'profiles');
  });

  test('disableSocial hides a network from the page', async () => {
    const p = await profile(undefined, { disableSocial: ['twitter', 'facebook'] });
    const agent = new Agent();
    const page = await agent.request(await openPage(agent, (await jwt(p.profileKey)).url));
    assert.equal(linkHref(page, 'twitter'), null);
    assert.equal(linkHref(page, 'facebook'), null);
    assert.ok(linkHref(page, 'reddit'));
    const start = await agent.request(`${srv.url}/link/twitter/start?s=${new URL(page.url).pathname.split('/').pop()}`);
    assert.equal(start.status, 303);
    assert.match(start.location, /m=unavailable/);
  });

  test('tampered, unknown, revoked (logout) and expired links: 502, 502, 501, 503', async () => {
    const p = await profile();
    const a = await jwt(p.profileKey);
    const [h, c, s] = a.token.split('.');
    const claims = JSON.parse(Buffer.from(c, 'base64url'));
    claims.exp += 3600;
    const tampered = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    assertError(await srv.api('/link?jwt=' + tampered), 404, 502, 'link');
    assertError(await srv.api('/link?jwt=not.a.token'), 404, 502, 'link');
    const none = [Buffer.from('{"alg":"none"}').toString('base64url'), c, ''].join('.');
    assertError(await srv.api('/link?jwt=' + none), 404, 502, 'link');
    assertError(await srv.api('/link/s/' + 'x'.repeat(43)), 404, 502, 'link');
    assertError(await srv.api('/link'), 400, 600, 'link');
    // Browsers get a page with the same status.
    const html = await new Agent().request(`${srv.url}/link?jwt=${tampered}`);
    assert.equal(html.status, 404);
    assert.match(html.text, /This link cannot be used/);
    assert.match(html.text, /code 502/);

    // logout revokes the profile's other sessions.
    const b = await jwt(p.profileKey, { logout: true });
    assertError(await srv.api('/link?jwt=' + a.token), 400, 501, 'link');
    const ok = await srv.api('/link?jwt=' + b.token);
    assert.equal(ok.status, 302);

    // A link-sessions URL past its expiry.
    const ls = await srv.api('/api/profiles/link-sessions', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { expiresIn: 10, allowedSocial: ['reddit'] } });
    assert.equal(ls.status, 200, ls.text);
    assert.equal(ls.json.status, 'success');
    assert.equal(ls.json.url, `${srv.url}/link/s/${ls.json.sessionId}`);
    assert.ok(Math.abs(Date.parse(ls.json.expiresAt) - (Date.now() + 600000)) < 60000);
    assert.equal((await srv.api(new URL(ls.json.url).pathname)).status, 200);
    const hash = crypto.createHash('sha256').update(ls.json.sessionId).digest('hex');
    dbExec(srv.data, `UPDATE link_sessions SET expires_ms = 1 WHERE id = '${hash}'`);
    assertError(await srv.api(new URL(ls.json.url).pathname), 410, 503, 'link');
    // The store keeps only the hash of a session's secret.
    assert.equal(dbQuery(srv.data, `SELECT count(*) FROM link_sessions WHERE id = '${ls.json.sessionId}'`), '0');
  });

  test('RS256 with a registered public key; 189 for bad or foreign keys; expired tokens 503', async () => {
    // (Without a registered key the server derives it: linkjwt.test.mjs.)
    const p = await profile();
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const pubPem = publicKey.export({ type: 'spki', format: 'pem' });
    const call = (body) => srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { domain: 'acme', ...body } });

    const file = join(srv.data, 'pub.pem');
    writeFileSync(file, pubPem);
    const set = srv.cli(['account', 'set-public-key', '--ref-id', acct.refId, '--key-file', file]);
    assert.equal(set.status, 0, set.stderr);
    assert.deepEqual(set.json, { refId: acct.refId, publicKey: 'set' });

    const r = await call({ privateKey: privPem });
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(Buffer.from(r.json.token.split('.')[0], 'base64url')).alg, 'RS256');
    assert.equal((await srv.api('/link?jwt=' + r.json.token)).status, 302);
    const b64 = await call({ privateKey: Buffer.from(privPem).toString('base64'), base64: true });
    assert.equal(b64.status, 200, b64.text);

    assertError(await call({ privateKey: 'not a key' }), 400, 189, 'profiles');
    assertError(await call({ privateKey: 'bm90IGEga2V5', base64: true }), 400, 189, 'profiles');
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const mismatch = await call({ privateKey: other });
    assertError(mismatch, 400, 189, 'profiles');
    assert.match(mismatch.json.message, /does not match/);

    // A token signed with the key but already expired (the session never
    // opened): 503. The same claims unexpired open the page.
    const claims = JSON.parse(Buffer.from(b64.json.token.split('.')[1], 'base64url'));
    const sign = (c) => {
      const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(c)).toString('base64url');
      const sig = crypto.sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
      return `${head}.${body}.${sig}`;
    };
    const now = Math.floor(Date.now() / 1000);
    assertError(await srv.api('/link?jwt=' + sign({ ...claims, iat: now - 600, exp: now - 60 })), 410, 503, 'link');
    // An HS256 token made with the public key as the secret (alg confusion).
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const mac = crypto.createHmac('sha256', pubPem).update(`${head}.${body}`).digest('base64url');
    assertError(await srv.api(`/link?jwt=${head}.${body}.${mac}`), 404, 502, 'link');
    assert.equal((await srv.api('/link?jwt=' + sign(claims))).status, 302);

    const clear = srv.cli(['account', 'set-public-key', '--ref-id', acct.refId, '--clear']);
    assert.equal(clear.status, 0, clear.stderr);
    // Cleared: any good key is accepted again (its public half is derived).
    assert.equal((await call({ privateKey: other })).status, 200);
    const badFile = join(srv.data, 'bad.pem');
    writeFileSync(badFile, 'hello');
    assert.equal(srv.cli(['account', 'set-public-key', '--ref-id', acct.refId, '--key-file', badFile]).status, 1);
  });
});

describe('unlink and import', () => {
  test('unlinking from the page and the API revokes the token at the network', async () => {
    const p = await profile();
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    for (const net of ['twitter', 'reddit', 'gmb']) {
      const r = await linkThroughSandbox(agent, page, net, net === 'gmb' ? 'gina-locations1' : 'gina');
      assert.match(r.final.url, /m=linked/);
    }
    await sb.clearCalls();
    const un = await agent.request(page + '/unlink', { method: 'POST', form: { platform: 'twitter' } });
    assert.equal(un.status, 303);
    assert.match(un.location, /m=unlinked&p=twitter/);
    const api = await srv.api('/api/profiles/social', { method: 'DELETE', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'reddit' } });
    assert.deepEqual(api.json, { status: 'success', platform: 'reddit', refId: p.refId });
    await sb.waitForCalls('the X token revoked', (calls) => calls.some((c) => c.network === 'twitter' && c.path.endsWith('/oauth2/revoke')));
    await sb.waitForCalls('the Reddit token revoked', (calls) => calls.some((c) => c.network === 'reddit' && c.path.endsWith('/revoke_token')));
    assert.deepEqual((await user(p.profileKey)).json.activeSocialAccounts, ['gmb']);
    const unlinks = await rx.waitFor((reqs) => reqs.filter((q) => q.body?.refId === p.refId && q.body.type === 'unlink').length >= 2);
    assert.deepEqual(unlinks.filter((q) => q.body?.refId === p.refId && q.body.type === 'unlink').map((q) => q.body.platform).sort(), ['reddit', 'twitter']);

    // Deleting the profile revokes what is left.
    await sb.clearCalls();
    const del = await srv.api('/api/profiles', { method: 'DELETE', key: acct.apiKey, profileKey: p.profileKey });
    assert.equal(del.status, 200, del.text);
    await sb.waitForCalls('the Google token revoked', (calls) => calls.some((c) => c.network === 'gmb' && c.path.endsWith('/revoke')));
    // The job records its outcome after the network answered.
    await waitUntil('no revocation left to do', () => dbQuery(srv.data, 'SELECT count(*) FROM revocations') === '0');
    // The page of a deleted profile is gone.
    assertError(await srv.api(new URL(page).pathname), 400, 501, 'link');
  });

  test('import: a token from another system links like the page does', async () => {
    const p = await profile();
    const tok = await sandboxToken(sb.url, 'pinterest', 'henry');
    secrets.add(tok.access_token);
    secrets.add(tok.refresh_token);
    const r = await srv.api('/api/profiles/social', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'pinterest', accessToken: tok.access_token, refreshToken: tok.refresh_token, expiresIn: tok.expires_in } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'success');
    assert.equal(r.json.platform, 'pinterest');
    assert.equal(r.json.refId, p.refId);
    assert.equal(r.json.displayNames.platform, 'pinterest');
    assert.equal(r.json.displayNames.username, 'henry');
    assert.deepEqual((await user(p.profileKey)).json.activeSocialAccounts, ['pinterest']);

    // Several pages: accountId picks one; without it the choices are listed.
    const fb = await sandboxToken(sb.url, 'facebook', 'henry-pages2');
    secrets.add(fb.access_token);
    const many = await srv.api('/api/profiles/social', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'facebook', accessToken: fb.access_token } });
    assertError(many, 400, 600, 'profiles');
    assert.equal(many.json.details.field, 'accountId');
    assert.equal(many.json.details.accounts.length, 2);
    const pick = many.json.details.accounts[1].id;
    const one = await srv.api('/api/profiles/social', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'facebook', accessToken: fb.access_token, accountId: pick } });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.displayNames.id, pick);

    // A token the network refuses; bad fields.
    assertError(await srv.api('/api/profiles/social', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'twitter', accessToken: 'not-a-real-token' } }), 400, 632, 'profiles');
    const bad = await srv.api('/api/profiles/social', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'myspace', expiresIn: -1 } });
    assertError(bad, 400, 600, 'profiles');
    assert.deepEqual(bad.json.details.fields.map((x) => x.field).sort(), ['accessToken', 'expiresIn', 'platform']);
    await sb.fault({ network: 'pinterest', path: '/user_account', status: 500 });
    const down = await srv.api('/api/profiles/social', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { platform: 'pinterest', accessToken: tok.access_token } });
    assertError(down, 502, 630, 'profiles');
    assert.equal(down.json.details.platform, 'pinterest');
    assert.equal(down.json.details.status, 500);

    // Nothing in the database is a token in the clear.
    const dump = dbDumpText(srv.data);
    for (const t of [tok.access_token, tok.refresh_token, fb.access_token]) assert.ok(!dump.includes(t), 'token found in the database');
  });
});

describe('bio page', () => {
  test('lists the linked accounts, escaped; unknown handles are 404', async () => {
    const p = await profile('<script>alert(1)</script>');
    const agent = new Agent();
    const page = await openPage(agent, (await jwt(p.profileKey)).url);
    await linkThroughSandbox(agent, page, 'twitter', 'ivy');
    const handle = `ivy${Math.random().toString(36).slice(2, 8)}`;
    const up = await srv.api('/api/profiles', { method: 'PATCH', key: acct.apiKey, profileKey: p.profileKey, body: { bioHandle: handle } });
    assert.equal(up.status, 200, up.text);
    const u = await user(p.profileKey);
    assert.equal(u.json.ayrlinkUrl, `${srv.url}/bio/${handle}`);
    const bio = await agent.request(u.json.ayrlinkUrl);
    assert.equal(bio.status, 200);
    assert.match(bio.headers['content-type'], /text\/html/);
    assert.ok(bio.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!bio.text.includes('<script>'));
    assert.ok(bio.text.includes('href="https://x.com/ivy"') || bio.text.includes('href="https://twitter.com/ivy"'), bio.text);
    assert.equal((await agent.request(`${srv.url}/bio/nobody-here`)).status, 404);
    const css = await agent.request(`${srv.url}/link/assets/link.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'], /^text\/css/);
  });
});

describe('shutdown', () => {
  test('SIGTERM while a request waits on a network: it is answered, the server exits 0', async () => {
    const own = await new Server({ args: ['--sandbox', sb.url, '--shutdown-grace', '1'] }).start();
    const a = own.account('business');
    const p = (await own.api('/api/profiles', { method: 'POST', key: a.apiKey, body: { title: 'slow' } })).json;
    secrets.add(p.profileKey);
    // Held at Pinterest far longer than any shutdown could take (the
    // sandbox lets it go at clearFaults).
    await sb.clearCalls();
    await sb.fault({ network: 'pinterest', path: '/user_account', delayMs: 120000 });
    const pending = own.api('/api/profiles/social', { method: 'POST', key: a.apiKey, profileKey: p.profileKey, body: { platform: 'pinterest', accessToken: 'waiting-token' } });
    await sb.waitForCalls('the import waiting at Pinterest', (calls) => calls.some((c) => c.path.includes('/user_account')), { network: 'pinterest' });
    const t0 = Date.now();
    const exit = await own.stop();
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(Date.now() - t0 < 60000, 'shutdown did not wait for the network');
    const r = await pending;
    assert.equal(r.json.status, 'error', r.text);
    assert.ok([630, 651].includes(r.json.code), r.text);
    await sb.clearFaults();
  });
});

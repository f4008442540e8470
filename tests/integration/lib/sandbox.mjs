// Sandbox harness: runs `sociald sandbox` (docs/sandbox.md) on a random port
// and gives tests small helpers to drive it: the consent page (authorize),
// each network's token endpoint (exchange, refresh), fault injection and the
// call log. No npm dependencies: node:test, fetch and child_process only.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { Child, waitUntil } from './harness.mjs';

// Where each network's consent page lives, below the sandbox's base URL.
export const AUTHORIZE = {
  facebook: '/facebook/dialog/oauth',
  instagram: '/instagram/dialog/oauth',
  linkedin: '/linkedin/oauth/v2/authorization',
  gmb: '/gmb/o/oauth2/v2/auth',
  youtube: '/youtube/o/oauth2/v2/auth',
  pinterest: '/pinterest/oauth/',
  reddit: '/reddit/api/v1/authorize',
  tiktok: '/tiktok/v2/auth/authorize/',
  twitter: '/twitter/i/oauth2/authorize',
};

// Each network's token endpoint and how its clients authenticate there.
export const TOKEN = {
  facebook: { path: '/facebook/graph/oauth/access_token', auth: 'query' },
  instagram: { path: '/instagram/graph/oauth/access_token', auth: 'query' },
  linkedin: { path: '/linkedin/oauth/v2/accessToken', auth: 'form' },
  gmb: { path: '/gmb/oauth2/token', auth: 'form' },
  youtube: { path: '/youtube/oauth2/token', auth: 'form' },
  pinterest: { path: '/pinterest/v5/oauth/token', auth: 'basic' },
  reddit: { path: '/reddit/api/v1/access_token', auth: 'basic' },
  tiktok: { path: '/tiktok/v2/oauth/token/', auth: 'form', idName: 'client_key' },
  twitter: { path: '/twitter/2/oauth2/token', auth: 'basic' },
};

export const NETWORKS = Object.keys(AUTHORIZE);

// RFC 7636 S256: BASE64URL(SHA256(verifier)).
export function pkceChallenge(verifier) {
  return createHash('sha256').update(verifier).digest('base64url');
}

// How the call log shows a secret value (client_secret, tokens).
export function masked(value) {
  return value.length > 8 ? `***${value.slice(-4)}` : '***';
}

// Reads the query of a redirect Location into a plain object.
export function redirectParams(location) {
  return Object.fromEntries(new URL(location).searchParams);
}

export class Sandbox extends Child {
  async start() {
    this.port = await this.spawnLogged(['sandbox', '--listen', '127.0.0.1:0', ...this.args], 'sandbox');
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  stop() {
    return this.terminate();
  }

  // request(path, {method, token, basic: [id, secret], form, json, body, headers, query})
  //   -> {status, headers, text, json}. No redirects are followed.
  async request(path, { method, token, basic, form, json, body, headers = {}, query } = {}) {
    const h = { ...headers };
    if (token !== undefined) h.Authorization = `Bearer ${token}`;
    if (basic) h.Authorization = 'Basic ' + Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64');
    let payload = body;
    if (form) {
      payload = new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (json !== undefined) {
      payload = JSON.stringify(json);
      h['Content-Type'] = 'application/json';
    }
    let url = this.url + path;
    if (query) url += (path.includes('?') ? '&' : '?') + new URLSearchParams(query).toString();
    const res = await fetch(url, { method: method || (payload !== undefined ? 'POST' : 'GET'), headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let parsed = null;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, text, json: parsed };
  }

  // Goes through the consent page as a user would: GETs it, checks it is the
  // network's page with the login form, POSTs the form with the login and
  // decision, and returns the redirect's Location.
  async authorize(network, {
    login = 'alice', decision = 'allow', redirectUri = 'http://127.0.0.1:9/callback',
    clientId = 'sandbox-client', state = 'st-' + Math.random().toString(36).slice(2),
    scope = 'read write', codeChallenge, codeChallengeMethod, extra = {},
  } = {}) {
    const path = AUTHORIZE[network];
    assert.ok(path, `no consent page for ${network}`);
    const q = { [network === 'tiktok' ? 'client_key' : 'client_id']: clientId, redirect_uri: redirectUri, response_type: 'code', scope, state, ...extra };
    if (codeChallenge) {
      q.code_challenge = codeChallenge;
      q.code_challenge_method = codeChallengeMethod || 'S256';
    }
    const page = await this.request(path, { query: q });
    assert.equal(page.status, 200, page.text);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.match(page.text, /<title>Sandbox .+ — authorize<\/title>/);
    assert.match(page.text, /<label for="login">Login<\/label>/);
    assert.match(page.text, /<input id="login" name="login" required/);
    assert.match(page.text, /<button type="submit" name="decision" value="allow">Authorize<\/button>/);
    assert.match(page.text, /<button type="submit" name="decision" value="deny">Deny<\/button>/);
    const action = page.text.match(/<form method="post" action="([^"]*)">/)[1];
    const form = {};
    for (const m of page.text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
      form[unescapeHtml(m[1])] = unescapeHtml(m[2]);
    }
    form.login = login;
    form.decision = decision;
    const res = await this.request(unescapeHtml(action), { form });
    assert.equal(res.status, 302, res.text);
    return res.headers.get('location');
  }

  // Exchanges a code at the network's token endpoint, authenticating as its
  // clients do. Returns the whole response ({status, json, ...}).
  exchange(network, code, { clientId = 'sandbox-client', clientSecret = 'sandbox-secret', redirectUri = 'http://127.0.0.1:9/callback', codeVerifier } = {}) {
    const t = TOKEN[network];
    const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri };
    if (codeVerifier !== undefined) params.code_verifier = codeVerifier;
    return this.tokenCall(network, t, params, clientId, clientSecret);
  }

  // Refreshes at the network's token endpoint. Returns the whole response.
  refresh(network, refreshToken, { clientId = 'sandbox-client', clientSecret = 'sandbox-secret' } = {}) {
    return this.tokenCall(network, TOKEN[network], { grant_type: 'refresh_token', refresh_token: refreshToken }, clientId, clientSecret);
  }

  tokenCall(network, t, params, clientId, clientSecret) {
    if (t.auth === 'query') {
      const q = { client_id: clientId, client_secret: clientSecret, ...params };
      delete q.grant_type;
      return this.request(t.path, { query: q });
    }
    if (t.auth === 'basic') return this.request(t.path, { form: params, basic: [clientId, clientSecret] });
    return this.request(t.path, { form: { ...params, [t.idName || 'client_id']: clientId, client_secret: clientSecret } });
  }

  // Consent + code exchange in one step; returns the token response's JSON.
  async link(network, { login = 'alice', ...opts } = {}) {
    let codeVerifier;
    if (network === 'twitter' && !opts.codeChallenge) {
      codeVerifier = 'v'.repeat(43) + Math.random().toString(36).slice(2);
      opts.codeChallenge = pkceChallenge(codeVerifier);
    }
    const loc = await this.authorize(network, { login, ...opts });
    const { code } = redirectParams(loc);
    assert.ok(code, `no code in ${loc}`);
    const r = await this.exchange(network, code, { clientId: opts.clientId, redirectUri: opts.redirectUri, codeVerifier });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  // Adds a fault or applies a state change (POST /_sandbox/faults).
  async fault(obj) {
    const r = await this.request('/_sandbox/faults', { json: obj });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  // Clears faults and the overrides state changes set (tokenTtl, quota,
  // rename); revocations stay.
  async clearFaults() {
    const r = await this.request('/_sandbox/faults', { method: 'DELETE' });
    assert.equal(r.status, 200, r.text);
  }

  // The call log, oldest first; network narrows it.
  async calls(network) {
    const r = await this.request('/_sandbox/calls', { query: network ? { network } : undefined });
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  // Waits until pred(calls) holds for the call log (network narrows it) and
  // returns the log; the server calls networks from background jobs, so a
  // test never reads the log right after the request that caused a call.
  waitForCalls(what, pred, { network, timeoutMs } = {}) {
    return waitUntil(what, async () => {
      const calls = await this.calls(network);
      return pred(calls) && calls;
    }, { timeoutMs });
  }

  async clearCalls() {
    const r = await this.request('/_sandbox/calls', { method: 'DELETE' });
    assert.equal(r.status, 200, r.text);
  }
}

function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

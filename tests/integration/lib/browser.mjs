// A small cookie-keeping HTTP agent that walks the linking page and the
// sandbox's consent screens the way a browser would: redirects followed by
// hand (so tests can look at each hop), forms read from the HTML and posted
// back. No dependencies beyond node:http.
import http from 'node:http';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { secrets } from './harness.mjs';

export class Agent {
  constructor() {
    this.cookies = new Map(); // "host|name" -> {value, path}
    this.hops = [];
  }

  cookieHeader(u) {
    const out = [];
    for (const [k, c] of this.cookies) {
      const [host, name] = k.split('|');
      if (host === u.host && u.pathname.startsWith(c.path)) out.push(`${name}=${c.value}`);
    }
    return out.join('; ');
  }

  keepCookies(u, setCookie) {
    for (const line of setCookie || []) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i), value = pair.slice(i + 1);
      let path = '/', maxAge = null;
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'max-age') maxAge = Number(v);
      }
      const key = `${u.host}|${name}`;
      if (maxAge !== null && maxAge <= 0) this.cookies.delete(key);
      else this.cookies.set(key, { value, path });
    }
  }

  // One request, no redirect following. Returns {status, headers, text, location, url}.
  request(url, { method = 'GET', form, headers = {} } = {}) {
    const u = new URL(url);
    const h = { Accept: 'text/html', ...headers };
    const cookie = this.cookieHeader(u);
    if (cookie) h.Cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let buf = Buffer.concat(chunks);
          if (res.headers['content-encoding'] === 'gzip') buf = zlib.gunzipSync(buf);
          this.keepCookies(u, res.headers['set-cookie']);
          const location = res.headers.location ? new URL(res.headers.location, u).toString() : null;
          const r = { status: res.statusCode, headers: res.headers, text: buf.toString('utf8'), location, url: u.toString() };
          this.hops.push({ method, url: u.toString(), status: r.status, location });
          resolve(r);
        });
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  // Follows redirects (303 and 302 become GET) until a non-redirect answer.
  async follow(url, opts = {}) {
    let r = await this.request(url, opts);
    for (let i = 0; i < 10 && r.status >= 300 && r.status < 400 && r.location; i++) r = await this.request(r.location);
    return r;
  }
}

const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The first form of a page: its action (absolute) and its fields' values
// (hidden and text inputs, checked radios).
export function readForm(page, { index = 0 } = {}) {
  const forms = [...page.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  const f = forms[index];
  if (!f) throw new Error(`no form ${index} on ${page.url}:\n${page.text.slice(0, 2000)}`);
  const action = /action="([^"]*)"/i.exec(f[1])?.[1] ?? '';
  const fields = {};
  for (const m of f[2].matchAll(/<input\b([^>]*)>/gi)) {
    const name = /name="([^"]*)"/i.exec(m[1])?.[1];
    if (!name) continue;
    const type = (/type="([^"]*)"/i.exec(m[1])?.[1] ?? 'text').toLowerCase();
    const value = unescape(/value="([^"]*)"/i.exec(m[1])?.[1] ?? '');
    if (type === 'radio' && !/\bchecked\b/i.test(m[1])) continue;
    fields[name] = value;
  }
  return { action: new URL(unescape(action) || page.url, page.url).toString(), fields };
}

// The href of the linking page's "Link <network>" button, absolute.
export function linkHref(page, platform) {
  const m = new RegExp(`href="(/link/${platform}/start\\?s=[^"]+)"`).exec(page.text);
  return m ? new URL(unescape(m[1]), page.url).toString() : null;
}

// Links one network from the linking page at pageUrl through the sandbox's
// consent page: Link -> network consent -> Authorize (or Deny) -> callback.
// Returns the last answer (the linking page, or the choice page) and the
// hops taken.
export async function linkThroughSandbox(agent, pageUrl, platform, login, { decision = 'allow', beforeCallback } = {}) {
  const page = await agent.request(pageUrl);
  if (page.status !== 200) throw new Error(`linking page answered ${page.status}: ${page.text}`);
  const href = linkHref(page, platform);
  if (!href) throw new Error(`no Link button for ${platform} on the page`);
  const start = await agent.request(href);
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${start.text}`);
  const consent = await agent.request(start.location);
  if (consent.status !== 200) throw new Error(`consent page answered ${consent.status}: ${consent.text}`);
  const form = readForm(consent);
  const back = await agent.request(form.action, { method: 'POST', form: { ...form.fields, login, decision } });
  if (back.status !== 302) throw new Error(`consent POST answered ${back.status}: ${back.text}`);
  if (beforeCallback) await beforeCallback(back.location);
  const cb = await agent.request(back.location);
  const final = cb.location ? await agent.request(cb.location) : cb;
  return { start, consent, callbackUrl: back.location, callback: cb, final };
}

// Gets tokens straight from the sandbox as another system would have them
// (for import tests): consent as `login`, then the network's code exchange.
export async function sandboxToken(base, network, login, { clientId = `sandbox-${network}-client`, secret = 'sandbox-secret' } = {}) {
  const agent = new Agent();
  const redirect = 'http://127.0.0.1:9/elsewhere/callback';
  const auth = {
    facebook: '/facebook/dialog/oauth', instagram: '/instagram/dialog/oauth', pinterest: '/pinterest/oauth/',
    twitter: '/twitter/i/oauth2/authorize', reddit: '/reddit/api/v1/authorize',
  }[network];
  const q = new URLSearchParams({ client_id: clientId, redirect_uri: redirect, response_type: 'code', state: 'import', scope: 'x' });
  // X requires PKCE.
  const verifier = crypto.randomBytes(32).toString('base64url');
  if (network === 'twitter') {
    q.set('code_challenge', crypto.createHash('sha256').update(verifier).digest('base64url'));
    q.set('code_challenge_method', 'S256');
  }
  const consent = await agent.request(`${base}${auth}?${q}`);
  if (consent.status !== 200) throw new Error(`sandbox consent ${consent.status}: ${consent.text}`);
  const form = readForm(consent);
  const back = await agent.request(form.action, { method: 'POST', form: { ...form.fields, login, decision: 'allow' } });
  const code = new URL(back.location).searchParams.get('code');
  const basic = 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64');
  let res;
  if (network === 'facebook' || network === 'instagram') {
    const t = new URLSearchParams({ client_id: clientId, client_secret: secret, redirect_uri: redirect, code });
    res = await fetch(`${base}/${network}/graph/oauth/access_token?${t}`);
  } else {
    const path = { pinterest: '/pinterest/v5/oauth/token', twitter: '/twitter/2/oauth2/token', reddit: '/reddit/api/v1/access_token' }[network];
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code, redirect_uri: redirect,
        ...(network === 'twitter' ? { code_verifier: verifier } : {}),
      }).toString(),
    });
  }
  const j = await res.json();
  if (!j.access_token) throw new Error(`sandbox token: ${JSON.stringify(j)}`);
  return j;
}

// Links `platform` to a profile as its end user would: generateJWT, open the
// linking page, consent on the sandbox as `login`. Returns the last hop.
export async function linkAs(server, apiKey, profileKey, platform, login) {
  const j = await server.api('/api/profiles/generateJWT', { method: 'POST', key: apiKey, profileKey, body: { domain: 'acme' } });
  if (j.status !== 200) throw new Error(`generateJWT answered ${j.status}: ${j.text}`);
  secrets.add(new URL(j.json.url).searchParams.get('jwt'));
  const agent = new Agent();
  const open = await agent.request(j.json.url);
  if (open.status !== 302) throw new Error(`link URL answered ${open.status}: ${open.text}`);
  secrets.add(open.location.split('/').pop());
  const r = await linkThroughSandbox(agent, open.location, platform, login);
  if (!r.final.url.includes('m=linked')) throw new Error(`${platform} did not link: ${r.final.url} ${r.final.text.slice(0, 300)}`);
  return r;
}

// bench/refresh setup: N user profiles, each with an X account linked by
// importing tokens the sandbox issued (consent + code exchange with PKCE,
// as another system would hold them). Writes the profile keys, one a line.
// Usage: node setup.mjs <port> <sandboxUrl> <apiKey> <count> <keysFile>
import crypto from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';

const [port, sandbox, apiKey, countArg, keysFile] = process.argv.slice(2);
const count = Number(countArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const redirect = 'http://127.0.0.1:9/bench/callback';

function api(method, path, body, profileKey) {
  const data = body ? JSON.stringify(body) : undefined;
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${apiKey}` };
    if (profileKey) headers['Profile-Key'] = profileKey;
    if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function xTokens(login) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: 'sandbox-twitter-client', redirect_uri: redirect, response_type: 'code', state: 's', scope: 'tweet.read offline.access',
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const consent = await (await fetch(`${sandbox}/twitter/i/oauth2/authorize?${q}`)).text();
  const action = consent.match(/<form method="post" action="([^"]*)">/)[1].replace(/&amp;/g, '&');
  const form = new URLSearchParams();
  for (const m of consent.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(m[1], m[2].replace(/&amp;/g, '&'));
  form.set('login', login);
  form.set('decision', 'allow');
  const back = await fetch(new URL(action, sandbox), { method: 'POST', body: form, redirect: 'manual' });
  const code = new URL(back.headers.get('location')).searchParams.get('code');
  const tok = await fetch(`${sandbox}/twitter/2/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: 'Basic ' + Buffer.from('sandbox-twitter-client:sandbox-secret').toString('base64'), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }),
  });
  return tok.json();
}

const keys = new Array(count);
let next = 0;
async function worker() {
  for (let i = next++; i < count; i = next++) {
    const p = await api('POST', '/api/profiles', { title: `bench-${i}` });
    const t = await xTokens(`bench-${i}`);
    await api('POST', '/api/profiles/social',
      { platform: 'twitter', accessToken: t.access_token, refreshToken: t.refresh_token, expiresIn: t.expires_in }, p.profileKey);
    keys[i] = p.profileKey;
  }
}
await Promise.all(Array.from({ length: 16 }, worker));
writeFileSync(keysFile, keys.join('\n') + '\n');
agent.destroy();

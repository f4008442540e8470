// generateJWT tokens signed with the caller's privateKey and the lifetime of
// a linking URL (SPEC §6, §9; issue 12).
//
// - Ayrshare's clients always send privateKey: when the account registered no
//   public key, the server derives it from the private key, signs RS256 and
//   keeps the public half with the linking session; the private key itself
//   is never logged or stored. Both forms (PEM, base64 of the PEM), PKCS#1
//   and PKCS#8, 1024–4096 bits; anything else is 189.
// - A page opened in time lives until the token's exp or link_page_minutes
//   after its FIRST opening, whichever is later, and no longer: reopening
//   the URL moves nothing. Tokens issued (iat) or valid (nbf) more than 60 s
//   in the future are refused like a forged one (502).
//
// Time moves with SOCIALD_TEST_CLOCK_FILE (a millisecond offset the server
// adds to its clock); each move is awaited until the server's answers show it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Server, assertError, secrets, tempDir, waitUntil, dbDumpText, dumpHolds } from './lib/harness.mjs';

let srv, data, clock, offset = 0;

before(async () => {
  data = tempDir();
  clock = join(data, 'clock');
  writeFileSync(clock, '0');
  srv = new Server({ data, env: { SOCIALD_TEST_CLOCK_FILE: clock } });
  await srv.start();
});

after(async () => {
  await srv?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

async function profile(acct) {
  const r = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title: `p-${Math.random().toString(36).slice(2)}` } });
  assert.equal(r.status, 200, r.text);
  secrets.add(r.json.profileKey);
  return r.json;
}

const generate = (acct, p, body) => srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, profileKey: p.profileKey, body: { domain: 'acme', ...body } });

function keyPair(bits) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, publicKey, pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }), pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }) };
}

const parts = (token) => token.split('.');
const claimsOf = (token) => JSON.parse(Buffer.from(parts(token)[1], 'base64url'));

// Whether token is an RS256 JWT whose signature verifies with publicKey.
function verifies(token, publicKey) {
  const [h, b, s] = parts(token);
  if (JSON.parse(Buffer.from(h, 'base64url')).alg !== 'RS256') return false;
  return crypto.verify('RSA-SHA256', Buffer.from(`${h}.${b}`), publicKey, Buffer.from(s, 'base64url'));
}

// An RS256 token over claims, signed with privateKey.
function sign(claims, privateKey) {
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = crypto.sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
  return `${head}.${body}.${sig}`;
}

// Opens a linking URL (path and query) the way a browser does: the /link?jwt=
// redirect, then the page. Returns the page's answer.
async function open(token) {
  secrets.add(token);
  const r = await srv.api('/link?jwt=' + token);
  assert.equal(r.status, 302, r.text);
  const loc = r.headers.get('location');
  assert.match(loc, /^\/link\/s\/[A-Za-z0-9_-]{43}$/);
  secrets.add(loc.split('/').pop());
  const page = await srv.api(loc);
  assert.equal(page.status, 200, page.text);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  return { location: loc, page };
}

describe('generateJWT with a privateKey and no registered public key', () => {
  let acct;
  before(() => { acct = srv.account('business'); });

  test('a fresh 2048-bit key: 200, an RS256 token that verifies with its public key and opens the page', async () => {
    const p = await profile(acct);
    const k = keyPair(2048);
    const r = await generate(acct, p, { privateKey: k.pkcs8, expiresIn: 10 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'success');
    assert.equal(r.json.url, `${srv.url}/link?jwt=${r.json.token}`);
    assert.equal(r.json.expiresIn, '10m');
    assert.ok(verifies(r.json.token, k.publicKey), 'the token verifies with the key pair\'s public key');
    const c = claimsOf(r.json.token);
    assert.equal(c.sub, p.refId);
    assert.equal(c.iss, 'acme');
    assert.equal(c.aud, srv.url);
    assert.equal(c.exp - c.iat, 600);
    await open(r.json.token);

    // The session keeps the derived public key: the same claims signed by
    // any other key name no session.
    const other = keyPair(2048);
    assertError(await srv.api('/link?jwt=' + sign(c, other.privateKey)), 404, 502, 'link');
    // ...and the key it keeps is the one the token was made with, even if
    // the account registers another public key afterwards.
    const file = join(data, 'other.pem');
    writeFileSync(file, other.publicKey.export({ type: 'spki', format: 'pem' }));
    const set = srv.cli(['account', 'set-public-key', '--ref-id', acct.refId, '--key-file', file]);
    assert.equal(set.status, 0, set.stderr);
    assert.equal((await srv.api('/link?jwt=' + r.json.token)).status, 302);
    assert.equal(srv.cli(['account', 'set-public-key', '--ref-id', acct.refId, '--clear']).status, 0);
  });

  test('PEM and base64 forms, PKCS#1 and PKCS#8, 1024- and 4096-bit keys', async () => {
    const p = await profile(acct);
    for (const bits of [1024, 4096]) {
      const k = keyPair(bits);
      for (const form of ['pkcs1', 'pkcs8']) {
        assert.match(k[form], form === 'pkcs1' ? /^-----BEGIN RSA PRIVATE KEY-----/ : /^-----BEGIN PRIVATE KEY-----/);
        // `cat private.key | base64` wraps its lines at 76 characters.
        const b64 = Buffer.from(k[form]).toString('base64').replace(/.{76}/g, '$&\n');
        for (const body of [{ privateKey: k[form] }, { privateKey: b64, base64: true }]) {
          const what = `${bits} bits, ${form}, ${body.base64 ? 'base64' : 'PEM'}`;
          const r = await generate(acct, p, body);
          assert.equal(r.status, 200, `${what}: ${r.text}`);
          assert.ok(verifies(r.json.token, k.publicKey), what);
          await open(r.json.token);
        }
      }
    }
  });

  test('keys that are not 1024–4096-bit RSA private keys: 189', async () => {
    const p = await profile(acct);
    const small = keyPair(512).pkcs8;
    const big = keyPair(4104).pkcs8;
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const k = keyPair(2048);
    const encrypted = k.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' });
    const pub = k.publicKey.export({ type: 'spki', format: 'pem' });
    const bad = [small, big, ec, encrypted, pub, 'not a key', k.pkcs8.slice(0, 200)];
    for (const key of bad) {
      const r = await generate(acct, p, { privateKey: key });
      assertError(r, 400, 189, 'profiles');
    }
    assertError(await generate(acct, p, { privateKey: 'bm90IGEga2V5', base64: true }), 400, 189, 'profiles');
    // The PEM sent as base64 without saying so, and the reverse.
    assertError(await generate(acct, p, { privateKey: Buffer.from(k.pkcs8).toString('base64') }), 400, 189, 'profiles');
    assertError(await generate(acct, p, { privateKey: k.pkcs8, base64: true }), 400, 189, 'profiles');
  });

  test('a registered public key that does not match the private key: 189; the matching one: 200', async () => {
    const own = srv.account('business');
    const p = await profile(own);
    const k = keyPair(2048), other = keyPair(2048);
    const file = join(data, `pub-${own.refId}.pem`);
    writeFileSync(file, k.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(srv.cli(['account', 'set-public-key', '--ref-id', own.refId, '--key-file', file]).status, 0);
    const r = await generate(own, p, { privateKey: other.pkcs8 });
    assertError(r, 400, 189, 'profiles');
    assert.match(r.json.message, /does not match/);
    const ok = await generate(own, p, { privateKey: k.pkcs1 });
    assert.equal(ok.status, 200, ok.text);
    await open(ok.json.token);
  });

  test('the private key appears neither in the log nor in the database files', async () => {
    const p = await profile(acct);
    const pages = () => srv.logs.filter((l) => l.includes('"route":"/link/s/:session"')).length;
    const before = pages();
    const k = keyPair(2048);
    const pem = k.pkcs8, b64 = Buffer.from(k.pkcs1).toString('base64');
    for (const body of [{ privateKey: pem }, { privateKey: b64, base64: true }]) {
      const r = await generate(acct, p, body);
      assert.equal(r.status, 200, r.text);
      await open(r.json.token);
    }
    // Every 64-character line of both PEM bodies, the base64 form, and a
    // slice of the raw key (DER) from its private part.
    const lines = [k.pkcs8, k.pkcs1].flatMap((t) => t.split('\n').filter((l) => l && !l.startsWith('-----')));
    const needles = [...lines, b64.slice(0, 64), b64.slice(-64)];
    const der = k.privateKey.export({ type: 'pkcs1', format: 'der' });
    const derSlice = der.subarray(der.length - 96, der.length - 32);
    // The log: awaited until the pages' access lines (written after the
    // answers) arrived, so everything these requests logged is there.
    const logged = () => srv.logs.join('\n');
    await waitUntil('the access log lines of the pages', () => pages() >= before + 2);
    for (const n of needles) assert.ok(!logged().includes(n), `a line of the private key was logged: ${n.slice(0, 12)}…`);
    const pubLine = k.publicKey.export({ type: 'spki', format: 'pem' }).split('\n')[2];
    const dump = dbDumpText(data);
    for (const n of needles) assert.ok(!dump.includes(n), `the database holds a line of the private key: ${n.slice(0, 12)}…`);
    assert.ok(!dumpHolds(dump, derSlice), 'the database holds the private key\'s DER bytes');
    // What was read is what was written: the derived public key is there.
    assert.ok(dump.includes(pubLine), 'the derived public key is kept with the session');
  });
});

describe('the lifetime of a linking URL', () => {
  let acct, probe;
  before(async () => {
    acct = srv.account('business');
    probe = await profile(acct);
  });

  // The server's clock, read from a link-sessions answer (expiresAt is its
  // now plus one minute).
  async function serverNow() {
    const r = await srv.api('/api/profiles/link-sessions', { method: 'POST', key: acct.apiKey, profileKey: probe.profileKey, body: { expiresIn: 1 } });
    assert.equal(r.status, 200, r.text);
    secrets.add(r.json.sessionId);
    return Date.parse(r.json.expiresAt) - 60000;
  }

  // Moves the server's clock to real time + ms and waits until it shows.
  async function setClock(ms) {
    writeFileSync(clock, String(ms));
    offset = ms;
    await waitUntil(`the server to take the clock offset ${ms}`, async () => {
      const before = Date.now();
      return Math.abs((await serverNow()) - before - ms) < 5000;
    });
  }

  const MIN = 60000;
  const reopen = (token) => srv.api('/link?jwt=' + token);

  test('opened in time, a page ends link_page_minutes after its first opening; reopening moves nothing', async () => {
    const p = await profile(acct);
    await setClock(0);
    const r = await generate(acct, p, { expiresIn: 5 });
    assert.equal(r.status, 200, r.text);
    const { location } = await open(r.json.token); // hard end: now + 30 min
    // Reopened past the token's exp and used, again and again, up to the end.
    for (const m of [4, 10, 20, 28]) {
      await setClock(m * MIN);
      assert.equal((await reopen(r.json.token)).status, 302, `reopened at ${m} min`);
      assert.equal((await srv.api(location)).status, 200, `page at ${m} min`);
      const un = await srv.api(location + '/unlink', { method: 'POST', body: 'platform=twitter', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      assert.equal(un.status, 303, `page action at ${m} min: ${un.text}`);
    }
    await setClock(30 * MIN + 5000);
    assertError(await srv.api(location), 410, 503, 'link');
    assertError(await reopen(r.json.token), 410, 503, 'link');
    await setClock(0);
  });

  test('a token that lives longer than link_page_minutes ends at its exp, however often it is reopened', async () => {
    const p = await profile(acct);
    await setClock(0);
    const r = await generate(acct, p, { expiresIn: 60 });
    const { location } = await open(r.json.token); // hard end: exp, 60 min
    for (const m of [35, 50, 58]) {
      await setClock(m * MIN);
      assert.equal((await reopen(r.json.token)).status, 302, `reopened at ${m} min`);
    }
    await setClock(60 * MIN + 5000);
    assertError(await srv.api(location), 410, 503, 'link');
    assertError(await reopen(r.json.token), 410, 503, 'link');
    await setClock(0);
  });

  test('a token issued (iat) or valid from (nbf) more than 60 s ahead is refused: 502', async () => {
    const own = srv.account('business');
    const p = await profile(own);
    const k = keyPair(2048);
    const file = join(data, `pub-${own.refId}.pem`);
    writeFileSync(file, k.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(srv.cli(['account', 'set-public-key', '--ref-id', own.refId, '--key-file', file]).status, 0);
    await setClock(0);
    const r = await generate(own, p, { privateKey: k.pkcs8, expiresIn: 120 });
    assert.equal(r.status, 200, r.text);
    const c = claimsOf(r.json.token);
    const now = Math.floor((Date.now() + offset) / 1000);
    const hour = 3600;
    for (const bad of [
      { iat: now + hour, exp: now + hour + 300 },
      { nbf: now + hour },
      { iat: now + hour, nbf: now + hour, exp: now + 2 * hour },
      { nbf: 'soon' },
    ]) {
      const t = sign({ ...c, ...bad }, k.privateKey);
      secrets.add(t);
      const got = await reopen(t);
      assert.equal(got.status, 404, JSON.stringify(bad));
      assertError(got, 404, 502, 'link');
    }
    // Clocks differ a little: up to 60 s ahead is accepted.
    const t = sign({ ...c, iat: now + 20, nbf: now + 20 }, k.privateKey);
    secrets.add(t);
    assert.equal((await reopen(t)).status, 302);
  });
});

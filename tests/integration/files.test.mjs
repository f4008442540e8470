// Files and keys at rest (docs/operations.md "Files and permissions"): every
// file the server and the commands create is 0600 and every directory 0700;
// a data directory open to group or others is refused by serve and by the
// commands; the server's own signing and JWT keys are sealed under the
// master key like every other secret, from a fresh start, from an older
// database's plain rows, and across rotate-master-key and restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Server, cli, secrets, tempDir, dbDialect, dbQuery, dbExec, dbDumpText, dumpHolds } from './lib/harness.mjs';
import { Receiver, verify } from './lib/receiver.mjs';

const SECRET = 'files-test-webhook-secret-0123456789';
secrets.add(SECRET);

const mode = (p) => statSync(p).mode & 0o777;

async function waitFor(pred, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

// Every file and directory under dir, with its mode.
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    out.push({ path: p, dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}

// The master keys of a data directory: Map id -> 32-byte Buffer.
function masterKeys(data) {
  const keys = new Map();
  for (const line of readFileSync(join(data, 'master.key'), 'utf8').split('\n')) {
    const m = /^(\d+) ([0-9a-f]{64})$/.exec(line.trim());
    if (m) keys.set(Number(m[1]), Buffer.from(m[2], 'hex'));
  }
  return keys;
}

// The rows of the secrets table, each checked to be a vault blob
// (version 1 | key id | nonce | ciphertext | tag, docs/operations.md) under
// the key its key_id column names, and opened with that master key. The
// additional data binding a row is "secret:<name>".
function openSecrets(data) {
  const keys = masterKeys(data);
  const hex = dbDialect() === 'postgres' ? "encode(value, 'hex')" : 'hex(value)';
  const rows = dbQuery(data, `SELECT name, ${hex}, key_id FROM secrets ORDER BY name`)
    .split('\n').map((l) => l.split('|'));
  assert.deepEqual(rows.map((r) => r[0]), ['jwt', 'signing']);
  const out = {};
  for (const [name, hex, keyId] of rows) {
    const blob = Buffer.from(hex, 'hex');
    assert.notEqual(keyId, '', `${name}: the row is not sealed`); // NULL
    assert.equal(blob.length, 1 + 4 + 12 + 32 + 16, `${name}: a sealed 32-byte key, not the key itself`);
    assert.equal(blob[0], 1);
    assert.equal(blob.readUInt32BE(1), Number(keyId), `${name}: key id in the blob = key_id column`);
    const key = keys.get(Number(keyId));
    assert.ok(key, `${name}: master key ${keyId} is in master.key`);
    const d = crypto.createDecipheriv('aes-256-gcm', key, blob.subarray(5, 17));
    d.setAAD(Buffer.from(`secret:${name}`));
    d.setAuthTag(blob.subarray(blob.length - 16));
    out[name] = Buffer.concat([d.update(blob.subarray(17, blob.length - 16)), d.final()]);
    out[`${name}KeyId`] = Number(keyId);
  }
  return out;
}

// No copy of the bytes anywhere in the database.
function assertNotStored(data, bytes) {
  assert.ok(!dumpHolds(dbDumpText(data), bytes), 'a plain key is in the database');
}

// True when an HS256 token was signed with key.
function signedWith(token, key) {
  const [h, p, s] = token.split('.');
  return crypto.createHmac('sha256', key).update(`${h}.${p}`).digest('base64url') === s;
}

function seed(srv, profiles, accounts) {
  const file = join(srv.data, `keys-${Math.random().toString(36).slice(2)}.txt`);
  const r = srv.cli(['seed', '--profiles', String(profiles), '--accounts', String(accounts), '--keys-out', file]);
  assert.equal(r.status, 0, r.stderr);
  const keys = readFileSync(file, 'utf8').trim().split('\n');
  keys.forEach((k) => secrets.add(k));
  return { key: r.json.apiKey, keys };
}

async function linkToken(srv, key, profileKey) {
  const r = await srv.api('/api/profiles/generateJWT', { method: 'POST', key, profileKey, body: { domain: 'acme' } });
  assert.equal(r.status, 200, r.text);
  secrets.add(r.json.token);
  return r.json.token;
}

test('every file the server and the commands create is 0600, every directory 0700', async () => {
  const srv = new Server({ args: ['--webhook-allow-private', '--webhook-allow-http'] });
  await srv.start();
  const { key, keys } = seed(srv, 2, 2);
  await srv.api('/api/hook/webhook/secret', { method: 'POST', key, body: { secret: SECRET } });
  await srv.api('/api/profiles', { method: 'POST', key, body: { title: 'Another' } });
  await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: keys[0], body: { platform: 'facebook' } });
  // a batch export writes files/batch/<refId>/...
  assert.equal((await srv.api('/api/user/batch', { key })).status, 200);
  await waitFor(() => existsSync(join(srv.data, 'files', 'batch')) &&
    walk(join(srv.data, 'files', 'batch')).some((e) => e.path.endsWith('.json')));
  // a command writing a log file
  const logFile = join(srv.data, 'cli.log');
  const c = srv.cli(['account', 'create', '--email', 'files@example.com', '--log-file', logFile]);
  assert.equal(c.status, 0, c.stderr);
  // On PostgreSQL the database is no file in the directory.
  const dbFiles = dbDialect() === 'sqlite' ? ['sociald.db', 'sociald.db-wal', 'sociald.db-shm', 'sociald.db-stamps'] : [];
  for (const f of [...dbFiles, 'master.key', 'cli.log']) {
    assert.ok(existsSync(join(srv.data, f)), f);
  }
  const wrong = walk(srv.data).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
    .map((e) => `${e.path.slice(srv.data.length + 1)} ${e.mode.toString(8)}`);
  assert.deepEqual(wrong, []);
  assert.equal(mode(srv.data), 0o700);
  await srv.stop();
});

test('a data directory open to group or others is refused by serve and by the commands', async () => {
  for (const m of [0o755, 0o750, 0o770, 0o705]) {
    const data = tempDir();
    chmodSync(data, m);
    const srv = new Server({ data });
    await assert.rejects(srv.start(), (e) => {
      assert.ok(e.message.includes(`data directory ${data}`), e.message);
      assert.ok(e.message.includes(`chmod 700 ${data}`), e.message);
      return true;
    });
    const { code } = await srv.exited;
    assert.notEqual(code, 0);
    for (const args of [['migrate'], ['account', 'create', '--email', 'x@example.com'], ['rotate-master-key'],
      ['seed', '--profiles', '1', '--accounts', '1'], ['profile', 'suspend', '--ref-id', 'x']]) {
      const r = cli(args, { data });
      assert.notEqual(r.status, 0, args.join(' '));
      assert.ok(r.stderr.includes(`chmod 700 ${data}`), `${args.join(' ')}: ${r.stderr}`);
    }
    assert.deepEqual(readdirSync(data), [], 'nothing was written into it');
    // the chmod the message names is the fix
    chmodSync(data, 0o700);
    const ok = new Server({ data });
    await ok.start();
    await ok.stop();
    rmSync(data, { recursive: true, force: true });
  }
});

test('the signing and JWT keys are sealed; the server signs with them after restarts and rotate-master-key', async (t) => {
  const rx = await new Receiver().start();
  t.after(() => rx.stop());
  const data = tempDir();
  const args = ['--webhook-allow-private', '--webhook-allow-http'];
  let srv = new Server({ data, args });
  await srv.start();
  const { key, keys } = seed(srv, 3, 3);
  await srv.api('/api/hook/webhook', { method: 'POST', key, body: { action: 'social', url: rx.url, secret: SECRET } });
  const first = openSecrets(data);
  assert.equal(first.jwtKeyId, 1);
  assert.equal(first.signing.length, 32);
  assert.notDeepEqual(first.jwt, first.signing);
  assertNotStored(data, first.jwt);
  assertNotStored(data, first.signing);
  const t0 = await linkToken(srv, key, keys[0]);
  assert.ok(signedWith(t0, first.jwt), 'link tokens are signed with the sealed key');
  const page = await srv.api('/api/profiles?limit=1', { key });
  const cursor = page.json.pagination.nextCursor;
  assert.ok(cursor);

  // Each phase: the keys in use are the same, tokens and cursors from
  // before still verify, and webhooks are still signed.
  let n = 0;
  const platforms = ['facebook', 'gmb', 'instagram'];
  async function stillSigns(label) {
    const now = openSecrets(data);
    assert.deepEqual(now.jwt, first.jwt, label);
    assert.deepEqual(now.signing, first.signing, label);
    assert.equal((await srv.api(`/api/profiles?limit=1&cursor=${encodeURIComponent(cursor)}`, { key })).status, 200, label);
    assert.ok(signedWith(await linkToken(srv, key, keys[0]), first.jwt), label);
    assert.equal((await srv.api('/link?jwt=' + await linkToken(srv, key, keys[1]))).status, 302, label);
    const platform = platforms[n++];
    await srv.api('/api/profiles/social', { method: 'DELETE', key, profileKey: keys[2], body: { platform } });
    await rx.waitFor((rs) => rs.some((r) => r.body?.platform === platform));
    const v = verify(rx.requests.find((r) => r.body?.platform === platform), SECRET);
    assert.equal(v.ayrshare && v.sociald, true, label);
    return now;
  }

  await srv.stop();
  srv = new Server({ data, args });
  await srv.start();
  await stillSigns('after a restart');

  const r = srv.cli(['rotate-master-key']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.keyId, 2);
  assert.equal(r.json.serverSecrets, 2);
  assert.equal(r.json.retired, 1);
  assert.deepEqual([...masterKeys(data).keys()], [2]);
  const rotated = await stillSigns('after rotate-master-key, same process');
  assert.equal(rotated.jwtKeyId, 2);
  assert.equal(rotated.signingKeyId, 2);

  await srv.stop();
  srv = new Server({ data, args });
  await srv.start();
  await stillSigns('after rotate-master-key and a restart');
  await srv.stop();
  rmSync(data, { recursive: true, force: true });
});

test('plain keys of an older database are sealed at the next start (or by rotate-master-key) and kept', async () => {
  const data = tempDir();
  let srv = new Server({ data });
  await srv.start();
  const acct = srv.account('business');
  const p = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title: 'Plain' } });
  secrets.add(p.json.profileKey);
  await srv.stop();

  // What a database from before sealing holds: the 32 bytes themselves.
  const plant = () => {
    const jwt = crypto.randomBytes(32), signing = crypto.randomBytes(32);
    const blob = (b) => (dbDialect() === 'postgres' ? `decode('${b.toString('hex')}', 'hex')` : `X'${b.toString('hex')}'`);
    dbExec(data, `UPDATE secrets SET value = ${blob(jwt)}, key_id = NULL WHERE name = 'jwt';` +
      `UPDATE secrets SET value = ${blob(signing)}, key_id = NULL WHERE name = 'signing';`);
    return { jwt, signing };
  };
  const old = plant();
  srv = new Server({ data });
  await srv.start();
  const sealed = openSecrets(data);
  assert.deepEqual(sealed.jwt, old.jwt, 'the plain value is kept, now sealed');
  assert.deepEqual(sealed.signing, old.signing);
  assert.ok(signedWith(await linkToken(srv, acct.apiKey, p.json.profileKey), old.jwt));
  await srv.stop();
  // not even in the space the plain rows left behind (SQLite's file; a
  // PostgreSQL dump holds the live rows only)
  if (dbDialect() === 'sqlite') dbExec(data, 'PRAGMA wal_checkpoint(TRUNCATE);');
  assertNotStored(data, old.jwt);
  assertNotStored(data, old.signing);

  // rotate-master-key seals plain rows too (a database it finds before any start)
  const older = plant();
  const r = cli(['rotate-master-key'], { data });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.serverSecrets, 2);
  const resealed = openSecrets(data);
  assert.equal(resealed.jwtKeyId, 2);
  assert.deepEqual(resealed.jwt, older.jwt);
  assert.deepEqual(resealed.signing, older.signing);
  assertNotStored(data, older.jwt);
  assertNotStored(data, older.signing);
  srv = new Server({ data });
  await srv.start();
  assert.ok(signedWith(await linkToken(srv, acct.apiKey, p.json.profileKey), older.jwt));
  await srv.stop();
  rmSync(data, { recursive: true, force: true });
});

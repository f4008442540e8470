// Integration harness: runs the real sociald binary on a random port with a
// temporary data directory (and, with SOCIALD_TEST_PG, a database of its own
// on PostgreSQL: dbEnv) and drives it over HTTP. No npm dependencies:
// node:test, fetch, net and child_process only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import http from 'node:http';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { after } from 'node:test';

export const BIN = process.env.SOCIALD_BIN
  ? resolve(process.env.SOCIALD_BIN)
  : resolve(new URL('../../../build/sociald', import.meta.url).pathname);

// Every secret the suite sees, so a test can check none was logged.
export const secrets = new Set();

// Servers still running when a file's tests end (a failed test skipped its
// stop()) are killed, so the runner never hangs on them.
const live = new Set();
after(() => {
  for (const s of live) s.proc?.kill('SIGKILL');
});

// Waits until check() (sync or async) returns something truthy and returns
// it; throws, naming `what`, when timeoutMs passes first. Everything a test
// checks that happens after an answer — log lines, webhooks, jobs, the
// sandbox's call log, files, metrics — is awaited through this, never after
// a fixed delay: the machines running the suite are shared and slow at times.
// The deadline is generous because a passing test never waits for it.
export async function waitUntil(what, check, { timeoutMs = 15000, everyMs = 20 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// What another process changed (the CLI: a key rotated, a profile
// suspended) as a server sees it: on SQLite at once — the check must hold
// the first time, as the shared stamps promise; on PostgreSQL (the suite's
// second pass) within SPEC §12's 250 ms, through the change log, so it is
// awaited there (with a generous bound; bench/postgres measures the delay).
export async function seenByServer(what, check) {
  if (!process.env.SOCIALD_TEST_PG) {
    const v = await check();
    if (!v) throw new Error(`not seen at once: ${what}`);
    return v;
  }
  return waitUntil(what, check, { timeoutMs: 5000, everyMs: 5 });
}

// A pause the test means: time that has to pass (a window, a TTL), or a
// quiet period in which something must NOT happen. Never a wait for
// something to happen: that is waitUntil.
export const pass = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export function tempDir(prefix = 'sociald-it-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

// PostgreSQL: when SOCIALD_TEST_PG holds a maintenance database's URL (the
// line scripts/pg.sh start prints), each data directory gets a new database
// of its own, made the first time a process is spawned for it and looked up
// by the directory's path, so that two servers (or a server and the CLI)
// given the same directory share it. Every sociald process spawned for the
// directory gets it as SOCIALD_DB (--data still holds the keys and files).
// It is dropped when the harness removes the directory, and the rest when
// this file's process exits. Without SOCIALD_TEST_PG nothing changes.
const PG = process.env.SOCIALD_TEST_PG || '';
const databases = new Map(); // resolved data directory -> database name
let dbCount = 0;

function psql(sql) {
  return spawnSync('psql', [PG, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', timeout: 60000 });
}

function dbUrl(name) {
  const u = new URL(PG);
  u.pathname = `/${name}`;
  return u.href;
}

// The environment a sociald process for data directory `data` needs: {}
// unless SOCIALD_TEST_PG is set (or without a directory), else
// {SOCIALD_DB: the directory's database}, created on first use.
export function dbEnv(data) {
  if (!PG || !data) return {};
  const key = resolve(data);
  let name = databases.get(key);
  if (!name) {
    name = `sd_${process.pid}_${++dbCount}`;
    const r = psql(`CREATE DATABASE ${name}`);
    if (r.status !== 0) throw new Error(`CREATE DATABASE ${name} on SOCIALD_TEST_PG failed: ${r.stderr || r.error?.message}`);
    databases.set(key, name);
  }
  return { SOCIALD_DB: dbUrl(name) };
}

// Drops the database of data directory `data`, if it has one; failures
// are ignored (the cluster is thrown away after the run).
export function dropDb(data) {
  if (!PG || !data) return;
  const key = resolve(data);
  const name = databases.get(key);
  if (!name) return;
  databases.delete(key);
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

// The databases left when this file's process exits (its directories were
// removed by the tests, or kept) are dropped then; FORCE ends a connection a
// killed server may still hold.
process.on('exit', () => {
  for (const key of [...databases.keys()]) dropDb(key);
});

// Reading and changing a data directory's database behind the server's
// back, on either driver: SQLite's sociald.db in the directory (sqlite3), or
// the directory's database on SOCIALD_TEST_PG (psql). SQL given to these
// must run on both: standard SQL on integers and text (COUNT, MIN, CASE,
// subqueries); no SQLite-only functions, no booleans (SQLite prints 1 and
// 0, PostgreSQL t and f) and no blobs; where a query has to differ (hex of
// a blob), the test asks dbDialect().

// 'postgres' under SOCIALD_TEST_PG, else 'sqlite'.
export function dbDialect() {
  return PG ? 'postgres' : 'sqlite';
}

// The directory's database URL on PostgreSQL; throws if no process has
// been spawned for the directory yet (there is nothing to read).
function dbUrlOf(data) {
  const name = databases.get(resolve(data));
  if (!name) throw new Error(`no database for ${data} yet: no server or command has run on it`);
  return dbUrl(name);
}

function dbRun(data, sql) {
  // Statements one after the other, each on its own as sqlite3 runs them;
  // the first error stops the rest and fails the call. Rows print as
  // fields joined by |, NULL as nothing, with no header or row count.
  const r = PG
    ? spawnSync('psql', [dbUrlOf(data), '-AtqX', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
      { encoding: 'utf8', input: sql, timeout: 60000 })
    : spawnSync('sqlite3', ['-cmd', '.timeout 10000', join(data, 'sociald.db'), sql], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`${dbDialect()}: ${sql}\n${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

// Runs sql on data directory `data`'s database and returns what it prints,
// trimmed: one line per row, fields joined by |, NULL as the empty string
// ('' when there is no row). Throws on any error.
export function dbQuery(data, sql) {
  return dbRun(data, sql);
}

// Runs statements that change rows (aging a row, planting a value); throws
// on any error.
export function dbExec(data, sql) {
  dbRun(data, sql);
}

// Everything the database of data directory `data` stores, as text to
// search for something that must not be there (a key in the clear): on
// SQLite the bytes of sociald.db and of its -wal file if there is one,
// read as latin1 (one character per byte); on PostgreSQL the rows as
// pg_dump --data-only writes them (bytea as hex: see dumpHolds).
export function dbDumpText(data) {
  if (!PG) {
    return ['sociald.db', 'sociald.db-wal'].map((f) => join(data, f)).filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1')).join('\n');
  }
  const r = spawnSync('pg_dump', ['--data-only', '--no-owner', '--no-privileges', dbUrlOf(data)],
    { encoding: 'latin1', timeout: 60000, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pg_dump of ${data}'s database failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

// Whether a dump (dbDumpText) holds needle: a string as it is, a Buffer as
// its bytes (SQLite's file) or as their hex (PostgreSQL dumps bytea as hex,
// and a server could store bytes that way on either).
export function dumpHolds(dump, needle) {
  if (typeof needle === 'string') return dump.includes(needle);
  return dump.includes(needle.toString('latin1')) || dump.includes(needle.toString('hex'));
}

// The SOCIALD_TEST_PG maintenance URL through the cluster's Unix socket
// instead of TCP, for a process that cannot reach 127.0.0.1:PORT (one in a
// network namespace of its own): {url}, or {skip: why not} when there is no
// PostgreSQL or no socket this machine can see. The directory is the
// cluster's own answer (unix_socket_directories; scripts/pg.sh puts the
// socket in its DIR).
export function pgSocketUrl() {
  if (!PG) return { skip: 'not on PostgreSQL' };
  const r = spawnSync('psql', [PG, '-AtqX', '-c', 'SHOW unix_socket_directories', '-c', 'SHOW port'],
    { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) return { skip: `cannot ask the cluster for its socket: ${r.stderr || r.error?.message}` };
  const [dirs, port] = r.stdout.trim().split('\n');
  const dir = dirs.split(',')[0].trim();
  if (!dir.startsWith('/') || !existsSync(join(dir, `.s.PGSQL.${port}`))) {
    return { skip: `the cluster's Unix socket (${dir || 'none'}, port ${port}) is not on this machine` };
  }
  const u = new URL(PG);
  u.port = port;
  u.searchParams.set('host', dir);
  return { url: u.href };
}

// Runs a sociald command; returns {status, stdout, stderr, json}.
export function cli(args, { data, env = {}, input } = {}) {
  const full = data ? [...args, '--data', data] : args;
  const r = spawnSync(BIN, full, {
    encoding: 'utf8',
    env: { ...process.env, ...dbEnv(data), ...env },
    input,
    timeout: 120000,
  });
  let json = null;
  try { json = JSON.parse(r.stdout); } catch { /* not JSON */ }
  if (json && json.apiKey) secrets.add(json.apiKey);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

// A sociald process (server or sandbox) that logs JSON lines on stderr and
// announces its port with a "listening" line.
// Collects a child's stderr lines into logs and resolves with the port of
// its {"msg":"listening","port":N} line (sociald's, tests/s3/server.mjs's);
// rejects when it exits first or says nothing of it for 20 s.
export function listeningPort(proc, logs, what) {
  let buf = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${what} did not start: ` + logs.join('\n'))), 20000);
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        try {
          const j = JSON.parse(line);
          if (j.msg === 'listening') { clearTimeout(timer); res(j.port); }
        } catch { /* sanitizer output is not JSON */ }
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); rej(new Error(`${what} exited ${code}: ` + logs.join('\n'))); });
  });
}

export class Child {
  constructor({ args = [], env = {} } = {}) {
    this.args = args;
    this.env = env;
    this.logs = [];
  }

  // Waits for a log line: pred is a substring or (line, parsed JSON) => bool.
  // Returns the line. Lines reach the log a little after the answer they
  // belong to (core/log.c writes info lines in batches), so never assert on
  // this.logs right after a request: wait.
  waitForLog(pred, timeoutMs = 15000) {
    const match = typeof pred === 'string'
      ? (l) => l.includes(pred)
      : (l) => { let j = null; try { j = JSON.parse(l); } catch { /* not JSON */ } return pred(l, j); };
    return waitUntil(`a log line matching ${pred}`, () => this.logs.find(match), { timeoutMs });
  }

  // Spawns `sociald ...argv` and resolves with the port it listens on; a
  // child with a data directory (this.data) gets its database (dbEnv).
  spawnLogged(argv, what) {
    this.proc = spawn(BIN, argv, { env: { ...process.env, ...dbEnv(this.data), ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => { live.delete(this); res({ code, signal }); }));
    return listeningPort(this.proc, this.logs, what);
  }

  // Stops with SIGTERM and returns the exit status; fails on sanitizer reports.
  async terminate() {
    if (!this.proc) return null;
    this.proc.kill('SIGTERM');
    const r = await this.exited;
    await new Promise((res) => setImmediate(res)); // let the last stderr chunks arrive
    this.proc = null;
    const first = this.logs.findIndex((l) => /ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/.test(l));
    if (first >= 0) {
      throw new Error('sanitizer report:\n' + this.logs.slice(first).filter((l) => !l.startsWith('{')).join('\n'));
    }
    return r;
  }
}

export class Server extends Child {
  constructor({ data, args = [], env = {} } = {}) {
    super({ args, env });
    this.data = data || tempDir();
    this.ownsData = !data;
  }

  async start() {
    this.port = await this.spawnLogged(['serve', '--listen', '127.0.0.1:0', '--data', this.data, ...this.args], 'server');
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  // Stops with SIGTERM and returns the exit status; fails on sanitizer
  // reports and on any known secret in the log.
  async stop() {
    if (!this.proc) return null;
    const r = await this.terminate();
    // No key or token the suite has seen may appear in any log line.
    const joined = this.logs.join('\n');
    for (const secret of secrets) {
      if (secret && joined.includes(secret)) throw new Error(`a secret appeared in the server log: ${secret.slice(0, 8)}...`);
    }
    if (this.ownsData) {
      rmSync(this.data, { recursive: true, force: true });
      dropDb(this.data);
    }
    return r;
  }

  // Kills the process with SIGKILL (a crash): nothing is flushed or closed.
  async kill9() {
    if (!this.proc) return;
    this.proc.kill('SIGKILL');
    await this.exited;
    this.proc = null;
  }

  cli(args, opts = {}) {
    return cli(args, { data: this.data, ...opts });
  }

  // Creates an account; returns {apiKey, refId}. The key joins `secrets`.
  account(plan = 'business', email) {
    const e = email || `u${Math.random().toString(36).slice(2)}@example.com`;
    const r = this.cli(['account', 'create', '--email', e, '--plan', plan]);
    if (r.status !== 0) throw new Error('account create failed: ' + r.stderr);
    return r.json;
  }

  // api(path, {method, key, profileKey, body, headers, query}) -> {status, headers, text, json}
  // Uses node:http, which (unlike fetch) sends bodies on GET and DELETE as the SDKs do.
  api(path, opts = {}) {
    return request(this.port, path, opts);
  }
}

export function request(port, path, { method = 'GET', key, profileKey, body, headers = {}, query } = {}) {
  const h = { ...headers };
  if (key !== undefined) h.Authorization = `Bearer ${key}`;
  if (profileKey !== undefined) h['Profile-Key'] = profileKey;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    h['Content-Length'] = Buffer.byteLength(payload);
  }
  if (query) path += (path.includes('?') ? '&' : '?') + new URLSearchParams(query).toString();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let buf = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') buf = zlib.gunzipSync(buf);
        const text = buf.toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Sends raw bytes on a new connection and collects everything until the
// server closes or timeoutMs passes. Returns {text, status, headers, body, closed}.
export function rawRequest(port, bytes, { timeoutMs = 5000, keepOpen = false } = {}) {
  return new Promise((res) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      sock.destroy();
      const buf = Buffer.concat(chunks);
      res({ ...parseResponse(buf), closed });
    };
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => {
      chunks.push(d);
      if (keepOpen) {
        const p = parseResponse(Buffer.concat(chunks));
        if (p.complete) finish(false);
      }
    });
    sock.on('end', () => finish(true));
    sock.on('error', () => finish(true));
    setTimeout(() => finish(false), timeoutMs);
  });
}

export function parseResponse(buf) {
  const sep = buf.indexOf('\r\n\r\n');
  if (sep < 0) return { text: buf.toString('latin1'), status: 0, headers: {}, body: '', complete: false };
  const head = buf.subarray(0, sep).toString('latin1').split('\r\n');
  const status = Number(head[0].split(' ')[1]);
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = buf.subarray(sep + 4);
  const len = headers['content-length'] !== undefined ? Number(headers['content-length']) : null;
  const complete = len !== null ? body.length >= len : false;
  if (len !== null) body = body.subarray(0, len);
  if (headers['content-encoding'] === 'gzip' && complete) body = zlib.gunzipSync(body);
  let json = null;
  try { json = JSON.parse(body.toString('utf8')); } catch { /* not JSON */ }
  return { text: buf.toString('latin1'), status, headers, body: body.toString('utf8'), json, complete };
}

export function writeConfig(dir, obj) {
  const p = join(dir, 'config.json');
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

export function readLines(path) {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}

// Asserts the SPEC §1.1 error body.
export function assertError(r, http, code, action) {
  assert.equal(r.status, http, `HTTP status for ${r.text}`);
  assert.equal(r.json?.status, 'error', r.text);
  assert.equal(r.json.code, code, r.text);
  if (action) assert.equal(r.json.action, action);
  assert.equal(typeof r.json.message, 'string');
  assert.ok(r.json.message.length > 10);
  assert.match(r.headers.get ? r.headers.get('content-type') : r.headers['content-type'],
    /^application\/json; charset=utf-8$/);
}

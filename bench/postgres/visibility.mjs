// How soon a change made through one sociald is seen through another on the
// same PostgreSQL database (its change log: polled every 50 ms, woken by
// NOTIFY). For each of <count> changes: PATCH /api/profiles with a new
// title through A, then from A's 200 poll B's GET /api/user for that
// profile every <pollMs> ms (as a client would, one request at a time)
// until it answers with the new title. Change i goes to profile
// i mod N of <keysFile>: a different profile each time (every one of them
// cached in B by its warm), so a change is never helped by the one before.
// Prints one line: RESULT n=... p50_ms=... p99_ms=... max_ms=... polls=...
// slow=... (slow: the changes B showed only after 25 ms or more, about
// what waiting for the 50 ms poll instead of a NOTIFY looks like).
// Fails (exit 1) on any answer but 200, or a change B has not shown after
// 10 s.
// Usage: node visibility.mjs <portA> <portB> <apiKey> <keysFile> <count> [pollMs]
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const [portA, portB, apiKey, keysFile, countArg, pollArg] = process.argv.slice(2);
const keys = readFileSync(keysFile, 'utf8').trim().split('\n');
const count = Number(countArg);
const pollMs = Number(pollArg ?? 1);
const GIVE_UP_MS = 10000;
const agentA = new http.Agent({ keepAlive: true, maxSockets: 1 });
const agentB = new http.Agent({ keepAlive: true, maxSockets: 1 });

// One request; resolves with [status, body].
function call(port, agent, method, profileKey, body) {
  const headers = { Authorization: `Bearer ${apiKey}`, 'Profile-Key': profileKey };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, agent, headers,
      path: method === 'GET' ? '/api/user' : '/api/profiles' }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks).toString()]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const fail = (msg) => { console.error(`visibility: ${msg}`); process.exit(1); };
const now = () => Number(process.hrtime.bigint()) / 1e6;
// A run's own titles: titles are unique per account, and a second run on
// the same database must not find its first title already taken.
const run = `${process.pid}-${Date.now().toString(36)}`;
const lags = [];
let polls = 0;
for (let i = 0; i < count; i++) {
  const key = keys[i % keys.length];
  const title = `vis ${run} ${i}`;
  const [st, body] = await call(portA, agentA, 'PATCH', key, JSON.stringify({ title }));
  if (st !== 200) fail(`PATCH through A answered ${st}: ${body}`);
  const t0 = now();
  for (;;) {
    const [gs, gb] = await call(portB, agentB, 'GET', key);
    polls++;
    if (gs !== 200) fail(`GET /api/user from B answered ${gs}: ${gb}`);
    if (JSON.parse(gb).title === title) break;
    if (now() - t0 > GIVE_UP_MS) fail(`B still shows the old title ${GIVE_UP_MS} ms after change ${i}`);
    await sleep(pollMs);
  }
  lags.push(now() - t0);
}
agentA.destroy();
agentB.destroy();
lags.sort((a, b) => a - b);
const pct = (p) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
console.log(`RESULT n=${count} p50_ms=${pct(50).toFixed(2)} p99_ms=${pct(99).toFixed(2)} ` +
  `max_ms=${lags[lags.length - 1].toFixed(2)} polls=${polls} slow=${lags.filter((x) => x >= 25).length}`);

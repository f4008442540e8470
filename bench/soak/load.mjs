// bench/soak load: a mixed load against one server for a while, reporting
// every interval the requests, errors, p50/p99 latency and the server's RSS.
//   reads:   GET /api/user with a random profile key (most of the traffic)
//   writes:  create a profile, rename it, delete it
//   events:  DELETE /api/profiles/social on seeded profiles at a fixed rate
//            (each writes a social webhook event, delivered to a receiver
//            in this process that answers 200)
// Usage: node load.mjs <port> <apiKey> <keysFile> <serverPid> <seconds> <intervalS> <receiverPort>
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, apiKey, keysFile, pid, secondsArg, intervalArg, rxPort] = process.argv.slice(2);
const keys = readFileSync(keysFile, 'utf8').trim().split('\n');
const seconds = Number(secondsArg), interval = Number(intervalArg) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const PLATFORMS = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'reddit', 'telegram', 'tiktok', 'twitter', 'youtube'];

let delivered = 0;
const rx = http.createServer((req, res) => { req.resume(); req.on('end', () => { delivered++; res.end('ok'); }); });
await new Promise((r) => rx.listen(Number(rxPort), '127.0.0.1', r));

function call(method, path, { profileKey, body } = {}) {
  const data = body ? JSON.stringify(body) : undefined;
  return new Promise((resolve) => {
    const headers = { Authorization: `Bearer ${apiKey}` };
    if (profileKey) headers['Profile-Key'] = profileKey;
    if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, us: Number(process.hrtime.bigint() - t0) / 1000, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', () => resolve({ status: 0, us: Number(process.hrtime.bigint() - t0) / 1000, text: '' }));
    req.end(data);
  });
}

let lat = [], count = 0, errors = 0, totalErrors = 0, total = 0, events = 0;
const record = (r, ok) => {
  lat.push(r.us);
  count++;
  total++;
  if (!ok) { errors++; totalErrors++; if (totalErrors <= 5) console.error(`error: ${r.status} ${r.text.slice(0, 200)}`); }
};
const rss = () => {
  try { return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]); } catch { return 0; }
};
const pct = (xs, p) => { if (!xs.length) return 0; const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };

const end = Date.now() + seconds * 1000;
let n = 0;
async function worker(id) {
  while (Date.now() < end) {
    n++;
    if (n % 20 === id % 20) {
      const c = await call('POST', '/api/profiles', { body: { title: `soak-${id}-${n}` } });
      record(c, c.status === 200);
      if (c.status !== 200) continue;
      const key = JSON.parse(c.text).profileKey;
      const u = await call('PATCH', '/api/profiles', { profileKey: key, body: { title: `soak-${id}-${n}-renamed` } });
      record(u, u.status === 200);
      const d = await call('DELETE', '/api/profiles', { body: { profileKey: key } });
      record(d, d.status === 200);
    } else {
      const r = await call('GET', '/api/user', { profileKey: keys[Math.floor(Math.random() * keys.length)] });
      record(r, r.status === 200);
    }
  }
}
// Events at a fixed rate, over the seeded links in order.
let link = 0;
const eventTimer = setInterval(async () => {
  if (Date.now() >= end) return;
  const i = link++;
  const key = keys[Math.floor(i / PLATFORMS.length) % keys.length];
  const r = await call('DELETE', '/api/profiles/social', { profileKey: key, body: { platform: PLATFORMS[i % PLATFORMS.length] } });
  record(r, r.status === 200);
  events++;
}, 20);

const rows = [];
const start = Date.now();
const tick = setInterval(() => {
  const row = { t: Math.round((Date.now() - start) / 1000), rps: Math.round(count / (interval / 1000)), errors, p50: pct(lat, 50) / 1000, p99: pct(lat, 99) / 1000, rss: rss(), events, delivered };
  rows.push(row);
  console.log(`t=${String(row.t).padStart(5)}s  req/s=${String(row.rps).padStart(6)}  errors=${row.errors}  p50=${row.p50.toFixed(2)}ms  p99=${row.p99.toFixed(2)}ms  rss=${row.rss}KiB  events=${events}  delivered=${delivered}`);
  lat = []; count = 0; errors = 0;
}, interval);

await Promise.all(Array.from({ length: 16 }, (_, i) => worker(i)));
clearInterval(eventTimer);
await new Promise((r) => setTimeout(r, 3000)); // last deliveries
clearInterval(tick);
const first = rows.slice(0, Math.max(1, Math.floor(rows.length / 5)));
const last = rows.slice(-Math.max(1, Math.floor(rows.length / 5)));
const avg = (xs) => Math.round(xs.reduce((s, r) => s + r.rss, 0) / xs.length);
console.log(`RESULT requests=${total} errors=${totalErrors} events=${events} delivered=${delivered} ` +
  `rss_first_fifth_kib=${avg(first)} rss_last_fifth_kib=${avg(last)} rss_max_kib=${Math.max(...rows.map((r) => r.rss))} ` +
  `p99_max_ms=${Math.max(...rows.map((r) => r.p99)).toFixed(2)}`);
agent.destroy();
rx.close();
if (!total || totalErrors) {
  console.error(`soak: ${totalErrors} of ${total} requests failed`);
  process.exitCode = 1;
}

// Latency of an event-producing request against the same request producing
// no event: DELETE /api/profiles/social on a linked network (unlink + event +
// delivery job in one transaction) vs on a network not linked (no write).
// One connection, sequential, so the figures are per request, not queueing.
// Usage: node latency.mjs <port> <apiKey> <keysFile> <count>
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, apiKey, keysFile, countArg] = process.argv.slice(2);
const keys = readFileSync(keysFile, 'utf8').trim().split('\n');
const count = Number(countArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function unlink(profileKey, platform) {
  const body = JSON.stringify({ platform });
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path: '/api/profiles/social', method: 'DELETE', agent,
      headers: { Authorization: `Bearer ${apiKey}`, 'Profile-Key': profileKey, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e3) : reject(new Error(`HTTP ${res.statusCode}`))); });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };
const platforms = ['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'reddit', 'telegram', 'tiktok', 'twitter', 'youtube'];
const withEvent = [], without = [];
for (let i = 0; i < count; i++) {
  const k = keys[Math.floor(i / platforms.length) % keys.length];
  const p = platforms[i % platforms.length];
  withEvent.push(await unlink(k, p)); // linked: unlink + event
  without.push(await unlink(k, p));   // now not linked: no change, no event
}
const f = (x) => (x / 1000).toFixed(3);
console.log(`RESULT event_p50_ms=${f(pct(withEvent, 50))} event_p99_ms=${f(pct(withEvent, 99))} ` +
  `plain_p50_ms=${f(pct(without, 50))} plain_p99_ms=${f(pct(without, 99))} n=${count}`);
agent.destroy();

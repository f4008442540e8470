// A webhook receiver on loopback for the tests: records every request and
// answers as told — a status, a delay, a hang, or a dropped connection.
import http from 'node:http';
import crypto from 'node:crypto';
import { waitUntil } from './harness.mjs';

export class Receiver {
  constructor() {
    this.requests = [];
    this.plan = [];          // answers for the next requests, in order
    this.fallback = { status: 200 };
  }

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const entry = { at: Date.now(), method: req.method, url: req.url, headers: req.headers, raw, body: null };
        try { entry.body = JSON.parse(raw.toString('utf8')); } catch { /* not JSON */ }
        this.requests.push(entry);
        const answer = this.plan.length ? this.plan.shift() : this.fallback;
        if (answer.hang) return; // never answer; the sender times out
        if (answer.drop) { req.socket.destroy(); return; }
        const send = () => {
          res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...(answer.headers || {}) });
          res.end(answer.body || 'ok');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs); else send();
      });
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}/hook`;
    return this;
  }

  // Answers the next requests with these statuses (or {status, delayMs, hang, drop, headers}).
  respond(...answers) {
    this.plan.push(...answers.map((a) => (typeof a === 'number' ? { status: a } : a)));
  }

  // Resolves with the requests when pred(requests) is true; rejects after
  // timeoutMs (the suite's one waiting helper, harness.mjs waitUntil).
  waitFor(pred, timeoutMs = 15000) {
    return waitUntil(`the receiver's condition (${this.requests.length} requests so far)`,
      () => pred(this.requests) && this.requests, { timeoutMs });
  }

  forHook(hookId) {
    return this.requests.filter((r) => r.body && r.body.hookId === hookId);
  }

  async stop() {
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server.close(r));
  }
}

// Verifies a delivery's signatures as a receiver would, from SPEC §8 alone:
//   X-Authorization-Content-SHA256 = hex HMAC-SHA256(secret, raw body)
//   X-Sociald-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>[,v1=...]
// Returns which checks passed for this secret.
export function verify(req, secret) {
  const hmac = (data) => crypto.createHmac('sha256', secret).update(data).digest('hex');
  const eq = (a, b) => typeof a === 'string' && a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const ayrshare = eq(req.headers['x-authorization-content-sha256'], hmac(req.raw));
  const previous = eq(req.headers['x-authorization-content-sha256-previous'], hmac(req.raw));
  const sig = req.headers['x-sociald-signature'] || '';
  const parts = sig.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const v1s = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
  const expected = t ? hmac(Buffer.concat([Buffer.from(`${t}.`), req.raw])) : '';
  const sociald = !!t && v1s.some((v) => eq(v, expected));
  const fresh = !!t && Math.abs(Date.now() / 1000 - Number(t)) < 300 && t === req.headers['x-authorization-timestamp'];
  return { ayrshare, previous, sociald, fresh, v1count: v1s.length };
}

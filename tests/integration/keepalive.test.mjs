// The HTTP threading mode must serve 127, 128, 129, 256 and 384 keep-alive
// clients without a stall (DESIGN.md: libmicrohttpd's epoll mode stalls at
// 128*k ready sockets). Each client holds one connection and sends its
// requests one after another; every request must be answered on the same
// connection, without "Connection: close". wrk would not notice a stall
// (it does not count unanswered requests), so this counts answers itself.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server } from './lib/harness.mjs';

const REQUESTS_PER_CLIENT = 25;
function client(port, key) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0), answered = 0, closeHeader = false, closed = false;
    const req = Buffer.from(`GET /api/user HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(req));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sep = buf.indexOf('\r\n\r\n');
        if (sep < 0) return;
        const head = buf.subarray(0, sep).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(head);
        const len = m ? Number(m[1]) : 0;
        if (buf.length < sep + 4 + len) return;
        if (!head.startsWith('HTTP/1.1 200')) return finish();
        if (/\r\nconnection:\s*close/i.test(head)) closeHeader = true;
        buf = buf.subarray(sep + 4 + len);
        answered++;
        if (answered === REQUESTS_PER_CLIENT) return finish();
        sock.write(req);
      }
    });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('error', () => finish());
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      const wasClosed = closed;
      sock.destroy();
      resolve({ answered, closeHeader, closedEarly: wasClosed && answered < REQUESTS_PER_CLIENT });
    }
  });
}

for (const threads of ['1', '0']) {
  describe(`threads=${threads === '0' ? 'one per core' : threads}`, () => {
    let srv, acct;
    before(async () => {
      srv = new Server({ args: ['--access-log', 'false', '--rate-limit', '1000000', '--threads', threads] });
      await srv.start();
      acct = srv.account('business');
    });
    after(async () => { await srv.stop(); });

    for (const n of [127, 128, 129, 256, 384]) {
      test(`${n} keep-alive clients are all served`, { timeout: 60000 }, async () => {
        const t0 = Date.now();
        const results = await Promise.all(Array.from({ length: n }, () => client(srv.port, acct.apiKey)));
        const ms = Date.now() - t0;
        const total = results.reduce((s, r) => s + r.answered, 0);
        assert.equal(total, n * REQUESTS_PER_CLIENT, `answered ${total} of ${n * REQUESTS_PER_CLIENT}`);
        assert.equal(results.filter((r) => r.closeHeader).length, 0, 'keep-alive kept');
        assert.equal(results.filter((r) => r.closedEarly).length, 0, 'no connection dropped');
        // A stall shows as seconds; a healthy run takes well under one.
        assert.ok(ms < 20000, `${n} clients took ${ms} ms`);
      });
    }
  });
}

// The access log (core/log.c): one `request` line per answer, written from
// per-thread buffers by a writer thread. Every line of a burst arrives, whole;
// when the sink stops reading (a stalled pipe on stderr), requests are still
// answered and the lines that do not fit are dropped and counted in
// sociald_log_lines_dropped_total (docs/operations.md, "Logs").
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Server, waitUntil } from './lib/harness.mjs';

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

// GET path on a kept-alive connection; resolves with {status, rid, body}.
function get(srv, path) {
  return new Promise((res, rej) => {
    const req = http.get(`${srv.url}${path}`, { agent }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => { body += c; });
      r.on('end', () => res({ status: r.statusCode, rid: r.headers['x-request-id'], body }));
    });
    req.on('error', rej);
  });
}

// n requests, 32 at a time; returns their request ids.
async function burst(srv, n, path = '/healthz') {
  const rids = [];
  for (let i = 0; i < n; i += 32) {
    const rs = await Promise.all(Array.from({ length: Math.min(32, n - i) }, () => get(srv, path)));
    for (const r of rs) {
      assert.equal(r.status, 200);
      rids.push(r.rid);
    }
  }
  return rids;
}

async function dropped(srv) {
  const r = await get(srv, '/metrics');
  assert.equal(r.status, 200);
  const m = /^sociald_log_lines_dropped_total (\d+)$/m.exec(r.body);
  assert.ok(m, 'sociald_log_lines_dropped_total is exposed');
  return Number(m[1]);
}

// Every line the server wrote is one whole JSON object: none cut or glued.
function requestLines(srv) {
  const out = [];
  for (const line of srv.logs) {
    const j = JSON.parse(line);
    if (j.msg === 'request') out.push(j);
  }
  return out;
}

describe('access log', () => {
  test('every request of a burst has its line; nothing is dropped', async () => {
    const srv = await new Server().start();
    try {
      const rids = await burst(srv, 600);
      assert.equal(new Set(rids).size, rids.length);
      await waitUntil('an access line for every request', () => {
        const seen = new Set(requestLines(srv).map((j) => j.rid));
        return rids.every((rid) => seen.has(rid));
      });
      for (const j of requestLines(srv).filter((x) => rids.includes(x.rid))) {
        assert.equal(j.route, '/healthz');
        assert.equal(j.status, 200);
        assert.equal(j.level, 'info');
      }
      assert.equal(await dropped(srv), 0);
    } finally {
      await srv.stop();
    }
  });

  test('a sink that stops reading costs dropped lines, counted, never a blocked request', async () => {
    // One HTTP thread, so that one thread's buffer fills.
    const srv = await new Server({ args: ['--threads', '1'] }).start();
    try {
      // Nobody reads the server's stderr from here on: the pipe fills, the
      // writer blocks in write(2), the thread's buffer fills.
      srv.proc.stderr.pause();
      let sent = 0;
      await waitUntil('access lines dropped', async () => {
        sent += (await burst(srv, 512)).length;
        sent += 1; // the /metrics request below
        return (await dropped(srv)) > 0;
      }, { timeoutMs: 120000, everyMs: 0 });
      srv.proc.stderr.resume();
      // Once the sink reads again, lines are written again (the first
      // requests after it may still find the buffer full).
      const later = [];
      await waitUntil('a line written after the sink reads again', async () => {
        later.push(...(await burst(srv, 1)));
        sent += 1;
        const seen = new Set(requestLines(srv).map((j) => j.rid));
        return later.some((rid) => seen.has(rid));
      });
      const lost = await dropped(srv);
      sent += 1;
      assert.ok(lost > 0);
      // Every request either has its line or was counted as dropped.
      await waitUntil('a line for every request not dropped', () => requestLines(srv).length === sent - lost);
      assert.equal(requestLines(srv).length, sent - lost);
    } finally {
      await srv.stop();
    }
  });
});

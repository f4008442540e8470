// GET /metrics (SPEC §11): an exposition Prometheus accepts — every series
// (metric name + label set) once, per-route series labelled by method,
// histograms whose buckets add up — and the optional bearer token that
// guards it (--metrics-token).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, secrets, tempDir, writeConfig, waitUntil } from './lib/harness.mjs';

// Parses the Prometheus text exposition format (version 0.0.4) strictly
// enough to catch what a scrape would refuse: returns the families (name ->
// {type, help}) and the samples ({name, labels, value}) in order, and throws
// on a malformed line, a second HELP or TYPE for one family, a TYPE after
// the family's samples, or a sample of an undeclared family.
function parseExposition(text) {
  const families = new Map();
  const samples = [];
  const seenSamples = new Set(); // families that already have samples
  const family = (name) => {
    for (const suffix of ['_bucket', '_sum', '_count', '']) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, name.length - suffix.length);
      const f = families.get(base);
      if (f && (suffix === '' || f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
    }
    return null;
  };
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'the exposition ends with a newline');
  for (const line of lines) {
    let m;
    if ((m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      const [, kind, name, rest] = m;
      const f = families.get(name) || {};
      if (kind === 'HELP') {
        assert.equal(f.help, undefined, `second HELP for ${name}`);
        f.help = rest;
      } else {
        assert.equal(f.type, undefined, `second TYPE for ${name}`);
        assert.ok(!seenSamples.has(name), `TYPE for ${name} after its samples`);
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest), line);
        f.type = rest;
      }
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue; // a comment
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? ([^ ]+)( -?[0-9]+)?$/.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    const [, name, labelText, valueText] = m;
    const labels = {};
    if (labelText) {
      let rest = labelText.slice(1, -1);
      while (rest.length) {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/.exec(rest);
        assert.ok(lm, `malformed labels in ${line}`);
        assert.ok(!(lm[1] in labels), `label ${lm[1]} twice in ${line}`);
        labels[lm[1]] = lm[2].replace(/\\(["\\n])/g, (_, c) => (c === 'n' ? '\n' : c));
        rest = rest.slice(lm[0].length);
      }
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    assert.ok(valueText === 'NaN' || !Number.isNaN(value), `bad value in ${line}`);
    const base = family(name);
    assert.ok(base, `sample of an undeclared family: ${line}`);
    seenSamples.add(base);
    samples.push({ name, base, labels, value, line });
  }
  return { families, samples };
}

const seriesKey = (name, labels) =>
  name + '{' + Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',') + '}';

// Every series once; every histogram's buckets cumulative, the same bounds
// for each of its label sets, ending in +Inf = _count, with a _sum.
function checkExposition(text) {
  const { families, samples } = parseExposition(text);
  const seen = new Map();
  for (const s of samples) {
    const k = seriesKey(s.name, s.labels);
    assert.ok(!seen.has(k), `series repeated: ${k}\n  ${seen.get(k)}\n  ${s.line}`);
    seen.set(k, s.line);
  }
  for (const [base, f] of families) {
    assert.ok(f.help !== undefined && f.type !== undefined, `${base} lacks HELP or TYPE`);
    if (f.type !== 'histogram') continue;
    const groups = new Map();
    for (const s of samples.filter((x) => x.base === base)) {
      const { le, ...rest } = s.labels;
      const g = groups.get(seriesKey('', rest)) || { buckets: [], sum: null, count: null };
      if (s.name === base + '_bucket') {
        assert.ok(le !== undefined, `bucket without le: ${s.line}`);
        g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
      } else {
        assert.equal(le, undefined, `le outside a bucket: ${s.line}`);
        if (s.name === base + '_sum') g.sum = s.value;
        else g.count = s.value;
      }
      groups.set(seriesKey('', rest), g);
    }
    let bounds = null;
    for (const [labels, g] of groups) {
      assert.ok(g.buckets.length > 0 && g.sum !== null && g.count !== null, `${base}${labels}: buckets, _sum and _count`);
      for (let i = 1; i < g.buckets.length; i++) {
        assert.ok(g.buckets[i][0] > g.buckets[i - 1][0], `${base}${labels}: bounds ascend`);
        assert.ok(g.buckets[i][1] >= g.buckets[i - 1][1], `${base}${labels}: buckets are cumulative`);
      }
      const last = g.buckets[g.buckets.length - 1];
      assert.equal(last[0], Infinity, `${base}${labels}: the last bucket is +Inf`);
      assert.equal(last[1], g.count, `${base}${labels}: +Inf = _count`);
      assert.ok(g.sum >= 0);
      const b = JSON.stringify(g.buckets.map(([le]) => le));
      if (bounds === null) bounds = b;
      assert.equal(b, bounds, `${base}${labels}: the same bounds as the other series`);
    }
  }
  return { families, samples };
}

describe('the exposition', () => {
  let srv, acct;
  before(async () => { srv = new Server(); await srv.start(); acct = srv.account('business'); });
  after(async () => { await srv.stop(); });

  test('several methods on one path: one series per route, method and status; histograms consistent', async () => {
    const key = acct.apiKey;
    const made = await srv.api('/api/profiles', { method: 'POST', key, body: { title: 'metrics one' } });
    assert.equal(made.status, 200, made.text);
    secrets.add(made.json.profileKey);
    const second = await srv.api('/api/profiles', { method: 'POST', key, body: { title: 'metrics two' } });
    assert.equal(second.status, 200, second.text);
    secrets.add(second.json.profileKey);
    assert.equal((await srv.api('/api/profiles', { key })).status, 200);
    assert.equal((await srv.api('/api/profiles', { key })).status, 200);
    assert.equal((await srv.api('/api/profiles', { method: 'PATCH', key, profileKey: made.json.profileKey, body: { title: 'metrics 1' } })).status, 200);
    assert.equal((await srv.api('/api/profiles', { method: 'DELETE', key, profileKey: second.json.profileKey })).status, 200);
    // one row, two methods
    assert.equal((await srv.api('/api/profiles/profile', { method: 'PUT', key, profileKey: made.json.profileKey, body: { title: 'metrics 1a' } })).status, 200);
    assert.equal((await srv.api('/api/profiles/profile', { method: 'PATCH', key, profileKey: made.json.profileKey, body: { title: 'metrics 1b' } })).status, 200);
    // no route: 404 and 405 under several methods
    assertError(await srv.api('/api/profiles', { method: 'PUT', key }), 405, 602);
    assertError(await srv.api('/api/nope', { key }), 404, 601);
    assertError(await srv.api('/api/nope', { method: 'POST', key, body: {} }), 404, 601);
    assert.equal((await srv.api('/healthz', { method: 'HEAD' })).status, 200);

    // A request is counted once its last byte is sent, a moment after the
    // client may have read it: wait until all twelve are counted.
    let text;
    const { samples } = await waitUntil('the twelve requests counted', async () => {
      const res = await fetch(srv.url + '/metrics');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
      text = await res.text();
      const parsed = checkExposition(text);
      const counted = parsed.samples.filter((x) => x.name === 'sociald_http_requests_total' && x.labels.route !== '/metrics')
        .reduce((n, x) => n + x.value, 0);
      return counted >= 12 && parsed;
    });

    const requests = samples.filter((s) => s.name === 'sociald_http_requests_total');
    for (const s of requests) assert.deepEqual(Object.keys(s.labels).sort(), ['method', 'route', 'status'], s.line);
    for (const s of samples.filter((x) => x.base === 'sociald_http_request_duration_seconds')) {
      assert.ok(s.labels.method && s.labels.route, s.line);
    }
    const count = (route, method, status) =>
      requests.find((s) => s.labels.route === route && s.labels.method === method && s.labels.status === status)?.value;
    assert.equal(count('/api/profiles', 'POST', '200'), 2, text);
    assert.equal(count('/api/profiles', 'GET', '200'), 2, text);
    assert.equal(count('/api/profiles', 'PATCH', '200'), 1, text);
    assert.equal(count('/api/profiles', 'DELETE', '200'), 1, text);
    assert.equal(count('/api/profiles/profile', 'PUT', '200'), 1, text);
    assert.equal(count('/api/profiles/profile', 'PATCH', '200'), 1, text);
    assert.equal(count('(none)', 'PUT', '405'), 1, text);
    assert.equal(count('(none)', 'GET', '404'), 1, text);
    assert.equal(count('(none)', 'POST', '404'), 1, text);
    assert.equal(count('/healthz', 'HEAD', '200'), 1, text);
    const hcount = (route, method) => samples.find((s) => s.name === 'sociald_http_request_duration_seconds_count' &&
      s.labels.route === route && s.labels.method === method)?.value;
    assert.equal(hcount('/api/profiles', 'GET'), 2);
    assert.equal(hcount('/api/profiles', 'POST'), 2);
    assert.equal(hcount('/api/profiles/profile', 'PUT'), 1);
  });
});

describe('--metrics-token', () => {
  const TOKEN = 'mt-4f1c9e0a7b2d4c6e8f0a1b3c5d7e9f11';
  secrets.add(TOKEN);

  const refused = (r) => assertError(r, 401, 102, 'request');

  async function check(srv) {
    refused(await srv.api('/metrics'));
    refused(await srv.api('/metrics', { key: 'wrong-token' }));
    refused(await srv.api('/metrics', { key: TOKEN.slice(0, -1) }));
    refused(await srv.api('/metrics', { key: TOKEN + 'x' }));
    refused(await srv.api('/metrics', { headers: { Authorization: `Basic ${TOKEN}` } }));
    const ok = await srv.api('/metrics', { key: TOKEN });
    assert.equal(ok.status, 200, ok.text);
    checkExposition(ok.text);
    assert.match(ok.text, /^# HELP sociald_http_requests_total /m);
    // the other routes do not take the metrics token
    assert.equal((await srv.api('/healthz')).status, 200);
    assertError(await srv.api('/api/user', { key: TOKEN }), 401, 102, 'user');
  }

  test('flag: no token or a wrong one is refused (401/102), the right one answers', async () => {
    const srv = new Server({ args: ['--metrics-token', TOKEN] });
    await srv.start();
    try { await check(srv); } finally { await srv.stop(); }
  });

  test('environment (SOCIALD_METRICS_TOKEN) and config file (metrics_token)', async () => {
    const env = new Server({ env: { SOCIALD_METRICS_TOKEN: TOKEN } });
    await env.start();
    try { await check(env); } finally { await env.stop(); }
    const dir = tempDir();
    const file = writeConfig(dir, { metrics_token: TOKEN });
    const conf = new Server({ args: ['--config', file] });
    await conf.start();
    try { await check(conf); } finally { await conf.stop(); }
  });

  test('without a token /metrics stays open', async () => {
    const srv = new Server();
    await srv.start();
    try {
      const r = await srv.api('/metrics');
      assert.equal(r.status, 200);
      const k = await srv.api('/metrics', { key: 'anything' });
      assert.equal(k.status, 200);
    } finally { await srv.stop(); }
  });
});

// tests/s3/sigv4.mjs: AWS Signature Version 4 for the tests' S3 server
// (checking) and client (signing), written from the AWS documentation
// independently of sociald's src/crypto/sigv4.c.
import { createHash, createHmac } from 'node:crypto';

// RFC 3986 encoding as SigV4 wants it: unreserved kept, the rest %XX.
export function uriEncode(s, keepSlash) {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function decode(s) {
  try { return decodeURIComponent(s); } catch { return null; }
}

// The canonical query: every pair decoded then encoded, sorted by name
// then value, "name=value" also when the value is empty.
export function canonicalQuery(raw, drop) {
  const pairs = [];
  for (const p of (raw || '').split('&')) {
    if (!p) continue;
    const i = p.indexOf('=');
    const k = decode(i < 0 ? p : p.slice(0, i));
    const v = decode(i < 0 ? '' : p.slice(i + 1));
    if (k === null || v === null) return null;
    if (k === drop) continue;
    pairs.push([uriEncode(k, false), uriEncode(v, false)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function canonicalUri(rawPath) {
  const segs = rawPath.split('/').map(decode);
  if (segs.includes(null)) return null;
  return segs.map((s) => uriEncode(s, false)).join('/');
}

const hmac = (key, s) => createHmac('sha256', key).update(s, 'utf8').digest();
export const sha256hex = (b) => createHash('sha256').update(b).digest('hex');

export function amzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

// The signature of a request (hex), or null when its path or query cannot
// be decoded. scope: [accessKey, yyyymmdd, region, service, 'aws4_request'].
export function signature({ method, url, headers, date, scope, signedHeaders, payloadHash, query, secretKey }) {
  const i = url.indexOf('?');
  const uri = canonicalUri(i < 0 ? url : url.slice(0, i));
  const cq = canonicalQuery(i < 0 ? '' : url.slice(i + 1), query ? 'X-Amz-Signature' : undefined);
  if (uri === null || cq === null) return null;
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${String(headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const creq = [method, uri, cq, canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
  if (process.env.S3_DEBUG) process.stderr.write(JSON.stringify({ msg: 'canonical request', creq }) + '\n');
  const sts = ['AWS4-HMAC-SHA256', date, scope.slice(1).join('/'), sha256hex(creq)].join('\n');
  let key = hmac('AWS4' + secretKey, scope[1]);
  for (const part of scope.slice(2)) key = hmac(key, part);
  return hmac(key, sts).toString('hex');
}

// Headers that sign a request made now with header auth (for the tests'
// own calls to the store): {host, x-amz-date, x-amz-content-sha256,
// authorization}.
export function signRequest({ method, url, body = Buffer.alloc(0), accessKey, secretKey, region = 'us-east-1' }) {
  const u = new URL(url);
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const headers = { host: u.host, 'x-amz-date': date, 'x-amz-content-sha256': sha256hex(body) };
  const signedHeaders = Object.keys(headers).sort();
  const scope = [accessKey, date.slice(0, 8), region, 's3', 'aws4_request'];
  const sig = signature({ method, url: u.pathname + u.search, headers, date, scope, signedHeaders, payloadHash: headers['x-amz-content-sha256'], secretKey });
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${scope.join('/')}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  return headers;
}

#!/usr/bin/env node
// tests/s3/server.mjs: the S3 implementation the suite and bench/batch use.
//
// s3rver (npm, 3.7.1) stores objects and multipart uploads on disk, but it
// does not check Signature Version 4 at all (its lib/middleware/
// authentication.js: "Signature version 4 calculation is unimplemented"; it
// accepts any v4 signature), and it lacks ListMultipartUploads and
// AbortMultipartUpload. This wrapper adds, in front of its router:
//   - a SigV4 check of every request, written here from the AWS
//     documentation independently of sociald's C code: header auth (with
//     x-amz-content-sha256 required and checked against the body unless
//     UNSIGNED-PAYLOAD) and query auth (pre-signed URLs, expiry ≤ 7 days,
//     refused once expired). Anonymous requests are refused.
//   - GET /<bucket>?uploads (ListMultipartUploads, prefix filter) and
//     DELETE /<bucket>/<key>?uploadId= (AbortMultipartUpload), on s3rver's
//     own upload directories.
//
//   node tests/s3/server.mjs --dir DIR [--port 0] [--bucket NAME]...
//     [--access-key K --secret-key S] [--session-token T] [--region R]
// Prints {"msg":"listening","port":N} on stderr once it accepts requests,
// then one JSON line per request ({"msg":"request",...}).
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { amzDate, decode, sha256hex, signature as sign } from './sigv4.mjs';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');

const opts = { port: 0, dir: null, buckets: [], accessKey: 'S3RVER', secretKey: 'S3RVER', token: null, region: 'us-east-1' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const v = argv[i + 1];
  switch (argv[i]) {
    case '--port': opts.port = Number(v); break;
    case '--dir': opts.dir = v; break;
    case '--bucket': opts.buckets.push(v); break;
    case '--access-key': opts.accessKey = v; break;
    case '--secret-key': opts.secretKey = v; break;
    case '--session-token': opts.token = v; break;
    case '--region': opts.region = v; break;
    default: console.error(`unknown option ${argv[i]}`); process.exit(2);
  }
}
if (!opts.dir) { console.error('--dir is required'); process.exit(2); }
// s3rver knows one account, S3RVER; requests signed with our key reach it
// re-labelled after our check (it verifies nothing of v4 but the key id).
const S3RVER_KEY = 'S3RVER';

const log = (o) => process.stderr.write(JSON.stringify(o) + '\n');

function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

function fail(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  log({ msg: 'refused', method: ctx.method, url: ctx.url, code, message });
}

function sameHex(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.length === b.length &&
    timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

// Checks the credential scope <key>/<yyyymmdd>/<region>/s3/aws4_request.
function scopeOk(ctx, cred, date) {
  const scope = (cred || '').split('/');
  if (scope.length !== 5 || scope[0] !== opts.accessKey) {
    fail(ctx, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    return null;
  }
  if (scope[1] !== date.slice(0, 8) || scope[2] !== opts.region || scope[3] !== 's3' || scope[4] !== 'aws4_request') {
    fail(ctx, 400, 'AuthorizationHeaderMalformed', `bad credential scope ${scope.slice(1).join('/')}`);
    return null;
  }
  return scope;
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

// Lets s3rver read a body this wrapper has already read.
function replay(ctx, body) {
  const r = Readable.from(body.length ? [body] : []);
  r.headers = ctx.req.headers;
  r.url = ctx.req.url;
  r.method = ctx.req.method;
  ctx.req = r;
}

async function checkHeaderAuth(ctx) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(ctx.get('authorization'));
  if (!m) return fail(ctx, 400, 'AuthorizationHeaderMalformed', 'the Authorization header is not AWS4-HMAC-SHA256');
  const date = ctx.get('x-amz-date');
  const t = amzDate(date);
  if (Number.isNaN(t)) return fail(ctx, 403, 'AccessDenied', 'x-amz-date is missing or malformed');
  if (Math.abs(Date.now() - t) > 15 * 60 * 1000) return fail(ctx, 403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  const scope = scopeOk(ctx, m[1], date);
  if (!scope) return;
  const signed = m[2].split(';');
  const unsigned = Object.keys(ctx.req.headers).filter((h) => (h.startsWith('x-amz-') || h === 'host') && !signed.includes(h));
  if (unsigned.length) return fail(ctx, 403, 'AccessDenied', `headers not signed: ${unsigned.join(',')}`);
  if (opts.token && ctx.get('x-amz-security-token') !== opts.token) return fail(ctx, 403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  const payloadHash = ctx.get('x-amz-content-sha256');
  if (!payloadHash) return fail(ctx, 400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (payloadHash !== 'UNSIGNED-PAYLOAD') {
    const body = await readBody(ctx.req);
    if (sha256hex(body) !== payloadHash) return fail(ctx, 400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    replay(ctx, body);
  }
  const want = sign({ method: ctx.method, url: ctx.req.url, headers: ctx.req.headers, date, scope, signedHeaders: signed, payloadHash, secretKey: opts.secretKey });
  if (!sameHex(want, m[3])) return fail(ctx, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  return true;
}

function checkQueryAuth(ctx) {
  const q = ctx.query;
  if (q['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') return fail(ctx, 400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const date = q['X-Amz-Date'];
  const t = amzDate(date);
  const expires = Number(q['X-Amz-Expires']);
  if (Number.isNaN(t) || !Number.isInteger(expires) || typeof q['X-Amz-Signature'] !== 'string' || typeof q['X-Amz-SignedHeaders'] !== 'string') {
    return fail(ctx, 400, 'AuthorizationQueryParametersError', 'Query-string authentication version 4 requires X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.');
  }
  if (expires < 1 || expires > 604800) return fail(ctx, 400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  if (Date.now() > t + expires * 1000) return fail(ctx, 403, 'AccessDenied', 'Request has expired');
  if (t - Date.now() > 15 * 60 * 1000) return fail(ctx, 403, 'AccessDenied', 'Request is not valid yet');
  const scope = scopeOk(ctx, q['X-Amz-Credential'], date);
  if (!scope) return;
  if (opts.token && q['X-Amz-Security-Token'] !== opts.token) return fail(ctx, 403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  const signed = q['X-Amz-SignedHeaders'].split(';');
  if (!signed.includes('host')) return fail(ctx, 400, 'AuthorizationQueryParametersError', 'host must be signed');
  const want = sign({ method: ctx.method, url: ctx.req.url, headers: ctx.req.headers, date, scope, signedHeaders: signed, payloadHash: 'UNSIGNED-PAYLOAD', query: true, secretKey: opts.secretKey });
  if (!sameHex(want, q['X-Amz-Signature'])) return fail(ctx, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  return true;
}

function uploadsDir(store, bucket) {
  return store.getResourcePath(bucket, undefined, 'uploads');
}

// GET /<bucket>?uploads: the multipart uploads not completed or aborted.
function listUploads(ctx, bucket) {
  const dir = uploadsDir(ctx.app.store, bucket);
  const prefix = ctx.query.prefix || '';
  const rows = [];
  for (const id of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    let key;
    try { key = fs.readFileSync(path.join(dir, id, 'key'), 'utf8'); } catch { continue; }
    if (!key.startsWith(prefix)) continue;
    const initiated = fs.statSync(path.join(dir, id, 'key')).mtime.toISOString();
    rows.push({ key, id, initiated });
  }
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1));
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>' +
    `<Bucket>${xmlEscape(bucket)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix><IsTruncated>false</IsTruncated>` +
    rows.map((r) => `<Upload><Key>${xmlEscape(r.key)}</Key><UploadId>${r.id}</UploadId><Initiated>${r.initiated}</Initiated></Upload>`).join('') +
    '</ListMultipartUploadsResult>';
}

// DELETE /<bucket>/<key>?uploadId=: drops the upload and its parts.
function abortUpload(ctx, bucket, key) {
  const id = ctx.query.uploadId;
  const dir = path.join(uploadsDir(ctx.app.store, bucket), /^[0-9a-f]+$/.test(id) ? id : '.invalid');
  let stored = null;
  try { stored = fs.readFileSync(path.join(dir, 'key'), 'utf8'); } catch { /* none */ }
  if (stored !== key) return fail(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
  fs.rmSync(dir, { recursive: true, force: true });
  ctx.status = 204;
}

const completingNow = new Set(); // paths whose multipart upload is being completed

const app = new S3rver({
  port: opts.port,
  address: '127.0.0.1',
  directory: opts.dir,
  silent: true,
  configureBuckets: opts.buckets.map((name) => ({ name })),
});

// Runs before s3rver's own middleware (its logger, XML encoder, router).
app.middleware.unshift(async (ctx, next) => {
  const started = Date.now();
  const auth = ctx.get('authorization') ? checkHeaderAuth : 'X-Amz-Algorithm' in ctx.query ? checkQueryAuth : null;
  if (!auth) {
    fail(ctx, 403, 'AccessDenied', 'Anonymous access is forbidden for this operation');
  } else if ((await auth(ctx)) === true) {
    // Hand s3rver the one key id it knows (it checks nothing else of v4).
    if (ctx.get('authorization')) ctx.req.headers.authorization = ctx.get('authorization').replace(/Credential=[^/]+/, `Credential=${S3RVER_KEY}`);
    else ctx.query = { ...ctx.query, 'X-Amz-Credential': ctx.query['X-Amz-Credential'].replace(/^[^/]+/, S3RVER_KEY) };
    const segs = ctx.path.split('/').slice(1);
    if (segs.length === 2 && segs[1] === '') segs.pop(); // /bucket/ is /bucket
    const bucket = decode(segs[0]);
    const key = decode(segs.slice(1).join('/'));
    const completing = ctx.method === 'POST' && key && 'uploadId' in ctx.query;
    if (ctx.method === 'GET' && segs.length === 1 && 'uploads' in ctx.query) listUploads(ctx, bucket);
    // s3rver writes a completed object in place, part after part: S3 shows
    // an object only whole, so until the completion ends it is not there.
    else if ((ctx.method === 'GET' || ctx.method === 'HEAD') && key && completingNow.has(ctx.path)) fail(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
    else if (completing) {
      completingNow.add(ctx.path);
      try { await next(); } finally { completingNow.delete(ctx.path); }
    }
    else if (ctx.method === 'DELETE' && key && 'uploadId' in ctx.query) abortUpload(ctx, bucket, key);
    else await next();
  }
  log({ msg: 'request', method: ctx.method, path: ctx.path, query: ctx.querystring.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=…'), status: ctx.status, ms: Date.now() - started });
});

app.on('error', (err) => { if (err?.code !== 'NoSuchKey') log({ msg: 'error', error: String(err && err.stack) }); });
const { port } = await app.run();
log({ msg: 'listening', port });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => app.close().then(() => process.exit(0)));

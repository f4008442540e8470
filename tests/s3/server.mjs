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
//   - PUT ...?partNumber=&uploadId= (UploadPart) and POST ...?uploadId=
//     (CompleteMultipartUpload) as S3 does them: parts and ETags checked,
//     the object shown only whole, S3's multipart ETag, and the bytes
//     written once (see uploadPart).
//
//   node tests/s3/server.mjs --dir DIR [--port 0] [--bucket NAME]...
//     [--access-key K --secret-key S] [--session-token T] [--region R]
// Prints {"msg":"listening","port":N} on stderr once it accepts requests,
// then one JSON line per request ({"msg":"request",...}).
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { amzDate, decode, signature as sign } from './sigv4.mjs';

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

// Reads a body as its chunks (not copied into one buffer: parts are 8-64
// MiB) and their SHA-256.
async function readBody(req) {
  const chunks = [];
  const h = createHash('sha256');
  for await (const c of req) {
    chunks.push(c);
    h.update(c);
  }
  return { chunks, sha256: h.digest('hex') };
}

// Lets s3rver read a body this wrapper has already read.
function replay(ctx, chunks) {
  const r = Readable.from(chunks);
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
    if (body.sha256 !== payloadHash) return fail(ctx, 400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    replay(ctx, body.chunks);
    ctx.state.body = body.chunks;
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

// Multipart uploads as S3 keeps them, not as s3rver does. s3rver writes each
// part to a file of its own, ignores the parts' ETags at completion, then
// writes the object in place part after part (visible half written) and
// reads every byte back through an MD5 for an ETag S3 would not give: an
// upload's bytes cross the disk three times and the object shows before it
// is whole. Here an upload's parts are appended as they come to one file in
// its directory (<N>.md5 and <N>.at, "offset length", record where each
// is); the completion checks the list as S3 does (ascending part numbers,
// each part's ETag, parts but the last >= 5 MiB) and, when the listed parts
// lie in that file in order and end to end (one client sending its parts in
// turn), renames the file into place: the object appears whole at once.
// Otherwise (a part sent again, parts out of order) it copies the listed
// ranges into a new file first. The ETag is S3's for a multipart object:
// the MD5 of the parts' binary MD5s, "-", the number of parts.
const MIN_PART = 5 * 1024 * 1024;

function uploadOf(ctx, bucket, key) {
  const id = ctx.query.uploadId;
  const dir = path.join(uploadsDir(ctx.app.store, bucket), /^[0-9a-f]+$/.test(id) ? id : '.invalid');
  let stored = null;
  try { stored = fs.readFileSync(path.join(dir, 'key'), 'utf8'); } catch { /* none */ }
  if (stored !== key) {
    fail(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    return null;
  }
  return dir;
}

// PUT /<bucket>/<key>?partNumber=N&uploadId=: UploadPart.
async function uploadPart(ctx, bucket, key) {
  const n = Number(ctx.query.partNumber);
  if (!Number.isInteger(n) || n < 1 || n > 10000) return fail(ctx, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  const dir = uploadOf(ctx, bucket, key);
  if (!dir) return;
  const chunks = ctx.state.body || (await readBody(ctx.req)).chunks;
  const md5 = createHash('md5');
  // One synchronous append: parts of concurrent requests never interleave.
  const fd = fs.openSync(path.join(dir, 'data'), 'a');
  let at;
  let len = 0;
  try {
    at = fs.fstatSync(fd).size;
    for (const c of chunks) {
      md5.update(c);
      for (let off = 0; off < c.length;) off += fs.writeSync(fd, c, off);
      len += c.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  const etag = md5.digest('hex');
  fs.writeFileSync(path.join(dir, `${n}.at`), `${at} ${len}`);
  fs.writeFileSync(path.join(dir, `${n}.md5`), etag);
  ctx.status = 200;
  ctx.set('ETag', `"${etag}"`);
  ctx.body = '';
}

// Copies the listed ranges of the upload's file into a new one.
function copyRanges(dir, ranges) {
  const out = path.join(dir, 'joined');
  const src = fs.openSync(path.join(dir, 'data'), 'r');
  const dst = fs.openSync(out, 'w');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (const r of ranges) {
      for (let done = 0; done < r.len;) {
        const got = fs.readSync(src, buf, 0, Math.min(buf.length, r.len - done), r.at + done);
        if (got <= 0) throw new Error('short part');
        for (let off = 0; off < got;) off += fs.writeSync(dst, buf, off, got - off);
        done += got;
      }
    }
  } finally {
    fs.closeSync(src);
    fs.closeSync(dst);
  }
  return out;
}

// POST /<bucket>/<key>?uploadId=: CompleteMultipartUpload.
async function completeUpload(ctx, bucket, key) {
  const store = ctx.app.store;
  const dir = uploadOf(ctx, bucket, key);
  if (!dir) return;
  const xml = Buffer.concat(ctx.state.body || (await readBody(ctx.req)).chunks).toString('utf8');
  const malformed = () => fail(ctx, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  const parts = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const n = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]);
    const e = /<ETag>([^<]*)<\/ETag>/.exec(m[1]);
    if (!n || !e) return malformed();
    parts.push({ number: Number(n[1]), etag: e[1].replace(/&quot;|"/g, '').trim() });
  }
  if (!/<CompleteMultipartUpload[\s>]/.test(xml) || !parts.length) return malformed();
  if (parts.some((p, i) => i && p.number <= parts[i - 1].number)) return fail(ctx, 400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
  const md5s = [];
  const ranges = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    let md5 = null;
    let at = null;
    try {
      md5 = fs.readFileSync(path.join(dir, `${p.number}.md5`), 'utf8');
      at = fs.readFileSync(path.join(dir, `${p.number}.at`), 'utf8').split(' ').map(Number);
    } catch { /* no such part */ }
    if (md5 === null || at === null || md5 !== p.etag) return fail(ctx, 400, 'InvalidPart', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
    if (i < parts.length - 1 && at[1] < MIN_PART) return fail(ctx, 400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    md5s.push(Buffer.from(md5, 'hex'));
    ranges.push({ at: at[0], len: at[1] });
  }
  const inPlace = ranges.every((r, i) => r.at === (i ? ranges[i - 1].at + ranges[i - 1].len : 0));
  let file;
  if (inPlace) {
    file = path.join(dir, 'data');
    const last = ranges[ranges.length - 1];
    fs.truncateSync(file, last.at + last.len);
  } else {
    file = copyRanges(dir, ranges);
  }
  const etag = createHash('md5').update(Buffer.concat(md5s)).digest('hex') + `-${parts.length}`;
  const objectPath = store.getResourcePath(bucket, key, 'object');
  fs.mkdirSync(path.dirname(objectPath), { recursive: true });
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'metadata'), 'utf8'));
  await store.putMetadata(bucket, key, metadata, etag);
  fs.renameSync(file, objectPath);
  fs.rmSync(dir, { recursive: true, force: true });
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult>' +
    `<Location>${xmlEscape(ctx.href.split('?')[0])}</Location><Bucket>${xmlEscape(bucket)}</Bucket>` +
    `<Key>${xmlEscape(key)}</Key><ETag>&quot;${etag}&quot;</ETag></CompleteMultipartUploadResult>`;
}

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
    if (ctx.method === 'GET' && segs.length === 1 && 'uploads' in ctx.query) listUploads(ctx, bucket);
    else if (ctx.method === 'PUT' && key && 'uploadId' in ctx.query) await uploadPart(ctx, bucket, key);
    else if (ctx.method === 'POST' && key && 'uploadId' in ctx.query) await completeUpload(ctx, bucket, key);
    else if (ctx.method === 'DELETE' && key && 'uploadId' in ctx.query) abortUpload(ctx, bucket, key);
    else await next();
  }
  log({ msg: 'request', method: ctx.method, path: ctx.path, query: ctx.querystring.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=…'), status: ctx.status, ms: Date.now() - started });
});

app.on('error', (err) => { if (err?.code !== 'NoSuchKey') log({ msg: 'error', error: String(err && err.stack) }); });
const { port } = await app.run();
log({ msg: 'listening', port });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => app.close().then(() => process.exit(0)));

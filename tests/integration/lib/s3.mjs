// An S3-compatible store for the tests: tests/s3/server.mjs (s3rver with
// SigV4 checks and the multipart calls it lacks) in a child process on a
// free port, its objects in a temporary directory; plus a signed client for
// what the tests look at (objects, pending multipart uploads).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listeningPort, tempDir, waitUntil } from './harness.mjs';
import { signRequest } from '../../s3/sigv4.mjs';

const SERVER = fileURLToPath(new URL('../../s3/server.mjs', import.meta.url));

export class S3 {
  constructor({ bucket = 'sociald-exports', accessKey = 'AKIDSOCIALDTEST', secretKey = 'sociald/test+secret', sessionToken } = {}) {
    Object.assign(this, { bucket, accessKey, secretKey, sessionToken });
    this.logs = [];
  }

  async start() {
    this.dir = tempDir('sociald-s3-');
    const args = [SERVER, '--dir', this.dir, '--bucket', this.bucket, '--access-key', this.accessKey, '--secret-key', this.secretKey];
    if (this.sessionToken) args.push('--session-token', this.sessionToken);
    this.proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((res) => this.proc.on('exit', res));
    this.port = await listeningPort(this.proc, this.logs, 'the S3 server');
    this.endpoint = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    if (this.proc) { this.proc.kill('SIGTERM'); await this.exited; this.proc = null; }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  // The environment a sociald process needs to use this store.
  env(extra = {}) {
    const e = { AWS_ENDPOINT_URL: this.endpoint, AWS_ACCESS_KEY_ID: this.accessKey, AWS_SECRET_ACCESS_KEY: this.secretKey, AWS_REGION: 'us-east-1', ...extra };
    if (this.sessionToken) e.AWS_SESSION_TOKEN = this.sessionToken;
    return e;
  }

  // The store's request log lines ({msg:'request', method, path, query, status}).
  requests(pred = () => true) {
    return this.logs.map((l) => { try { return JSON.parse(l); } catch { return null; } })
      .filter((j) => j && j.msg === 'request' && pred(j));
  }

  // A signed request to the store: {status, headers, body (Buffer), text}.
  call(method, path, { body } = {}) {
    const url = this.endpoint + path;
    const headers = signRequest({ method, url, body, accessKey: this.accessKey, secretKey: this.secretKey });
    if (this.sessionToken) throw new Error('signRequest does not sign session tokens');
    return get(url, { method, headers, body });
  }

  // Keys under prefix (ListObjectsV2).
  async keys(prefix) {
    const q = `list-type=2&prefix=${encodeURIComponent(prefix)}`;
    const r = await this.call('GET', `/${this.bucket}?${q}`);
    if (r.status !== 200) throw new Error(`list: ${r.status} ${r.text}`);
    return [...r.text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
  }

  // Pending multipart uploads under prefix: [{key, uploadId}].
  async uploads(prefix) {
    const r = await this.call('GET', `/${this.bucket}?prefix=${encodeURIComponent(prefix)}&uploads=`);
    if (r.status !== 200) throw new Error(`list uploads: ${r.status} ${r.text}`);
    return [...r.text.matchAll(/<Upload><Key>([^<]*)<\/Key><UploadId>([^<]*)<\/UploadId>/g)].map((m) => ({ key: m[1], uploadId: m[2] }));
  }
}

// An HTTP request to a full URL: {status, headers, body (Buffer), text}.
export function get(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: b, text: b.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export { waitUntil };

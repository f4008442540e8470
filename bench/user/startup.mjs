// Prints the milliseconds from spawning `sociald serve` to its first
// answered request, then leaves the server running (its pid on stdout).
// EXTRA_ARGS (space-separated) adds options, for trying one by hand
// (EXTRA_ARGS="--threads 1" node bench/user/startup.mjs ...).
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
const [bin, data, port, log] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const err = openSync(log, 'a');
const child = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`,
  '--rate-limit', '100000000', '--access-log', process.env.ACCESS_LOG || 'false',
  '--cache-warm', process.env.CACHE_WARM || 'true', ...(process.env.EXTRA_ARGS ? process.env.EXTRA_ARGS.split(' ') : [])],
  { stdio: ['ignore', 'ignore', err], detached: true });
let exited = false;
child.on('exit', () => { exited = true; });
child.unref();
for (;;) {
  if (exited || process.hrtime.bigint() - t0 > 30000000000n) {
    console.error(`sociald did not start; see ${log}`);
    process.exit(1);
  }
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (r.status === 200) break;
  } catch { /* not listening yet */ }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${child.pid} ${ms.toFixed(1)}`);
process.exit(0);

// wrk as the load generator for small GET/HEAD requests: a Node client saturates one core near 12k
// req/s, below what a fast registry can serve, while wrk (C, epoll) goes past 30k on this machine.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

export function hasWrk() {
  const r = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return !r.error; // wrk --version exits 1, but it ran
}

// Rotates over `paths` so the server cannot answer from a single hot entry.
function luaScript(method, headers, paths) {
  const q = (s) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here
  return [
    `wrk.method = ${q(method)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${q(k)}] = ${q(v)}`),
    `local paths = { ${paths.map(q).join(', ')} }`,
    'local i = 0',
    'request = function()',
    '  i = i % #paths + 1',
    '  return wrk.format(nil, paths[i])',
    'end',
    '',
  ].join('\n');
}

const toMs = (s) => {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s || '');
  return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]] : null;
};

/**
 * Runs wrk against base+paths; returns { ops, seconds, p50, p99 }. Non-2xx answers are an error, unless
 * `refusals` is set: then every answer must be one (wrk only counts them; the caller checks the status
 * once with its own client).
 */
export async function runWrk({ base, paths, method = 'GET', headers = {}, seconds, connections, dir, refusals }) {
  const script = path.join(dir, `wrk-${process.pid}-${Date.now()}.lua`);
  fs.writeFileSync(script, luaScript(method, headers, paths));
  const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', '-s', script, base];
  const out = await new Promise((resolve, reject) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    p.stderr.on('data', (d) => (s += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`wrk exited ${code}: ${s.slice(-300)}`))));
  });
  fs.rmSync(script, { force: true });
  const grab = (re) => re.exec(out)?.[1];
  const bad = Number(grab(/Non-2xx or 3xx responses:\s+(\d+)/) || 0);
  const ops = Number(grab(/(\d+) requests in/));
  if (refusals ? bad !== ops : bad) {
    throw new Error(`wrk: ${bad} non-2xx/3xx responses of ${ops} for ${method} ${paths[0]}`);
  }
  const errors = grab(/Socket errors:([^\n]+)/);
  if (errors && /timeout [1-9]/.test(errors)) throw new Error(`wrk: socket errors:${errors}`);
  return {
    ops,
    seconds: toMs(grab(/requests in ([\d.]+[a-z]+),/)) / 1000, // wrk writes 1.00m past a minute
    p50: toMs(grab(/^\s+50%\s+(\S+)/m)),
    p99: toMs(grab(/^\s+99%\s+(\S+)/m)),
  };
}

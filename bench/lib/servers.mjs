// Starting and stopping the servers under test. Every server gets a fresh temp dir and a free loopback
// port, and is stopped by stopAll() whatever happens (the runner calls it on exit, error and Ctrl-C).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { request } from './http.mjs';

const children = new Set();

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function launch(name, cmd, args, { dir, env, stdio } = {}) {
  const log = path.join(dir, `${name}.log`);
  const fd = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', stdio || fd, fd] });
  fs.closeSync(fd);
  const proc = { name, child, pid: child.pid, log, exited: false };
  child.on('exit', () => {
    proc.exited = true;
    children.delete(proc);
  });
  children.add(proc);
  return proc;
}

// Polls GET /v2/ until the registry answers, so scenarios never measure a half-started server.
async function waitReady(proc, url, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exited) break;
    try {
      const r = await request(`${url}/v2/`, { timeoutMs: 2000 });
      if (r.status === 200 || r.status === 401) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = fs.existsSync(proc.log) ? fs.readFileSync(proc.log, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(
    `${proc.name} did not come up on ${url}${proc.exited ? ' (it exited)' : ''}; log ${proc.log}:\n${tail}`,
  );
}

export function referenceVersion() {
  try {
    return execFileSync('docker-registry', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** CNCF distribution (Debian `docker-registry`), configured like the harness baseline. */
export async function startReference(root) {
  const dir = fs.mkdtempSync(path.join(root, 'reference-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true', // the access log costs CPU per request and is not part of what we compare
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      '  cache:',
      '    blobdescriptor: inmemory',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${crypto.randomBytes(24).toString('hex')}`,
      'health:',
      '  storagedriver:',
      '    enabled: false',
      '',
    ].join('\n'),
  );
  const proc = launch('reference', 'docker-registry', ['serve', config], { dir });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, url);
  return { url, pid: proc.pid };
}

/**
 * Berth from this checkout (needs `npm run build` first), with a fresh database whose first admin
 * gets `password` (BERTH_ADMIN_PASSWORD, read at first start only). `nodeArgs` go to node itself
 * (e.g. --cpu-prof).
 */
export async function startBerth(root, repoDir, { password, nodeArgs = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(root, 'berth-'));
  const port = await freePort();
  const bin = path.join(repoDir, 'bin', 'berth.js');
  const args = [...nodeArgs, bin, 'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dir, 'data')];
  const env = { BERTH_LOG_LEVEL: 'warn', BERTH_ADMIN_PASSWORD: password };
  const proc = launch('berth', process.execPath, args, { dir, env });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, url, 60_000);
  return { url, pid: proc.pid };
}

/** A password that satisfies Berth's policy (8-128 characters, upper and lower case, a digit). */
export const benchPassword = () => `Bench-${crypto.randomBytes(12).toString('hex')}-Aa1`;

/** The bare Node file server (file-server.mjs) streaming `file`; it reports its own port. */
export async function startFileServer(root, file) {
  const script = new URL('./file-server.mjs', import.meta.url).pathname;
  const proc = launch('node-file', process.execPath, [script, file], { dir: root, stdio: 'pipe' });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    proc.child.on('exit', (code) => reject(new Error(`file server exited with ${code}; see ${proc.log}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: proc.pid };
}

/** SIGTERM every server we started, SIGKILL the ones still alive after a grace period. */
export async function stopAll(graceMs = 3000) {
  const live = [...children];
  for (const p of live) p.child.kill('SIGTERM');
  const end = Date.now() + graceMs;
  while (live.some((p) => !p.exited) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  for (const p of live) if (!p.exited) p.child.kill('SIGKILL');
}

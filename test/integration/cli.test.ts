import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';

// Runs the built CLI (`npm test` builds first), as users and other tools do.
const BIN = join(import.meta.dirname, '../../bin/berth.js');
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'berth-cli-'));
});
const children: ChildProcess[] = [];
afterAll(async () => {
  // A failed assertion must not leave a server running after the file.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}-term`, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = once(child, 'exit').then(([code]) => ({ code: code as number | null, out, err }));
  return { child, done, output: () => out + err };
}

async function freePort(): Promise<number> {
  const srv = createNetServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  srv.close();
  return port;
}

async function waitForListening(proc: { output: () => string; child: ChildProcess }) {
  for (let i = 0; i < 200 && !proc.output().includes('berth listening'); i++) {
    if (proc.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(proc.output()).toContain('berth listening');
}

describe('berth CLI', () => {
  it('explains a port that is in use instead of printing a stack trace', async () => {
    const blocker = createNetServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    const result = await run(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir]).done;
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.err).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use`);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('refuses unknown flags, variables and config keys', async () => {
    expect((await run(['serve', '--listn', 'x']).done).code).toBe(2);
    const env = await run(['verify-config'], { BERTH_LISTN: '1' }).done;
    expect(env.code).toBe(2);
    expect(env.err).toContain('unknown environment variable BERTH_LISTN');
    const file = join(dataDir, 'bad.yaml');
    await writeFile(file, 'storage:\n  drver: filesystem\n');
    const bad = await run(['verify-config', '--config', file]).done;
    expect(bad.err).toContain('unknown setting "storage.drver"');
  });

  it('merges file, environment and flags in that order', async () => {
    const file = join(dataDir, 'berth.yaml');
    await writeFile(file, 'listen: 127.0.0.1:6001\nlog:\n  level: debug\nuploads:\n  purgeAfterMs: 2h\n');
    const result = await run(['verify-config', '--config', file, '--listen', '127.0.0.1:6003'], {
      BERTH_LOG_LEVEL: 'warn',
      BERTH_DATA_DIR: dataDir,
    }).done;
    expect(result.code).toBe(0);
    const config = JSON.parse(result.out);
    expect(config).toMatchObject({ listen: '127.0.0.1:6003', dataDir, log: { level: 'warn' } });
    expect(config.uploads.purgeAfterMs).toBe(7_200_000);
  });

  it('hides secrets at any depth in verify-config, and checks the ldap settings belong together', async () => {
    const ldap = {
      BERTH_AUTH_MODE: 'ldap',
      BERTH_AUTH_LDAP_URL: 'ldaps://ldap.example.org:636',
      BERTH_AUTH_LDAP_BASE_DN: 'ou=people,dc=example,dc=org',
      BERTH_AUTH_LDAP_SEARCH_DN: 'cn=berth,dc=example,dc=org',
      BERTH_AUTH_LDAP_SEARCH_PASSWORD: 'Search-Secret-1',
      BERTH_DATA_DIR: dataDir,
    };
    const result = await run(['verify-config'], ldap).done;
    expect(result.code).toBe(0);
    expect(result.out).not.toContain('Search-Secret-1');
    const config = JSON.parse(result.out);
    expect(config.auth.ldap).toMatchObject({
      url: 'ldaps://ldap.example.org:636',
      searchDn: 'cn=berth,dc=example,dc=org',
      searchPassword: '(secret)',
      uid: 'uid',
      scope: 'sub',
    });
    const { BERTH_AUTH_LDAP_SEARCH_PASSWORD: _dropped, ...withoutPassword } = ldap;
    const half = await run(['verify-config'], withoutPassword).done;
    expect(half.code).toBe(2);
    expect(half.err).toContain('auth.ldap.searchDn and auth.ldap.searchPassword go together');
  });

  it('lets a running upload finish on SIGTERM, then exits cleanly', async () => {
    const port = await freePort();
    // A data dir of its own: the admin password is only taken when the database is new.
    const proc = run(
      ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', `${dataDir}-term`, '--log-level', 'info'],
      {
        BERTH_ADMIN_PASSWORD: TEST_ADMIN.password,
      },
    );
    await waitForListening(proc);
    const base = `http://127.0.0.1:${port}`;
    const post = await fetch(`${base}/v2/cli/app/blobs/uploads/`, { method: 'POST', headers: ADMIN_HEADERS });
    expect(post.status).toBe(202);
    const location = post.headers.get('location')!;

    // A PATCH in flight: headers and half the body sent, then SIGTERM, then the rest.
    const chunk = Buffer.alloc(64 * 1024, 7);
    const patch = request(`${base}${location}`, {
      method: 'PATCH',
      headers: { 'content-length': chunk.length * 2, ...ADMIN_HEADERS },
    });
    const response = once(patch, 'response');
    patch.write(chunk);
    await new Promise((r) => setTimeout(r, 200));
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    patch.end(chunk);
    const [res] = (await response) as [IncomingMessage];
    res.resume();
    expect(res.statusCode).toBe(202);
    expect(res.headers.range).toBe(`0-${chunk.length * 2 - 1}`);
    const result = await proc.done;
    expect(result.code).toBe(0);
    // What a newcomer reads: the address to open, and what to give `docker login`.
    expect(result.err).toContain(`Portal:    http://127.0.0.1:${port}/`);
    expect(result.err).toContain(`docker login 127.0.0.1:${port}`);
  });
});

describe('first start', () => {
  it('generates the first admin password once, prints it, and writes it to a 0600 file', async () => {
    const port = await freePort();
    const dir = `${dataDir}-first`;
    const proc = run(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir], { BERTH_ADMIN_PASSWORD: '' });
    try {
      await waitForListening(proc);
      const file = join(dir, 'initial-admin-password');
      const password = (await readFile(file, 'utf8')).trim();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(proc.output()).toContain(`password ${password}`);
      const res = await fetch(`http://127.0.0.1:${port}/v2/`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
      });
      expect(res.status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.done;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

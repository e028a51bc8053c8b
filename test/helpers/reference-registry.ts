import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { freePort, OutputTail, waitForRegistry } from './net.js';
import { which } from './run.js';
import { startTokenServer, type TokenServer } from './token-server.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/**
 * The reference registry (CNCF distribution 2.8.2, Debian package docker-registry) on loopback with
 * plain HTTP, filesystem storage in a temp dir and delete enabled. Used as a comparison target by
 * benchmarks, as a peer for replication tests, and as a stand-in while developing e2e tests.
 * Note what it lacks next to Berth: no referrers API, no `library/` mapping of one-component names.
 */

export interface ReferenceRegistryOptions {
  /** Storage root; a temp dir (removed on stop) when omitted. */
  dataDir?: string;
  /** A fixed port; a free one is picked when omitted. */
  port?: number;
  /** An htpasswd file (bcrypt) to require basic auth. */
  htpasswdFile?: string;
  /**
   * Token auth (distribution's `auth.token`): a token service of `test/helpers/token-server.ts`,
   * started for these users (and stopped with the registry), or one the test owns (kept running,
   * so a registry restarted on the same port and data dir can use it again).
   */
  tokenAuth?: { users: Record<string, string>; ttlSeconds?: number } | { server: TokenServer };
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /**
   * Serve HTTPS (distribution's `http.tls`): PEM file paths of the server certificate and key, and
   * the CA that issued it (PEM text), which only the readiness probe trusts, never the process.
   */
  tls?: { certificate: string; key: string; ca: string };
}

export interface ReferenceRegistry {
  url: string;
  /** `127.0.0.1:PORT`, as image references and registries.conf spell it. */
  host: string;
  port: number;
  dataDir: string;
  configPath: string;
  process: ChildProcess;
  /** The token service when started with `tokenAuth`. */
  tokenServer?: TokenServer;
  output(): string;
  stop(): Promise<void>;
}

export function referenceRegistryBinary(): string {
  const bin = process.env.BERTH_REFERENCE_REGISTRY_BIN ?? which('docker-registry') ?? which('registry');
  if (!bin) throw new Error('reference registry not installed: apt-get install -y docker-registry');
  return bin;
}

export async function startReferenceRegistry(options: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  const bin = referenceRegistryBinary();
  const stateDir = await makeTempDir('reference-registry');
  const dataDir = options.dataDir ?? join(stateDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const configPath = join(stateDir, 'config.yml');
  const ownToken =
    options.tokenAuth && 'users' in options.tokenAuth
      ? await startTokenServer({
          users: options.tokenAuth.users,
          ...(options.tokenAuth.ttlSeconds ? { ttlSeconds: options.tokenAuth.ttlSeconds } : {}),
        })
      : undefined;
  const tokenServer =
    ownToken ?? (options.tokenAuth && 'server' in options.tokenAuth ? options.tokenAuth.server : undefined);

  // The registry logs its address only at info level, which also logs every request; benchmarks
  // want warn, so pick the port here and retry if another process took it in between.
  let started: { child: ChildProcess; tail: OutputTail; host: string } | undefined;
  for (let attempt = 0; !started; attempt++) {
    const port = options.port ?? (await freePort());
    await writeFile(configPath, configYaml({ ...options, dataDir, port, tokenServer }));
    try {
      started = await launch(bin, configPath, `127.0.0.1:${port}`, options.tls?.ca);
    } catch (e) {
      const inUse = e instanceof Error && /address already in use/.test(e.message);
      if (!inUse || options.port !== undefined || attempt >= 3) {
        await ownToken?.stop();
        await removeTempDir(stateDir);
        throw e;
      }
    }
  }
  const { child, tail, host } = started;
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  return {
    url,
    host,
    port: Number(host.split(':')[1]),
    dataDir,
    configPath,
    process: child,
    ...(tokenServer ? { tokenServer } : {}),
    output: () => tail.toString(),
    async stop() {
      await stopChild(child);
      await ownToken?.stop();
      await removeTempDir(stateDir);
    },
  };
}

async function launch(
  bin: string,
  configPath: string,
  host: string,
  tlsCa?: string,
): Promise<{ child: ChildProcess; tail: OutputTail; host: string }> {
  const child = spawn(bin, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail();
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stdout?.on('data', (b: Buffer) => tail.push(b));
  child.stderr?.on('data', (b: Buffer) => tail.push(b));
  try {
    const watch = { alive: () => !exited, describe: () => tail.toString() };
    if (tlsCa) await waitForTls(`https://${host}`, tlsCa, watch);
    else await waitForRegistry(`http://${host}`, watch);
    // Someone else may have answered on that port while ours failed to bind: make sure ours lives.
    await sleep(50);
    if (exited) throw new Error(`docker-registry exited during startup\n${tail.toString()}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { child, tail, host };
}

/** `waitForRegistry` over HTTPS, trusting `ca` for these requests only. */
async function waitForTls(
  url: string,
  ca: string,
  { alive, describe }: { alive: () => boolean; describe: () => string },
): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  const deadline = Date.now() + 20_000;
  let last = 'no answer';
  try {
    while (Date.now() < deadline && alive()) {
      try {
        const res = await request(`${url}/v2/`, { dispatcher: agent, signal: AbortSignal.timeout(2000) });
        await res.body.dump();
        if (res.statusCode === 200 || res.statusCode === 401) return;
        last = `HTTP ${res.statusCode}`;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await sleep(50);
    }
  } finally {
    await agent.close();
  }
  throw new Error(`registry at ${url} did not come up (${last})\n${describe()}`);
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function configYaml(
  o: ReferenceRegistryOptions & { dataDir: string; port: number; tokenServer: TokenServer | undefined },
): string {
  const t = o.tokenServer;
  const auth = t
    ? `auth:\n  token:\n    realm: ${JSON.stringify(t.realm)}\n    service: ${JSON.stringify(t.service)}\n` +
      `    issuer: ${JSON.stringify(t.issuer)}\n    rootcertbundle: ${JSON.stringify(t.certPath)}\n`
    : o.htpasswdFile
      ? `auth:\n  htpasswd:\n    realm: berth-test-reference\n    path: ${JSON.stringify(o.htpasswdFile)}\n`
      : '';
  // Upload purging off: tests inspect upload state and run far shorter than the purge interval.
  return `version: 0.1
log:
  level: ${o.logLevel ?? 'warn'}
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${JSON.stringify(o.dataDir)}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
  redirect:
    disable: true
http:
  addr: 127.0.0.1:${o.port}
  secret: berth-test-not-secret
  # A stop (SIGTERM) lets requests in flight finish, as a registry taken down for maintenance does.
  draintimeout: 10s
${o.tls ? `  tls:\n    certificate: ${JSON.stringify(o.tls.certificate)}\n    key: ${JSON.stringify(o.tls.key)}\n` : ''}health:
  storagedriver:
    enabled: false
${auth}`;
}

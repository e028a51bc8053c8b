import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, OutputTail, waitForRegistry } from '../../helpers/net.js';
import { stopChild } from '../../helpers/reference-registry.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

/**
 * A real `berth serve` (the built CLI) for the browser tests. Self-contained on purpose: the
 * in-process helpers (test/helpers/berth.ts) import the whole server, which Playwright's workers
 * would then transpile and load next to the browser for nothing.
 */

/** The first admin of every UI test server; satisfies the password policy. */
export const UI_ADMIN = { username: 'admin', password: 'Berth-Ui-Admin-1' } as const;

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'berth.js');

export interface BerthServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as image references spell it. */
  host: string;
  dataDir: string;
  /** What the server printed (the tail), for failure messages. */
  output(): string;
  /** SIGTERM, then removes the data dir. */
  stop(): Promise<void>;
}

export async function startBerthServer(options: { env?: Record<string, string> } = {}): Promise<BerthServer> {
  assertBuildIsFresh();
  const dataDir = await makeTempDir('ui-berth');
  // The server reads the portal from a copy: a rebuild of dist/portal during the run (a lazy page's
  // chunk renamed under an open browser) would fail pages for a reason that is not theirs.
  const portalDir = join(dataDir, 'portal-build');
  await cp(join(REPO_ROOT, 'dist', 'portal'), portalDir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', host, '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: {
      // berth refuses BERTH_* variables it does not know: pass on none of the runner's.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BERTH_'))),
      BERTH_ADMIN_PASSWORD: UI_ADMIN.password,
      BERTH_PORTAL_DIR: portalDir,
      BERTH_LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail();
  child.stdout?.on('data', (b: Buffer) => tail.push(b));
  child.stderr?.on('data', (b: Buffer) => tail.push(b));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://${host}`;
  try {
    await waitForRegistry(url, {
      alive,
      describe: () => `berth serve ${alive() ? 'still running' : `exited (${child.exitCode})`}:\n${tail}`,
    });
  } catch (e) {
    child.kill('SIGKILL');
    await removeTempDir(dataDir);
    throw e;
  }
  return {
    url,
    host,
    dataDir,
    output: () => tail.toString(),
    async stop() {
      await stopChild(child);
      await removeTempDir(dataDir);
    },
  };
}

/**
 * Fails when dist/ (server or portal) is missing or older than its sources: a stale build would
 * test yesterday's code and report the result as today's. UI_TEST_ALLOW_STALE_BUILD=1 skips the
 * age check, for a shared checkout where others keep editing while the tests run.
 */
function assertBuildIsFresh(): void {
  const portalIndex = join(REPO_ROOT, 'dist', 'portal', 'index.html');
  for (const built of [join(REPO_ROOT, 'dist', 'server', 'cli.js'), portalIndex]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  if (process.env.UI_TEST_ALLOW_STALE_BUILD === '1') return;
  const stale: string[] = [];
  const newest = (dir: string, skip: (name: string) => boolean, visit: (rel: string, mtime: number) => void) => {
    for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) newest(rel, skip, visit);
      else if (!skip(entry.name)) visit(rel, statSync(join(REPO_ROOT, rel)).mtimeMs);
    }
  };
  newest(
    'server',
    (name) => !name.endsWith('.ts') || name.endsWith('.test.ts'),
    (rel, mtime) => {
      const built = join(REPO_ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
      if (!existsSync(built) || statSync(built).mtimeMs < mtime) stale.push(rel);
    },
  );
  const portalBuilt = statSync(portalIndex).mtimeMs;
  newest(
    'renderer/src',
    (name) => name.endsWith('.test.ts'),
    (rel, mtime) => {
      if (mtime > portalBuilt) stale.push(rel);
    },
  );
  if (stale.length > 0) {
    throw new Error(
      `dist/ is older than ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}: run \`npm run build\``,
    );
  }
}

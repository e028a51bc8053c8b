import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputTail, waitForRegistry } from './net.js';
import { stopChild } from './reference-registry.js';
import { TEST_ADMIN } from './berth.js';

/**
 * `berth serve` as a real child process (the built CLI, `node bin/berth.js`), for tests that must
 * kill the server the hard way. `npm test` builds dist/ first; run `npm run build` before running
 * such a file on its own.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));

/**
 * Fails when dist/ is missing or older than a server source file: a stale build would test old code
 * and report its result as today's.
 */
export function assertBuildIsFresh(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const built = join(REPO_ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(REPO_ROOT, rel)).mtimeMs) stale.push(rel);
      }
    }
  };
  walk('server');
  if (stale.length > 0) {
    throw new Error(
      `dist/ is older than ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}: run \`npm run build\``,
    );
  }
}

export interface BerthProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process printed (the last 20k characters). */
  output(): string;
  /** SIGKILL, no chance to flush or clean up; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export async function startBerthProcess(options: {
  dataDir: string;
  port: number;
  args?: string[];
  env?: Record<string, string>;
}): Promise<BerthProcess> {
  assertBuildIsFresh();
  const listen = `127.0.0.1:${options.port}`;
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', listen, '--data-dir', options.dataDir, ...(options.args ?? [])],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, BERTH_ADMIN_PASSWORD: TEST_ADMIN.password, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tail = new OutputTail();
  child.stdout?.on('data', (b: Buffer) => tail.push(b));
  child.stderr?.on('data', (b: Buffer) => tail.push(b));
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://${listen}`;
  try {
    await waitForRegistry(url, {
      alive,
      describe: () =>
        `berth serve ${alive() ? 'still running' : `exited (${child.exitCode ?? child.signalCode})`}:\n${tail}`,
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    pid: child.pid ?? -1,
    child,
    output: () => tail.toString(),
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await gone;
    },
    stop: () => stopChild(child),
  };
}

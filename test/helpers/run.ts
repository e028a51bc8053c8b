import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Runs an external program (skopeo, podman, ...) without a shell, collecting its output. A failure
 * throws a RunError whose message holds the command line, the exit status and the tail of stderr,
 * so a red test says what the client complained about without a rerun.
 */

export interface RunOptions {
  /** Merged over process.env; a key set to undefined is removed from the child's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string | Buffer;
  /** Kills the child with SIGKILL after this long; default 120 s. */
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
}

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  durationMs: number;
}

export class RunError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = mergeEnv(options.env);
  const command = [cmd, ...args].map(quote).join(' ');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' ? ` (is ${cmd} installed? see test/fixtures/README.md)` : '';
      reject(new Error(`cannot run ${command}: ${e.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const result: RunResult = {
        command,
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
        durationMs: Date.now() - started,
      };
      if (code === 0 || options.allowFailure) {
        resolve(result);
        return;
      }
      const why = timedOut ? `timed out after ${timeoutMs} ms` : signal ? `killed by ${signal}` : `exited with ${code}`;
      reject(
        new RunError(
          `${command}\n  ${why} after ${(result.durationMs / 1000).toFixed(1)} s` +
            section('stderr', result.stderr, 6000) +
            section('stdout', result.stdout, 2000),
          result,
        ),
      );
    });
    child.stdin.on('error', () => {
      // The child may exit before reading its input; its exit status tells the story.
    });
    child.stdin.end(options.input ?? '');
  });
}

function section(label: string, text: string, max: number): string {
  const t = text.trim();
  if (!t) return '';
  const clipped = t.length > max ? `...${t.slice(-max)}` : t;
  return `\n  --- ${label} ---\n${clipped.replace(/^/gm, '  ')}`;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function mergeEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The full path of a program on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Fails fast, naming the Debian packages, when a test's programs are missing. */
export function requireCommands(commands: Record<string, string>): void {
  const missing = Object.entries(commands).filter(([cmd]) => !which(cmd));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(`missing ${missing.map(([c]) => c).join(', ')}: apt-get install -y ${pkgs}`);
  }
}

import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A loopback port that was free a moment ago. Only for programs that cannot listen on port 0 and
 * report the port themselves (the berth CLI in the crash test must come back on the same address).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `GET <url>/v2/` until the registry answers at all (200, or 401 with auth on). `alive` lets the
 * caller stop early when the process it started has already exited.
 */
export async function waitForRegistry(
  url: string,
  options: { timeoutMs?: number; alive?: () => boolean; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (options.alive && !options.alive()) break;
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? (causeOf(e) ?? e.message) : String(e);
    }
    await sleep(50);
  }
  throw new Error(`registry at ${url} did not come up (${last})${options.describe ? `\n${options.describe()}` : ''}`);
}

function causeOf(e: Error): string | undefined {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : undefined;
}

/** Keeps the last `max` characters of a child's output for error messages. */
export class OutputTail {
  private text = '';
  constructor(private readonly max = 20_000) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}

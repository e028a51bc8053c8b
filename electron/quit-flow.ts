import type { BerthServer } from '../server/index.js';
import type { CancellableEvent } from './shell-types.js';

export interface QuitFlowDeps {
  server: Pick<BerthServer, 'close' | 'desktop'>;
  /** Electron's `app.quit`: called again once the server is closed, and then let through. */
  quit(): void;
  /** How many uploads are still running while quitting waits (0 once they are done). */
  onProgress(uploadsLeft: number): void;
  /** Longest wait for uploads; then the server closes anyway (and cuts what is left after its shutdown timeout). */
  timeoutMs: number;
  onError(err: unknown): void;
}

/**
 * Quitting the desktop app stops the registry, so it first waits for the uploads in flight (a
 * `docker push` half done would otherwise fail), then closes the server (which also lets other
 * running requests finish), then quits for real. Electron's `before-quit` is cancelled until then.
 */
export class QuitFlow {
  #state: 'running' | 'closing' | 'closed' = 'running';
  #closing: Promise<void> | undefined;

  constructor(private readonly deps: QuitFlowDeps) {}

  /** The `before-quit` listener. */
  readonly onBeforeQuit = (event: CancellableEvent): void => {
    if (this.#state === 'closed') return;
    event.preventDefault();
    this.#closing ??= this.#closeThenQuit();
  };

  /** Resolves once the server is closed and the final quit was requested (undefined before quitting starts). */
  get closing(): Promise<void> | undefined {
    return this.#closing;
  }

  async #closeThenQuit(): Promise<void> {
    this.#state = 'closing';
    try {
      await this.deps.server.desktop.waitForUploads({
        timeoutMs: this.deps.timeoutMs,
        onProgress: (left) => this.deps.onProgress(left),
      });
      await this.deps.server.close();
    } catch (err) {
      this.deps.onError(err);
    }
    this.#state = 'closed';
    this.deps.quit();
  }
}

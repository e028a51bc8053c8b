import { IPC_CHANNELS } from './ipc-channels.js';
import type { IpcInvokeEvent, ShellIpcMain } from './shell-types.js';
import { isWebUrl } from './window-policy.js';

/**
 * Hands the portal window its one-time sign-in token: one per window the shell opens, issued only
 * when the window asks (the server's token then has its full minute), never again for that window.
 */
export class LoginTokenGate {
  #armed = false;

  constructor(private readonly issue: () => string) {}

  /** A new portal window opens: it may take one token. */
  arm(): void {
    this.#armed = true;
  }

  take(): string | null {
    if (!this.#armed) return null;
    this.#armed = false;
    return this.issue();
  }
}

/**
 * The main-process side of `window.berthDesktop`. Every call must come from a frame showing the
 * portal's origin: the window cannot navigate elsewhere, and this holds even if it somehow did.
 */
export function registerBridgeHandlers(
  ipcMain: ShellIpcMain,
  deps: { portalOrigin: string; loginTokens: LoginTokenGate; openExternal: (url: string) => Promise<void> },
): void {
  const fromPortal = (event: IpcInvokeEvent, channel: string) => {
    const url = event.senderFrame?.url;
    let origin: string | undefined;
    try {
      origin = url ? new URL(url).origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin !== deps.portalOrigin) throw new Error(`${channel} is only answered to the Berth portal`);
  };

  ipcMain.handle(IPC_CHANNELS.takeLoginToken, (event) => {
    fromPortal(event, IPC_CHANNELS.takeLoginToken);
    return deps.loginTokens.take();
  });
  ipcMain.handle(IPC_CHANNELS.openExternal, async (event, url) => {
    fromPortal(event, IPC_CHANNELS.openExternal);
    if (typeof url !== 'string' || url.length > 8192 || !isWebUrl(url)) {
      throw new Error('only http and https URLs are opened in the browser');
    }
    await deps.openExternal(url);
  });
}

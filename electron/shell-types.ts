/**
 * The slice of Electron's API the desktop shell uses, as narrow interfaces. `main.ts` passes
 * Electron's real modules (the typecheck proves they fit); tests pass fakes, so every decision the
 * shell makes runs under test without the Electron binary.
 */

/** An Electron event whose default action a listener may cancel. */
export interface CancellableEvent {
  preventDefault(): void;
}

/** `app`. */
export interface ShellApp {
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  getPath(name: 'userData'): string;
  getVersion(): string;
  /** Starts quitting: `before-quit` fires first, and a listener may cancel it. */
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: CancellableEvent) => void): unknown;
}

/** The `webPreferences` the shell sets; Electron's defaults hold for everything else. */
export interface ShellWebPreferences {
  preload: string;
  /** Appended to the renderer's `process.argv`, which a sandboxed preload can read. */
  additionalArguments: string[];
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  nodeIntegrationInSubFrames: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  webviewTag: boolean;
  spellcheck: boolean;
}

/** `new BrowserWindow(options)`'s options, as far as the shell sets them. */
export interface ShellWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  icon?: string;
  autoHideMenuBar: boolean;
  webPreferences: ShellWebPreferences;
}

export interface ShellSession {
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
}

/** A window open request, as `setWindowOpenHandler` sees it. */
export interface OpenRequest {
  url: string;
}

export interface ShellWebContents {
  readonly session: ShellSession;
  on(event: 'will-navigate', listener: (event: CancellableEvent, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: CancellableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: CancellableEvent) => void): unknown;
  setWindowOpenHandler(handler: (request: OpenRequest) => { action: 'deny' }): void;
}

/** A `BrowserWindow`. */
export interface ShellWindow {
  readonly webContents: ShellWebContents;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
}

/** One tray menu entry; a subset of Electron's `MenuItemConstructorOptions`. */
export interface TrayMenuItem {
  /** Stable name for tests and for finding an item; Electron shows `label`. */
  id?: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

/** A `Tray`. The menu is whatever `buildMenu` returned (Electron's `Menu`). */
export interface ShellTray {
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

/** The sender of an IPC invoke: the frame and the URL it shows. */
export interface IpcInvokeEvent {
  readonly senderFrame: { readonly url: string } | null;
}

export interface ShellIpcMain {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void;
}

/** Everything the shell takes from Electron. */
export interface ElectronModules {
  app: ShellApp;
  createWindow(options: ShellWindowOptions): ShellWindow;
  createTray(iconPath: string): ShellTray;
  buildMenu(template: TrayMenuItem[]): unknown;
  clipboard: { writeText(text: string): void };
  shell: { openExternal(url: string): Promise<void> };
  ipcMain: ShellIpcMain;
}

import type {
  CancellableEvent,
  ElectronModules,
  IpcInvokeEvent,
  OpenRequest,
  ShellApp,
  ShellIpcMain,
  ShellSession,
  ShellTray,
  ShellWebContents,
  ShellWindow,
  ShellWindowOptions,
  TrayMenuItem,
} from '../shell-types.js';

/**
 * Stand-ins for Electron's modules at the shell's boundary (`shell-types.ts`), recording what the
 * shell asked of them and letting tests play the user: navigate, click the tray, quit.
 */

type Listener = (...args: never[]) => unknown;

class Emitter {
  readonly #listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapped = ((...args: never[]) => {
      this.off(event, wrapped);
      return listener(...args);
    }) as Listener;
    return this.on(event, wrapped);
  }

  off(event: string, listener: Listener): void {
    this.#listeners.set(
      event,
      (this.#listeners.get(event) ?? []).filter((l) => l !== listener),
    );
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) (listener as (...a: unknown[]) => unknown)(...args);
  }

  listenerCount(event: string): number {
    return this.#listeners.get(event)?.length ?? 0;
  }
}

function cancellable(): CancellableEvent & { defaultPrevented: boolean } {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export class FakeApp extends Emitter implements ShellApp {
  lockAvailable = true;
  /** Set once a quit went through (no `before-quit` listener prevented it). */
  exited = false;
  quitRequests = 0;

  constructor(readonly userData: string) {
    super();
  }

  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(): string {
    return this.userData;
  }
  getVersion(): string {
    return '0.1.0-test';
  }
  quit(): void {
    this.quitRequests++;
    const event = cancellable();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exited = true;
  }
}

class FakeSession implements ShellSession {
  requestHandler: Parameters<ShellSession['setPermissionRequestHandler']>[0] | undefined;
  checkHandler: Parameters<ShellSession['setPermissionCheckHandler']>[0] | undefined;

  setPermissionRequestHandler(handler: NonNullable<FakeSession['requestHandler']>): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: NonNullable<FakeSession['checkHandler']>): void {
    this.checkHandler = handler;
  }

  /** What the window's permission request for `permission` from `requestingUrl` is answered. */
  request(permission: string, requestingUrl: string): boolean {
    let granted: boolean | undefined;
    this.requestHandler?.(null, permission, (g) => (granted = g), { requestingUrl });
    if (granted === undefined) throw new Error('the permission request was never answered');
    return granted;
  }
}

class FakeWebContents extends Emitter implements ShellWebContents {
  readonly session = new FakeSession();
  openHandler: ((request: OpenRequest) => { action: 'deny' }) | undefined;

  setWindowOpenHandler(handler: (request: OpenRequest) => { action: 'deny' }): void {
    this.openHandler = handler;
  }

  /** The page navigates (a link, `location.href`): true when the shell let it happen. */
  navigate(url: string): boolean {
    const event = cancellable();
    this.emit('will-navigate', event, url);
    return !event.defaultPrevented;
  }

  /** A server redirect during a navigation: true when the shell let it happen. */
  redirect(url: string): boolean {
    const event = cancellable();
    this.emit('will-redirect', event, url);
    return !event.defaultPrevented;
  }

  /** `window.open(url)`: what the shell's handler answered. */
  openWindow(url: string): { action: string } {
    if (!this.openHandler) throw new Error('no window open handler');
    return this.openHandler({ url });
  }
}

export class FakeWindow extends Emitter implements ShellWindow {
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  destroyed = false;
  minimized = false;
  shown = 0;
  focused = 0;

  constructor(
    readonly options: ShellWindowOptions,
    private readonly onLoad: (url: string) => Promise<void>,
  ) {
    super();
  }

  /** The latest `loadURL`'s completion. */
  loading: Promise<void> = Promise.resolve();

  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.loading = this.onLoad(url).then(() => this.emit('ready-to-show'));
    return this.loading;
  }
  show(): void {
    this.shown++;
  }
  focus(): void {
    this.focused++;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user closes the window. */
  close(): void {
    this.destroyed = true;
    this.emit('closed');
  }
}

export class FakeTray extends Emitter implements ShellTray {
  tooltip = '';
  menu: TrayMenuItem[] = [];
  destroyed = false;

  constructor(readonly iconPath: string) {
    super();
  }

  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: unknown): void {
    this.menu = menu as TrayMenuItem[];
  }
  destroy(): void {
    this.destroyed = true;
  }

  item(id: string): TrayMenuItem {
    const found = this.menu.find((i) => i.id === id);
    if (!found) throw new Error(`no tray item ${id} in ${this.menu.map((i) => i.id ?? i.type).join(', ')}`);
    return found;
  }

  /** The user picks a menu item. */
  click(id: string): void {
    const item = this.item(id);
    if (item.enabled === false || !item.click) throw new Error(`tray item ${id} cannot be clicked`);
    item.click();
  }
}

export class FakeIpcMain implements ShellIpcMain {
  readonly handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => unknown>();

  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }

  /** `ipcRenderer.invoke` from a frame showing `senderUrl`. */
  async invoke(channel: string, senderUrl: string | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ senderFrame: senderUrl === null ? null : { url: senderUrl } }, ...args);
  }
}

/** A full set of fakes; `onLoad` runs when a window loads a URL (tests check the server there). */
export function fakeElectron(userData: string, onLoad: (url: string) => Promise<void> = async () => {}) {
  const app = new FakeApp(userData);
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  const clipboard = {
    text: '',
    writeText(text: string) {
      clipboard.text = text;
    },
  };
  const opened: string[] = [];
  const ipcMain = new FakeIpcMain();
  const modules: ElectronModules = {
    app,
    createWindow(options) {
      const window = new FakeWindow(options, onLoad);
      windows.push(window);
      return window;
    },
    createTray(iconPath) {
      const tray = new FakeTray(iconPath);
      trays.push(tray);
      return tray;
    },
    buildMenu: (template) => template,
    clipboard,
    shell: {
      async openExternal(url) {
        opened.push(url);
      },
    },
    ipcMain,
  };
  return { modules, app, windows, trays, clipboard, opened, ipcMain };
}

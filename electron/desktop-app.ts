import type { ServerOptions } from '../server/index.js';
import { LoginTokenGate, registerBridgeHandlers } from './bridge-handlers.js';
import { QuitFlow } from './quit-flow.js';
import { startHostedServer, type HostedServer } from './server-host.js';
import type { ElectronModules, ShellWindow } from './shell-types.js';
import { TrayController } from './tray-menu.js';
import { applyWindowPolicy, hardenedWebPreferences } from './window-policy.js';

export interface ShellConfig {
  /** The compiled preload script (`dist/electron/preload.cjs`). */
  preloadPath: string;
  trayIconPath: string;
  windowIconPath?: string;
  /** Default 5000; a free port when it is taken. */
  preferredPort?: number;
  /** Longest wait for uploads when quitting; default 10 minutes. */
  quitTimeoutMs?: number;
  /** How often the tray reads the server's state; default 2 s. */
  trayRefreshMs?: number;
  serverOptions?: ServerOptions;
  /** Where failures the user cannot act on go (the main process log). */
  onError?: (err: unknown) => void;
}

/** The running desktop shell. */
export interface DesktopShell {
  hosted: HostedServer;
  tray: TrayController;
  quitFlow: QuitFlow;
  /** Shows the portal window, opening a new one when there is none. */
  showWindow(): ShellWindow;
}

/**
 * Starts the desktop app: one instance per user, the registry in this process (listening before any
 * window exists, so the window's first request finds it), the hardened portal window, the tray, and a
 * quit that waits for uploads. Resolves to undefined in a second instance, which only wakes the first.
 */
export async function startDesktopShell(
  electron: ElectronModules,
  config: ShellConfig,
): Promise<DesktopShell | undefined> {
  const { app } = electron;
  const onError = config.onError ?? ((err: unknown) => console.error('berth desktop:', err));
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  // A second instance may start while this one is still starting; it finds the window once there is one.
  const started: { shell?: DesktopShell } = {};
  app.on('second-instance', () => started.shell?.showWindow());

  const [hosted] = await Promise.all([
    startHostedServer({
      userDataDir: app.getPath('userData'),
      ...(config.preferredPort !== undefined ? { preferredPort: config.preferredPort } : {}),
      ...(config.serverOptions ? { serverOptions: config.serverOptions } : {}),
    }),
    app.whenReady(),
  ]);
  const { server } = hosted;

  const loginTokens = new LoginTokenGate(() => server.desktop.issueLoginToken());
  registerBridgeHandlers(electron.ipcMain, {
    portalOrigin: hosted.portalOrigin,
    loginTokens,
    openExternal: (url) => electron.shell.openExternal(url),
  });

  let window: ShellWindow | undefined;
  const showWindow = (): ShellWindow => {
    if (window && !window.isDestroyed()) {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
      return window;
    }
    const opened = electron.createWindow({
      width: 1280,
      height: 840,
      minWidth: 900,
      minHeight: 600,
      title: 'Berth',
      show: false,
      autoHideMenuBar: true,
      ...(config.windowIconPath ? { icon: config.windowIconPath } : {}),
      webPreferences: hardenedWebPreferences(config.preloadPath, app.getVersion()),
    });
    applyWindowPolicy(opened, hosted.portalOrigin, (url) => electron.shell.openExternal(url));
    loginTokens.arm();
    opened.once('ready-to-show', () => opened.show());
    opened.on('closed', () => {
      if (window === opened) window = undefined;
    });
    window = opened;
    opened.loadURL(hosted.portalUrl).catch(onError);
    return opened;
  };

  const trayIcon = electron.createTray(config.trayIconPath);
  const tray = new TrayController({
    tray: trayIcon,
    buildMenu: (template) => electron.buildMenu(template),
    registryAddress: hosted.registryAddress,
    read: async () => ({
      ...server.desktop.activity(),
      backgroundPaused: await server.desktop.backgroundPaused(),
    }),
    open: () => void showWindow(),
    copyAddress: () => electron.clipboard.writeText(hosted.registryAddress),
    pauseBackground: () => server.desktop.pauseBackground(),
    resumeBackground: () => server.desktop.resumeBackground(),
    quit: () => app.quit(),
    onError,
  });
  const refreshTimer = setInterval(() => void tray.refresh(), config.trayRefreshMs ?? 2_000);
  refreshTimer.unref();

  const quitFlow = new QuitFlow({
    server,
    timeoutMs: config.quitTimeoutMs ?? 10 * 60_000,
    onProgress: (left) => void tray.showQuitting(left),
    onError,
    quit: () => {
      clearInterval(refreshTimer);
      trayIcon.destroy();
      app.quit();
    },
  });
  app.on('before-quit', quitFlow.onBeforeQuit);
  // Closing the window leaves the registry serving from the tray; only Quit stops it.
  app.on('window-all-closed', () => {});
  app.on('activate', () => void showWindow());

  const shell: DesktopShell = { hosted, tray, quitFlow, showWindow };
  started.shell = shell;
  await tray.refresh();
  showWindow();
  return shell;
}

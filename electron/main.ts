/**
 * The Electron main process: wires Electron's real modules into the desktop shell
 * (`desktop-app.ts`). Everything that decides anything lives there, under test; this file only adapts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, Tray, app, clipboard, dialog, ipcMain, shell } from 'electron';
import { startDesktopShell } from './desktop-app.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// dist/electron/main.js → resources/ at the package root (inside app.asar when packaged).
const resource = (name: string) => here(`../../resources/${name}`);

// Unpackaged (`npm start`) Electron names the app after package.json's "name" ("berth"), packaged after
// productName ("Berth"): one user-data directory for both, so the registry's data does not depend on it.
app.setPath('userData', join(app.getPath('appData'), 'Berth'));

startDesktopShell(
  {
    app,
    createWindow: (options) => new BrowserWindow(options),
    createTray: (iconPath) => new Tray(iconPath),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    clipboard,
    shell,
    ipcMain,
  },
  {
    preloadPath: here('./preload.cjs'),
    trayIconPath: resource(process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
    windowIconPath: resource('icon.png'),
  },
).catch((err: unknown) => {
  dialog.showErrorBox('Berth could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});

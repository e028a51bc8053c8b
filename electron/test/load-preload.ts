import { readFile } from 'node:fs/promises';
import ts from 'typescript';
import type { BerthDesktopBridge } from '../bridge-contract.js';
import type { FakeIpcMain } from './fake-electron.js';

/**
 * Runs `preload.cts` the way a sandboxed Electron renderer does: CommonJS, with a `require` that
 * knows only `electron`, whose `ipcRenderer.invoke` reaches the main-process handlers registered on
 * `ipcMain` as a frame showing `senderUrl`. Returns what it exposed to the page.
 */
export async function loadPreload(ipcMain: FakeIpcMain, senderUrl: string, argv: string[] = []) {
  const source = await readFile(new URL('../preload.cts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const exposed = new Map<string, unknown>();
  const invoked: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown) {
        exposed.set(key, api);
      },
    },
    ipcRenderer: {
      invoke(channel: string, ...args: unknown[]) {
        invoked.push(channel);
        return ipcMain.invoke(channel, senderUrl, ...args);
      },
    },
  };
  const sandboxRequire = (name: string) => {
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name}`);
  };
  const module = { exports: {} };
  const run = new Function('require', 'process', 'exports', 'module', outputText) as (...args: unknown[]) => void;
  run(sandboxRequire, { platform: 'linux', argv: ['/usr/lib/berth/berth', ...argv] }, module.exports, module);
  return { exposed, invoked, bridge: exposed.get('berthDesktop') as BerthDesktopBridge };
}

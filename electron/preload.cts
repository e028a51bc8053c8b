/**
 * The portal window's preload script: exposes `window.berthDesktop` (the `BerthDesktopBridge`
 * contract) and nothing else. It runs sandboxed, where `require` reaches only Electron's own modules,
 * so it is CommonJS (`.cts`) and repeats the channel names of `ipc-channels.ts` instead of importing them.
 */
import electron = require('electron');
import type { BerthDesktopBridge } from './bridge-contract.js';

const CHANNELS = {
  takeLoginToken: 'berth:take-login-token',
  openExternal: 'berth:open-external',
} as const;
const VERSION_ARGUMENT = '--berth-version=';

type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];
const allowed = new Set<string>(Object.values(CHANNELS));

function invoke(channel: Channel, ...args: unknown[]): Promise<unknown> {
  // Only the channels above: the bridge never becomes a general path into the main process.
  if (!allowed.has(channel)) return Promise.reject(new Error(`unknown channel ${channel}`));
  return electron.ipcRenderer.invoke(channel, ...args);
}

const versionArgument = process.argv.find((arg) => arg.startsWith(VERSION_ARGUMENT));

const bridge: BerthDesktopBridge = {
  async takeLoginToken() {
    const token = await invoke(CHANNELS.takeLoginToken);
    return typeof token === 'string' ? token : null;
  },
  async openExternal(url: string) {
    if (typeof url !== 'string') throw new TypeError('openExternal takes a URL string');
    await invoke(CHANNELS.openExternal, url);
  },
  platform: process.platform,
  version: versionArgument ? versionArgument.slice(VERSION_ARGUMENT.length) : '',
};

electron.contextBridge.exposeInMainWorld('berthDesktop', Object.freeze(bridge));

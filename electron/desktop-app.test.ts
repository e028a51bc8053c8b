import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, TEST_ADMIN } from '../test/helpers/berth.js';
import { freePort } from '../test/helpers/net.js';
import { TempDirs } from '../test/helpers/tmp.js';
import { startDesktopShell, type DesktopShell } from './desktop-app.js';
import { IPC_CHANNELS } from './ipc-channels.js';
import { fakeElectron } from './test/fake-electron.js';
import { loadPreload } from './test/load-preload.js';

/**
 * The desktop shell's logic with the real server in-process; only Electron's modules are fakes
 * (`test/fake-electron.ts`).
 */

const dirs = new TempDirs();
const running: Array<{ shell: DesktopShell; quit(): void }> = [];

afterEach(async () => {
  for (const { shell, quit } of running.splice(0)) {
    quit();
    await shell.quitFlow.closing;
  }
  await dirs.cleanup();
});

async function start(
  options: { preferredPort?: number; onLoad?: (url: string) => Promise<void>; lockAvailable?: boolean } = {},
) {
  const electron = fakeElectron(await dirs.make('desktop-shell'), options.onLoad);
  electron.app.lockAvailable = options.lockAvailable ?? true;
  const shell = await startDesktopShell(electron.modules, {
    preloadPath: '/app/dist/electron/preload.cjs',
    trayIconPath: '/app/resources/tray.png',
    preferredPort: options.preferredPort ?? 0,
    serverOptions: { adminPassword: TEST_ADMIN.password, config: { log: { level: 'warn' } } },
    onError: (err) => {
      throw err;
    },
  });
  if (shell) running.push({ shell, quit: () => electron.app.quit() });
  return { ...electron, shell };
}

async function started(options: Parameters<typeof start>[0] = {}) {
  const result = await start(options);
  if (!result.shell) throw new Error('the shell did not start');
  return { ...result, shell: result.shell };
}

/** Polls a state reached through sockets or the event loop (not a timing); fails after 10 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await sleep(10);
  }
  throw new Error(`never reached: ${what}`);
}

describe('startup', () => {
  it('has the registry listening before the window loads the portal from it', async () => {
    const seenAtLoad: Array<{ url: string; status: number }> = [];
    const { shell, windows } = await started({
      onLoad: async (url) => {
        const res = await fetch(new URL('/v2/', url));
        seenAtLoad.push({ url, status: res.status });
      },
    });
    expect(windows).toHaveLength(1);
    await windows[0]!.loading;
    expect(seenAtLoad).toEqual([{ url: `${shell.hosted.url}/`, status: 401 }]);
    expect(shell.hosted.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(windows[0]!.shown).toBe(1); // shown once it had something to show
  });

  it('opens a hardened window: isolated, sandboxed, no Node, web security on', async () => {
    const { windows } = await started();
    expect(windows[0]!.options).toMatchObject({ show: false, title: 'Berth' });
    expect(windows[0]!.options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
      additionalArguments: ['--berth-version=0.1.0-test'],
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });

  it('keeps the data under the user-data directory', async () => {
    const { shell, app } = await started();
    expect(shell.hosted.server.config.dataDir).toBe(join(app.userData, 'data'));
  });

  it('listens on the preferred port when it is free', async () => {
    const port = await freePort();
    const { shell } = await started({ preferredPort: port });
    expect(shell.hosted.registryAddress).toBe(`127.0.0.1:${port}`);
  });

  it('falls back to a free port when the preferred one is taken, and the tray copies that address', async () => {
    const squatter: Server = createNetServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const taken = (squatter.address() as { port: number }).port;
    try {
      const { shell, trays, clipboard } = await started({ preferredPort: taken });
      const port = Number(new URL(shell.hosted.url).port);
      expect(port).not.toBe(taken);
      expect((await fetch(`${shell.hosted.url}/v2/`, { headers: ADMIN_HEADERS })).status).toBe(200);
      expect(trays[0]!.item('copy-address').label).toBe(`Copy registry address (127.0.0.1:${port})`);
      trays[0]!.click('copy-address');
      expect(clipboard.text).toBe(`127.0.0.1:${port}`);
    } finally {
      squatter.close();
    }
  });

  it('lets only one instance run: a second one quits, the first shows its window', async () => {
    const first = await started();
    first.windows[0]!.minimized = true;
    first.app.emit('second-instance');
    expect(first.windows[0]!.minimized).toBe(false);
    expect(first.windows[0]!.focused).toBe(1);

    const second = await start({ lockAvailable: false });
    expect(second.shell).toBeUndefined();
    expect(second.app.quitRequests).toBe(1);
    expect(second.windows).toHaveLength(0);
  });

  it('keeps serving from the tray when the window closes, and reopens it from there', async () => {
    const { shell, windows, trays } = await started();
    windows[0]!.close();
    expect((await fetch(`${shell.hosted.url}/v2/`)).status).toBe(401);
    trays[0]!.click('open');
    expect(windows).toHaveLength(2);
    expect(windows[1]!.loaded).toEqual([`${shell.hosted.url}/`]);
  });
});

describe('navigation policy', () => {
  it('allows the portal origin, sends web links to the OS browser, refuses the rest', async () => {
    const { shell, windows, opened } = await started();
    const contents = windows[0]!.webContents;
    const portal = shell.hosted.url;

    expect(contents.navigate(`${portal}/harbor/projects`)).toBe(true);
    expect(contents.navigate('file:///etc/passwd')).toBe(false);
    expect(contents.navigate('javascript:alert(1)')).toBe(false);
    expect(contents.navigate('data:text/html,<h1>hi</h1>')).toBe(false);
    // Same host, other port: another origin.
    const otherPort = Number(new URL(portal).port) === 1 ? 2 : 1;
    expect(contents.navigate(`http://127.0.0.1:${otherPort}/`)).toBe(false);
    expect(contents.navigate('https://goharbor.io/docs/')).toBe(false);
    expect(opened).toEqual([`http://127.0.0.1:${otherPort}/`, 'https://goharbor.io/docs/']);

    expect(contents.redirect(`${portal}/`)).toBe(true);
    expect(contents.redirect('https://elsewhere.example/')).toBe(false);

    expect(contents.openWindow('https://github.com/goharbor/harbor')).toEqual({ action: 'deny' });
    expect(contents.openWindow(`${portal}/harbor/projects`)).toEqual({ action: 'deny' });
    expect(contents.openWindow('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(opened.slice(2)).toEqual(['https://github.com/goharbor/harbor']);
  });

  it('grants the portal clipboard writes and refuses every other permission', async () => {
    const { shell, windows } = await started();
    const session = windows[0]!.webContents.session;
    expect(session.request('clipboard-sanitized-write', `${shell.hosted.url}/harbor/projects`)).toBe(true);
    expect(session.request('clipboard-sanitized-write', 'https://elsewhere.example/')).toBe(false);
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      expect(session.request(permission, `${shell.hosted.url}/`)).toBe(false);
    }
    expect(session.checkHandler?.(null, 'clipboard-sanitized-write', shell.hosted.portalOrigin)).toBe(true);
    expect(session.checkHandler?.(null, 'media', shell.hosted.portalOrigin)).toBe(false);
  });
});

describe('tray', () => {
  async function queues(url: string) {
    const res = await fetch(`${url}/api/v2.0/jobservice/queues`, { headers: ADMIN_HEADERS });
    return (await res.json()) as Array<{ job_type: string; paused: boolean }>;
  }

  it('shows the status and offers open, copy, pause and quit', async () => {
    const { shell, trays } = await started();
    const tray = trays[0]!;
    expect(tray.iconPath).toBe('/app/resources/tray.png');
    expect(tray.menu.map((i) => i.id ?? i.type)).toEqual([
      'status',
      'separator',
      'open',
      'copy-address',
      'pause-background',
      'separator',
      'quit',
    ]);
    expect(tray.item('status')).toMatchObject({ enabled: false, label: `Registry at ${shell.hosted.registryAddress}` });
    expect(tray.tooltip).toBe(`Berth: Registry at ${shell.hosted.registryAddress}`);
  });

  it('pauses and resumes the server’s background queues', async () => {
    const { shell, trays } = await started();
    const tray = trays[0]!;
    tray.click('pause-background');
    await shell.tray.idle();
    const all = await queues(shell.hosted.url);
    expect(
      all
        .filter((q) => q.paused)
        .map((q) => q.job_type)
        .sort(),
    ).toEqual(['gc', 'retention', 'scan.all', 'scan.image', 'scan.rematch', 'scan.sbom']);
    // Replication is delivery, not background: a push still reaches its mirrors while paused.
    const delivery = all.filter((q) => q.job_type.startsWith('replication.'));
    expect(delivery.map((q) => q.job_type).sort()).toEqual([
      'replication.copy',
      'replication.delete',
      'replication.enumerate',
    ]);
    expect(delivery.some((q) => q.paused)).toBe(false);
    expect(tray.item('status').label).toContain('background jobs paused');

    tray.click('resume-background');
    await shell.tray.idle();
    expect((await queues(shell.hosted.url)).some((q) => q.paused)).toBe(false);
    expect(tray.item('pause-background').label).toBe('Pause background jobs');
  });
});

describe('quit', () => {
  it('waits for an upload in flight, then closes the server and quits', async () => {
    const { shell, app, trays } = await started();
    const url = shell.hosted.url;
    const post = await fetch(`${url}/v2/library/desk/blobs/uploads/`, { method: 'POST', headers: ADMIN_HEADERS });
    expect(post.status).toBe(202);
    const chunk = Buffer.alloc(64 * 1024, 3);
    const patch = request(`${url}${post.headers.get('location')!}`, {
      method: 'PATCH',
      headers: { 'content-length': chunk.length * 2, ...ADMIN_HEADERS },
    });
    const response = once(patch, 'response') as Promise<[IncomingMessage]>;
    patch.write(chunk);
    await until(() => shell.hosted.server.desktop.activity().uploadsInFlight === 1, 'the upload counted');

    trays[0]!.click('quit');
    await until(() => trays[0]!.tooltip === 'Berth: Quitting after 1 upload finishes', 'the tray shows the wait');
    expect(app.exited).toBe(false);
    expect(trays[0]!.item('quit')).toMatchObject({ label: 'Quitting…', enabled: false });
    // Quitting again while waiting changes nothing.
    app.quit();
    expect(app.exited).toBe(false);

    patch.end(chunk);
    const [res] = await response;
    res.resume();
    expect(res.statusCode).toBe(202);
    expect(res.headers.range).toBe(`0-${chunk.length * 2 - 1}`);
    await shell.quitFlow.closing;
    expect(app.exited).toBe(true);
    expect(trays[0]!.destroyed).toBe(true);
    await expect(fetch(`${url}/v2/`)).rejects.toThrow();
  });

  it('quits at once when nothing is uploading', async () => {
    const { shell, app } = await started();
    app.quit();
    await shell.quitFlow.closing;
    expect(app.exited).toBe(true);
    await expect(fetch(`${shell.hosted.url}/v2/`)).rejects.toThrow();
  });
});

describe('one-time sign-in through the bridge', () => {
  it('hands the window one token, exchangeable once at /c/login/desktop', async () => {
    const { shell, ipcMain, windows, trays } = await started();
    const portal = `${shell.hosted.url}/`;

    await expect(ipcMain.invoke(IPC_CHANNELS.takeLoginToken, 'https://evil.example/')).rejects.toThrow(
      /only answered to the Berth portal/,
    );
    await expect(ipcMain.invoke(IPC_CHANNELS.takeLoginToken, null)).rejects.toThrow();
    const token = await ipcMain.invoke(IPC_CHANNELS.takeLoginToken, portal);
    expect(typeof token).toBe('string');
    expect(await ipcMain.invoke(IPC_CHANNELS.takeLoginToken, portal)).toBeNull();

    const exchange = (t: unknown) =>
      fetch(`${shell.hosted.url}/c/login/desktop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: t }),
      });
    const login = await exchange(token);
    expect(login.status).toBe(200);
    const sid = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = await fetch(`${shell.hosted.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(((await me.json()) as { username: string }).username).toBe('admin');
    expect((await exchange(token)).status).toBe(401);

    // A window opened later (from the tray, after the first was closed) gets its own one.
    windows[0]!.close();
    trays[0]!.click('open');
    const second = await ipcMain.invoke(IPC_CHANNELS.takeLoginToken, portal);
    expect(typeof second).toBe('string');
    expect(second).not.toBe(token);
    expect((await exchange(second)).status).toBe(200);
  });

  it('opens only http(s) links in the OS browser, only for the portal', async () => {
    const { shell, ipcMain, opened } = await started();
    const portal = `${shell.hosted.url}/`;
    await ipcMain.invoke(IPC_CHANNELS.openExternal, portal, 'https://goharbor.io/');
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 42, undefined]) {
      await expect(ipcMain.invoke(IPC_CHANNELS.openExternal, portal, bad)).rejects.toThrow(/only http and https/);
    }
    await expect(
      ipcMain.invoke(IPC_CHANNELS.openExternal, 'https://evil.example/', 'https://x.example/'),
    ).rejects.toThrow();
    expect(opened).toEqual(['https://goharbor.io/']);
  });
});

describe('preload bridge', () => {
  it('exposes exactly window.berthDesktop, whose calls reach the main process handlers', async () => {
    const { shell, ipcMain, windows, opened } = await started();
    const { exposed, invoked, bridge } = await loadPreload(
      ipcMain,
      `${shell.hosted.url}/harbor/projects`,
      windows[0]!.options.webPreferences.additionalArguments,
    );
    expect([...exposed.keys()]).toEqual(['berthDesktop']);
    expect(Object.keys(bridge).sort()).toEqual(['openExternal', 'platform', 'takeLoginToken', 'version']);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(bridge.platform).toBe('linux');
    expect(bridge.version).toBe('0.1.0-test');

    const token = await bridge.takeLoginToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await bridge.takeLoginToken()).toBeNull();
    const login = await fetch(`${shell.hosted.url}/c/login/desktop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(login.status).toBe(200);

    await bridge.openExternal('https://goharbor.io/docs/');
    await expect(bridge.openExternal('file:///etc/passwd')).rejects.toThrow();
    expect(opened).toEqual(['https://goharbor.io/docs/']);
    expect(new Set(invoked)).toEqual(new Set(Object.values(IPC_CHANNELS)));
  });

  it('gets nothing when the page is not the portal', async () => {
    const { ipcMain } = await started();
    const { bridge } = await loadPreload(ipcMain, 'https://evil.example/');
    await expect(bridge.takeLoginToken()).rejects.toThrow(/only answered to the Berth portal/);
  });
});

import { join } from 'node:path';
import { createServer, ListenError, type BerthServer, type ServerOptions } from '../server/index.js';

/** Where `docker login` users find the desktop registry unless the port is taken. */
export const DEFAULT_PORT = 5000;

export interface HostOptions {
  /** Electron's `app.getPath('userData')`; the server's data lives in `<userData>/data`. */
  userDataDir: string;
  /** Tried first; when taken, the system picks a free port. */
  preferredPort?: number;
  /** Further server options (logger, first admin password in tests); `config.dataDir` and `config.listen` are the host's. */
  serverOptions?: ServerOptions;
}

export interface HostedServer {
  server: BerthServer;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`: what docker users type (`docker login 127.0.0.1:PORT`); Docker allows plain HTTP on loopback. */
  registryAddress: string;
  /** The portal's page and its origin (the only origin the window may show). */
  portalUrl: string;
  portalOrigin: string;
}

/**
 * Starts Berth in this process on loopback only: the desktop registry is for this machine. The
 * preferred port keeps the registry address stable between runs; when another program holds it the
 * desktop app still starts, on a free port, and the tray shows the address in use.
 */
export async function startHostedServer(options: HostOptions): Promise<HostedServer> {
  const dataDir = join(options.userDataDir, 'data');
  const open = (port: number) =>
    createServer({
      ...options.serverOptions,
      config: { ...options.serverOptions?.config, dataDir, listen: `127.0.0.1:${port}` },
    });
  const preferred = options.preferredPort ?? DEFAULT_PORT;
  let server = await open(preferred);
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    if (!(err instanceof ListenError && err.code === 'EADDRINUSE') || preferred === 0) throw err;
    server = await open(0);
    try {
      await server.listen();
    } catch (second) {
      await server.close();
      throw second;
    }
  }
  const url = server.url;
  const { host, origin } = new URL(url);
  return { server, url, registryAddress: host, portalUrl: `${url}/`, portalOrigin: origin };
}

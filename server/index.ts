import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { composeApp } from './app.js';
import { loadConfig, parseListen, type ConfigInput } from './config/load-config.js';
import type { Config } from './config/settings.js';
import type { DesktopHooks, DesktopOptions } from './desktop/desktop-hooks.js';

export type { Config } from './config/settings.js';
export type { DesktopActivity, DesktopHooks, DesktopOptions, DrainOptions } from './desktop/desktop-hooks.js';
export { loadConfig, readConfigFile, ConfigError } from './config/load-config.js';

export interface ServerOptions {
  /** Settings, nested as in the YAML file; anything missing takes its default. */
  config?: ConfigInput | Config;
  /** A logger to use instead of creating one from `config.log.level`. */
  logger?: Logger;
  /** The first admin's password, used only when the database has no `admin` yet (the CLI passes `BERTH_ADMIN_PASSWORD`). */
  adminPassword?: string;
  /** Options of the desktop shell's hooks (a clock for tests). */
  desktop?: DesktopOptions;
}

export interface BerthServer {
  readonly config: Config;
  /** Base URL once listening (`http://127.0.0.1:5000`), else an empty string. */
  readonly url: string;
  /** Starts serving on `config.listen`; resolves to the base URL. Throws `ListenError` when the address is taken. */
  listen(): Promise<string>;
  /** Stops accepting requests, lets running ones (uploads) finish within the shutdown timeout, releases files. */
  close(): Promise<void>;
  /** What the Electron shell needs: one-time sign-in tokens, activity, pausing background jobs. */
  readonly desktop: DesktopHooks;
  /** Sends a request without a socket (tests, the desktop shell). */
  inject: Awaited<ReturnType<typeof composeApp>>['http']['inject'];
}

export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Builds a Berth server. It never exits the process and installs no signal handlers; the CLI (or the
 * Electron shell) owns the process.
 */
export async function createServer(options: ServerOptions = {}): Promise<BerthServer> {
  const config = loadConfig({ overrides: options.config as ConfigInput | undefined });
  const log = options.logger ?? pino({ level: config.log.level, base: { pid: process.pid } });
  const { http, meta, audit, jobs, desktop, purgeStale, scans, vulndb, setServerUrl, replicationAdapters } =
    await composeApp(config, log, { adminPassword: options.adminPassword }, options.desktop);
  audit.startRetention({
    retentionMs: config.audit.retentionMs,
    maxRows: config.audit.maxRows,
    intervalMs: 24 * 3600_000,
  });
  await jobs.start();
  scans.startWatcher();
  let url = '';
  let purgeTimer: NodeJS.Timeout | undefined;
  let closed: Promise<void> | undefined;

  const purge = () => {
    const cutoff = new Date(Date.now() - config.uploads.purgeAfterMs);
    purgeStale(cutoff)
      .then((n) => n > 0 && log.info({ purged: n }, 'stale uploads purged'))
      .catch((err) => log.warn({ err }, 'upload purge failed'));
  };

  return {
    config,
    desktop,
    get url() {
      return url;
    },
    inject: http.inject.bind(http),
    async listen() {
      const { host, port } = parseListen(config.listen);
      try {
        await http.listen({ host, port });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason =
          code === 'EADDRINUSE'
            ? 'the address is already in use (is another registry running? choose another with --listen)'
            : code === 'EACCES'
              ? 'permission denied (ports below 1024 need privileges)'
              : code === 'EADDRNOTAVAIL'
                ? 'that address is not on this machine'
                : (err as Error).message;
        throw new ListenError(`cannot listen on ${config.listen}: ${reason}`, code);
      }
      const address = http.server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${shownHost}:${address.port}`;
      setServerUrl(url);
      log.info({ url, dataDir: config.dataDir }, 'berth listening');
      purge();
      purgeTimer = setInterval(purge, config.uploads.purgeIntervalMs).unref();
      return url;
    },
    close() {
      closed ??= (async () => {
        if (purgeTimer) clearInterval(purgeTimer);
        // Running requests get the shutdown timeout to finish; then their sockets are cut.
        const force = setTimeout(() => http.server.closeAllConnections(), config.http.shutdownTimeoutMs).unref();
        try {
          await http.close();
        } finally {
          clearTimeout(force);
          await scans.close();
          await jobs.close();
          // After the jobs: their transfers are aborted by then, so no request is cut twice.
          await replicationAdapters.close();
          await vulndb.close();
          await audit.close();
          await meta.close();
        }
      })();
      return closed;
    },
  };
}

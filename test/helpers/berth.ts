import { createServer } from '../../server/index.js';
import { startReferenceRegistry } from './reference-registry.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/**
 * The registry under test for e2e files: Berth in-process via createServer on 127.0.0.1:0 with a temp
 * data dir. BERTH_E2E_TARGET=reference runs the same files against the reference registry instead,
 * which keeps the tests honest about the protocol (the reference is what clients were built against);
 * tests of Berth-only behaviour check `e2eTarget()` and skip there.
 */

export type TargetKind = 'berth' | 'reference';

/** The first admin of every test server (BERTH_ADMIN_PASSWORD); satisfies the password policy. */
export const TEST_ADMIN = { username: 'admin', password: 'Berth-Test-Admin-1' } as const;

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Headers that authenticate as the test admin (the reference registry ignores them). */
export const ADMIN_HEADERS = { authorization: basicAuth(TEST_ADMIN.username, TEST_ADMIN.password) };

export interface RegistryUnderTest {
  kind: TargetKind;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, for image references. */
  host: string;
  dataDir: string;
  stop(): Promise<void>;
}

export function e2eTarget(): TargetKind {
  const t = process.env.BERTH_E2E_TARGET ?? 'berth';
  if (t !== 'berth' && t !== 'reference') throw new Error(`BERTH_E2E_TARGET must be berth or reference, not ${t}`);
  return t;
}

export interface StartBerthOptions {
  /** Reuse a data dir (restart tests); a temp dir removed on stop otherwise. */
  dataDir?: string;
  logLevel?: string;
  uploads?: { purgeAfterMs?: number };
}

export async function startBerth(options: StartBerthOptions = {}): Promise<RegistryUnderTest> {
  if (e2eTarget() === 'reference') {
    const ref = await startReferenceRegistry(options.dataDir ? { dataDir: options.dataDir } : {});
    return { kind: 'reference', url: ref.url, host: ref.host, dataDir: ref.dataDir, stop: () => ref.stop() };
  }
  const ownDir = options.dataDir ? undefined : await makeTempDir('berth-data');
  const dataDir = options.dataDir ?? (ownDir as string);
  const server = await createServer({
    adminPassword: TEST_ADMIN.password,
    config: {
      dataDir,
      listen: '127.0.0.1:0',
      log: { level: options.logLevel ?? process.env.BERTH_TEST_LOG_LEVEL ?? 'warn' },
      ...(options.uploads ? { uploads: options.uploads } : {}),
    },
  });
  const url = (await server.listen()).replace(/\/$/, '');
  return {
    kind: 'berth',
    url,
    host: new URL(url).host,
    dataDir,
    async stop() {
      await server.close();
      if (ownDir) await removeTempDir(ownDir);
    },
  };
}

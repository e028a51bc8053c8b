import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './run.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/**
 * A private world for podman, buildah and skopeo: every config, store, cache and state path points
 * into one temp dir, so a test file never reads or writes the machine's containers state and two
 * files can run at once.
 *
 *   DIR/containers.conf      settings this sandbox needs + tmp_dir/volume_path/network dir in DIR
 *   DIR/registries.conf      each registry under test marked insecure (plain HTTP)
 *   DIR/storage.conf         driver overlay (vfs where DIR sits on overlayfs), graphroot/runroot in DIR
 *   DIR/home/.config/containers/policy.json   accept anything (the tests push unsigned images)
 *   DIR/auth.json            REGISTRY_AUTH_FILE
 */

export interface ContainersEnv {
  dir: string;
  /** The variables the tools run with (merged over process.env); image-copying commands also get CACHE_ENV. */
  env: Record<string, string>;
  /** Adds `host:port` to registries.conf as an insecure (plain HTTP) registry. */
  allowInsecure(hostPort: string): Promise<void>;
  /** Stores credentials for `host:port` in the auth file every tool reads (what `podman login` writes). */
  setCredentials(hostPort: string, username: string, password: string): Promise<void>;
  skopeo(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  podman(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  buildah(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export interface ContainersEnvOptions {
  insecureRegistries?: readonly string[];
  /** Credentials per `host:port`, written to the auth file. */
  credentials?: Record<string, { username: string; password: string }>;
  /** Default: overlay, or vfs when the temp dir is itself on overlayfs; BERTH_E2E_STORAGE_DRIVER overrides. */
  storageDriver?: 'overlay' | 'vfs';
}

export async function createContainersEnv(options: ContainersEnvOptions = {}): Promise<ContainersEnv> {
  const dir = await makeTempDir('containers');
  const p = (...parts: string[]) => join(dir, ...parts);
  for (const d of [
    'home/.config/containers',
    'xdg-config',
    'xdg-data',
    'xdg-runtime',
    'tmp',
    'libpod-tmp',
    'networks',
  ]) {
    await mkdir(p(d), { recursive: true, mode: 0o700 });
  }
  const driver =
    (process.env.BERTH_E2E_STORAGE_DRIVER as 'overlay' | 'vfs' | undefined) ??
    options.storageDriver ??
    (fsTypeOf(dir) === 'overlay' ? 'vfs' : 'overlay');

  await writeFile(p('containers.conf'), containersConf(dir));
  await writeFile(
    p('storage.conf'),
    `[storage]\ndriver = "${driver}"\nrunroot = "${p('run')}"\ngraphroot = "${p('root')}"\n`,
  );
  await writeFile(
    p('home/.config/containers/policy.json'),
    JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }),
  );
  const auths: Record<string, { auth: string }> = {};
  const writeAuths = () => writeFile(p('auth.json'), JSON.stringify({ auths }), { mode: 0o600 });
  for (const [host, c] of Object.entries(options.credentials ?? {})) {
    auths[host] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  }
  await writeAuths();
  const insecure = new Set(options.insecureRegistries ?? []);
  const writeRegistries = () => writeFile(p('registries.conf'), registriesConf([...insecure]));
  await writeRegistries();

  const env: Record<string, string> = {
    CONTAINERS_CONF: p('containers.conf'),
    CONTAINERS_REGISTRIES_CONF: p('registries.conf'),
    CONTAINERS_STORAGE_CONF: p('storage.conf'),
    REGISTRY_AUTH_FILE: p('auth.json'),
    HOME: p('home'),
    XDG_CONFIG_HOME: p('xdg-config'),
    XDG_DATA_HOME: p('xdg-data'),
    XDG_RUNTIME_DIR: p('xdg-runtime'),
    TMPDIR: p('tmp'),
    DOCKER_CONFIG: p('home/.docker'),
  };
  const tool =
    (cmd: string) =>
    (args: readonly string[], o: RunOptions = {}) => {
      const final = cmd === 'podman' ? podmanArgs(args) : args;
      const cacheEnv = copiesImages(cmd, final) ? CACHE_ENV : {};
      return run(cmd, final, { ...o, env: { ...env, ...cacheEnv, ...o.env } });
    };

  return {
    dir,
    env,
    async allowInsecure(hostPort) {
      insecure.add(hostPort);
      await writeRegistries();
    },
    async setCredentials(hostPort, username, password) {
      auths[hostPort] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
      await writeAuths();
    },
    skopeo: tool('skopeo'),
    podman: tool('podman'),
    buildah: tool('buildah'),
    async cleanup() {
      // A test that died mid-run can leave overlay mounts of containers in the store.
      for (const mount of mountsUnder(dir).reverse()) {
        await run('umount', ['-l', mount], { allowFailure: true });
      }
      await removeTempDir(dir);
    },
  };
}

/**
 * As root, containers/image keeps its blob-info cache in /var/lib/containers/cache, and neither
 * podman 4.3 nor skopeo 1.9 has a setting to move it. With this variable it takes 65534 as the real
 * uid and uses $XDG_DATA_HOME/containers/cache instead; podman and buildah still run as root (rootless
 * mode is decided by euid). Only for commands that copy images: under it, `podman run` waits out a
 * 20 s conmon timeout before it notices that the container has exited.
 */
const CACHE_ENV = { _CONTAINERS_ROOTLESS_UID: '65534' };

function copiesImages(cmd: string, args: readonly string[]): boolean {
  const [sub, next] = args.filter((a) => !a.startsWith('-'));
  if (cmd === 'skopeo') return true;
  if (cmd === 'buildah') return sub !== 'run';
  const verb = sub === 'image' || sub === 'manifest' ? next : sub;
  return ['pull', 'push', 'login', 'logout', 'search', 'save', 'load'].includes(verb ?? '');
}

/** `podman run` and `create` must not pull on their own: that would use the system-wide cache. */
function podmanArgs(args: readonly string[]): readonly string[] {
  const [sub, ...rest] = args;
  if ((sub === 'run' || sub === 'create') && !rest.some((a) => a.startsWith('--pull'))) {
    return [sub, '--pull=never', ...rest];
  }
  return args;
}

function containersConf(dir: string): string {
  return `# Generated for one test file by test/helpers/containers-env.ts
[containers]
# podman's default ulimits exceed the hard limits here and root lacks CAP_SYS_RESOURCE
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
# containers share the host's loopback, where the registry under test listens
netns = "host"

[network]
network_config_dir = "${join(dir, 'networks')}"

[engine]
# crun refuses the hybrid cgroup v1/v2 layout of these machines; runc works
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "${join(dir, 'libpod-tmp')}"
volume_path = "${join(dir, 'root', 'volumes')}"
`;
}

function registriesConf(insecure: readonly string[]): string {
  const entries = insecure.map((h) => `\n[[registry]]\nlocation = "${h}"\ninsecure = true\n`).join('');
  return `unqualified-search-registries = []\nshort-name-mode = "permissive"\n${entries}`;
}

function mountInfo(): Array<{ mountPoint: string; fsType: string }> {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const fields = line.split(' ');
        const sep = fields.indexOf('-');
        return { mountPoint: unescapeMount(fields[4] ?? ''), fsType: fields[sep + 1] ?? '' };
      });
  } catch {
    return [];
  }
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The filesystem type of the longest mount point that contains `path`. */
function fsTypeOf(path: string): string | undefined {
  let best: { mountPoint: string; fsType: string } | undefined;
  for (const m of mountInfo()) {
    const inside =
      path === m.mountPoint || path.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length > best.mountPoint.length)) best = m;
  }
  return best?.fsType;
}

function mountsUnder(dir: string): string[] {
  return mountInfo()
    .map((m) => m.mountPoint)
    .filter((mp) => mp.startsWith(`${dir}/`));
}

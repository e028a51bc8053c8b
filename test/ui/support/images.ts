import { join } from 'node:path';
import { writeStandardLayouts, type StandardLayoutName } from '../../fixtures/standard-images.js';
import { createContainersEnv, type ContainersEnv } from '../../helpers/containers-env.js';
import { requireCommands } from '../../helpers/run.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';
import type { BerthServer } from './berth-server.js';

/**
 * Real images for the portal to show: the standard OCI layouts (test/fixtures/standard-images.ts)
 * pushed with skopeo, the way a CI pipeline would, from a private containers sandbox so nothing
 * touches the machine's containers state.
 */
export interface ImagePusher {
  /** Pushes a standard layout to `<host>/<repository>:<tag>` as `username` (the admin by default). */
  push(
    image: StandardLayoutName,
    reference: string,
    credentials?: { username: string; password: string },
  ): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createImagePusher(
  server: BerthServer,
  admin: { username: string; password: string },
): Promise<ImagePusher> {
  requireCommands({ skopeo: 'skopeo' });
  const work = await makeTempDir('ui-images');
  let containers: ContainersEnv | undefined;
  try {
    const layouts = await writeStandardLayouts(join(work, 'layouts'));
    containers = await createContainersEnv({ insecureRegistries: [server.host] });
    const env = containers;
    return {
      async push(image, reference, credentials = admin) {
        await env.skopeo([
          'copy',
          '-q',
          // An index is pushed with all its platforms, as `docker buildx` does.
          ...(image === 'multiarch' ? ['--all'] : []),
          '--dest-tls-verify=false',
          '--dest-creds',
          `${credentials.username}:${credentials.password}`,
          layouts[image],
          `docker://${server.host}/${reference}`,
        ]);
      },
      async cleanup() {
        await env.cleanup();
        await removeTempDir(work);
      },
    };
  } catch (e) {
    await containers?.cleanup();
    await removeTempDir(work);
    throw e;
  }
}

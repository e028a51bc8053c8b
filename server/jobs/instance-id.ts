import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * This installation's lease owner id, kept in the data directory. Stable across restarts, so a
 * process that crashed recognises its own leases when it starts again and re-runs those tasks at once
 * instead of waiting for the leases to expire. Instances sharing a database have their own data
 * directories, hence their own ids.
 */
export async function instanceId(dataDir: string): Promise<string> {
  const file = join(dataDir, 'instance-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  await writeFile(file, `${id}\n`, { mode: 0o644 });
  return id;
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Secrets Berth must give back in clear later (a remote registry's password), sealed at rest with
 * AES-256-GCM under a random 32-byte key kept in a file next to the database (`<dataDir>/secret.key`,
 * mode 0600) or at a configured path when several instances share one database.
 *
 * The key is made once and never replaced: every stored credential depends on it. Losing or
 * replacing it makes them unreadable (they must be entered again), which `open` says plainly.
 *
 * Sealed format, versioned so the algorithm can change: `v1:<iv>:<tag>:<ciphertext>`, each part
 * base64url; a fresh 12-byte IV per seal, a 16-byte tag.
 */
export interface SecretBox {
  /** Where the key lives (for messages; never the key itself). */
  readonly keyFile: string;
  seal(plain: string): string;
  /** Throws `SecretBoxError` when the value is malformed or was sealed under another key. */
  open(sealed: string): string;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/**
 * Loads the key from `keyFile` (default `<dataDir>/secret.key`), creating it when absent. Creation
 * cannot clobber a key another process made meanwhile: the new key is written to a temp file,
 * synced, and hard-linked into place, which fails when the name exists (then that key is used).
 */
export async function openSecretBox(dataDir: string, keyFile?: string): Promise<SecretBox> {
  const file = resolve(keyFile ?? join(dataDir, SECRET_KEY_FILE));
  const key = (await readKey(file)) ?? (await createKey(file));
  return new AesGcmBox(file, key);
}

async function readKey(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9_-]+$/.test(text.trim())) {
    // Never regenerate over a damaged file: whatever it held may still be recoverable by hand.
    throw new SecretBoxError(
      `secret key file ${file} is damaged (expected ${KEY_BYTES} bytes as base64url); restore it from a backup, ` +
        'or move it away to start a new key (stored registry credentials must then be entered again)',
    );
  }
  return key;
}

async function createKey(file: string): Promise<Buffer> {
  await mkdir(dirname(file), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64url')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDir(dirname(file));
  // Another process may have won the race: the key on disk is the one to use.
  const stored = await readKey(file);
  if (!stored) throw new SecretBoxError(`secret key file ${file} vanished right after it was created`);
  return stored;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename-free link is still atomic.
  }
}

class AesGcmBox implements SecretBox {
  constructor(
    readonly keyFile: string,
    private readonly key: Buffer,
  ) {}

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
  }

  open(sealed: string): string {
    const parts = sealed.split(':');
    if (parts[0] !== VERSION || parts.length !== 4) {
      throw new SecretBoxError(`a sealed secret has an unknown format (expected ${VERSION}:iv:tag:ciphertext)`);
    }
    const [iv, tag, body] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('a sealed secret is damaged (bad IV or tag length)');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        `a stored secret cannot be decrypted with the key in ${this.keyFile}: the key file was replaced or lost ` +
          'since the secret was saved (restore it from a backup, or enter the credential again)',
      );
    }
  }
}

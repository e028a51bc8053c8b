import { generateKeyPairSync, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { open, readFile, rename, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { Unauthorized } from '../core/errors.js';

/**
 * Docker registry tokens (the distribution token-auth spec): short-lived JWTs whose `access` claim
 * lists exactly what the bearer may do (`[{type: 'repository', name: 'p/r', actions: ['pull']}]`).
 * Signed with an ECDSA P-256 key generated on first start and kept in the data directory (0600).
 * Only Berth verifies these tokens; clients treat them as opaque.
 */
export interface TokenAccess {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export interface VerifiedToken {
  subject: string;
  /** `user` or `robot`: which store the subject lives in; empty for anonymous tokens. */
  subjectKind: 'user' | 'robot' | 'anonymous';
  access: TokenAccess[];
  expiresAt: Date;
}

const ISSUER = 'berth-token-issuer';

export class TokenService {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly service: string,
    readonly ttlSeconds: number,
  ) {}

  /** Loads the signing key from `keyFile`, creating it (atomically, mode 0600) when missing. */
  static async open(options: { keyFile: string; service: string; ttlSeconds: number }): Promise<TokenService> {
    const privateKey = await loadOrCreateKey(options.keyFile);
    return new TokenService(privateKey, createPublicKey(privateKey), options.service, options.ttlSeconds);
  }

  async issue(subject: string, subjectKind: VerifiedToken['subjectKind'], access: TokenAccess[], now = new Date()) {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const token = await new SignJWT({ access, kind: subjectKind })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(subject)
      .setAudience(this.service)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt - 5)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresIn: this.ttlSeconds, issuedAt: new Date(issuedAt * 1000) };
  }

  /** Throws `Unauthorized` for a token that is malformed, tampered with, expired, or for another service. */
  async verify(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: ISSUER,
        audience: this.service,
        algorithms: ['ES256'],
      });
      const kind = payload.kind === 'user' || payload.kind === 'robot' ? payload.kind : 'anonymous';
      return {
        subject: typeof payload.sub === 'string' ? payload.sub : '',
        subjectKind: kind,
        access: parseAccess(payload.access),
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new Unauthorized('the token has expired');
      throw new Unauthorized('the token is invalid');
    }
  }
}

function parseAccess(value: unknown): TokenAccess[] {
  if (!Array.isArray(value)) return [];
  const out: TokenAccess[] = [];
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { type, name, actions } = entry as Record<string, unknown>;
    if ((type !== 'repository' && type !== 'registry') || typeof name !== 'string' || !Array.isArray(actions)) continue;
    out.push({ type, name, actions: actions.filter((a): a is string => typeof a === 'string') });
  }
  return out;
}

async function loadOrCreateKey(file: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(file), { recursive: true });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // Write-then-rename: a crash never leaves a half-written key that would fail every later start.
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  return createPrivateKey(pem);
}

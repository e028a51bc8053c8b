import { createHash, type Hash } from 'node:crypto';
import { Invalid, Unsupported } from './errors.js';

/**
 * Content digests, `<algorithm>:<encoded>` per the OCI image spec. sha256 and sha512 are the
 * registered algorithms; anything else that is well-formed is refused as unsupported.
 */
export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** The canonical `algorithm:hex` string. */
  digest: string;
}

const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Parses and validates a digest; throws `Invalid(DIGEST_INVALID)` or `Unsupported`. */
export function parseDigest(value: string): ParsedDigest {
  if (!DIGEST_GRAMMAR.test(value)) throw new Invalid('DIGEST_INVALID', `invalid digest "${truncate(value)}"`);
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new Invalid('DIGEST_INVALID', `unsupported digest algorithm "${truncate(algorithm)}"`);
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new Invalid('DIGEST_INVALID', `invalid ${algorithm} digest "${truncate(value)}"`);
  }
  return { algorithm, hex, digest: value };
}

export function isDigest(value: string): boolean {
  return value.includes(':');
}

export function newHasher(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function assertSupportedAlgorithm(algorithm: string): asserts algorithm is DigestAlgorithm {
  if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new Unsupported(`digest algorithm ${algorithm}`);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

import { Readable } from 'node:stream';
import { assertValidPath } from './storage-driver.js';

/** Code-unit order: the same on every platform and locale, so listings and walks are reproducible. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The driver path of `name` inside directory `parent`. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Whether `name` is a segment of the path grammar; anything else is not part of the store. */
export function isValidName(name: string): boolean {
  try {
    assertValidPath(`/${name}`);
    return true;
  } catch {
    return false;
  }
}

/** A byte-mode stream with no data (an object-mode `Readable.from([])` would confuse byte consumers). */
export function emptyReadable(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}

/** Reader offsets and lengths are programming errors when negative or fractional, not storage states. */
export function assertByteCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

/** The error a driver raises when a file operation meets a directory, shaped like Node's own. */
export function isDirectoryError(path: string): Error {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory: ${path}`), { code: 'EISDIR' });
}

/** The error a driver raises when a path runs through a file as if it were a directory. */
export function notDirectoryError(path: string): Error {
  return Object.assign(new Error(`ENOTDIR: not a directory: ${path}`), { code: 'ENOTDIR' });
}

import type { Readable } from 'node:stream';

/** Reads a small body whole, calling `onTooLarge` (which throws) once it passes `limit` bytes. */
export async function readBody(stream: Readable, limit: number, onTooLarge: () => never): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      stream.destroy();
      onTooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** True when the request carries a body (a declared length above zero, or chunked encoding). */
export function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return headers['transfer-encoding'] !== undefined;
}

// Minimal keep-alive HTTP client and load loops. Dependency-free on purpose: the client must be cheap
// and predictable, because it shares the machine with the servers it measures.
import http from 'node:http';

export const newAgent = (sockets) => new http.Agent({ keepAlive: true, maxSockets: sockets });

export class HttpError extends Error {}

/**
 * One request. `body` is a Buffer or an array of Buffers written in order (so a shared blob body and
 * a small unique tail go out without concatenating). With `sink`, response bytes are streamed to it
 * instead of being buffered.
 */
export function request(url, { method = 'GET', agent, headers = {}, body, sink, timeoutMs = 60_000 } = {}) {
  const parts = body == null ? [] : Array.isArray(body) ? body : [body];
  const length = parts.reduce((n, b) => n + b.length, 0);
  const h = { ...headers };
  if (length || method === 'PUT' || method === 'POST' || method === 'PATCH') h['content-length'] = length;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: h }, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (d) => {
        bytes += d.length;
        if (sink) sink(d);
        else chunks.push(d);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), bytes }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new HttpError(`${method} ${url}: no progress for ${timeoutMs} ms`)));
    req.on('error', (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
    for (const p of parts) req.write(p);
    req.end();
  });
}

/** Like request(), but retries a GET/HEAD once when a kept-alive socket turns out to be closed. */
export async function fetchOk(url, opts = {}, expect = [200]) {
  let res;
  try {
    res = await request(url, opts);
  } catch (e) {
    const idempotent = !opts.method || opts.method === 'GET' || opts.method === 'HEAD';
    if (!(idempotent && e.reusedSocket && e.code === 'ECONNRESET')) throw e;
    res = await request(url, opts);
  }
  if (!expect.includes(res.status)) {
    const snippet = res.body.toString('utf8', 0, Math.min(res.body.length, 200)).replace(/\s+/g, ' ');
    throw new HttpError(
      `${opts.method || 'GET'} ${url} -> HTTP ${res.status} (expected ${expect.join('/')}) ${snippet}`,
    );
  }
  return res;
}

/**
 * Runs `workers` concurrent loops of `op(index, worker)` for `seconds` (time mode) or over `count`
 * items (count mode). `op` returns the bytes it moved. The first error stops all loops and is thrown.
 */
export async function runLoad({ workers, seconds, count, op }) {
  const lat = [];
  let ops = 0;
  let bytes = 0;
  let next = 0;
  let failure = null;
  const t0 = performance.now();
  const end = seconds === undefined ? Infinity : t0 + seconds * 1000;
  const loop = async (w) => {
    while (!failure && performance.now() < end && (count === undefined || next < count)) {
      const i = next++;
      const s = performance.now();
      try {
        // Not `bytes += await op()`: that reads `bytes` before awaiting and loses other workers' adds.
        const moved = await op(i, w);
        bytes += moved || 0;
      } catch (e) {
        failure ??= e;
        return;
      }
      lat.push(performance.now() - s);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
  if (failure) throw failure;
  return { ops, bytes, seconds: (performance.now() - t0) / 1000, lat };
}

export function percentiles(lat) {
  if (!lat.length) return { p50: null, p99: null };
  const s = Float64Array.from(lat).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

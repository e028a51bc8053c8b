#!/usr/bin/env node
// The job system's benchmark (issue 4): Berth's built job service (dist/) on a real SQLite file in a
// temp dir, against a plain promise pool doing the same I/O in the same run (the peer: what the work
// costs with no job system at all). Prints a table and writes .bench/jobs-<timestamp>.json.
//
//   npm run bench:jobs [-- --quick]    (npm run bench runs it after the registry scenarios)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { openSqliteMetaStore } from '../dist/server/meta/sqlite/sqlite-meta-store.js';
import { LocalJobService } from '../dist/server/jobs/job-service.js';
import { registerGarbageCollection } from '../dist/server/gc/gc-job.js';
import { BlobStore } from '../dist/server/storage/blob-store.js';
import { FilesystemDriver } from '../dist/server/storage/filesystem-driver.js';
import { EventBus } from '../dist/server/core/events.js';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const QUICK = args.quick;
const only = args.only ? new Set(args.only.split(',')) : null;
const log = (msg) => process.stderr.write(`${msg}\n`);
const silent = pino({ level: 'silent' });
const results = [];

function record(id, fields) {
  results.push({ id, ...fields });
  log(`${id}: ${JSON.stringify(fields)}`);
}

async function withJobs(options, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-jobs-bench-'));
  const meta = openSqliteMetaStore({ file: path.join(dir, 'berth.db') });
  const jobs = new LocalJobService({
    repo: meta.jobs,
    log: silent,
    owner: 'bench',
    cpuSlots: 4,
    leaseMs: 30_000,
    historyPerVendor: 50,
    maxLogLines: 1000,
    pollMs: 200,
    ...options,
  });
  try {
    return await fn(jobs, dir);
  } finally {
    await jobs.close();
    await meta.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function ended(jobs, id) {
  for (;;) {
    const e = await jobs.getExecution(id);
    if (e?.endTime) return e;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const noopTasks = (n) => Array.from({ length: n }, (_, i) => ({ jobType: 'noop', params: { i } }));

/** Enqueue 10,000 no-op tasks (one call), stop them all while queued, and drain another 10,000. */
async function backlog() {
  const n = 10_000;
  await withJobs({}, async (jobs) => {
    jobs.define({ type: 'noop', lane: 'delivery', concurrency: 8, cpuSlots: 0, maxAttempts: 1, run: async () => {} });
    await jobs.start();
    await jobs.pauseType('noop');
    let t = performance.now();
    const queued = await jobs.startExecution({ vendorType: 'BENCH', trigger: 'MANUAL', tasks: noopTasks(n) });
    const enqueueMs = performance.now() - t;
    t = performance.now();
    await jobs.stopExecution(queued.id);
    const stopMs = performance.now() - t;
    const stopped = await jobs.getExecution(queued.id);
    if (stopped.status !== 'Stopped' || stopped.progress.done !== n) throw new Error('stop did not stop every task');
    record('jobs-enqueue-10k', { tasks: n, ms: round(enqueueMs), target: '< 2000 ms' });
    record('jobs-stop-10k-queued', { tasks: n, ms: round(stopMs), target: '< 1000 ms' });

    await jobs.resumeType('noop');
    t = performance.now();
    const drained = await jobs.startExecution({ vendorType: 'BENCH', trigger: 'MANUAL', tasks: noopTasks(n) });
    await ended(jobs, drained.id);
    const drainMs = performance.now() - t;
    record('jobs-drain-10k-noop', { tasks: n, ms: round(drainMs), tasksPerSecond: round((n / drainMs) * 1000) });
  });
}

/** A loopback "remote registry": each request waits `latencyMs`, then sends `bytes` bytes. */
async function startSource({ latencyMs, bytes }) {
  const body = Buffer.alloc(1 << 20, 1);
  const open = new Set();
  const server = http.createServer((req, res) => {
    const endless = req.url.startsWith('/endless');
    open.add(res);
    res.on('close', () => open.delete(res));
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const pump = () => {
        // A write to a response the client has gone from queues an error and returns true: stop then.
        while ((endless || sent < bytes) && !res.destroyed) {
          const piece = endless ? body : body.subarray(0, Math.min(body.length, bytes - sent));
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    }, latencyMs);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    openResponses: () => open.size,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET url into a file, abortable mid-stream: what a replication or scan task does with a blob. */
function download(url, file, signal) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, signal }, (res) => {
      pipeline(res, fs.createWriteStream(file), { signal }).then(resolve, reject);
    });
    req.on('error', reject);
  });
}

/** I/O-bound tasks (latency + transfer) through the job system vs a plain promise pool, 1–8 workers. */
async function throughput() {
  const latencyMs = 20;
  const bytes = 256 * 1024;
  const perWorker = QUICK ? 20 : 150;
  const source = await startSource({ latencyMs, bytes });
  try {
    for (const workers of [1, 2, 4, 8]) {
      const n = perWorker * workers;
      const jobsRate = await withJobs({}, async (jobs, dir) => {
        jobs.define({
          type: 'fetch',
          lane: 'delivery',
          concurrency: workers,
          cpuSlots: 0,
          maxAttempts: 1,
          run: (ctx) => download(`${source.url}/blob`, path.join(dir, `f${ctx.params.i % workers}`), ctx.signal),
        });
        await jobs.start();
        const t = performance.now();
        const e = await jobs.startExecution({
          vendorType: 'BENCH',
          trigger: 'MANUAL',
          tasks: Array.from({ length: n }, (_, i) => ({ jobType: 'fetch', params: { i } })),
        });
        const done = await ended(jobs, e.id);
        if (done.status !== 'Success') throw new Error(`fetch execution ended ${done.status}`);
        return (n / (performance.now() - t)) * 1000;
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-jobs-peer-'));
      const t = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          while (next < n) {
            next++;
            await download(`${source.url}/blob`, path.join(dir, `f${w}`), new AbortController().signal);
          }
        }),
      );
      const plainRate = (n / (performance.now() - t)) * 1000;
      fs.rmSync(dir, { recursive: true, force: true });
      record(`jobs-io-${workers}w`, {
        workers,
        tasks: n,
        latencyMs,
        bytes,
        tasksPerSecond: round(jobsRate),
        plainPoolPerSecond: round(plainRate),
        ratio: round(jobsRate / plainRate, 2),
      });
    }
  } finally {
    await source.close();
  }
}

/** A task streaming an endless blob to disk is stopped mid-stream: time until it has let go. */
async function stopLatency() {
  const source = await startSource({ latencyMs: 0, bytes: 0 });
  const rounds = QUICK ? 3 : 10;
  const latencies = [];
  let streamedAtStop = 0;
  try {
    await withJobs({}, async (jobs, dir) => {
      let settle;
      jobs.define({
        type: 'stream',
        lane: 'delivery',
        concurrency: 1,
        cpuSlots: 0,
        maxAttempts: 1,
        run: (ctx) => download(`${source.url}/endless`, path.join(dir, 'blob'), ctx.signal).finally(() => settle?.()),
      });
      await jobs.start();
      for (let r = 0; r < rounds; r++) {
        const settled = new Promise((resolve) => (settle = resolve));
        const e = await jobs.startExecution({ vendorType: 'BENCH', trigger: 'MANUAL', tasks: [{ jobType: 'stream' }] });
        let task;
        for (;;) {
          task = (await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 1 })).items[0];
          const size = fs.existsSync(path.join(dir, 'blob')) ? fs.statSync(path.join(dir, 'blob')).size : 0;
          if (task?.status === 'Running' && size > 64 * 1024 * 1024) {
            streamedAtStop = size;
            break;
          }
          await new Promise((res) => setTimeout(res, 20));
        }
        const t = performance.now();
        await jobs.stopTask(task.id);
        await settled;
        while (source.openResponses() > 0) await new Promise((res) => setImmediate(res));
        latencies.push(performance.now() - t);
        const sizeAfter = fs.statSync(path.join(dir, 'blob')).size;
        await new Promise((res) => setTimeout(res, 100));
        if (fs.statSync(path.join(dir, 'blob')).size !== sizeAfter) throw new Error('the file grew after the stop');
        if ((await jobs.getTask(task.id)).status !== 'Stopped') throw new Error('task not Stopped');
      }
    });
  } finally {
    await source.close();
  }
  latencies.sort((a, b) => a - b);
  record('jobs-stop-streaming-task', {
    rounds,
    streamedBeforeStopMiB: round(streamedAtStop / 2 ** 20),
    medianMs: round(latencies[Math.floor(latencies.length / 2)], 2),
    maxMs: round(latencies.at(-1), 2),
    target: '< 1000 ms',
  });
}

/**
 * Writes `n` distinct small blobs in the content-addressed layout both registries use
 * (`.../blobs/sha256/<2 hex>/<hex>/data`), with no repository referencing them.
 */
function writeBlobs(blobsDir, n) {
  const digests = [];
  for (let i = 0; i < n; i++) {
    const content = Buffer.from(`unreferenced blob ${i} ${'x'.repeat(i % 512)}`);
    const hex = createHash('sha256').update(content).digest('hex');
    const dir = path.join(blobsDir, 'sha256', hex.slice(0, 2), hex);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'data'), content);
    digests.push({ digest: `sha256:${hex}`, size: content.length });
  }
  return digests;
}

function countFiles(dir) {
  let n = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else n++;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return n;
}

/**
 * GC of 100,000 unreferenced blobs on the filesystem driver (their artifacts deleted long ago: the
 * metadata rows are there, no repository links them), against distribution's `garbage-collect` of
 * the same number of unreferenced blobs in its own storage, in the same run.
 */
async function gc() {
  const n = QUICK ? 10_000 : 100_000;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-bench-'));
  try {
    // Berth
    const storage = path.join(work, 'berth', 'storage');
    const digests = writeBlobs(path.join(storage, 'blobs'), n);
    const dbFile = path.join(work, 'berth', 'berth.db');
    const meta = openSqliteMetaStore({ file: dbFile });
    const old = Date.now() - 24 * 3600_000;
    const raw = new Database(dbFile);
    const insert = raw.prepare(
      'insert into blobs (digest, size, media_type, created_at, gc_state, incarnation, touched_at) values (?, ?, null, ?, ?, ?, ?)',
    );
    raw.transaction(() => {
      for (const [i, d] of digests.entries()) insert.run(d.digest, d.size, old, 'none', i + 1, old);
    })();
    raw.close();
    const jobs = new LocalJobService({
      repo: meta.jobs,
      log: silent,
      owner: 'bench',
      cpuSlots: 2,
      leaseMs: 30_000,
      historyPerVendor: 50,
      maxLogLines: 1000,
    });
    const service = registerGarbageCollection(jobs, {
      meta,
      blobs: new BlobStore(new FilesystemDriver(storage)),
      events: new EventBus(() => {}),
      windowMs: 3600_000,
      uploadMaxAgeMs: 24 * 3600_000,
      log: silent,
    });
    await jobs.start();
    let t = performance.now();
    const execution = await service.start({ trigger: 'MANUAL', workers: 5 });
    const done = await ended(jobs, execution.id);
    const berthMs = performance.now() - t;
    if (process.env.BENCH_GC_LOG) {
      const [task] = (await jobs.listTasks({ executionId: execution.id }, { page: 1, pageSize: 1 })).items;
      log(
        (await jobs.readLog(task.id))
          .split('\n')
          .filter((l) => !l.includes('delete blob from storage'))
          .join('\n'),
      );
    }
    await jobs.close();
    await meta.close();
    const berthLeft = countFiles(path.join(storage, 'blobs'));
    if (done.status !== 'Success' || berthLeft !== 0)
      throw new Error(`Berth GC: ${done.status}, ${berthLeft} files left`);

    // distribution
    const refRoot = path.join(work, 'reference');
    writeBlobs(path.join(refRoot, 'docker', 'registry', 'v2', 'blobs'), n);
    fs.mkdirSync(path.join(refRoot, 'docker', 'registry', 'v2', 'repositories'), { recursive: true });
    const config = path.join(work, 'reference.yml');
    fs.writeFileSync(
      config,
      ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${refRoot}`, ''].join(
        '\n',
      ),
    );
    t = performance.now();
    const ref = spawnSync('docker-registry', ['garbage-collect', config], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const refMs = performance.now() - t;
    const refLeft = countFiles(path.join(refRoot, 'docker', 'registry', 'v2', 'blobs'));
    if (ref.status !== 0) throw new Error(`garbage-collect failed: ${ref.stderr.slice(-500)}`);
    record('gc-unreferenced-blobs', {
      blobs: n,
      berthMs: round(berthMs),
      berthBlobsPerSecond: round((n / berthMs) * 1000),
      referenceMs: round(refMs),
      referenceLeft: refLeft,
      ratio: round(refMs / berthMs, 2),
      target: '< 60000 ms',
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function round(x, digits = 0) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const SECTIONS = { backlog, throughput, stop: stopLatency, gc };
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only && !only.has(name)) continue;
  log(`jobs bench: ${name}`);
  await run();
}
agent.destroy();
const outDir = path.join(root, '.bench');
fs.mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `jobs-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ host: { cpus: os.cpus().length, node: process.version }, results }, null, 2));
console.log('\nJob system (Berth dist/, SQLite file with synchronous=FULL)');
for (const r of results) {
  const { id, ...rest } = r;
  console.log(
    `  ${id.padEnd(28)} ${Object.entries(rest)
      .map(([k, v]) => `${k}=${v}`)
      .join('  ')}`,
  );
}
console.log(`\nraw: ${path.relative(root, file)}`);

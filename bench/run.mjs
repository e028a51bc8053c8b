#!/usr/bin/env node
// Berth vs the reference registry (CNCF distribution, Debian `docker-registry`), side by side on this
// machine. `npm run bench` builds Berth, starts both registries (and a bare Node file server for blob
// pulls) on free loopback ports with fresh temp storage, runs every scenario against each target in
// turn, prints the comparison table and writes the raw records to .bench/results-<timestamp>.json.
// Berth requires authentication: it is started with a generated BERTH_ADMIN_PASSWORD and the scenarios
// log in as `admin` through its token service, like docker does (see lib/auth.mjs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import {
  startReference,
  startBerth,
  startFileServer,
  stopAll,
  referenceVersion,
  benchPassword,
} from './lib/servers.mjs';
import { SCENARIOS, appliesTo } from './lib/scenarios.mjs';
import { Registry, blobFamily, MiB } from './lib/oci.mjs';
import { discoverAuth } from './lib/auth.mjs';
import { measured, hostInfo, waitQuiet } from './lib/proc.mjs';
import { hasWrk } from './lib/wrk.mjs';
import { makeRecord, summarize, formatTable, formatMemory } from './lib/report.mjs';

const HELP = `usage: npm run bench -- [options]      (or: node bench/run.mjs [options] after npm run build)
  --rounds N         run every scenario N times per target, alternating the order; medians are reported [1]
  --quick            short durations and small sizes: a smoke run of about a minute, not a measurement
  --only a,b         only these scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
  --seconds S        measured seconds per scenario [5; --quick 1.5]
  --berth-url URL    benchmark an already running Berth (or any registry) instead of starting one
  --berth-pid PID    its process id, for CPU and memory figures
  --berth-user NAME  the user to log in as on --berth-url [admin]; the password comes from the
                     environment variable BERTH_ADMIN_PASSWORD
  --cpu-prof DIR     start Berth under node --cpu-prof and write its profile to DIR when it stops
  --baseline DIR     also run another built Berth checkout (e.g. an older commit, after npm run build
                     there) as a third target, interleaved with the others: "vs baseline" rows
  --no-wrk           use the Node client for manifest GET and tags list even if wrk is installed
  --quiet PCT        for a shared machine: before each measurement wait (up to 2 min) until other
                     processes use less than PCT % of a core, and measure again (up to 2 more times)
                     when they used more than PCT % during it
`;

const FULL = {
  seconds: 5, // per scenario: long enough for a steady rate, short enough for a run of a few minutes
  warmup: 1,
  bigSize: 64 * MiB, // monolithic/chunked push and pull blob size
  chunk: 8 * MiB, // PATCH size for chunked uploads
  streams: 2, // concurrent blob uploads (docker push sends several layers at once)
  readers: 4, // concurrent blob pulls
  layerSize: 1 * MiB, // push-small layers (2 per image), same as the harness baseline
  pushers: 8,
  clients: 16, // keep-alive connections for small requests
  tags: 100,
  repos: 1000, // catalog size
  page: 100, // catalog ?n=
  walkers: 4,
};
const QUICK = {
  ...FULL,
  seconds: 1.5,
  warmup: 0.3,
  bigSize: 16 * MiB,
  chunk: 4 * MiB,
  layerSize: 64 * 1024,
  repos: 150,
};

const log = (msg) => process.stderr.write(`${msg}\n`);

function options(argv) {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      seconds: { type: 'string' },
      'berth-url': { type: 'string' },
      'berth-pid': { type: 'string' },
      'berth-user': { type: 'string', default: 'admin' },
      'cpu-prof': { type: 'string' },
      baseline: { type: 'string' },
      'no-wrk': { type: 'boolean', default: false },
      quiet: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (a.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const o = { ...(a.quick ? QUICK : FULL), rounds: Number(a.rounds), quick: a.quick };
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error('--rounds must be a positive integer');
  if (a.seconds) o.seconds = Number(a.seconds);
  if (!(o.seconds > 0)) throw new Error('--seconds must be > 0');
  const ids = a.only ? a.only.split(',').map((s) => s.trim()) : SCENARIOS.map((s) => s.id);
  for (const id of ids) if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`unknown scenario ${id} (see --help)`);
  o.scenarios = SCENARIOS.filter((s) => ids.includes(s.id));
  o.berthUrl = a['berth-url']?.replace(/\/+$/, '');
  o.berthPid = a['berth-pid'] ? Number(a['berth-pid']) : null;
  // A Berth we start gets a fresh admin password; one already running needs the caller's.
  o.credentials = o.berthUrl
    ? { username: a['berth-user'], password: process.env.BERTH_ADMIN_PASSWORD }
    : { username: 'admin', password: benchPassword() };
  o.cpuProf = a['cpu-prof'] ? path.resolve(a['cpu-prof']) : null;
  o.baseline = a.baseline ? path.resolve(a.baseline) : null;
  o.wrk = !a['no-wrk'] && hasWrk();
  o.quiet = a.quiet === undefined ? null : Number(a.quiet);
  if (o.quiet !== null && !(o.quiet > 0)) throw new Error('--quiet must be a percentage > 0');
  return o;
}

async function startTargets(o, repoDir) {
  const targets = [];
  if (o.berthUrl) {
    targets.push({ name: 'berth', url: o.berthUrl, pid: o.berthPid });
  } else {
    if (!fs.existsSync(path.join(repoDir, 'dist/server/cli.js'))) {
      throw new Error('Berth is not built (dist/server/cli.js missing): run `npm run build`, or pass --berth-url');
    }
    const nodeArgs = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : [];
    targets.push({
      name: 'berth',
      ...(await startBerth(o.dir, repoDir, { password: o.credentials.password, nodeArgs })),
    });
  }
  if (o.baseline) {
    if (!fs.existsSync(path.join(o.baseline, 'dist/server/cli.js'))) {
      throw new Error(`--baseline ${o.baseline}: not a built Berth checkout (dist/server/cli.js missing)`);
    }
    // Same password: a baseline with authentication logs in like the Berth under test, one without ignores it.
    targets.push({ name: 'baseline', ...(await startBerth(o.dir, o.baseline, { password: o.credentials.password })) });
  }
  if (!referenceVersion()) throw new Error('docker-registry not found: apt-get install docker-registry');
  targets.push({ name: 'reference', ...(await startReference(o.dir)) });
  if (o.scenarios.some((s) => s.nodeTarget)) {
    const file = path.join(o.dir, 'pull-blob');
    fs.writeFileSync(file, Buffer.concat(o.pullBlob.parts));
    targets.push({ name: 'node', ...(await startFileServer(o.dir, file)) });
  }
  for (const t of targets) {
    t.reg = t.name === 'node' ? null : new Registry(t.url);
    // Only registries that answer /v2/ with a Bearer challenge get credentials (the reference does not).
    t.auth = t.reg ? await discoverAuth(t.url, t.name === 'reference' ? null : o.credentials) : null;
    t.state = {}; // setup done so far (survives rounds)
    const auth = t.auth ? `, bearer tokens from ${t.auth.realm} as ${t.auth.username}` : t.reg ? ', open' : '';
    log(`${t.name}: ${t.url}${t.pid ? ` pid ${t.pid}` : ''}${auth}`);
  }
  return targets;
}

async function runAll(o, targets) {
  const records = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const sc of o.scenarios) {
      // Alternate who goes first: a slow drift of the machine (other tenants, page cache) then
      // favours neither side.
      let order = targets.filter((t) => appliesTo(sc, t));
      if (round % 2 === 0) order = order.reverse();
      for (const t of order) {
        let rec;
        try {
          for (let attempt = 1; ; attempt++) {
            // Flush dirty pages first: the reference never fsyncs, so its writeback would otherwise land
            // in whichever measurement comes next.
            spawnSync('sync');
            const before = o.quiet === null ? null : await waitQuiet(o.quiet, 120);
            rec = makeRecord(sc, t, round, await sc.run(t, o, (fn) => measured(t.pid, fn)));
            if (o.quiet === null) break;
            Object.assign(rec, { attempt, busy_before_pct: before });
            if (!(rec.other_cpu_pct > o.quiet) || attempt === 3) break;
            log(
              `[r${round}] ${sc.id.padEnd(13)} ${t.name.padEnd(9)} disturbed (other CPU ${rec.other_cpu_pct.toFixed(0)}%): again`,
            );
          }
        } catch (e) {
          if (o.stopping()) return records; // interrupted: the servers are going away
          // One broken scenario (a protocol error, a wrong digest) must not hide all the others.
          records.push({ scenario: sc.id, target: t.name, round, error: e.message });
          log(`[r${round}] ${sc.id.padEnd(13)} ${t.name.padEnd(9)} ERROR ${e.message.slice(0, 300)}`);
          continue;
        }
        records.push(rec);
        const cpu =
          rec.server_cpu_per_unit == null ? '' : `, server ${rec.server_cpu_per_unit.toFixed(3)} ${rec.cpu_unit}`;
        const other = rec.other_cpu_pct == null ? '' : `, other ${rec.other_cpu_pct.toFixed(0)}%`;
        log(`[r${round}] ${sc.id.padEnd(13)} ${t.name.padEnd(9)} ${rec.value.toFixed(1)} ${sc.metric}${cpu}${other}`);
      }
    }
  }
  return records;
}

function writeResults(repoDir, o, targets, records, rows) {
  const dir = path.join(repoDir, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const {
    scenarios: _s,
    bigBlobs: _b,
    layerBlobs: _l,
    tinyBlobs: _t,
    pullBlob: _p,
    stopping: _x,
    credentials,
    ...params
  } = o;
  params.user = credentials.username; // never the password
  const meta = {
    date: new Date().toISOString(),
    host: hostInfo(),
    reference: referenceVersion(),
    wrk: o.wrk,
    params,
    targets: targets.map(({ name, url, pid, auth }) => ({
      name,
      url,
      pid,
      auth: auth ? { realm: auth.realm, service: auth.service, user: auth.username, tokens: auth.issued } : null,
    })),
  };
  fs.writeFileSync(file, JSON.stringify({ meta, summary: rows, records }, null, 2) + '\n');
  return path.relative(process.cwd(), file);
}

async function main() {
  const o = options(process.argv.slice(2));
  const repoDir = fileURLToPath(new URL('..', import.meta.url));
  o.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  let stopping;
  const cleanup = () =>
    (stopping ??= (async () => {
      const t = Date.now();
      await stopAll(o.cpuProf ? 30_000 : 3000); // writing a CPU profile takes a while
      fs.rmSync(o.dir, { recursive: true, force: true }); // several GiB of pushed blobs
      log(`stopped the servers and removed ${o.dir} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    })());
  o.stopping = () => stopping !== undefined;
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(sig, () => {
      log(`\n${sig}: stopping servers`);
      cleanup().finally(() => process.exit(code));
    });
  }
  try {
    // Test content, shared by all targets: every blob is distinct but costs no extra memory.
    o.bigBlobs = blobFamily(o.bigSize);
    o.layerBlobs = blobFamily(o.layerSize);
    o.tinyBlobs = blobFamily(1024);
    o.pullBlob = o.bigBlobs.next();
    const targets = await startTargets(o, repoDir);
    const h = hostInfo();
    log(
      `host: ${h.cpu}, ${h.ncpu} CPU, node ${h.node}; ${o.wrk ? 'wrk' : 'Node client'} for GET load; rounds ${o.rounds}`,
    );
    const t0 = Date.now();
    const records = await runAll(o, targets);
    const rows = summarize(o.scenarios, records);
    log(`\n${formatTable(rows)}`);
    log('ratio = Berth/reference (in "vs" rows: Berth/the figure named there); srv CPU = server CPU per unit;');
    log('other CPU = worst CPU use, in % of one core, by processes other than client and server during that');
    log('scenario (this machine has 2 cores): when it is high, other tenants disturbed the run; use --rounds 3.');
    log('* = the load generator used >= 85% of a core: a lower bound of what that server can do.');
    log(`memory at the end: ${formatMemory(records)}`);
    for (const t of targets) if (t.auth) log(`${t.name}: ${t.auth.issued} tokens fetched by the benchmark's clients`);
    const file = writeResults(repoDir, o, targets, records, rows);
    const errors = records.filter((r) => r.error).length;
    log(`\n${records.length} measurements in ${((Date.now() - t0) / 1000).toFixed(0)} s; raw results: ${file}`);
    if (errors) {
      log(`${errors} measurement(s) failed: see ERROR lines above`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  log(`bench: ${e.message}`);
  process.exitCode = 1;
});

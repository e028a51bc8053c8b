#!/usr/bin/env node
// Replication's benchmark (issue 7): a Berth started here holds N small images, one large image and a
// backlog of M tags; each is copied to a fresh reference registry (`docker-registry`) once by Berth's
// push-based replication (endpoint, policy with a name filter, manual execution, polled until it
// ends) and once by `skopeo sync` (the peer), alternating who goes first across rounds. Every tag is
// then HEADed at the destination and its digest compared with the source's. The backlog is
// replicated once untimed, then a second run (every task finds its tag up to date) is timed against
// a plain client HEADing the same tags at the policy's concurrency (the least I/O such a run needs).
// Prints a Markdown table and writes .bench/replication-<timestamp>.json.
//
//   npm run build && node bench/replication.mjs [--quick] [--rounds N] [--only small,large,backlog]
//     [--small N] [--small-repos N] [--small-kib N] [--large-mib N] [--backlog N] [--backlog-repos N]
//     [--sides skopeo,berth] [--concurrency N] [--berth-dir DIR] [--cpu-prof DIR] [--keep]
//   (--berth-dir: a checkout whose dist/ is built, e.g. a `git worktree` of HEAD; default this one)
//
// The large layer is a random file made once and kept in .cache/bench/ (gitignored).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fetchOk, newAgent } from './lib/http.mjs';
import { hostInfo, sampleProcess } from './lib/proc.mjs';
import { benchPassword, startBerth, startReference, stopAll } from './lib/servers.mjs';
import {
  basicRegistry,
  catalog,
  ensureRandomFile,
  headAll,
  pushBacklog,
  pushImages,
  pushLargeImage,
  smallImages,
} from './lib/replication-fixture.mjs';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CACHE = path.join(ROOT, '.cache', 'bench');
const MiB = 2 ** 20;
const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string' },
    sides: { type: 'string' },
    small: { type: 'string' },
    'small-repos': { type: 'string' },
    'small-kib': { type: 'string' },
    'large-mib': { type: 'string' },
    backlog: { type: 'string' },
    'backlog-repos': { type: 'string' },
    concurrency: { type: 'string' },
    'berth-dir': { type: 'string' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const num = (v, full, quick) => Number(v ?? (a.quick ? quick : full));
const o = {
  rounds: num(a.rounds, 2, 1),
  small: num(a.small, 1000, 100),
  smallRepos: num(a['small-repos'], 100, 10),
  smallKiB: num(a['small-kib'], 32, 32),
  largeMiB: num(a['large-mib'], 1024, 128),
  backlog: num(a.backlog, 10_000, 1000),
  backlogRepos: num(a['backlog-repos'], 100, 10),
  concurrency: a.concurrency === undefined ? undefined : Number(a.concurrency),
  only: new Set((a.only ?? 'small,large,backlog').split(',')),
  sides: new Set((a.sides ?? 'skopeo,berth').split(',')),
  berthDir: path.resolve(a['berth-dir'] ?? ROOT),
  cpuProf: a['cpu-prof'] ? path.resolve(a['cpu-prof']) : null,
  /** Keep the servers' directories (logs, data) under the temp dir for a post-mortem. */
  keep: a.keep,
};
const rmDir = (dir) => (o.keep ? undefined : fs.rmSync(dir, { recursive: true, force: true }));
const log = (msg) => process.stderr.write(`replication bench: ${msg}\n`);
const round = (x, d = 0) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const which = (cmd) =>
  (process.env.PATH ?? '')
    .split(':')
    .map((dir) => path.join(dir, cmd))
    .find((p) => fs.existsSync(p));

/** Harbor's REST API as the admin, with Basic credentials. */
class Api {
  constructor(url, password) {
    this.url = url;
    this.agent = newAgent(2);
    this.auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  }

  async call(method, p, body, expect = [200]) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { authorization: this.auth, ...(payload ? { 'content-type': 'application/json' } : {}) };
    const r = await fetchOk(`${this.url}/api/v2.0${p}`, { method, agent: this.agent, headers, body: payload }, expect);
    const text = r.body.toString('utf8');
    const json = text && (r.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) : text;
    return { json, location: r.headers.location, status: r.status };
  }

  /** POST that creates a resource; its id from the Location header. */
  async create(p, body) {
    const r = await this.call('POST', p, body, [201]);
    const id = Number(/\/(\d+)$/.exec(r.location ?? '')?.[1]);
    if (!Number.isInteger(id)) throw new Error(`POST ${p}: 201 without a Location ending in an id`);
    return id;
  }
}

/** SIGTERM one server we started (a destination), then SIGKILL if it lingers. */
async function stopPid(pid) {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (const end = Date.now() + 5000; alive() && Date.now() < end;) await sleep(25);
  if (alive()) process.kill(pid, 'SIGKILL');
}

const cpuOf = (pid, tree = true) => sampleProcess(pid, tree)?.cpuS ?? null;

/** Runs `fn` and adds wall seconds and the CPU seconds of the source Berth, the destination and this process (+ reaped skopeo). */
async function measured(berthPid, destPid, fn) {
  const before = [cpuOf(berthPid), cpuOf(destPid), cpuOf(process.pid, false)];
  const monoUs = () => Number(process.hrtime.bigint() / 1000n);
  const from = monoUs();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const to = monoUs();
  const after = [cpuOf(berthPid), cpuOf(destPid), cpuOf(process.pid, false)];
  const delta = (i) => (before[i] == null || after[i] == null ? null : round(after[i] - before[i], 2));
  // `window`: the monotonic clock a --cpu-prof profile uses, for `cpuprofile-top.mjs --from --to`.
  const cpu = { sourceBerthS: delta(0), destinationS: delta(1), clientS: delta(2) };
  return { ...result, seconds, cpu, window: { from, to } };
}

function runCommand(cmd, argv, { logFile, env }) {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    fs.closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      reject(new Error(`${cmd} ${argv[0]} exited ${code}; ${logFile}:\n${tail}`));
    });
  });
}

const hostOf = (url) => new URL(url).host;

/** The peer: `skopeo sync` of the scenario's repositories from the source Berth to `dest`. */
async function skopeoSync(sc, ctx, dest, dir) {
  const env = { HOME: dir, XDG_RUNTIME_DIR: dir };
  // --preserve-digests: without it skopeo 1.9 rewrote every manifest here (new digests), which is not
  // replication; Berth copies manifests byte for byte.
  const common = ['--dest', 'docker', '--dest-tls-verify=false', '--retry-times', '0', '--preserve-digests'];
  const target = `${hostOf(dest.url)}/${sc.project}`;
  let argv;
  if (sc.repos.length === 1) {
    const src = `${hostOf(ctx.berth.url)}/${sc.repos[0]}`;
    argv = ['sync', '--src', 'docker', '--src-tls-verify=false', '--src-creds', `admin:${ctx.password}`];
    argv.push(...common, src, target);
  } else {
    // Many repositories: one YAML source listing them all, each with every tag (`[]`).
    const yaml = path.join(dir, 'sync.yml');
    const lines = [`${hostOf(ctx.berth.url)}:`, '  tls-verify: false', '  credentials:', '    username: admin'];
    lines.push(`    password: ${JSON.stringify(ctx.password)}`, '  images:');
    for (const r of sc.repos) lines.push(`    ${r}: []`);
    fs.writeFileSync(yaml, `${lines.join('\n')}\n`, { mode: 0o600 });
    argv = ['sync', '--src', 'yaml', ...common, yaml, target];
  }
  await runCommand('skopeo', argv, { logFile: path.join(dir, 'skopeo.log'), env });
  return {};
}

/** A push policy from this Berth to `dest` for `project/**`, manual trigger. */
async function pushPolicy(ctx, dest, name, project) {
  const registryId = await ctx.api.create('/registries', {
    name,
    description: 'replication benchmark',
    type: 'docker-registry',
    url: dest.url,
    insecure: true,
  });
  const policyId = await ctx.api.create('/replication/policies', {
    name,
    description: '',
    enabled: true,
    src_registry: null,
    dest_registry: { id: registryId },
    dest_namespace: '',
    dest_namespace_replace_count: -1,
    trigger: { type: 'manual', trigger_settings: {} },
    filters: [{ type: 'name', value: `${project}/**` }],
    replicate_deletion: false,
    override: true,
    speed: 0,
    copy_by_chunk: false,
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
  });
  const policy = (await ctx.api.call('GET', `/replication/policies/${policyId}`)).json;
  return { registryId, policyId, concurrency: policy.concurrency ?? null };
}

async function dropPolicy(ctx, p) {
  await ctx.api.call('DELETE', `/replication/policies/${p.policyId}`, undefined, [200, 204, 404]).catch(() => {});
  await ctx.api.call('DELETE', `/registries/${p.registryId}`, undefined, [200, 204, 404]).catch(() => {});
}

/** Starts a manual execution and polls it (every `pollMs`) until it is no longer InProgress; fails unless every task succeeded. */
async function execute(ctx, policyId, pollMs = 200, { tolerate = false } = {}) {
  const id = await ctx.api.create('/replication/executions', { policy_id: policyId });
  let x;
  for (;;) {
    x = (await ctx.api.call('GET', `/replication/executions/${id}`)).json;
    if (x.status !== 'InProgress') break;
    await sleep(pollMs);
  }
  if (!tolerate && (x.status !== 'Succeed' || x.failed > 0 || x.succeed !== x.total)) {
    const tasks = (await ctx.api.call('GET', `/replication/executions/${id}/tasks?status=Failed&page_size=3`)).json;
    const first = Array.isArray(tasks) ? tasks[0] : null;
    const taskLog = first
      ? (await ctx.api.call('GET', `/replication/executions/${id}/tasks/${first.id}/log`)).json
      : '(no failed task listed)';
    throw new Error(`execution ${id} ended ${x.status} (${JSON.stringify(x)}); first failed task's log:\n${taskLog}`);
  }
  return { id, execution: x };
}

async function berthReplicate(sc, ctx, dest, dir, roundNo) {
  const p = await pushPolicy(ctx, dest, `${sc.id}-r${roundNo}-${path.basename(dir)}`, sc.project);
  try {
    const { execution } = await execute(ctx, p.policyId);
    return {
      concurrency: p.concurrency,
      tasks: execution.total,
      serverStart: execution.start_time,
      serverEnd: execution.end_time,
    };
  } finally {
    await dropPolicy(ctx, p);
  }
}

/** One side of one scenario in one round: a fresh destination, the copy timed, every tag checked. */
async function runSide(sc, side, ctx, roundNo) {
  const dir = fs.mkdtempSync(path.join(ctx.work, `${sc.id}-${side}-`));
  const dest = await startReference(dir);
  try {
    const copy = side === 'skopeo' ? skopeoSync : berthReplicate;
    const res = await measured(ctx.berth.pid, dest.pid, () => copy(sc, ctx, dest, dir, roundNo));
    const check = await headAll(dest.url, sc.expected, 8);
    const repos = await catalog(dest.url);
    if (check.missing.length || check.wrong.length || repos.length !== sc.repos.length) {
      throw new Error(
        `${side} ${sc.id}: ${check.missing.length} tags missing (${check.missing.slice(0, 3)}), ` +
          `${check.wrong.length} with another digest (${check.wrong.slice(0, 3)}), ${repos.length}/${sc.repos.length} repositories`,
      );
    }
    const rec = {
      scenario: sc.id,
      side,
      round: roundNo,
      seconds: round(res.seconds, 3),
      imagesPerS: round(sc.expected.length / res.seconds, 1),
      mibPerS: round(sc.bytes / MiB / res.seconds, 1),
      cpu: res.cpu,
      window: res.window,
      tagsVerified: check.checked,
      ...(res.tasks !== undefined ? { tasks: res.tasks, concurrency: res.concurrency } : {}),
      ...(res.serverStart ? { serverStart: res.serverStart, serverEnd: res.serverEnd } : {}),
    };
    log(JSON.stringify(rec));
    return rec;
  } finally {
    await stopPid(dest.pid);
    rmDir(dir);
  }
}

/** The backlog: one untimed run, then a timed run where every task is a no-op, and the HEAD peer before and after it. */
async function backlogScenario(ctx, tags) {
  const dir = fs.mkdtempSync(path.join(ctx.work, 'backlog-'));
  const dest = await startReference(dir);
  const p = await pushPolicy(ctx, dest, `backlog-${path.basename(dir)}`, 'backlog');
  try {
    // The copying runs are untimed; a run that left failed tasks is repeated (it copies only what is
    // missing) so the timed run starts from a complete destination. Failures are recorded.
    const t0 = performance.now();
    const copyRuns = [];
    for (let i = 0; ; i++) {
      const { execution: x } = await execute(ctx, p.policyId, 500, { tolerate: true });
      const seconds = round((performance.now() - t0) / 1000, 1);
      copyRuns.push({ status: x.status, total: x.total, failed: x.failed, seconds });
      log(`backlog: copying run ${i + 1}: ${JSON.stringify(copyRuns[i])}`);
      if (x.status === 'Succeed' && x.failed === 0) break;
      if (i === 2) throw new Error(`backlog: 3 copying runs still left failed tasks: ${JSON.stringify(copyRuns)}`);
    }
    const firstSeconds = copyRuns[0].seconds;
    const check = await headAll(dest.url, tags, 8);
    if (check.missing.length || check.wrong.length)
      throw new Error(`backlog: copying left ${check.missing.length} tags missing`);
    const conc = p.concurrency ?? 4;
    const peer = async () => {
      const r = await measured(ctx.berth.pid, dest.pid, () => headAll(dest.url, tags, conc));
      return { seconds: round(r.seconds, 3), perS: round(tags.length / r.seconds), cpu: r.cpu };
    };
    const peerBefore = await peer();
    const run = await measured(ctx.berth.pid, dest.pid, () => execute(ctx, p.policyId, 200));
    const peerAfter = await peer();
    const tasks = (await ctx.api.call('GET', `/replication/executions/${run.id}/tasks?page=1&page_size=1`)).json;
    const sampleLog = tasks?.[0]
      ? String((await ctx.api.call('GET', `/replication/executions/${run.id}/tasks/${tasks[0].id}/log`)).json)
      : null;
    const rec = {
      tags: tags.length,
      concurrency: conc,
      firstRunSeconds: firstSeconds,
      copyRuns,
      tasks: run.execution.total,
      seconds: round(run.seconds, 3),
      tasksPerS: round(run.execution.total / run.seconds),
      cpu: run.cpu,
      window: run.window,
      serverStart: run.execution.start_time,
      serverEnd: run.execution.end_time,
      peer: [peerBefore, peerAfter],
      peerPerS: round(median([peerBefore.perS, peerAfter.perS])),
      sampleTaskLog: sampleLog?.slice(0, 600) ?? null,
    };
    rec.ratio = round(rec.tasksPerS / rec.peerPerS, 2);
    log(`backlog: ${JSON.stringify({ ...rec, sampleTaskLog: undefined })}`);
    return rec;
  } finally {
    await dropPolicy(ctx, p);
    await stopPid(dest.pid);
    rmDir(dir);
  }
}

function summarize(results) {
  const rows = [];
  for (const sc of results.scenarios) {
    const recs = results.records.filter((r) => r.scenario === sc.id);
    const side = (s, k) => round(median(recs.filter((r) => r.side === s).map((r) => r[k])), 2);
    const berthS = side('berth', 'seconds');
    const skopeoS = side('skopeo', 'seconds');
    rows.push({
      scenario: sc.id,
      what: sc.what,
      skopeo: { seconds: skopeoS, imagesPerS: side('skopeo', 'imagesPerS'), mibPerS: side('skopeo', 'mibPerS') },
      berth: { seconds: berthS, imagesPerS: side('berth', 'imagesPerS'), mibPerS: side('berth', 'mibPerS') },
      ratio: berthS && skopeoS ? round(skopeoS / berthS, 2) : null,
      rounds: recs.map((r) => `${r.side} ${r.seconds}s`).join(', '),
    });
  }
  return rows;
}

function printTable(results) {
  const out = [];
  out.push(`\nReplication, Berth (push policy) vs skopeo sync, to a fresh docker-registry each`);
  out.push(`commit ${results.commit}, load average ${results.loadAverage.join(' ')} (${results.host.ncpu} CPUs)\n`);
  out.push('| scenario | skopeo sync | Berth | Berth/skopeo |');
  out.push('| --- | --- | --- | --- |');
  for (const r of results.summary) {
    const f = (s) =>
      s.seconds == null ? '-' : `${round(s.seconds, 2)} s, ${s.imagesPerS} images/s, ${s.mibPerS} MiB/s`;
    out.push(`| ${r.what} | ${f(r.skopeo)} | ${f(r.berth)} | ${r.ratio ?? '-'}× |`);
  }
  const b = results.backlog;
  if (b) {
    out.push(
      `| no-op backlog, ${b.tags.toLocaleString('en')} tags, concurrency ${b.concurrency} | ` +
        `peer: ${b.peerPerS} HEADs/s | ${b.tasksPerS} tasks/s (${b.seconds} s) | ${b.ratio}× |`,
    );
  }
  out.push(`\nraw: ${path.relative(ROOT, results.file)}`);
  console.log(out.join('\n'));
}

async function main() {
  const missing = [
    ['skopeo', which('skopeo')],
    ['docker-registry', which('docker-registry')],
    [`${o.berthDir}/dist (npm run build)`, fs.existsSync(path.join(o.berthDir, 'dist', 'server', 'cli.js'))],
  ].filter(([, ok]) => !ok);
  if (missing.length) return log(`SKIPPED, missing: ${missing.map(([n]) => n).join(', ')}`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-repl-bench-'));
  const password = benchPassword();
  const git = (...argv) => {
    try {
      return execFileSync('git', ['-C', o.berthDir, ...argv], { encoding: 'utf8', stdio: 'pipe' }).trim();
    } catch {
      return null; // a build copied out of git
    }
  };
  const results = {
    host: hostInfo(),
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: git('status', '--porcelain', '--untracked-files=no', '--', 'server')?.length > 0,
    skopeo: execFileSync('skopeo', ['--version'], { encoding: 'utf8' }).trim(),
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    options: { ...o, only: [...o.only], sides: [...o.sides] },
    scenarios: [],
    records: [],
  };
  try {
    const nodeArgs = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : [];
    const berth = await startBerth(work, o.berthDir, { password, nodeArgs });
    const ctx = { work, password, berth, api: new Api(berth.url, password) };
    for (const p of ['small', 'large', 'backlog']) {
      await ctx.api.call('POST', '/projects', { project_name: p, metadata: { public: 'false' } }, [201, 409]);
    }
    const src = basicRegistry(berth.url, 'admin', password);
    let t = performance.now();
    if (o.only.has('small')) {
      const images = smallImages('small', o.small, o.smallRepos, o.smallKiB * 1024);
      await pushImages(src, images, 8);
      results.scenarios.push({
        id: 'small',
        what: `${o.small.toLocaleString('en')} small images (${o.smallRepos} repos, ${o.smallKiB} KiB layer each)`,
        project: 'small',
        repos: [...new Set(images.map((i) => i.repo))],
        expected: images.map(({ repo, tag, digest }) => ({ repo, tag, digest })),
        bytes: images.reduce((n, i) => n + i.manifest.length + i.blobs.reduce((m, b) => m + b.size, 0), 0),
      });
      log(`pushed ${o.small} small images in ${round((performance.now() - t) / 1000, 1)} s`);
    }
    if (o.only.has('large')) {
      t = performance.now();
      const blob = await ensureRandomFile(CACHE, o.largeMiB * MiB);
      log(`random layer ready (${o.largeMiB} MiB) in ${round((performance.now() - t) / 1000, 1)} s`);
      t = performance.now();
      const img = await pushLargeImage(src, 'large/blob', 'v1', blob);
      results.scenarios.push({
        id: 'large',
        what: `one ${o.largeMiB >= 1024 ? `${o.largeMiB / 1024} GiB` : `${o.largeMiB} MiB`} image (one random layer)`,
        project: 'large',
        repos: ['large/blob'],
        expected: [{ repo: img.repo, tag: img.tag, digest: img.digest }],
        bytes: img.bytes,
      });
      log(`pushed the large image in ${round((performance.now() - t) / 1000, 1)} s`);
    }
    let backlogTags = null;
    if (o.only.has('backlog')) {
      t = performance.now();
      backlogTags = await pushBacklog(src, 'backlog', o.backlog, o.backlogRepos, 8);
      log(`pushed ${o.backlog} backlog manifests in ${round((performance.now() - t) / 1000, 1)} s`);
    }

    for (let r = 0; r < o.rounds; r++) {
      const order = (r % 2 === 0 ? ['skopeo', 'berth'] : ['berth', 'skopeo']).filter((s) => o.sides.has(s));
      for (const sc of results.scenarios) {
        for (const side of order) results.records.push(await runSide(sc, side, ctx, r));
      }
    }
    if (backlogTags && o.sides.has('berth')) results.backlog = await backlogScenario(ctx, backlogTags);
  } finally {
    await stopAll(o.cpuProf ? 30_000 : 3000);
    if (o.keep) log(`kept ${work}`);
    rmDir(work);
  }
  results.summary = summarize(results);
  for (const sc of results.scenarios) delete sc.expected;
  const outDir = path.join(ROOT, '.bench');
  fs.mkdirSync(outDir, { recursive: true });
  results.file = path.join(outDir, `replication-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(results.file, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
}

process.on('SIGINT', () => stopAll().then(() => process.exit(130)));
await main().catch(async (e) => {
  await stopAll();
  log(`failed: ${e.stack ?? e}`);
  process.exitCode = 1;
});

// Server CPU and memory from /proc. Client and servers share the same two cores, so client-side
// timings alone cannot say how expensive an operation is for the server; the kernel's accounting can.
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // utime + stime + cutime + cstime: reaped children (e.g. wrk after it exits) count for the parent.
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

// The process and all its descendants: a server that forks workers is charged for all of them.
function processTree(root) {
  const all = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(d);
    if (st) all.set(Number(d), st);
  }
  if (!all.has(root)) return null;
  const pids = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, st] of all) {
      if (!pids.has(p) && pids.has(st.ppid)) {
        pids.add(p);
        grew = true;
      }
    }
  }
  return [...pids].map((p) => ({ pid: p, ticks: all.get(p).ticks }));
}

function statusKiB(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far and current/peak resident memory of a process and (with `tree`) all its
 * descendants, or null if it is gone.
 */
export function sampleProcess(pid, tree = true) {
  if (!pid) return null;
  const st = tree ? null : readStat(pid);
  const procs = tree ? processTree(pid) : st && [{ pid, ticks: st.ticks }];
  if (!procs) return null;
  let ticks = 0;
  let rss = 0;
  let hwm = 0;
  for (const p of procs) {
    ticks += p.ticks;
    rss += statusKiB(p.pid, 'VmRSS');
    hwm += statusKiB(p.pid, 'VmHWM');
  }
  return { cpuS: ticks / CLK_TCK, rssMiB: rss / 1024, hwmMiB: hwm / 1024 };
}

/** Whole-machine busy time (in core-seconds), to spot other processes stealing our two cores. */
export function sampleHost() {
  try {
    const [user, nice, system, , , irq, softirq] = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { busyS: (user + nice + system + irq + softirq) / CLK_TCK };
  } catch {
    return null;
  }
}

export function hostInfo() {
  let cpu = os.cpus()[0]?.model || '?';
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }));
    if (m) cpu = m[1].trim();
  } catch {
    /* lscpu missing: keep the os.cpus() model */
  }
  return {
    cpu,
    ncpu: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
  };
}

/**
 * Runs `fn` and adds what it cost: server CPU (the `pid` tree), client CPU (this process alone plus
 * reaped children such as wrk; the servers are our children too but are never reaped mid-run) and the
 * whole machine's busy time, so that CPU taken by other processes shows up as noise in the results.
 */
export async function measured(pid, fn) {
  const before = { server: sampleProcess(pid), client: sampleProcess(process.pid, false), host: sampleHost() };
  const res = await fn();
  const after = { server: sampleProcess(pid), client: sampleProcess(process.pid, false), host: sampleHost() };
  const delta = (k, f) => (before[k] && after[k] ? after[k][f] - before[k][f] : null);
  return {
    ...res,
    serverCpuS: delta('server', 'cpuS'),
    clientCpuS: delta('client', 'cpuS'),
    hostBusyS: delta('host', 'busyS'),
    rssMiB: after.server?.rssMiB ?? null,
    hwmMiB: after.server?.hwmMiB ?? null,
  };
}

/**
 * Waits until the machine is quiet: busy time below `pct` % of one core over a 2 s window (our servers
 * idle between measurements, so this is other tenants). Gives up after `maxS`; returns the last figure.
 */
export async function waitQuiet(pct, maxS) {
  const end = Date.now() + maxS * 1000;
  let busyPct = null;
  for (;;) {
    const a = sampleHost();
    await new Promise((r) => setTimeout(r, 2000));
    const b = sampleHost();
    if (!a || !b) return null;
    busyPct = ((b.busyS - a.busyS) / 2) * 100;
    if (busyPct < pct || Date.now() >= end) return busyPct;
  }
}

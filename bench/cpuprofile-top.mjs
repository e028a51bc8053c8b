#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof, e.g. from `npm run bench -- --cpu-prof DIR`): the top
// functions by self time and by inclusive time (each sample counted once per function on its stack),
// in % of the sampled time.
//   node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N] [--match REGEX] [--from US --to US]
// --match: also the share of samples whose stack contains a function whose name or file matches REGEX.
// --from/--to: only samples in that window, in µs of the monotonic clock the profile's timestamps use
// (CLOCK_MONOTONIC, as process.hrtime.bigint() / 1000n in another process; bench/replication.mjs records them).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    match: { type: 'string', multiple: true, default: [] },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N] [--match REGEX]...\n');
  process.exit(2);
}
process.stdout.on('error', (e) => process.exit(e.code === 'EPIPE' ? 0 : 1)); // | head
const profile = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);

const label = (n) => {
  const f = n.callFrame;
  const file = f.url ? path.basename(f.url.replace(/^file:\/\//, '')) : '';
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
};
const fileOf = (n) => n.callFrame.url || '';

const self = new Map();
const incl = new Map();
const matchers = a.match.map((re) => ({ re: new RegExp(re), us: 0 }));
let total = 0;
let idle = 0;
const from = a.from === undefined ? -Infinity : Number(a.from);
const to = a.to === undefined ? Infinity : Number(a.to);
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] || 0;
  at += dt;
  if (at < from || at > to) return;
  const n = byId.get(id);
  const key = label(n);
  total += dt;
  if (n.callFrame.functionName === '(idle)') {
    idle += dt;
    return;
  }
  self.set(key, (self.get(key) || 0) + dt);
  const seen = new Set();
  const hit = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    const k = label(node);
    if (!seen.has(k) && k !== '(root)') {
      seen.add(k);
      incl.set(k, (incl.get(k) || 0) + dt);
    }
    matchers.forEach((m, j) => {
      if (!hit.has(j) && (m.re.test(node.callFrame.functionName) || m.re.test(fileOf(node)))) hit.add(j);
    });
  }
  for (const j of hit) matchers[j].us += dt;
});

const busy = total - idle;
const top = Number(a.top);
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const show = (title, m) => {
  process.stdout.write(`\n${title} (% of ${(busy / 1e6).toFixed(1)} s busy; ${(idle / 1e6).toFixed(1)} s idle)\n`);
  for (const [k, us] of [...m]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((x, y) => y[1] - x[1])
    .slice(0, top)) {
    process.stdout.write(`${pct(us)}  ${k}\n`);
  }
};
show('self time', self);
show('inclusive time', incl);
if (matchers.length) {
  process.stdout.write('\nstacks matching\n');
  for (const m of matchers) process.stdout.write(`${pct(m.us)}  /${m.re.source}/\n`);
}

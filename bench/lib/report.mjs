// Turning records into the comparison table: medians over rounds, Berth/reference ratios, targets.
import { rate } from './scenarios.mjs';

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One flat record per (scenario, target, round): what goes into the JSON file. */
export function makeRecord(sc, target, round, res) {
  const r = rate(sc, res);
  const pct = (s) => (s == null ? null : (100 * s) / res.seconds);
  // Clamped: /proc/stat and /proc/<pid>/stat tick at slightly different moments, so it can dip below 0.
  const otherCpu =
    res.hostBusyS == null ? null : Math.max(0, res.hostBusyS - (res.serverCpuS ?? 0) - (res.clientCpuS ?? 0));
  return {
    scenario: sc.id,
    target: target.name,
    round,
    value: r.value,
    metric: sc.metric,
    ops: res.ops,
    bytes: res.bytes,
    seconds: res.seconds,
    p50_ms: r.p50,
    p99_ms: r.p99,
    server_cpu_per_unit: r.cpuPerUnit,
    cpu_unit: r.cpuUnit,
    server_cpu_pct: pct(res.serverCpuS),
    client_cpu_pct: pct(res.clientCpuS),
    other_cpu_pct: pct(otherCpu),
    server_rss_mib: res.rssMiB,
    server_hwm_mib: res.hwmMiB,
    ...(res.extra ? { extra: res.extra } : {}),
  };
}

function fmt(x) {
  if (x == null || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  return x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

/**
 * Summary rows: the headline rate per scenario, latency rows, blob pull against bare Node, and the
 * Berth-against-Berth rows of the auth scenarios and of a --baseline build (where the reference column
 * holds the other figure).
 */
export function summarize(scenarios, records) {
  const med = (id, target, key) =>
    median(records.filter((r) => r.scenario === id && r.target === target).map((r) => r[key]));
  const rows = [];
  const row = (scenario, metric, berth, ref, target, lowerIsBetter = false) => {
    const ratio = berth != null && ref ? berth / ref : null;
    const failed = records.some((r) => r.scenario === scenario && r.error);
    const verdict = failed ? 'ERROR' : target == null || ratio == null ? '' : ratio >= target ? 'pass' : 'FAIL';
    rows.push({ scenario, metric, berth, reference: ref, ratio, target, verdict, lowerIsBetter });
    return rows[rows.length - 1];
  };
  for (const sc of scenarios) {
    if (!records.some((r) => r.scenario === sc.id)) continue;
    const main = row(sc.id, sc.metric, med(sc.id, 'berth', 'value'), med(sc.id, 'reference', 'value'), sc.target);
    main.cpuBerth = med(sc.id, 'berth', 'server_cpu_per_unit');
    main.cpuReference = med(sc.id, 'reference', 'server_cpu_per_unit');
    main.cpuUnit = records.find((r) => r.scenario === sc.id)?.cpu_unit;
    // A load generator near a full core measures itself: the figure is only a lower bound for the server.
    main.clientBound = {
      berth: med(sc.id, 'berth', 'client_cpu_pct') >= 85,
      reference: med(sc.id, 'reference', 'client_cpu_pct') >= 85,
    };
    // CPU that neither the client nor the measured server used: other tenants of this machine.
    main.otherCpu = Math.max(...records.filter((r) => r.scenario === sc.id).map((r) => r.other_cpu_pct ?? 0));
    if (sc.latency) {
      for (const k of ['p50_ms', 'p99_ms'])
        row(sc.id, k.replace('_', ' '), med(sc.id, 'berth', k), med(sc.id, 'reference', k), null, true);
    }
    if (sc.vs) {
      const vs = row(sc.vs.label, sc.metric, main.berth, med(sc.vs.id, 'berth', 'value'), null);
      vs.cpuBerth = main.cpuBerth;
      vs.cpuReference = med(sc.vs.id, 'berth', 'server_cpu_per_unit');
      vs.cpuUnit = main.cpuUnit;
    }
    if (records.some((r) => r.scenario === sc.id && r.target === 'baseline')) {
      const base = row(`${sc.id} vs baseline`, sc.metric, main.berth, med(sc.id, 'baseline', 'value'), null);
      base.cpuBerth = main.cpuBerth;
      base.cpuReference = med(sc.id, 'baseline', 'server_cpu_per_unit');
      base.cpuUnit = main.cpuUnit;
      base.clientBound = { reference: med(sc.id, 'baseline', 'client_cpu_pct') >= 85 };
    }
    if (sc.nodeTarget) {
      const vsNode = row(`${sc.id} vs bare Node`, sc.metric, main.berth, med(sc.id, 'node', 'value'), sc.nodeTarget);
      vsNode.cpuBerth = main.cpuBerth;
      vsNode.cpuReference = med(sc.id, 'node', 'server_cpu_per_unit');
      vsNode.cpuUnit = main.cpuUnit;
    }
  }
  return rows;
}

export function formatTable(rows) {
  const head = [
    'scenario',
    'metric',
    'Berth',
    'reference',
    'ratio',
    'target',
    'result',
    'srv CPU Berth',
    'srv CPU ref',
    'other CPU',
  ];
  const cpu = (x, r) => (x == null ? '-' : `${fmt(x)} ${r.cpuUnit}`);
  const body = rows.map((r) => [
    r.scenario,
    r.metric + (r.lowerIsBetter ? ' (lower=better)' : ''),
    fmt(r.berth) + (r.clientBound?.berth ? '*' : ''),
    fmt(r.reference) + (r.clientBound?.reference ? '*' : ''),
    r.ratio == null ? '-' : `${fmt(r.ratio)}x`,
    r.target == null ? '' : `>= ${r.target.toFixed(1)}x`,
    r.verdict,
    r.cpuUnit ? cpu(r.cpuBerth, r) : '',
    r.cpuUnit ? cpu(r.cpuReference, r) : '',
    r.otherCpu == null ? '' : `${r.otherCpu.toFixed(0)}%`,
  ]);
  const all = [head, ...body];
  const width = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const line = (l) => l.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Memory at the end of the run, from the last record of each target. */
export function formatMemory(records) {
  const out = [];
  for (const t of ['berth', 'baseline', 'reference', 'node']) {
    const last = records.filter((r) => r.target === t && r.server_rss_mib != null).at(-1);
    if (last) out.push(`${t}: RSS ${fmt(last.server_rss_mib)} MiB, peak ${fmt(last.server_hwm_mib)} MiB`);
  }
  return out.join('; ');
}

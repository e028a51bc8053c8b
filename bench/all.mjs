#!/usr/bin/env node
// `npm run bench`: the registry scenarios (bench/run.mjs, with every argument given), then the job
// system's benchmark (bench/jobs.mjs), the scanner's (bench/scan.mjs) and replication's
// (bench/replication.mjs); `--quick` is passed on to all three. `--only` names registry scenarios, so
// with it only run.mjs runs; `npm run bench:jobs` runs the job benchmark alone, `node bench/scan.mjs`
// the scanner's, `node bench/replication.mjs` replication's.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const run = (script, scriptArgs) =>
  spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...scriptArgs], { stdio: 'inherit' })
    .status ?? 1;

let status = run('./run.mjs', args);
if (!args.some((a) => a === '--only' || a.startsWith('--only=') || a === '--help')) {
  const quick = args.includes('--quick') ? ['--quick'] : [];
  status = run('./jobs.mjs', quick) || status;
  status = run('./scan.mjs', quick) || status;
  status = run('./replication.mjs', quick) || status;
}
process.exitCode = status;

import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'test/**/*.test.ts', 'renderer/src/**/*.test.ts', 'electron/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real-client tests share podman/skopeo state dirs per file; files run in parallel processes.
    pool: 'forks',
    // Vitest's default (cores − 1) is one file at a time on a 2-core machine, but most files spend
    // their time waiting on servers and real clients they started: two at once halve the suite there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});

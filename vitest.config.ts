import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'test/**/*.test.ts', 'renderer/src/**/*.test.ts', 'electron/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real-client tests share podman/skopeo state dirs per file; files run in parallel processes.
    pool: 'forks',
  },
});

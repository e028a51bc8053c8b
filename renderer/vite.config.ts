import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The portal builds into dist/portal, which the server serves at `/`. In development (`npx vite
 * --config renderer/vite.config.ts`) the API, registry and sign-in paths are proxied to a running
 * `berth serve` on BERTH_URL, so the portal stays same-origin as it is in production.
 */
const target = process.env.BERTH_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/portal', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
  },
  server: {
    proxy: Object.fromEntries(['/api', '/v2', '/c', '/service'].map((p) => [p, { target, changeOrigin: false }])),
  },
});

import { runInWorker } from '../../jobs/worker-pool.js';
import { unreadLayer } from '../layers/analyze-layer.js';
import { analyzeLayerRun } from '../layers/analyze-worker.js';
import type { LayerAnalysis } from '../layers/layer-types.js';
import { mergeLayers } from '../layers/merge-layers.js';
import type { AdvisoryDatabase, ImageScanner, LayerFileRef, ScannerIdentity } from '../scan-contract.js';

/**
 * The built-in pipeline on layer files that are not in Berth's storage (those Berth's adapter pulled
 * from a Harbor): each layer analysed in a worker thread under the scanner's heap limit, merged in
 * manifest order, matched against the advisory database. Layers over the size limit are not read
 * and the result says it is incomplete, as the engine's own scans do.
 */
export function createFileImageScanner(deps: {
  vulndb: Pick<AdvisoryDatabase, 'match'>;
  identity: ScannerIdentity;
  /** Read per scan, so the scanner settings apply without a restart. */
  limits: () => Promise<{ memoryMb: number; maxLayerBytes: number }>;
  /**
   * How one layer file is analysed; the server passes the scan engine's (its layer cache by digest,
   * niced workers). Without it: a worker thread per layer, no cache.
   */
  analyze?: (layer: LayerFileRef, signal: AbortSignal) => Promise<LayerAnalysis>;
}): ImageScanner {
  return {
    async identity() {
      return deps.identity;
    },
    async scanLayers(layers, signal) {
      const { memoryMb, maxLayerBytes } = await deps.limits();
      const analyses: LayerAnalysis[] = [];
      let skipped = false;
      for (const layer of layers) {
        signal.throwIfAborted();
        if (layer.size > maxLayerBytes) {
          skipped = true;
          analyses.push(unreadLayer(layer.size));
          continue;
        }
        analyses.push(
          deps.analyze
            ? await deps.analyze(layer, signal)
            : await runInWorker<unknown, LayerAnalysis>(analyzeLayerRun({ path: layer.path }), { signal, memoryMb }),
        );
      }
      const inventory = mergeLayers(analyses);
      const findings = await deps.vulndb.match(inventory.packages);
      return { os: inventory.os, packages: inventory.packages, findings, incomplete: inventory.incomplete || skipped };
    },
  };
}

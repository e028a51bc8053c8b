import { Invalid } from '../../core/errors.js';
import { parseTimeWindow } from '../../jobs/schedule-time.js';
import type { ScannerSettings } from '../scan-contract.js';

export const DEFAULT_SCANNER_SETTINGS: ScannerSettings = {
  workers: 1,
  memoryMb: 256,
  maxLayerBytes: 4 * 1024 * 1024 * 1024,
  niceness: 10,
  timeWindow: null,
  scanAllOnlyChanged: true,
  dbUrls: [],
  dbUpdateCron: null,
};

/** The fields of a patch that are set: an absent field keeps the stored value. */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function validateSettings(s: ScannerSettings): void {
  const int = (v: unknown, min: number, max: number, what: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new Invalid('NAME_INVALID', `${what} must be a whole number from ${min} to ${max}`);
    }
  };
  int(s.workers, 1, 64, 'workers');
  int(s.memoryMb, 64, 65_536, 'memoryMb');
  int(s.maxLayerBytes, 1024 * 1024, Number.MAX_SAFE_INTEGER, 'maxLayerBytes');
  int(s.niceness, 0, 19, 'niceness');
  if (s.timeWindow !== null) parseTimeWindow(s.timeWindow);
  if (typeof s.scanAllOnlyChanged !== 'boolean')
    throw new Invalid('NAME_INVALID', 'scanAllOnlyChanged must be a boolean');
  if (!Array.isArray(s.dbUrls) || s.dbUrls.length > 20)
    throw new Invalid('NAME_INVALID', 'dbUrls must be a list of at most 20 URLs');
  for (const u of s.dbUrls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new Invalid('NAME_INVALID', `"${String(u).slice(0, 80)}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Invalid('NAME_INVALID', 'dbUrls must be http or https');
  }
}

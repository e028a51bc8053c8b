/** Sizes as people read them: binary units, three significant digits. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 0) return '∞';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3)} ${units[unit]}`;
}

/** Harbor uses Go's zero time (`0001-01-01T00:00:00Z`) for "never". */
export function isNever(time: string | null | undefined): boolean {
  return !time || time.startsWith('0001-01-01');
}

export function formatTime(time: string | null | undefined, locale?: string): string {
  if (isNever(time)) return '—';
  const d = new Date(time as string);
  return Number.isNaN(d.getTime()) ? String(time) : d.toLocaleString(locale);
}

/** "3 minutes ago" in the UI language, via Intl (no date library needed for this). */
export function formatRelative(time: string | null | undefined, locale?: string, now = Date.now()): string {
  if (isNever(time)) return '—';
  const then = new Date(time as string).getTime();
  if (Number.isNaN(then)) return String(time);
  const seconds = Math.round((then - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(seconds / 86400), 'day');
  if (abs < 86400 * 365) return rtf.format(Math.round(seconds / (86400 * 30)), 'month');
  return rtf.format(Math.round(seconds / (86400 * 365)), 'year');
}

/** `sha256:0123456789ab…` → `sha256:0123456789ab` (12 hex digits, as docker prints). */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}

export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.round((done / total) * 100));
}

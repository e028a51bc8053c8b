import { Cron } from 'croner';
import { Invalid } from '../core/errors.js';

/**
 * Cron as Harbor stores it: six fields, seconds first (`0 0 1 * * *` is 01:00:00 every day). Five-field
 * expressions are accepted too (seconds 0). Times are the server's local time, like Harbor's.
 */
export function nextCronRun(expression: string, after: Date): Date | null {
  return parseCron(expression).nextRun(after);
}

/** Throws `Invalid` with the reason when the expression is not a cron Berth can run. */
export function parseCron(expression: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new Invalid('NAME_INVALID', `cron "${expression}" must have 6 fields (seconds first) or 5`);
  }
  try {
    return new Cron(expression.trim(), { paused: true, legacyMode: true });
  } catch (err) {
    throw new Invalid('NAME_INVALID', `cron "${expression}" is not valid: ${(err as Error).message}`);
  }
}

/**
 * A daily local-time window such as `01:00-06:00`; it may wrap midnight (`22:00-04:00`). New tasks of a
 * windowed job type start only inside it; running ones finish.
 */
export interface TimeWindow {
  startMinute: number;
  endMinute: number;
}

export function parseTimeWindow(text: string): TimeWindow {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  const minute = (h: string, mm: string) => Number(h) * 60 + Number(mm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || Number(m[3]) > 24 || Number(m[4]) > 59) {
    throw new Invalid('NAME_INVALID', `time window "${text}" must look like 01:00-06:00`);
  }
  const startMinute = minute(m[1]!, m[2]!);
  const endMinute = minute(m[3]!, m[4]!);
  if (startMinute > 1440 || endMinute > 1440 || startMinute === endMinute) {
    throw new Invalid('NAME_INVALID', `time window "${text}" is empty or past 24:00`);
  }
  return { startMinute, endMinute };
}

export function insideWindow(window: TimeWindow, at: Date): boolean {
  const minute = at.getHours() * 60 + at.getMinutes();
  return window.startMinute < window.endMinute
    ? minute >= window.startMinute && minute < window.endMinute
    : minute >= window.startMinute || minute < window.endMinute;
}

/** Milliseconds from `at` until the window next opens (0 when inside). */
export function untilWindowOpens(window: TimeWindow, at: Date): number {
  if (insideWindow(window, at)) return 0;
  const opens = new Date(at);
  opens.setHours(Math.floor(window.startMinute / 60), window.startMinute % 60, 0, 0);
  if (opens.getTime() <= at.getTime()) opens.setDate(opens.getDate() + 1);
  return opens.getTime() - at.getTime();
}

/** Exponential backoff with ±50% jitter: base, 2×base, 4×base ... capped at `capMs`. */
export function retryDelay(attempt: number, baseMs: number, capMs = 600_000, random = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random()));
}

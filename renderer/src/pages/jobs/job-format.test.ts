import { describe, expect, it } from 'vitest';
import { canRetry, elapsedMs, exactQ, formatDuration, idFromLocation, isActive, readableMessage } from './job-format';

describe('job formatting', () => {
  it('durations in at most two units, in the UI language', () => {
    expect(formatDuration(850, 'en')).toBe('850 ms');
    expect(formatDuration(4_240, 'en')).toBe('4.2 sec');
    expect(formatDuration(185_000, 'en')).toBe('3 min 5 sec');
    expect(formatDuration(120_000, 'en')).toBe('2 min');
    expect(formatDuration(2 * 3600_000 + 10 * 60_000 + 7_000, 'en')).toBe('2 hr 10 min');
    expect(formatDuration(26 * 3600_000, 'en')).toBe('1 day 2 hr');
    expect(formatDuration(2 * 3600_000, 'zh-CN')).toBe('2小时');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('elapsed time runs to now while a job has not ended', () => {
    expect(elapsedMs('2026-11-26T07:00:00Z', '2026-11-26T07:00:02.5Z')).toBe(2500);
    expect(elapsedMs('2026-11-26T07:00:00Z', null, Date.parse('2026-11-26T07:01:00Z'))).toBe(60_000);
    expect(elapsedMs(null, null)).toBeUndefined();
  });

  it('offers stop while a job is queued or working, retry once it failed or was stopped', () => {
    expect(isActive({ status: 'Running', end_time: null })).toBe(true);
    expect(isActive({ status: 'Pending', end_time: null })).toBe(true);
    expect(isActive({ status: 'Success', end_time: '2026-11-26T07:00:00Z' })).toBe(false);
    expect(canRetry({ status: 'Error', end_time: '2026-11-26T07:00:00Z' })).toBe(true);
    expect(canRetry({ status: 'Stopped', end_time: '2026-11-26T07:00:00Z' })).toBe(true);
    expect(canRetry({ status: 'Success', end_time: '2026-11-26T07:00:00Z' })).toBe(false);
    expect(canRetry({ status: 'Error', end_time: null })).toBe(false);
  });

  it("builds Harbor's q from the filters that are set", () => {
    expect(exactQ({ vendor_type: 'GARBAGE_COLLECTION', status: undefined })).toBe('vendor_type=GARBAGE_COLLECTION');
    expect(exactQ({ vendor_type: 'RETENTION', status: 'Error' })).toBe('vendor_type=RETENTION,status=Error');
    expect(exactQ({ status: '' })).toBeUndefined();
  });

  it("shows retention's JSON status message as words, anything else as it is", () => {
    expect(readableMessage('{"total":2,"retained":1}')).toBe('total: 2 · retained: 1');
    expect(readableMessage('dry run: 6 blobs, 2 artifacts, 6501136 bytes')).toBe(
      'dry run: 6 blobs, 2 artifacts, 6501136 bytes',
    );
    expect(readableMessage('{not json')).toBe('{not json');
  });

  it('reads the id of a new run from its Location header', () => {
    expect(idFromLocation('/api/v2.0/system/gc/42')).toBe(42);
    expect(idFromLocation(null)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseBytes, parseDuration, parseListen } from './load-config.js';

describe('loadConfig', () => {
  it('fills defaults, deriving paths from the data dir', () => {
    const config = loadConfig({ flags: { 'data-dir': '/srv/berth' } });
    expect(config.listen).toBe('127.0.0.1:5000');
    expect(config.storage.rootDir).toBe('/srv/berth/storage');
    expect(config.database.file).toBe('/srv/berth/berth.db');
    expect(config.uploads.purgeAfterMs).toBe(24 * 3600_000);
  });

  it('applies file < env < flags < options', () => {
    const config = loadConfig({
      file: { listen: '127.0.0.1:6000', log: { level: 'debug' }, uploads: { purgeAfterMs: '2h' } },
      env: { BERTH_LISTEN: '127.0.0.1:7000', BERTH_LOG_LEVEL: 'warn', PATH: '/bin' },
      flags: { listen: '127.0.0.1:8000' },
      overrides: { dataDir: '/x' },
    });
    expect(config.listen).toBe('127.0.0.1:8000');
    expect(config.log.level).toBe('warn');
    expect(config.uploads.purgeAfterMs).toBe(2 * 3600_000);
    expect(config.dataDir).toBe('/x');
  });

  it('refuses unknown keys, unknown BERTH_ variables and bad values, naming where they came from', () => {
    expect(() => loadConfig({ file: { lisen: 'x' }, fileName: 'berth.yaml' })).toThrow(
      /unknown setting "lisen" in berth.yaml/,
    );
    expect(() => loadConfig({ env: { BERTH_LISEN: '1' } })).toThrow(/unknown environment variable BERTH_LISEN/);
    expect(() => loadConfig({ flags: { listen: 'nope' } })).toThrow(ConfigError);
    expect(() => loadConfig({ file: { storage: { driver: 's4' } } })).toThrow(/one of filesystem, memory/);
    expect(() => loadConfig({ env: { BERTH_UPLOADS_PURGE_AFTER: 'soon' } })).toThrow(/duration/);
  });

  it('leaves the CLI-only variables alone', () => {
    expect(() => loadConfig({ env: { BERTH_CONFIG: '/etc/berth.yaml', BERTH_ADMIN_PASSWORD: 'x' } })).not.toThrow();
  });
});

describe('value parsers', () => {
  it('parses durations, sizes and listen addresses', () => {
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseBytes('64GiB')).toBe(64 * 1024 ** 3);
    expect(parseBytes('1.5kb')).toBe(1500);
    expect(parseBytes('12 parsecs')).toBeUndefined();
    expect(parseListen('[::1]:5000')).toEqual({ host: '::1', port: 5000 });
    expect(() => parseListen('localhost:70000')).toThrow(ConfigError);
  });
});

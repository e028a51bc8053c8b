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

describe('nested settings (auth.ldap.*)', () => {
  const ldapEnv = {
    BERTH_AUTH_MODE: 'ldap',
    BERTH_AUTH_LDAP_URL: 'ldap://127.0.0.1:3890/',
    BERTH_AUTH_LDAP_BASE_DN: 'ou=people,dc=example,dc=org',
  };

  it('defaults to the local database, with the ldap block filled in', () => {
    const config = loadConfig();
    expect(config.auth.mode).toBe('db');
    expect(config.auth.ldap).toEqual({
      url: undefined,
      baseDn: undefined,
      searchDn: undefined,
      searchPassword: undefined,
      uid: 'uid',
      filter: undefined,
      scope: 'sub',
      timeoutMs: 5_000,
      verifyCert: true,
    });
  });

  it('reads three-level keys from the file, the environment and options, in that order', () => {
    const config = loadConfig({
      file: {
        auth: {
          mode: 'ldap',
          ldap: { url: 'ldaps://ldap.example.org', baseDn: 'dc=example,dc=org', uid: 'sAMAccountName', scope: 'one' },
        },
      },
      env: {
        BERTH_AUTH_LDAP_SEARCH_DN: 'cn=berth,dc=example,dc=org',
        BERTH_AUTH_LDAP_SEARCH_PASSWORD: 's3cret',
        BERTH_AUTH_LDAP_FILTER: ' (objectClass=person) ',
        BERTH_AUTH_LDAP_TIMEOUT: '2s',
        BERTH_AUTH_LDAP_VERIFY_CERT: 'false',
        BERTH_AUTH_LDAP_SCOPE: 'sub',
      },
      overrides: { auth: { ldap: { uid: 'uid' } } },
    });
    expect(config.auth.mode).toBe('ldap');
    expect(config.auth.ldap).toEqual({
      url: 'ldaps://ldap.example.org',
      baseDn: 'dc=example,dc=org',
      searchDn: 'cn=berth,dc=example,dc=org',
      searchPassword: 's3cret',
      uid: 'uid',
      filter: '(objectClass=person)',
      scope: 'sub',
      timeoutMs: 2_000,
      verifyCert: false,
    });
    // Siblings at the second level are untouched.
    expect(config.auth.lockAfter).toBe(10);
  });

  it('round-trips a complete Config given as options (as the CLI hands it to createServer)', () => {
    const config = loadConfig({ env: ldapEnv });
    expect(loadConfig({ overrides: config as unknown as Record<string, unknown> })).toEqual(config);
  });

  it('refuses unknown nested keys and malformed values, hiding secrets', () => {
    expect(() => loadConfig({ file: { auth: { ldap: { uidd: 'uid' } } }, fileName: 'b.yaml' })).toThrow(
      /unknown setting "auth.ldap.uidd" in b.yaml/,
    );
    expect(() => loadConfig({ env: { BERTH_AUTH_LDAP_URL: 'http://ldap.example.org' } })).toThrow(/ldap:\/\/HOST/);
    expect(() => loadConfig({ env: { BERTH_AUTH_LDAP_FILTER: 'objectClass=person' } })).toThrow(/LDAP filter/);
    expect(() => loadConfig({ env: { BERTH_AUTH_LDAP_FILTER: '(a=b))(c=d' } })).toThrow(/LDAP filter/);
    expect(() => loadConfig({ env: { BERTH_AUTH_LDAP_UID: 'uid)(x' } })).toThrow(/attribute name/);
    expect(() => loadConfig({ env: { BERTH_AUTH_LDAP_SCOPE: 'subtree' } })).toThrow(/one of base, one, sub/);
    expect(() => loadConfig({ env: { BERTH_AUTH_MODE: 'oidc' } })).toThrow(/one of db, ldap/);
    let message = '';
    try {
      loadConfig({ file: { auth: { ldap: { searchPassword: 1234567 } } } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('auth.ldap.searchPassword');
    expect(message).toContain('(hidden)');
    expect(message).not.toContain('1234567');
  });

  it('needs a URL and a base DN in ldap mode, and the search DN with its password', () => {
    expect(() => loadConfig({ env: { BERTH_AUTH_MODE: 'ldap' } })).toThrow(/set auth.ldap.url/);
    expect(() => loadConfig({ env: { ...ldapEnv, BERTH_AUTH_LDAP_BASE_DN: '' } })).toThrow(/set auth.ldap.baseDn/);
    expect(() => loadConfig({ env: { ...ldapEnv, BERTH_AUTH_LDAP_SEARCH_DN: 'cn=x' } })).toThrow(/go together/);
    expect(loadConfig({ env: ldapEnv }).auth.ldap.url).toBe('ldap://127.0.0.1:3890');
    // In db mode the ldap block is not checked: it may be prepared before switching.
    expect(() => loadConfig({ env: { BERTH_AUTH_LDAP_SEARCH_DN: 'cn=x' } })).not.toThrow();
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

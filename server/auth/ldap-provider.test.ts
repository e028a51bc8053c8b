import { InvalidCredentialsError, NoSuchObjectError, SizeLimitExceededError, type Entry } from 'ldapts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DirectoryUnavailable } from './identity-provider.js';
import { escapeFilterValue, LdapProvider, userFilter, type LdapClient } from './ldap-provider.js';

const config = {
  url: 'ldap://ldap.test:389',
  baseDn: 'ou=people,dc=example,dc=org',
  searchDn: 'cn=search,dc=example,dc=org',
  searchPassword: 'search-secret',
  uid: 'uid',
  filter: '(objectClass=person)',
  scope: 'sub' as const,
  timeoutMs: 1000,
  verifyCert: true,
};

const alice: Entry = {
  dn: 'uid=alice,ou=people,dc=example,dc=org',
  uid: 'alice',
  mail: 'alice@example.org',
  cn: 'Alice Example',
  displayName: 'Alice E.',
};

/** A scripted directory: records every call; `passwords` maps DNs to the password that binds. */
function fakeDirectory(
  options: { entries?: Entry[]; searchError?: Error; bindError?: Error; url?: string; verifyCert?: boolean } = {},
) {
  const calls: string[] = [];
  const passwords = new Map([
    [config.searchDn, config.searchPassword],
    [alice.dn, 'Alice-Pass1'],
  ]);
  const client: LdapClient = {
    async bind(dn, password) {
      calls.push(`bind ${String(dn)}`);
      if (options.bindError) throw options.bindError;
      if (passwords.get(String(dn)) !== password) throw new InvalidCredentialsError();
    },
    async search(base, opts) {
      calls.push(`search ${String(base)} ${String(opts?.filter)}`);
      if (options.searchError) throw options.searchError;
      return { searchEntries: options.entries ?? [alice], searchReferences: [] };
    },
    async unbind() {
      calls.push('unbind');
    },
  };
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const clientOptions: unknown[] = [];
  const provider = new LdapProvider({
    config: { ...config, url: options.url ?? config.url, verifyCert: options.verifyCert ?? true },
    log,
    createClient: (o) => {
      clientOptions.push(o);
      return client;
    },
  });
  return { provider, calls, lines, clientOptions };
}

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the characters that mean something in a filter, and control characters', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b')).toBe('a\\5cb');
    expect(escapeFilterValue('nul\u0000x\nlf')).toBe('nul\\00x\\0alf');
    // Everything else may stand as is, UTF-8 included.
    expect(escapeFilterValue('jérôme.o-k_1@x')).toBe('jérôme.o-k_1@x');
  });

  it('builds the user filter with the extra filter ANDed', () => {
    expect(userFilter('uid', 'alic*', '(objectClass=person)')).toBe('(&(uid=alic\\2a)(objectClass=person))');
    expect(userFilter('sAMAccountName', 'bob', undefined)).toBe('(sAMAccountName=bob)');
  });
});

describe('LdapProvider.verify', () => {
  it('binds with the search account, searches, binds as the entry and returns the identity', async () => {
    const { provider, calls } = fakeDirectory();
    expect(await provider.verify('Alice', 'Alice-Pass1')).toEqual({
      username: 'alice',
      dn: alice.dn,
      email: 'alice@example.org',
      realname: 'Alice E.',
    });
    expect(calls).toEqual([
      `bind ${config.searchDn}`,
      `search ${config.baseDn} (&(uid=Alice)(objectClass=person))`,
      `bind ${alice.dn}`,
      'unbind',
    ]);
  });

  it('speaks TLS to ldaps:// only, verifying the certificate unless told not to', async () => {
    const plain = fakeDirectory();
    await plain.provider.verify('alice', 'Alice-Pass1');
    expect(plain.clientOptions).toEqual([{ url: config.url, timeout: 1000, connectTimeout: 1000 }]);
    const tls = fakeDirectory({ url: 'ldaps://ldap.test', verifyCert: false });
    await tls.provider.verify('alice', 'Alice-Pass1');
    expect(tls.clientOptions).toEqual([
      { url: 'ldaps://ldap.test', timeout: 1000, connectTimeout: 1000, tlsOptions: { rejectUnauthorized: false } },
    ]);
  });

  it('refuses an empty password or username without asking the directory', async () => {
    const { provider, calls } = fakeDirectory();
    expect(await provider.verify('alice', '')).toBeUndefined();
    expect(await provider.verify('', 'x')).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('refuses a wrong password, an unknown user, several matches and an entry with another uid', async () => {
    expect(await fakeDirectory().provider.verify('alice', 'wrong')).toBeUndefined();
    expect(await fakeDirectory({ entries: [] }).provider.verify('nobody', 'x')).toBeUndefined();
    const two = fakeDirectory({ entries: [alice, { ...alice, dn: 'uid=alice,ou=other,dc=example,dc=org' }] });
    expect(await two.provider.verify('alice', 'Alice-Pass1')).toBeUndefined();
    expect(two.lines.join('')).toContain('several entries match');
    expect(two.calls.filter((c) => c.startsWith(`bind ${alice.dn}`))).toEqual([]);
    const many = fakeDirectory({ searchError: new SizeLimitExceededError() });
    expect(await many.provider.verify('alice', 'Alice-Pass1')).toBeUndefined();
    // LDAP matching ignores extra spaces; the typed name must still be the entry's own.
    expect(await fakeDirectory().provider.verify(' alice', 'Alice-Pass1')).toBeUndefined();
  });

  it('throws DirectoryUnavailable when the directory cannot answer, logging why but never the password', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:389'), { code: 'ECONNREFUSED' });
    const cases = [
      fakeDirectory({ bindError: down }),
      fakeDirectory({ searchError: new NoSuchObjectError() }),
      fakeDirectory({ bindError: new InvalidCredentialsError() }),
    ];
    for (const { provider, lines, calls } of cases) {
      await expect(provider.verify('alice', 'Alice-Pass1')).rejects.toBeInstanceOf(DirectoryUnavailable);
      expect(lines.join('')).toContain('ldap login impossible');
      expect(lines.join('')).not.toContain('Alice-Pass1');
      expect(lines.join('')).not.toContain(config.searchPassword);
      expect(calls.at(-1)).toBe('unbind');
    }
    expect(cases[0]!.lines.join('')).toContain('ECONNREFUSED');
    expect(cases[2]!.lines.join('')).toContain('the directory refused its password');
  });
});

import { Client, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError, type Entry } from 'ldapts';
import type { Logger } from 'pino';
import type { LdapConfig } from '../config/settings.js';
import { DirectoryUnavailable, type ExternalIdentity, type IdentityProvider } from './identity-provider.js';

export interface LdapProviderOptions {
  config: LdapConfig & { url: string; baseDn: string };
  log: Logger;
  /** Tests substitute the client; production uses ldapts'. */
  createClient?: (options: ConstructorParameters<typeof Client>[0]) => LdapClient;
}

/** The part of ldapts' Client used here. */
export type LdapClient = Pick<Client, 'bind' | 'search' | 'unbind'>;

/**
 * Harbor's `ldap_auth`: find the user's entry with the search account, then bind as that entry with
 * the password given. One connection per attempt (logins are rare: the Authenticator remembers a
 * verified credential for 30 s).
 *
 * - The username goes into the filter escaped per RFC 4515, so `*`, `(`, `)` and `\` match only
 *   themselves: `alic*` is not Alice, and `*)(uid=*` matches nobody.
 * - The entry's own uid must equal the typed name (ignoring case): LDAP matching also ignores extra
 *   spaces, and `" alice"` must not become a second lockout key for the same person.
 * - An empty password is refused before anything is sent: to LDAP it is an unauthenticated bind,
 *   which many servers answer with success.
 * - Two or more matching entries are refused (and logged): a password must never pick between them.
 *
 * Wrong passwords and unknown users return undefined; a directory that cannot be reached, times out
 * or refuses the search account throws `DirectoryUnavailable`. The password is never logged.
 */
export class LdapProvider implements IdentityProvider {
  readonly source = 'ldap' as const;
  private readonly createClient: NonNullable<LdapProviderOptions['createClient']>;

  constructor(private readonly options: LdapProviderOptions) {
    this.createClient = options.createClient ?? ((o) => new Client(o));
  }

  async verify(username: string, password: string): Promise<ExternalIdentity | undefined> {
    if (username === '' || password === '') return undefined;
    const { config, log } = this.options;
    const client = this.createClient({
      url: config.url,
      timeout: config.timeoutMs,
      connectTimeout: config.timeoutMs,
      // ldapts speaks TLS whenever tlsOptions are given, even to ldap://: only for ldaps://.
      ...(/^ldaps:/i.test(config.url) ? { tlsOptions: { rejectUnauthorized: config.verifyCert } } : {}),
    });
    try {
      const entry = await this.find(client, username);
      if (!entry) return undefined;
      try {
        await client.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return undefined;
        if (err instanceof ResultCodeError) {
          // Locked or expired accounts (password policy), and the like: the directory said no.
          log.info({ username, dn: entry.dn, ldapCode: err.code, reason: err.message }, 'ldap refused the bind');
          return undefined;
        }
        throw this.unavailable(username, 'binding as the user', err);
      }
      return this.identity(entry, username);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** The one entry whose uid is `username`, or undefined (none, or several). */
  private async find(client: LdapClient, username: string): Promise<Entry | undefined> {
    const { config, log } = this.options;
    if (config.searchDn !== undefined) {
      try {
        await client.bind(config.searchDn, config.searchPassword ?? '');
      } catch (err) {
        throw this.unavailable(
          username,
          err instanceof InvalidCredentialsError
            ? 'binding as auth.ldap.searchDn (the directory refused its password)'
            : 'binding as auth.ldap.searchDn',
          err,
        );
      }
    }
    const filter = userFilter(config.uid, username, config.filter);
    let entries: Entry[];
    try {
      const result = await client.search(config.baseDn, {
        scope: config.scope,
        filter,
        attributes: [config.uid, 'mail', 'cn', 'displayName'],
        sizeLimit: 2,
        timeLimit: Math.max(1, Math.ceil(config.timeoutMs / 1000)),
      });
      entries = result.searchEntries;
    } catch (err) {
      if (err instanceof SizeLimitExceededError) entries = [{ dn: '(several)' }, { dn: '(several)' }];
      else throw this.unavailable(username, 'searching auth.ldap.baseDn', err);
    }
    if (entries.length > 1) {
      log.warn({ username, baseDn: config.baseDn }, 'ldap: several entries match this username; login refused');
      return undefined;
    }
    const entry = entries[0];
    if (!entry) return undefined;
    const names = values(entry, config.uid);
    if (!names.some((name) => name.toLowerCase() === username.toLowerCase())) {
      log.info({ username, dn: entry.dn }, 'ldap: the entry found does not carry this exact username; login refused');
      return undefined;
    }
    return entry;
  }

  private identity(entry: Entry, typed: string): ExternalIdentity {
    const uid = this.options.config.uid;
    const username = values(entry, uid).find((name) => name.toLowerCase() === typed.toLowerCase()) ?? typed;
    return {
      username,
      dn: entry.dn,
      email: values(entry, 'mail')[0] ?? '',
      realname: values(entry, 'displayName')[0] ?? values(entry, 'cn')[0] ?? username,
    };
  }

  private unavailable(username: string, step: string, err: unknown): DirectoryUnavailable {
    const reason = describe(err);
    this.options.log.error(
      { url: this.options.config.url, username, step, reason },
      `ldap login impossible: ${step} failed`,
    );
    return new DirectoryUnavailable('the user directory cannot be reached; try again later', `${step}: ${reason}`);
  }
}

/**
 * `(&(<uid>=<username>)<extra>)` with the username escaped per RFC 4515: the five characters with a
 * meaning in filters (`\`, `*`, `(`, `)`, NUL) and other control characters become `\XX`. Anything
 * else, UTF-8 included, may appear as is.
 */
export function userFilter(uidAttribute: string, username: string, extra: string | undefined): string {
  const match = `(${uidAttribute}=${escapeFilterValue(username)})`;
  return extra ? `(&${match}${extra})` : match;
}

export function escapeFilterValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\\*()\u0000-\u001f\u007f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** An attribute's string values, whatever the case the server used for its name. */
function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'dn' || key.toLowerCase() !== wanted) continue;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)).filter((v) => v !== '');
  }
  return [];
}

function describe(err: unknown): string {
  if (err instanceof ResultCodeError) return `${err.name} (LDAP result ${err.code}): ${err.message}`;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

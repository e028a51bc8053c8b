import { Unauthorized } from '../core/errors.js';

/**
 * The identity-provider seam: somewhere other than the local database that checks a user's password
 * (LDAP now; OIDC later signs in through the portal and does not fit a password check). `app.ts`
 * picks the provider from `auth.mode`; the Authenticator asks it and onboards the identity it returns.
 */
export interface IdentityProvider {
  /** Shown in logs and stored as the user's `source`. */
  readonly source: 'ldap';
  /**
   * The identity when `password` is right for `username`; undefined when the user is unknown, the
   * password is wrong or the name is ambiguous. Throws `DirectoryUnavailable` when the provider
   * cannot answer at all (down, misconfigured): that is not the caller's fault and is not counted as
   * a failed login.
   */
  verify(username: string, password: string): Promise<ExternalIdentity | undefined>;
}

/** What a directory knows about a user who proved their password. */
export interface ExternalIdentity {
  /** The login name as the directory spells it (may differ in case from what was typed). */
  username: string;
  /** The entry the password was checked against, for logs. */
  dn: string;
  email: string;
  realname: string;
}

/**
 * The directory could not check the credentials (connection refused, timeout, TLS failure, the
 * search account refused). Answered as 401 like any failed login, so clients see "try again", never a
 * 500; the details go to the log, not to the caller.
 */
export class DirectoryUnavailable extends Unauthorized {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

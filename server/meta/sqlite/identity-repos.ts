import type { AccessTokenRepo, LoginFailureRepo, RobotRepo, SessionRepo, UserRepo } from '../identity-types.js';
import { SqliteAccessTokenRepo } from './access-token-repo.js';
import type { SqlExecutor } from './executor.js';
import { SqliteLoginFailureRepo } from './login-failure-repo.js';
import { SqliteRobotRepo } from './robot-repo.js';
import { SqliteSessionRepo } from './session-repo.js';
import { SqliteUserRepo } from './user-repo.js';

export interface IdentityRepos {
  users: UserRepo;
  loginFailures: LoginFailureRepo;
  sessions: SessionRepo;
  accessTokens: AccessTokenRepo;
  robots: RobotRepo;
}

/** The identity aggregates over one executor (tables from migration 3). */
export function createIdentityRepos(sql: SqlExecutor): IdentityRepos {
  return {
    users: new SqliteUserRepo(sql),
    loginFailures: new SqliteLoginFailureRepo(sql),
    sessions: new SqliteSessionRepo(sql),
    accessTokens: new SqliteAccessTokenRepo(sql),
    robots: new SqliteRobotRepo(sql),
  };
}

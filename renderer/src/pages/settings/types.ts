/** The JSON of the endpoints the settings page reads (server/http/api/*-routes.ts). */

/** Harbor's `GeneralInfo` (`GET /systeminfo`); the fields after `oidc_provider_name` need a session. */
export interface SystemInfo {
  auth_mode: 'db_auth' | 'ldap_auth' | string;
  self_registration: boolean;
  banner_message: string;
  harbor_version?: string;
  external_url?: string;
  registry_url?: string;
  registry_storage_provider_name?: string;
  read_only?: boolean;
  current_time?: string;
}

/** `GET /systeminfo/volumes` (system administrators). */
export interface SystemVolumes {
  storage: { total: number; free: number }[];
}

/** `GET /health`. */
export interface Health {
  status: 'healthy' | 'unhealthy';
  components: { name: string; status: 'healthy' | 'unhealthy'; error?: string }[];
}

/** A personal access token as `GET /users/current/tokens` lists it (never the secret). */
export interface AccessToken {
  id: number;
  name: string;
  creation_time: string;
  expires_at: string | null;
  last_used_at: string | null;
  expired: boolean;
}

/** `POST /users/current/tokens`: the only answer that carries the secret. */
export interface CreatedAccessToken {
  id: number;
  name: string;
  token: string;
  creation_time: string;
  expires_at: string | null;
}

/** `GET /system/login-locks`: a username (`user:<name>`) or client address (`addr:<ip>`) locked now. */
export interface LoginLock {
  key: string;
  failures: number;
  first_failure_at: string;
  last_failure_at: string;
  locked_until: string | null;
}

/** Harbor's `UserResp` as `GET /users` returns it (server/http/api/user-json.ts). */
export interface UserJson {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  admin_role_in_auth: boolean;
  creation_time: string;
  update_time: string;
}

/** `UserCreationReq`. */
export interface UserCreation {
  username: string;
  email: string;
  realname: string;
  password: string;
  comment?: string;
}

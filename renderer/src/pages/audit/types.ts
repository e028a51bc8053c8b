/**
 * Harbor's `AuditLog` as `GET /audit-logs` returns it (server/http/api/audit-routes.ts). The server
 * stores the client address, the outcome and a detail too; the optional fields are read when the
 * listing carries them, so the page shows them as soon as the API does.
 */
export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  client_ip?: string | null;
  success?: boolean;
  detail?: string | null;
}

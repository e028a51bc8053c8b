import { accessTokenRoutes } from './access-token-routes.js';
import type { ApiRouteModule } from './api-plugin.js';
import { artifactRoutes } from './artifact-routes.js';
import { labelRoutes } from './label-routes.js';
import { repositoryRoutes } from './repository-routes.js';
import { auditRoutes } from './audit-routes.js';
import { loginLockRoutes } from './login-lock-routes.js';
import { robotRoutes } from './robot-routes.js';
import { userRoutes } from './user-routes.js';
import { systemRoutes } from './system-routes.js';
import { projectMemberRoutes } from './project-member-routes.js';
import { projectMetadataRoutes } from './project-metadata-routes.js';
import { projectRoutes } from './project-routes.js';
import { quotaRoutes } from './quota-routes.js';
import { gcRoutes } from './gc-routes.js';
import { searchRoutes } from './search-routes.js';
import { statisticsRoutes } from './statistics-routes.js';
import { immutableRuleRoutes } from './immutable-rule-routes.js';
import { retentionRoutes } from './retention-routes.js';
import { eventStreamRoutes } from './event-stream-routes.js';
import { executionRoutes } from './execution-routes.js';
import { jobserviceRoutes } from './jobservice-routes.js';
import { scheduleRoutes } from './schedule-routes.js';
import { scanRoutes } from './scan-routes.js';
import { scannerRoutes } from './scanner-routes.js';
import { scanAllRoutes } from './scan-all-routes.js';
import { cveAllowlistRoutes } from './cve-allowlist-routes.js';
import { securityHubRoutes } from './security-hub-routes.js';
import { vulndbRoutes } from './vulndb-routes.js';
import { registryRoutes } from './registry-routes.js';
import { replicationPolicyRoutes } from './replication-policy-routes.js';
import { replicationExecutionRoutes } from './replication-execution-routes.js';
import { replicationPreviewRoutes } from './replication-preview-routes.js';

/** Every route module of the Harbor API, registered in this order. Add yours here. */
export const API_MODULES: readonly ApiRouteModule[] = [
  systemRoutes,
  userRoutes,
  accessTokenRoutes,
  robotRoutes,
  auditRoutes,
  loginLockRoutes,
  repositoryRoutes,
  artifactRoutes,
  labelRoutes,
  projectRoutes,
  projectMetadataRoutes,
  projectMemberRoutes,
  quotaRoutes,
  gcRoutes,
  statisticsRoutes,
  searchRoutes,
  immutableRuleRoutes,
  retentionRoutes,
  jobserviceRoutes,
  scheduleRoutes,
  executionRoutes,
  scanRoutes,
  scannerRoutes,
  scanAllRoutes,
  cveAllowlistRoutes,
  securityHubRoutes,
  vulndbRoutes(),
  registryRoutes,
  replicationPolicyRoutes,
  replicationExecutionRoutes,
  replicationPreviewRoutes,
  eventStreamRoutes(),
];

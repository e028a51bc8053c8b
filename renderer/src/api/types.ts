/**
 * The JSON the portal reads, as Harbor's API (and Berth's extensions) shape it. Only the fields the
 * GUI uses are listed; the server's own definitions live in server/http/api/*-json.ts.
 */

export interface Project {
  project_id: number;
  name: string;
  owner_name: string;
  creation_time: string;
  update_time: string;
  repo_count: number;
  current_user_role_id: number;
  metadata: Record<string, string>;
}

export interface Repository {
  id: number;
  project_id: number;
  name: string;
  description: string;
  artifact_count: number;
  pull_count: number;
  creation_time: string;
  update_time: string;
}

export interface Tag {
  id: number;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: string;
  pull_time: string;
  immutable: boolean;
}

export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: 'g' | 'p';
  project_id: number;
}

export interface Reference {
  parent_id: number;
  child_id: number;
  child_digest: string;
  platform?: { architecture?: string; os?: string; variant?: string; 'os.version'?: string };
  annotations?: Record<string, string>;
}

export interface Accessory {
  id: number;
  artifact_id: number;
  subject_artifact_id: number;
  subject_artifact_digest: string;
  subject_artifact_repo: string;
  size: number;
  digest: string;
  type: string;
  creation_time: string;
}

export interface Artifact {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type: string;
  project_id: number;
  repository_id: number;
  repository_name: string;
  digest: string;
  size: number;
  push_time: string;
  pull_time: string;
  extra_attrs?: Record<string, unknown>;
  annotations?: Record<string, string>;
  references?: Reference[];
  tags?: Tag[] | null;
  labels?: Label[] | null;
  accessories?: Accessory[] | null;
  addition_links?: Record<string, { href: string; absolute: boolean }>;
}

export interface Execution {
  id: number;
  vendor_type: string;
  vendor_id: number;
  project_id: number | null;
  status: string;
  status_message: string;
  trigger: string;
  progress: { done: number; total: number };
  extra_attrs: Record<string, unknown>;
  start_time: string;
  end_time: string | null;
  update_time: string;
}

export interface Task {
  id: number;
  execution_id: number;
  job_type: string;
  status: string;
  status_message: string;
  attempts: number;
  max_attempts: number;
  run_after: string;
  progress: { done: number; total: number };
  creation_time: string;
  start_time: string | null;
  end_time: string | null;
  update_time: string;
}

export interface CurrentUser {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  admin_role_in_auth: boolean;
  creation_time: string;
}

/** Events of `GET /api/v2.0/events`, as server/http/api/event-stream-routes.ts serialises them. */
export interface ArtifactPushedEvent {
  repository: string;
  project_name: string;
  digest: string;
  tag: string | null;
  media_type: string;
  /** The manifest's size. */
  size: number;
}

export interface ArtifactDeletedEvent {
  repository: string;
  project_name: string;
  digest: string;
}

export interface TagDeletedEvent {
  repository: string;
  project_name: string;
  tag: string;
}

export interface LiveEventMap {
  execution: Execution;
  task: Task;
  'artifact.pushed': ArtifactPushedEvent;
  'artifact.deleted': ArtifactDeletedEvent;
  'tag.deleted': TagDeletedEvent;
  reset: Record<string, never>;
}

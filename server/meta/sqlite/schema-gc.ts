import type { BlobGcState } from '../gc-types.js';

/*
 * Garbage collection's columns (migration 7), added to the `blobs` and `repository_blobs` table types
 * of `schema.ts` by declaration merging, so the GC columns are declared beside the migration that
 * adds them. The state machine is drawn in `meta/gc-types.ts`.
 */
declare module './schema.js' {
  interface BlobsTable {
    /** `none` | `candidate` | `deleting`. */
    gc_state: BlobGcState;
    /** When the row became a candidate; null otherwise. */
    gc_marked_at: number | null;
    /** Random id of this row's incarnation: a writer's proof that GC did not delete the row meanwhile. */
    incarnation: number;
    /** Last pin or link: a blob untouched for a whole window may be marked. */
    touched_at: number;
  }
  interface RepositoryBlobsTable {
    /** Last upload, link or push probe (HEAD) of the link: its age for GC (backfilled from created_at). */
    seen_at: number;
  }
}

export {};

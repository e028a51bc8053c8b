import { Conflict } from '../core/errors.js';

/**
 * Garbage collection's view of the metadata: the blob state machine and the batched, atomic steps the
 * GC job (`server/gc/`) drives. Every method is one short transaction, so pushes wait at most one
 * batch for the write lock.
 *
 * Blob state machine (`blobs.gc_state`), with `incarnation` a random id given to a row when it is
 * inserted (a row deleted and inserted again gets a new one):
 *
 * ```
 *             mark: no repository link, no artifact references it,
 *             touched_at older than the window
 *   ┌──────┐ ───────────────────────────────────► ┌───────────┐
 *   │ none │                                      │ candidate │
 *   └──────┘ ◄─────────────────────────────────── └───────────┘
 *      ▲      link / pin / manifest commit revive       │ sweep claim (one transaction): still candidate,
 *      │      (and touch) atomically                    │ still no link, no artifact reference
 *      │                                                ▼
 *  (insert: pin, link)                            ┌──────────┐  file deleted   ┌─────────────┐
 *                                                 │ deleting │ ──────────────► │ row deleted │
 *   orphan file (no row): GC inserts a row        └──────────┘   then the row  └─────────────┘
 *   directly in `deleting` (only if none exists) ───────┘
 * ```
 * `deleting` is absorbing: nothing moves a row out of it except its deletion by GC (a failed or
 * interrupted sweep leaves it for the next run, which finishes it). Link, pin and manifest commit
 * refuse a `deleting` blob with `Conflict(BLOB_UPLOAD_INVALID)`: the client pushes the blob again.
 *
 * Invariants: a linked blob is never `deleting` (a claim requires no link, a link refuses `deleting`,
 * both in one transaction), so a linked blob's file is never deleted. GC deletes a file only while it
 * holds the row in `deleting`.
 *
 * Writers of bytes (upload commit, manifest put, mount) follow **pin → bytes → link(expect)**:
 * 1. `blobs.pin(blob)` after the bytes are verified and before they are published: inserts the row
 *    (state none) or revives and touches it, refuses `deleting`, and returns the row's incarnation.
 *    A row now exists, so the orphan sweep (insert-if-absent) cannot claim the digest.
 * 2. The BlobStore publishes the bytes, or finds the file already there and keeps it (written once).
 * 3. `link({..., expectIncarnation})` refuses unless the same row still exists and is not `deleting`.
 * Since `deleting` is absorbing and deletion removes the row, "same incarnation, not deleting" at step
 * 3 proves GC never held this row between 1 and 3, so the file found or written at step 2 was not
 * deleted. Every interleaving with a sweep:
 * - claim before pin: pin refuses (retryable).
 * - claim between pin and link (possible only with a window shorter than the push): the row ends as
 *   `deleting` or is gone (or re-inserted with another incarnation) at step 3: refused (retryable),
 *   even when step 2 found the old file just before GC deleted it.
 * - orphan claim: needs no row; a pinned digest always has one.
 * - mount (no bytes written): reads the source link with its incarnation, stats the file, then links
 *   with `expectIncarnation`; a blob collected meanwhile is refused and the route falls back to an
 *   upload (202).
 * - manifest commit: every referenced blob must be linked to the repository in the same transaction,
 *   and linked blobs are never collected; the manifest's own blob follows pin → bytes → link.
 * - HEAD (push probe): checks the link and refreshes `repository_blobs.seen_at` in one statement, so
 *   a client that skipped an upload keeps the link for a whole window.
 */
export type BlobGcState = 'none' | 'candidate' | 'deleting';

/** An artifact GC deleted (untagged, or an accessory of one), for events and the log. */
export interface GcDeletedArtifact {
  repository: string;
  digest: string;
  size: number;
}

/** A blob the sweep will delete (candidate, or left `deleting` by an interrupted run). */
export interface GcBlob {
  digest: string;
  size: number;
  state: BlobGcState;
}

/** What a mark would do, computed without writing (dry run). */
export interface GcPreview {
  artifacts: GcDeletedArtifact[];
  unlinked: number;
  /** Blobs the sweep would delete: marked now, or already candidate/deleting. */
  blobs: GcBlob[];
}

export interface GcRepo {
  /**
   * Deletes up to `limit` untagged artifacts pushed before `cutoff` that are neither a child of an
   * index that stays nor an accessory (`subject`) of an artifact that stays; accessories of every
   * artifact deleted go with it, whatever their tags. Rows with id above `afterId` only; returns the
   * deleted artifacts and the highest id examined (null when no rows remained).
   */
  deleteUntagged(
    cutoff: Date,
    afterId: number,
    limit: number,
  ): Promise<{ deleted: GcDeletedArtifact[]; lastId: number | null }>;
  /**
   * Removes up to `limit` repository links (rowid above `after`) whose `seen_at` is before `cutoff` and
   * that no artifact of the repository uses (as its manifest, config, layer or other blob), lowering
   * project usage. Returns how many went and the last rowid examined (null when none remained).
   */
  unlinkUnreferenced(cutoff: Date, after: number, limit: number): Promise<{ unlinked: number; last: number | null }>;
  /** Marks up to `limit` unreferenced blob rows (digest above `after`) touched before `cutoff` as candidates. */
  markCandidates(
    cutoff: Date,
    after: string,
    limit: number,
    now: Date,
  ): Promise<{ marked: number; last: string | null }>;
  /** Candidate and deleting rows with digest above `after`, in digest order. */
  sweepable(after: string, limit: number): Promise<GcBlob[]>;
  /** candidate → deleting when still unreferenced; true also for a row already deleting. */
  claim(digest: string): Promise<boolean>;
  /** Deletes a `deleting` row once its file is gone. */
  forget(digest: string): Promise<boolean>;
  /** Inserts a `deleting` row for a file without one; false when a row exists (someone pinned it). */
  claimOrphan(digest: string, size: number): Promise<boolean>;
  /** `claim` for a batch in one transaction; returns the digests claimed. */
  claimMany(digests: string[]): Promise<Set<string>>;
  /** `forget` for a batch in one transaction; returns how many rows went. */
  forgetMany(digests: string[]): Promise<number>;
  /** `claimOrphan` for a batch in one transaction; returns the digests claimed. */
  claimOrphans(orphans: Array<{ digest: string; size: number }>): Promise<Set<string>>;
  /** Which of the digests have a blob row. */
  known(digests: string[]): Promise<Set<string>>;
  /** Everything `deleteUntagged` (when asked), `unlinkUnreferenced` and `markCandidates` would do, without writing. */
  preview(cutoff: Date, deleteUntagged: boolean): Promise<GcPreview>;
}

/** The refusal a push gets for a blob GC is deleting; the client uploads it again. */
export function blobInGarbageCollection(digest: string): Conflict {
  return new Conflict('BLOB_UPLOAD_INVALID', `blob ${digest} is being garbage-collected; upload it again`, {
    digest,
    retryable: true,
  });
}

import { afterEach, beforeEach, expect } from 'vitest';
import { digestOf } from '../../server/core/digest.js';
import { DomainError, type DomainErrorKind } from '../../server/core/errors.js';
import type { MetaStore } from '../../server/meta/meta-store.js';

/**
 * What the MetaStore contract suites (test/contract/meta-*-contract.ts) share: the factory a
 * dialect's test file hands them, a fresh store per test, the check of a refusal, unique digests
 * and linking a blob.
 */

/** A fresh, empty MetaStore (only the `library` project present) and how to dispose of it. */
export interface MetaStoreFixture {
  store: MetaStore;
  cleanup(): Promise<void>;
}

/** Opens a `MetaStoreFixture`: what each dialect's test file gives a contract suite. */
export type OpenMetaStore = () => Promise<MetaStoreFixture>;

/** A MetaStore contract suite (`describeMetaStoreContract` and its siblings): a name and a factory. */
export type DescribeMetaContract = (name: string, open: OpenMetaStore) => void;

/**
 * Registers, in the enclosing `describe`, a fresh store for each test: `open` before it (the store
 * handed to `use`), its cleanup after.
 */
export function freshStoreForEachTest(open: OpenMetaStore, use: (store: MetaStore) => void): void {
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const fixture = await open();
    cleanup = fixture.cleanup;
    use(fixture.store);
  });
  afterEach(async () => {
    await cleanup();
  });
}

/** What a refusal should be: a `DomainError` (or the given subclass) with any of these parts. */
export interface ExpectedDomainError {
  type?: abstract new (...args: never[]) => DomainError;
  kind?: DomainErrorKind;
  code?: string;
  message?: RegExp;
}

/**
 * Awaits `promise`, expects it to reject with a `DomainError` as `expected` describes, and returns
 * the error for further checks.
 */
export async function expectDomainError(
  promise: Promise<unknown>,
  expected: ExpectedDomainError = {},
): Promise<DomainError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(expected.type ?? DomainError);
  const domainError = err as DomainError;
  if (expected.kind !== undefined) expect(domainError.kind).toBe(expected.kind);
  if (expected.code !== undefined) expect(domainError.code).toBe(expected.code);
  if (expected.message !== undefined) expect(domainError.message).toMatch(expected.message);
  return domainError;
}

/**
 * A digest maker for one suite: each call gives a new digest (of `label` and a running number), so
 * tests never collide on content they did not mean to share.
 */
export function uniqueDigests(): (label?: string) => string {
  let counter = 0;
  return (label = 'x') => digestOf(`${label}-${++counter}`);
}

/** Links a blob of `size` bytes into `repository`, creating its project when missing. */
export async function linkBlob(store: MetaStore, repository: string, digest: string, size: number): Promise<void> {
  await store.blobs.link({
    repository,
    project: repository.split('/')[0]!,
    createProject: true,
    blob: { digest, size },
  });
}

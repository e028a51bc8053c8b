/**
 * What layer analysis produces. Everything here is plain JSON (no Maps, Buffers or class
 * instances): a layer's result is cached by its digest and crosses the worker-thread boundary.
 */

/** Which detector asked for a file. */
export type DetectorId =
  | 'os-release'
  | 'dpkg'
  | 'apk'
  | 'rpm'
  | 'npm-lock'
  | 'npm-installed'
  | 'python'
  | 'go-binary'
  | 'java-archive'
  | 'ruby-gemspec'
  | 'cargo-lock';

/** The package database or manifest a package came from. */
export type PackageKind = 'dpkg' | 'apk' | 'rpm' | 'npm' | 'python' | 'go' | 'java' | 'gem' | 'cargo';

/** One package as a layer states it; the OSV ecosystem is decided when layers are merged. */
export interface LayerPackage {
  kind: PackageKind;
  /** Name as its ecosystem spells it (`libssl3`, `lodash`, `org.slf4j:slf4j-api`, `golang.org/x/net`, `stdlib`). */
  name: string;
  /** Version as installed (`1:1.2.13.dfsg-1`, `2:1.2.3-4.el9`, `v0.17.0`, `4.17.21`). */
  version: string;
  /** File it was found in; `!/` separates a path inside an archive (`app.jar!/BOOT-INF/lib/x.jar`). */
  path: string;
  /** OS packages: the source package (dpkg `Source:`, apk origin, rpm SOURCERPM name). */
  sourceName?: string;
  /** OS packages: the source package's version. */
  sourceVersion?: string;
  /** OS packages: `amd64`, `x86_64`, `noarch`. */
  arch?: string;
  /** npm lockfiles: a development-only dependency. */
  dev?: boolean;
}

export type ReleaseFileKind = 'os-release' | 'alpine-release' | 'debian_version';

/**
 * A path some detector reads, as this layer has it. Every such entry is recorded, read or not,
 * because it replaces whatever lower layers had at that path.
 */
export interface LayerFile {
  path: string;
  detector: DetectorId;
  /**
   * `parsed`: read, `packages`/`release` hold what it says (possibly nothing).
   * `too-large`: over the detector's size limit, not read. `over-layer-budget`: the layer's read
   * budget was spent. `symlink` (see `linkTarget`) and `not-a-file`: no content here, but the lower
   * layers' file at this path is gone. `error`: unreadable, `message` says why.
   */
  outcome: 'parsed' | 'too-large' | 'over-layer-budget' | 'symlink' | 'not-a-file' | 'error';
  /** Bytes the tar entry holds. */
  size: number;
  linkTarget?: string;
  release?: { kind: ReleaseFileKind; text: string };
  packages?: LayerPackage[];
  /** Why it is `error`, or what a parser left out (skipped records, nested archives not opened). */
  message?: string;
}

/** The result of analysing one layer blob. */
export interface LayerAnalysis {
  /** Bumped when detectors change what they find, so cached results can be recomputed. */
  analyzerVersion: number;
  compression: 'gzip' | 'zstd' | 'none';
  compressedBytes: number;
  /** Uncompressed tar bytes read. */
  tarBytes: number;
  /** Tar members (files, directories, links, whiteouts). */
  entries: number;
  /** Paths detectors asked for, in archive order, the last entry for a path only. */
  files: LayerFile[];
  /** Paths this layer deletes from lower layers (with everything below them): `.wh.<name>` files. */
  whiteouts: string[];
  /** Directories whose lower-layer content this layer hides: `.wh..wh..opq` files. */
  opaqueDirs: string[];
  /** Bytes of matched files read (the layer budget counts these). */
  readBytes: number;
  /** True when a budget stopped reading: files recorded `over-layer-budget` exist. */
  truncated: boolean;
}

/** One package of the final image, with the OSV ecosystem its advisories are filed under. */
export interface ImagePackage extends LayerPackage {
  /** `Debian:12`, `Alpine:v3.19`, `npm`, `PyPI`, `Go`, `Maven`, `RubyGems`, `crates.io`. */
  ecosystem: string;
  /** Index of the layer (in manifest order) that holds the file it came from. */
  layer: number;
}

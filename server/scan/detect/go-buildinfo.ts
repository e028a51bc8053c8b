import type { ByteSource } from './byte-source.js';

/**
 * The build information the Go linker leaves in every module-aware binary, read from an ELF file the
 * way Go's own `debug/buildinfo` reads it:
 *
 * 1. Find where data starts: the `.go.buildinfo` section, else the first writable, non-executable
 *    PT_LOAD segment. Read up to 64 KiB there and look for the 16-byte-aligned header
 *    `"\xff Go buildinf:"` (14 bytes) + pointer size (1 byte) + flags (1 byte).
 * 2. Flags bit 1 (Go 1.18+): the Go version and the module info follow the 32-byte header inline,
 *    each as a uvarint length and bytes. Otherwise (Go 1.13 to 1.17): two pointers at offset 16 and
 *    16+ptrSize, each to a Go string header `{data pointer, length}` somewhere in the binary; flags
 *    bit 0 says big-endian. Virtual addresses map to file offsets through the PT_LOAD segments.
 * 3. The module info is framed by 16 sentinel bytes on each side (`len >= 33` and a `\n` at
 *    `len-17`); inside, tab-separated lines: `path`, `mod` (main module), `dep`, `=>` (the
 *    replacement of the line before), `build`.
 */

export interface GoModule {
  path: string;
  /** `v1.2.3`, or `(devel)` for a main module built from a checkout. */
  version: string;
  /** `h1:` hash, when recorded. */
  sum: string | undefined;
  /** Set when a `=>` line replaced this module; advisories apply to the replacement. */
  replacedBy?: { path: string; version: string } | undefined;
}

export interface GoBuildInfo {
  /** As the binary states it: `go1.22.5`, `go1.20.1 X:boringcrypto`, `devel go1.23-abc123`. */
  goVersion: string;
  /** The `path` line: the main package's import path. */
  path: string | undefined;
  /** The `mod` line. */
  main: GoModule | undefined;
  deps: GoModule[];
  /** `build` lines as key → value (`-ldflags`, `GOOS`, `vcs.revision`, ...). */
  settings: Record<string, string>;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
const SEARCH_BYTES = 64 * 1024;
/** Go's reader stops at 64 MiB for a string; a module list is far below that. */
const MAX_STRING_BYTES = 64 * 1024 * 1024;

const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;

export class GoBuildInfoError extends Error {
  override name = 'GoBuildInfoError';
}

/** True when the bytes start with the ELF magic. */
export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/**
 * The build info of a Go ELF binary; undefined for an ELF file that is not a Go binary with build
 * info (C programs, Go binaries older than 1.13). Throws `GoBuildInfoError` on a file that is not
 * ELF or whose structures point outside it.
 */
export function readGoBuildInfo(file: ByteSource): GoBuildInfo | undefined {
  const elf = readElf(file);
  const start = dataStart(elf);
  if (start === undefined) return undefined;
  const window = elf.readAt(start, SEARCH_BYTES);
  let at = 0;
  for (;;) {
    const i = window.indexOf(MAGIC, at);
    if (i < 0 || window.length - i < HEADER_SIZE) return undefined;
    if (i % ALIGN === 0) {
      at = i;
      break;
    }
    at = (i + ALIGN - 1) & ~(ALIGN - 1);
  }
  const header = window.subarray(at, at + HEADER_SIZE);
  const infoAddr = start + at;
  const ptrSize = header[14]!;
  const flags = header[15]!;
  let goVersion: string;
  let modInfo: Buffer;
  if (flags & 2) {
    const version = decodeVarintBytes(elf, infoAddr + HEADER_SIZE);
    const mod = decodeVarintBytes(elf, version.next);
    goVersion = version.value.toString('utf8');
    modInfo = mod.value;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw new GoBuildInfoError(`pointer size ${ptrSize}`);
    const bigEndian = (flags & 1) !== 0;
    const readPtr = (b: Buffer, offset: number): number => readUInt(b, offset, ptrSize, bigEndian);
    const readString = (addr: number): Buffer => {
      const stringHeader = elf.readAt(addr, 2 * ptrSize);
      if (stringHeader.length < 2 * ptrSize) throw new GoBuildInfoError('string header outside the file');
      const dataAddr = readPtr(stringHeader, 0);
      const length = readPtr(stringHeader, ptrSize);
      if (length > MAX_STRING_BYTES) throw new GoBuildInfoError('string too long');
      const bytes = elf.readAt(dataAddr, length);
      if (bytes.length !== length) throw new GoBuildInfoError('string outside the file');
      return bytes;
    };
    goVersion = readString(readPtr(header, 16)).toString('utf8');
    modInfo = readString(readPtr(header, 16 + ptrSize));
  }
  if (!goVersion) return undefined;
  // The sentinels are binary, so the framing is taken off the bytes before decoding text.
  const inner =
    modInfo.length >= 33 && modInfo[modInfo.length - 17] === 0x0a
      ? modInfo.subarray(16, modInfo.length - 16).toString('utf8')
      : '';
  return { goVersion, ...parseModInfo(inner) };
}

/** `go1.22.5` → `1.22.5`, the form Go's OSV `stdlib` records use; undefined for `devel` builds. */
export function goStdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+){0,2})((?:rc|beta)\d+)?(?:\s|$|-)/.exec(goVersion.trim());
  if (!m) return undefined;
  const parts = m[1]!.split('.');
  while (parts.length < 3) parts.push('0');
  // go1.21rc2 is a pre-release of 1.21.0; SemVer orders 1.21.0-rc2 before 1.21.0.
  return parts.join('.') + (m[2] ? `-${m[2]}` : '');
}

/** The module lines of build info (between the sentinels). */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const out: Omit<GoBuildInfo, 'goVersion'> = { path: undefined, main: undefined, deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    switch (fields[0]) {
      case 'path':
        out.path = fields[1];
        break;
      case 'mod':
      case 'dep': {
        if (!fields[1]) break;
        const mod: GoModule = { path: fields[1], version: fields[2] ?? '', sum: fields[3] || undefined };
        if (fields[0] === 'mod') out.main = mod;
        else out.deps.push(mod);
        last = mod;
        break;
      }
      case '=>':
        if (last && fields[1]) last.replacedBy = { path: fields[1], version: fields[2] ?? '' };
        break;
      case 'build': {
        const setting = fields.slice(1).join('\t');
        const eq = setting.indexOf('=');
        if (eq > 0) out.settings[setting.slice(0, eq)] = setting.slice(eq + 1);
        break;
      }
    }
  }
  return out;
}

/** A uvarint length and that many bytes, at a virtual address. */
function decodeVarintBytes(elf: Elf, addr: number): { value: Buffer; next: number } {
  const head = elf.readAt(addr, 10);
  let length = 0;
  let shift = 0;
  let i = 0;
  for (;;) {
    if (i >= head.length) throw new GoBuildInfoError('truncated length in build info');
    const byte = head[i++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (length > MAX_STRING_BYTES) throw new GoBuildInfoError('string too long');
  const bytes = elf.readAt(addr + i, length);
  if (bytes.length !== length) throw new GoBuildInfoError('string outside the file');
  return { value: bytes, next: addr + i + length };
}

interface Segment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

interface Elf {
  segments: Segment[];
  buildInfoSectionAddr: number | undefined;
  /** Bytes at a virtual address, from the PT_LOAD segment holding it (fewer at its end). */
  readAt(addr: number, length: number): Buffer;
}

function readElf(file: ByteSource): Elf {
  const ident = file.read(0, 64);
  if (!isElf(ident)) throw new GoBuildInfoError('not an ELF file');
  const is64 = ident[4] === 2;
  const bigEndian = ident[5] === 2;
  if (ident[4] !== 1 && ident[4] !== 2) throw new GoBuildInfoError('unknown ELF class');
  const u16 = (b: Buffer, at: number) => (bigEndian ? b.readUInt16BE(at) : b.readUInt16LE(at));
  const u32 = (b: Buffer, at: number) => (bigEndian ? b.readUInt32BE(at) : b.readUInt32LE(at));
  const word = (b: Buffer, at: number) => readUInt(b, at, is64 ? 8 : 4, bigEndian);
  if (ident.length < (is64 ? 64 : 52)) throw new GoBuildInfoError('truncated ELF header');
  const phoff = word(ident, is64 ? 32 : 28);
  const shoff = word(ident, is64 ? 40 : 32);
  const phentsize = u16(ident, is64 ? 54 : 42);
  const phnum = u16(ident, is64 ? 56 : 44);
  const shentsize = u16(ident, is64 ? 58 : 46);
  const shnum = u16(ident, is64 ? 60 : 48);
  const shstrndx = u16(ident, is64 ? 62 : 50);

  const segments: Segment[] = [];
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) throw new GoBuildInfoError('bad program header size');
    const table = file.read(phoff, phnum * phentsize);
    if (table.length < phnum * phentsize) throw new GoBuildInfoError('program headers outside the file');
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      segments.push(
        is64
          ? {
              type: u32(table, at),
              flags: u32(table, at + 4),
              offset: word(table, at + 8),
              vaddr: word(table, at + 16),
              filesz: word(table, at + 32),
            }
          : {
              type: u32(table, at),
              offset: u32(table, at + 4),
              vaddr: u32(table, at + 8),
              filesz: u32(table, at + 16),
              flags: u32(table, at + 24),
            },
      );
    }
  }

  let buildInfoSectionAddr: number | undefined;
  if (shnum > 0 && shoff > 0 && shstrndx < shnum) {
    if (shentsize < (is64 ? 64 : 40)) throw new GoBuildInfoError('bad section header size');
    const table = file.read(shoff, shnum * shentsize);
    if (table.length === shnum * shentsize) {
      const section = (i: number) => {
        const at = i * shentsize;
        return {
          name: u32(table, at),
          addr: word(table, at + (is64 ? 16 : 12)),
          offset: word(table, at + (is64 ? 24 : 16)),
          size: word(table, at + (is64 ? 32 : 20)),
        };
      };
      const strtab = section(shstrndx);
      const names = file.read(strtab.offset, Math.min(strtab.size, 1024 * 1024));
      for (let i = 0; i < shnum; i++) {
        const s = section(i);
        const end = names.indexOf(0, s.name);
        if (end > s.name && names.toString('latin1', s.name, end) === '.go.buildinfo') {
          buildInfoSectionAddr = s.addr;
          break;
        }
      }
    }
  }

  return {
    segments,
    buildInfoSectionAddr,
    readAt(addr, length) {
      for (const p of segments) {
        if (p.type !== PT_LOAD || p.filesz === 0) continue;
        if (addr >= p.vaddr && addr <= p.vaddr + p.filesz - 1) {
          const n = Math.min(length, p.vaddr + p.filesz - addr);
          return file.read(p.offset + (addr - p.vaddr), n);
        }
      }
      return Buffer.alloc(0);
    },
  };
}

function dataStart(elf: Elf): number | undefined {
  if (elf.buildInfoSectionAddr !== undefined) return elf.buildInfoSectionAddr;
  for (const p of elf.segments) {
    if (p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W) return p.vaddr;
  }
  return undefined;
}

function readUInt(b: Buffer, at: number, size: number, bigEndian: boolean): number {
  if (size === 4) return bigEndian ? b.readUInt32BE(at) : b.readUInt32LE(at);
  const v = bigEndian ? b.readBigUInt64BE(at) : b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GoBuildInfoError('address beyond 2^53');
  return Number(v);
}

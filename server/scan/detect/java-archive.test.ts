import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createZip } from '../../../test/fixtures/scan/zip-builder.js';
import { bufferSource } from './byte-source.js';
import { parseManifest, readJavaArchive } from './java-archive.js';
import { readZipEntries, readZipEntry, ZipFormatError } from './zip-reader.js';

const jar = (name: string) => readFileSync(new URL(`../../../test/fixtures/scan/java/${name}`, import.meta.url));
const failureaccess = jar('failureaccess-1.0.1.jar');
const slf4jNop = jar('slf4j-nop-1.7.36.jar');
const javaxInject = jar('javax.inject-1.jar');

describe('readJavaArchive on jars from Maven Central', () => {
  it('failureaccess: the coordinate from pom.properties, the OSGi manifest kept as facts', () => {
    const read = readJavaArchive(bufferSource(failureaccess));
    expect(read.packages).toEqual([
      {
        groupId: 'com.google.guava',
        artifactId: 'failureaccess',
        version: '1.0.1',
        from: 'pom.properties',
        innerPath: 'META-INF/maven/com.google.guava/failureaccess/pom.properties',
      },
    ]);
    expect(read.manifests).toEqual([
      {
        archive: '',
        implementationTitle: undefined,
        implementationVersion: undefined,
        implementationVendorId: undefined,
        bundleSymbolicName: 'com.google.guava.failureaccess',
        bundleVersion: '1.0.1',
      },
    ]);
    expect(read.problems).toEqual([]);
  });

  it('slf4j-nop: pom.properties, and the Implementation-* manifest', () => {
    const read = readJavaArchive(bufferSource(slf4jNop));
    expect(read.packages.map((p) => `${p.groupId}:${p.artifactId}@${p.version}`)).toEqual([
      'org.slf4j:slf4j-nop@1.7.36',
    ]);
    expect(read.manifests[0]).toMatchObject({ implementationTitle: 'slf4j-nop', implementationVersion: '1.7.36' });
  });

  it('javax.inject 1: no manifest and no pom.properties, so no coordinate is guessed', () => {
    const read = readJavaArchive(bufferSource(javaxInject));
    expect(read).toEqual({ packages: [], manifests: [], archives: 1, problems: [] });
  });

  it('reads every entry of a real jar as the JDK wrote it (inflating each, sizes as the directory says)', () => {
    const source = bufferSource(failureaccess);
    const entries = readZipEntries(source);
    expect(entries.map((e) => e.name)).toContain('META-INF/maven/com.google.guava/failureaccess/pom.xml');
    for (const entry of entries) expect(readZipEntry(source, entry, 1 << 20)).toHaveLength(entry.size);
  });
});

describe('nested archives', () => {
  const appManifest =
    'Manifest-Version: 1.0\r\nImplementation-Title: demo-app\r\nImplementation-Version: 0.0.1\r\n\r\n';

  it('a Spring Boot fat jar (stored BOOT-INF/lib/*.jar) and a war’s deflated WEB-INF/lib, with the path of each', () => {
    const boot = createZip([
      { name: 'META-INF/MANIFEST.MF', data: appManifest },
      { name: 'BOOT-INF/lib/failureaccess-1.0.1.jar', data: failureaccess, method: 'store' },
      { name: 'BOOT-INF/lib/slf4j-nop-1.7.36.jar', data: slf4jNop, method: 'store' },
      { name: 'BOOT-INF/lib/javax.inject-1.jar', data: javaxInject, method: 'deflate' },
    ]);
    const war = createZip([{ name: 'WEB-INF/lib/app.jar', data: boot, method: 'deflate' }]);
    const read = readJavaArchive(bufferSource(war));
    expect(read.packages.map((p) => [p.groupId, p.artifactId, p.version, p.innerPath])).toEqual([
      [
        'com.google.guava',
        'failureaccess',
        '1.0.1',
        'WEB-INF/lib/app.jar!/BOOT-INF/lib/failureaccess-1.0.1.jar!/META-INF/maven/com.google.guava/failureaccess/pom.properties',
      ],
      [
        'org.slf4j',
        'slf4j-nop',
        '1.7.36',
        'WEB-INF/lib/app.jar!/BOOT-INF/lib/slf4j-nop-1.7.36.jar!/META-INF/maven/org.slf4j/slf4j-nop/pom.properties',
      ],
    ]);
    expect(read.archives).toBe(5);
    // demo-app has a title and a version but no Implementation-Vendor-Id: no group, so no coordinate.
    expect(read.manifests.map((m) => m.archive)).toContain('WEB-INF/lib/app.jar');
  });

  it('stops at the depth limit and says so', () => {
    let inner: Buffer = failureaccess;
    for (let level = 0; level < 4; level++) inner = createZip([{ name: `lib/level${level}.jar`, data: inner }]);
    const read = readJavaArchive(bufferSource(inner), { maxDepth: 2 });
    expect(read.packages).toEqual([]);
    expect(read.problems).toEqual([
      'lib/level3.jar!/lib/level2.jar!/lib/level1.jar: nested deeper than 2 levels, not read',
    ]);
    expect(readJavaArchive(bufferSource(inner), { maxDepth: 4 }).packages).toHaveLength(1);
  });

  it('does not inflate a nested jar over the size limit, nor one whose directory lies about its size', () => {
    const big = createZip([{ name: 'lib/big.jar', data: Buffer.concat([failureaccess, Buffer.alloc(1 << 20)]) }]);
    const read = readJavaArchive(bufferSource(big), { maxNestedBytes: 64 * 1024 });
    expect(read.packages).toEqual([]);
    expect(read.problems[0]).toMatch(/^lib\/big\.jar: .*over 65536/);
    // A zip bomb: the directory says 10 bytes, the data inflates to 1 MiB.
    const bomb = createZip([{ name: 'META-INF/MANIFEST.MF', data: 'x' }]);
    const entries = readZipEntries(bufferSource(bomb));
    const forged = { ...entries[0]!, size: 10, compressedSize: deflateRawSync(Buffer.alloc(1 << 20)).length };
    const withBomb = Buffer.concat([bomb.subarray(0, 30 + forged.name.length), deflateRawSync(Buffer.alloc(1 << 20))]);
    expect(() => readZipEntry(bufferSource(withBomb), forged, 1024)).toThrow(ZipFormatError);
  });

  it('reads a jar with a launcher script in front (offsets shifted by the prefix)', () => {
    const executable = createZip(
      [{ name: 'META-INF/maven/g/a/pom.properties', data: 'groupId=g\nartifactId=a\nversion=1\n' }],
      {
        prefix: Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'),
      },
    );
    expect(
      readJavaArchive(bufferSource(executable)).packages.map((p) => `${p.groupId}:${p.artifactId}@${p.version}`),
    ).toEqual(['g:a@1']);
  });

  it('uses the manifest when it names a group, and a corrupt nested jar is a problem, not a failure', () => {
    const manifest =
      'Manifest-Version: 1.0\nImplementation-Vendor-Id: org.example\nImplementation-Title: tool\nImplementation-Version: 2.1\n';
    const zip = createZip([
      { name: 'META-INF/MANIFEST.MF', data: manifest },
      { name: 'lib/broken.jar', data: 'not a zip' },
    ]);
    const read = readJavaArchive(bufferSource(zip));
    expect(read.packages).toMatchObject([
      { groupId: 'org.example', artifactId: 'tool', version: '2.1', from: 'manifest' },
    ]);
    expect(read.problems).toEqual(['lib/broken.jar: no end of central directory record']);
  });

  it('the file itself not being a zip is an error', () => {
    expect(() => readJavaArchive(bufferSource(Buffer.from('plain text')))).toThrow(ZipFormatError);
  });
});

describe('parseManifest', () => {
  it('joins continuation lines (72-byte wrapping) and stops at the first blank line', () => {
    const text =
      'Manifest-Version: 1.0\r\nExport-Package: com.google.common.util.concurrent.internal;version="1.0.\r\n 1"\r\n\r\nName: other\r\nImplementation-Title: not-main\r\n';
    const main = parseManifest(text);
    expect(main.get('export-package')).toBe('com.google.common.util.concurrent.internal;version="1.0.1"');
    expect(main.has('implementation-title')).toBe(false);
  });
});

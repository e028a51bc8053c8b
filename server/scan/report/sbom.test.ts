import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { gzipLayer } from '../../../test/fixtures/scan/layer-builder.js';
import { analyzeLayer } from '../layers/analyze-layer.js';
import { mergeLayers, type ImageInventory } from '../layers/merge-layers.js';
import type { ImagePackage } from '../layers/layer-types.js';
import { buildCycloneDx, buildSpdx, documentUuid, spdxIdPart, type SbomArtifact } from './sbom.js';

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url));
const schema = (name: string) => JSON.parse(fixture(`sbom-schemas/${name}`).toString()) as Record<string, unknown>;

async function* once(data: Buffer): AsyncGenerator<Uint8Array> {
  yield data;
}

/** An image as the layer pipeline sees it: a Debian base, then an application layer of several ecosystems. */
async function realInventory(): Promise<ImageInventory> {
  const base = gzipLayer([
    { path: 'usr/lib/os-release', data: fixture('pkgdb/os-release-debian-12.txt') },
    { path: 'etc/os-release', type: 'symlink', linkTarget: '../usr/lib/os-release' },
    { path: 'var/lib/dpkg/status', data: fixture('pkgdb/dpkg-status-debian12.txt') },
  ]);
  const app = gzipLayer([
    { path: 'app/node_modules/lodash/package.json', data: '{"name":"lodash","version":"4.17.15"}' },
    { path: 'app/node_modules/@babel/traverse/package.json', data: '{"name":"@babel/traverse","version":"7.23.0"}' },
    { path: 'app/package-lock.json', data: fixture('scan/npm/package-lock_v3_with_workspace.json.txt') },
    {
      path: 'usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO',
      data: fixture('scan/python/PyJWT-2.6.0.egg-info.PKG-INFO'),
    },
    { path: 'opt/lib/slf4j-nop-1.7.36.jar', data: fixture('scan/java/slf4j-nop-1.7.36.jar') },
    {
      path: 'usr/lib/ruby/gems/3.1.0/specifications/rake-13.3.1.gemspec',
      data: fixture('scan/ruby/rake-13.3.1.gemspec'),
    },
    { path: 'src/Cargo.lock', data: fixture('scan/cargo/cargo_v3.lock') },
  ]);
  const results = [];
  for (const layer of [base, app]) results.push(await analyzeLayer(once(layer), { zstdImplementation: 'fzstd' }));
  return mergeLayers(results);
}

const artifact: SbomArtifact = {
  repository: 'team/app',
  digest: 'sha256:5e8d2c3b8e2f4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c',
  tags: ['v1', 'latest'],
  created: '2026-01-01T12:00:00Z',
  registry: 'registry.example:5000',
  layers: [
    'sha256:1111111111111111111111111111111111111111111111111111111111111111',
    'sha256:2222222222222222222222222222222222222222222222222222222222222222',
  ],
};
const options = { toolVersion: '0.1.0', generatedAt: new Date('2026-02-03T04:05:06.789Z') };

let cyclonedxValidate: ValidateFunction;
let spdxValidate: ValidateFunction;
let inventory: ImageInventory;

beforeAll(async () => {
  // The official schemas as @cyclonedx/cyclonedx-library ships them (test/fixtures/README.md says
  // where from); draft-07, with formats ajv-formats lacks added loosely.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  ajv.addSchema(schema('spdx.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json');
  ajv.addSchema(schema('jsf-0.82.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json');
  cyclonedxValidate = ajv.compile(schema('bom-1.5.SNAPSHOT.schema.json'));
  spdxValidate = ajv.compile(schema('spdx-schema-2.3.json'));
  inventory = await realInventory();
});

function expectValidCycloneDx(doc: unknown) {
  const ok = cyclonedxValidate(doc);
  expect(ok ? [] : cyclonedxValidate.errors).toEqual([]);
}

function expectValidSpdx(doc: unknown) {
  const ok = spdxValidate(doc);
  expect(ok ? [] : spdxValidate.errors).toEqual([]);
}

const small: ImagePackage[] = [
  {
    kind: 'npm',
    name: '@babel/traverse',
    version: '7.23.0',
    path: 'app/node_modules/@babel/traverse/package.json',
    ecosystem: 'npm',
    layer: 1,
  },
  {
    kind: 'dpkg',
    name: 'zlib1g',
    version: '1:1.2.13.dfsg-1',
    path: 'var/lib/dpkg/status',
    sourceName: 'zlib',
    sourceVersion: '1:1.2.13.dfsg-1',
    arch: 'amd64',
    ecosystem: 'Debian:12',
    layer: 0,
  },
];
const debian12 = { family: 'debian' as const, version: '12', ecosystem: 'Debian:12' };

describe('CycloneDX 1.5', () => {
  it('a small image, exactly', () => {
    const bom = buildCycloneDx({ os: debian12, packages: small }, artifact, options);
    const uuid = documentUuid({ os: debian12, packages: small }, artifact);
    const image = `pkg:oci/app@${artifact.digest}?repository_url=registry.example%3A5000%2Fteam%2Fapp&tag=latest`;
    expect(bom).toEqual({
      $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      serialNumber: `urn:uuid:${uuid}`,
      version: 1,
      metadata: {
        timestamp: '2026-02-03T04:05:06.789Z',
        tools: { components: [{ type: 'application', name: 'Berth', version: '0.1.0' }] },
        component: {
          'bom-ref': image,
          type: 'container',
          name: 'team/app',
          version: artifact.digest,
          purl: image,
          properties: [
            { name: 'berth:image:tag', value: 'latest' },
            { name: 'berth:image:tag', value: 'v1' },
            { name: 'berth:image:created', value: '2026-01-01T12:00:00.000Z' },
            { name: 'berth:image:layer', value: artifact.layers![0] },
            { name: 'berth:image:layer', value: artifact.layers![1] },
          ],
        },
      },
      components: [
        {
          'bom-ref': 'os:debian@12',
          type: 'operating-system',
          name: 'debian',
          version: '12',
          properties: [{ name: 'berth:os:ecosystem', value: 'Debian:12' }],
        },
        {
          'bom-ref': 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
          type: 'library',
          name: 'zlib1g',
          version: '1:1.2.13.dfsg-1',
          purl: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
          properties: [
            { name: 'berth:package:type', value: 'dpkg' },
            { name: 'berth:package:ecosystem', value: 'Debian:12' },
            { name: 'berth:package:path', value: 'var/lib/dpkg/status' },
            { name: 'berth:package:layer_index', value: '0' },
            { name: 'berth:package:layer_digest', value: artifact.layers![0] },
            { name: 'berth:package:source_name', value: 'zlib' },
            { name: 'berth:package:source_version', value: '1:1.2.13.dfsg-1' },
            { name: 'berth:package:arch', value: 'amd64' },
          ],
        },
        {
          'bom-ref': 'pkg:npm/%40babel/traverse@7.23.0',
          type: 'library',
          group: '@babel',
          name: 'traverse',
          version: '7.23.0',
          purl: 'pkg:npm/%40babel/traverse@7.23.0',
          properties: [
            { name: 'berth:package:type', value: 'npm' },
            { name: 'berth:package:ecosystem', value: 'npm' },
            { name: 'berth:package:path', value: 'app/node_modules/@babel/traverse/package.json' },
            { name: 'berth:package:layer_index', value: '1' },
            { name: 'berth:package:layer_digest', value: artifact.layers![1] },
          ],
        },
      ],
      dependencies: [
        { ref: image, dependsOn: ['os:debian@12', 'pkg:npm/%40babel/traverse@7.23.0'] },
        { ref: 'os:debian@12', dependsOn: ['pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12'] },
        { ref: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12', dependsOn: [] },
        { ref: 'pkg:npm/%40babel/traverse@7.23.0', dependsOn: [] },
      ],
      compositions: [{ aggregate: 'complete', assemblies: [image] }],
    });
    expectValidCycloneDx(bom);
  });

  it('a real inventory: valid against the official schema, one component per package, every bom-ref unique', () => {
    const bom = buildCycloneDx(inventory, artifact, options);
    expectValidCycloneDx(bom);
    // The schema does catch mistakes: a component type it does not know, a serial number that is no UUID.
    const broken = structuredClone(bom) as unknown as { serialNumber: string; components: Array<{ type: string }> };
    broken.components[1]!.type = 'package';
    broken.serialNumber = 'urn:uuid:berth';
    expect(cyclonedxValidate(broken)).toBe(false);
    expect(cyclonedxValidate.errors!.map((e) => e.instancePath)).toEqual(
      expect.arrayContaining(['/serialNumber', '/components/1/type']),
    );
    expect(inventory.packages.length).toBeGreaterThan(40);
    expect(bom.components).toHaveLength(inventory.packages.length + 1);
    const refs = bom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    const purls = bom.components.map((c) => c.purl).filter(Boolean);
    for (const expected of [
      'pkg:deb/debian/bash@5.2.15-2+b8?arch=amd64&distro=debian-12',
      'pkg:npm/lodash@4.17.15',
      'pkg:npm/%40babel/traverse@7.23.0',
      'pkg:pypi/pyjwt@2.6.0',
      'pkg:maven/org.slf4j/slf4j-nop@1.7.36',
      'pkg:gem/rake@13.3.1',
    ])
      expect(purls).toContain(expected);
    expect(purls.some((p) => p!.startsWith('pkg:cargo/'))).toBe(true);
    // Every dependency names a component that exists.
    const known = new Set([...refs, bom.metadata.component['bom-ref']]);
    for (const d of bom.dependencies) for (const ref of [d.ref, ...d.dependsOn]) expect(known).toContain(ref);
  });

  it('the same inventory gives the same document; another inventory or digest another serial number', () => {
    const again = buildCycloneDx(structuredClone(inventory), artifact, options);
    expect(again).toEqual(buildCycloneDx(inventory, artifact, options));
    // Packages in another order are the same inventory.
    const shuffled = { ...inventory, packages: [...inventory.packages].reverse() };
    expect(buildCycloneDx(shuffled, artifact, options)).toEqual(again);
    // Made later: the same id, another timestamp.
    const later = buildCycloneDx(inventory, artifact, { ...options, generatedAt: new Date('2027-01-01T00:00:00Z') });
    expect(later.serialNumber).toBe(again.serialNumber);
    expect(later.metadata.timestamp).toBe('2027-01-01T00:00:00.000Z');

    const fewer = { ...inventory, packages: inventory.packages.slice(1) };
    expect(buildCycloneDx(fewer, artifact, options).serialNumber).not.toBe(again.serialNumber);
    const other = { ...artifact, digest: artifact.digest.replace('5e8d', '5e8e') };
    expect(buildCycloneDx(inventory, other, options).serialNumber).not.toBe(again.serialNumber);
    expect(again.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('says incomplete when a package file was not read, and keeps a package found twice as two components', () => {
    const twice = [...small, { ...small[0]!, path: 'other/node_modules/@babel/traverse/package.json' }];
    const bom = buildCycloneDx(
      { os: null, packages: twice, files: [{ path: 'app/package-lock.json', outcome: 'too-large' }] },
      { repository: 'app', digest: artifact.digest },
      options,
    );
    expectValidCycloneDx(bom);
    expect(bom.compositions[0]!.aggregate).toBe('incomplete');
    expect(bom.components.map((c) => c['bom-ref'])).toEqual([
      'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64',
      'pkg:npm/%40babel/traverse@7.23.0',
      'pkg:npm/%40babel/traverse@7.23.0#2',
    ]);
    // Without an OS the image holds every package directly.
    expect(bom.dependencies[0]!.dependsOn).toHaveLength(3);
    expect(bom.metadata.component.purl).toBe(`pkg:oci/app@${artifact.digest}?repository_url=app`);
    const spdx = buildSpdx(
      { os: null, packages: twice, incomplete: true },
      { repository: 'app', digest: artifact.digest },
      options,
    );
    expectValidSpdx(spdx);
    expect(spdx.creationInfo.comment).toMatch(/^Incomplete/);
    expect(spdx.packages.map((p) => p.SPDXID)).toEqual([
      'SPDXRef-Image',
      'SPDXRef-Package-1-zlib1g',
      'SPDXRef-Package-2-babel-traverse',
      'SPDXRef-Package-3-babel-traverse',
    ]);
  });
});

describe('SPDX 2.3', () => {
  it('a small image, exactly', () => {
    const doc = buildSpdx({ os: debian12, packages: small }, artifact, options);
    const uuid = documentUuid({ os: debian12, packages: small }, artifact);
    const none = {
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
    };
    expect(doc).toEqual({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: `team/app@${artifact.digest}`,
      documentNamespace: `https://registry.example:5000/spdx/team/app-${uuid}`,
      creationInfo: { created: '2026-02-03T04:05:06Z', creators: ['Tool: berth-0.1.0'] },
      packages: [
        {
          SPDXID: 'SPDXRef-Image',
          name: 'team/app',
          versionInfo: artifact.digest,
          ...none,
          primaryPackagePurpose: 'CONTAINER',
          comment: 'tags: latest, v1',
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: `pkg:oci/app@${artifact.digest}?repository_url=registry.example%3A5000%2Fteam%2Fapp&tag=latest`,
            },
          ],
        },
        {
          SPDXID: 'SPDXRef-OperatingSystem',
          name: 'debian',
          versionInfo: '12',
          ...none,
          primaryPackagePurpose: 'OPERATING_SYSTEM',
        },
        {
          SPDXID: 'SPDXRef-Package-1-zlib1g',
          name: 'zlib1g',
          versionInfo: '1:1.2.13.dfsg-1',
          ...none,
          primaryPackagePurpose: 'LIBRARY',
          sourceInfo: `dpkg package found in /var/lib/dpkg/status (layer 0 ${artifact.layers![0]}); source package zlib 1:1.2.13.dfsg-1`,
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
            },
          ],
        },
        {
          SPDXID: 'SPDXRef-Package-2-babel-traverse',
          name: '@babel/traverse',
          versionInfo: '7.23.0',
          ...none,
          primaryPackagePurpose: 'LIBRARY',
          sourceInfo: `npm package found in /app/node_modules/@babel/traverse/package.json (layer 1 ${artifact.layers![1]})`,
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: 'pkg:npm/%40babel/traverse@7.23.0',
            },
          ],
        },
      ],
      relationships: [
        { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' },
        { spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-OperatingSystem' },
        {
          spdxElementId: 'SPDXRef-Image',
          relationshipType: 'CONTAINS',
          relatedSpdxElement: 'SPDXRef-Package-1-zlib1g',
        },
        {
          spdxElementId: 'SPDXRef-Image',
          relationshipType: 'CONTAINS',
          relatedSpdxElement: 'SPDXRef-Package-2-babel-traverse',
        },
      ],
    });
    expectValidSpdx(doc);
  });

  it('a real inventory: valid idstrings, unique, every relationship naming a package, deterministic', () => {
    const doc = buildSpdx(inventory, artifact, options);
    expectValidSpdx(doc);
    // The schema does catch mistakes: a purpose spelt as in the tag-value format, a property it does not know.
    const broken = structuredClone(doc) as unknown as { packages: Array<Record<string, unknown>> };
    broken.packages[1]!.primaryPackagePurpose = 'OPERATING-SYSTEM';
    broken.packages[2]!.properties = [];
    expect(spdxValidate(broken)).toBe(false);
    expect(spdxValidate.errors!.map((e) => e.instancePath)).toEqual(
      expect.arrayContaining(['/packages/1/primaryPackagePurpose', '/packages/2']),
    );
    expect(doc.packages).toHaveLength(inventory.packages.length + 2);
    const ids = doc.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    // SPDX 2.3 §3.2: "SPDXRef-" followed by letters, numbers, "." and "-".
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    const known = new Set([...ids, 'SPDXRef-DOCUMENT']);
    for (const r of doc.relationships) {
      expect(known).toContain(r.spdxElementId);
      expect(known).toContain(r.relatedSpdxElement);
    }
    expect(doc.relationships.filter((r) => r.relationshipType === 'DESCRIBES')).toHaveLength(1);
    expect(doc.creationInfo.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(buildSpdx({ ...inventory, packages: [...inventory.packages].reverse() }, artifact, options)).toEqual(doc);
    // Without a registry host the namespace is the document's UUID.
    const bare = buildSpdx(inventory, { repository: 'team/app', digest: artifact.digest }, options);
    expectValidSpdx(bare);
    expect(bare.documentNamespace).toBe(`urn:uuid:${documentUuid(inventory, artifact)}`);
  });

  it('sanitises names into idstrings', () => {
    expect(spdxIdPart('@babel/traverse')).toBe('babel-traverse');
    expect(spdxIdPart('libstdc++6')).toBe('libstdc-6');
    expect(spdxIdPart('org.slf4j:slf4j-api')).toBe('org.slf4j-slf4j-api');
    expect(spdxIdPart('+++')).toBe('x');
  });
});

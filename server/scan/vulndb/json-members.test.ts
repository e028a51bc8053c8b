import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topLevelMembers } from './json-members.js';

async function members(text: string, chunkSize: number, max = 1 << 20): Promise<Array<[string, unknown]>> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  }
  const out: Array<[string, unknown]> = [];
  for await (const [key, value] of topLevelMembers(chunks(), max)) out.push([key, JSON.parse(value)]);
  return out;
}

describe('topLevelMembers', () => {
  const tracker = readFileSync(
    new URL('../../../test/fixtures/advisories/debian-security-tracker-excerpt.json', import.meta.url),
    'utf8',
  );

  it('gives the same members as JSON.parse, whatever the chunk boundaries', async () => {
    const expected = Object.entries(JSON.parse(tracker) as Record<string, unknown>);
    for (const size of [1, 2, 7, 64, 100_000]) expect(await members(tracker, size)).toEqual(expected);
  });

  it('reads strings with escaped quotes, braces and backslashes, and scalar values', async () => {
    const text = '{ "a\\"}": {"x": "}\\\\", "y": [1, {"z": "]"}]}, "b": 3, "c": "s,}" , "d": null }';
    for (const size of [1, 3, 1000]) {
      expect(await members(text, size)).toEqual([
        ['a"}', { x: '}\\', y: [1, { z: ']' }] }],
        ['b', 3],
        ['c', 's,}'],
        ['d', null],
      ]);
    }
    expect(await members('{}', 1)).toEqual([]);
  });

  it.each([
    ['[1, 2]', /does not start with \{/],
    ['{"a": 1', /ends inside the object/],
    ['{"a" 1}', /":" was expected/],
    ['{"a": 1} x', /text after the end/],
    ['{"a": }', /no value for "a"/],
    ['{"a": [1]]}', /unbalanced/],
  ])('refuses %s', async (text, message) => {
    await expect(members(text, 2)).rejects.toThrow(message);
  });

  it('refuses a value larger than the limit', async () => {
    await expect(members(`{"a": "${'x'.repeat(100)}"}`, 10, 50)).rejects.toThrow(/larger than 50 characters/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  readVersionVectors,
  relationOf,
  type Relation,
  type VersionVector,
} from '../../../test/fixtures/version-vectors.js';
import { Invalid } from '../../core/errors.js';
import { compareRpm } from './rpm.js';

/**
 * Vectors checked against rpm 4.18's Python bindings (`rpm.ver(a)` compared with `rpm.ver(b)`) when
 * they were written. (The fixture agreed with rpm 4.18 on all 165 vectors too.)
 */
const OWN_VECTORS = [
  // Tilde: below the end, and a double tilde below a single one.
  '1.0~rc1 < 1.0~rc1.1',
  '1.0~~ < 1.0~',
  // Caret: above the end, below any further segment; a tilde after a caret is below the bare caret.
  '1.0^ < 1.0.0',
  '1.0^~ < 1.0^',
  // Numeric beats alphabetic; more segments win when the rest ties.
  '1.0a < 1.0.1',
  '1.0a < 1.01',
  '1.0 < 1.0a',
  'a < 1',
  // Separators only separate: their kind and count do not matter, nor do trailing ones.
  '1.0 = 1..0',
  '1_0 = 1.0',
  '1.0.α = 1.0',
  '1.0.α < 1.0.a',
  // Numbers of any length, leading zeros ignored.
  '00010 = 10',
  '1.99999999999999999999 < 1.100000000000000000000',
  // The release starts after the last hyphen.
  '1-2-3 > 1-2-2',
  '1-2-3 < 1-3-1',
  // Real-world shapes.
  '1.0-1.el7 < 1.0-1.el7_9',
  '1.0-1.el8 > 1.0-1.el7',
  // Epochs: absent is 0, empty is 0, and numeric.
  '0:1.0-1 = 1.0-1',
  ':1.0 = 0:1.0',
  '2:1.0 < 10:0.1',
];

function ownVector(text: string): VersionVector {
  const [a, relation, b] = text.split(' ') as [string, Relation, string];
  return { file: 'own', line: 0, text, a, relation, b };
}

describe('compareRpm', () => {
  const fixture = readVersionVectors('redhat-versions.txt');
  const all = [...fixture, ...OWN_VECTORS.map(ownVector)];

  it('reads every vector of redhat-versions.txt', () => {
    expect(fixture).toHaveLength(165);
  });

  it('gives every relation of the fixture and of our own vectors', () => {
    const wrong = all
      .filter((v) => relationOf(compareRpm(v.a, v.b)) !== v.relation)
      .map((v) => `line ${v.line}: ${v.a} ${v.relation} ${v.b} (got ${relationOf(compareRpm(v.a, v.b))})`);
    expect(wrong).toEqual([]);
  });

  it('is antisymmetric and reflexive over all vectors', () => {
    for (const { a, b } of all) {
      expect(compareRpm(a, b) + compareRpm(b, a)).toBe(0);
      expect(compareRpm(a, a)).toBe(0);
      expect([-1, 0, 1]).toContain(compareRpm(a, b));
    }
  });

  it('refuses an empty version', () => {
    expect(() => compareRpm('', '1.0')).toThrow(Invalid);
    expect(() => compareRpm('1.0', '')).toThrow(Invalid);
  });
});

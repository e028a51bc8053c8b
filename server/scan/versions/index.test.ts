import { describe, expect, it } from 'vitest';
import { comparatorFor } from './index.js';

describe('comparatorFor', () => {
  it('orders each ecosystem by its own rules, release suffixes included', () => {
    expect(comparatorFor('Debian:12')('1.0~rc1', '1.0')).toBeLessThan(0);
    expect(comparatorFor('Alpine:v3.19')('1.2.3-r1', '1.2.3_rc1')).toBeGreaterThan(0);
    expect(comparatorFor('Red Hat')('1.0~rc1', '1.0')).toBeLessThan(0);
    expect(comparatorFor('PyPI')('1.0.post1', '1.0')).toBeGreaterThan(0);
    expect(comparatorFor('Maven')('1.0-SNAPSHOT', '1.0')).toBeLessThan(0);
    expect(comparatorFor('Go')('v0.0.0-20191109021931-daa7c04131f5', '0.1.0')).toBeLessThan(0);
    expect(comparatorFor('npm')('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(comparatorFor('crates.io')('1.0.0-alpha', '1.0.0')).toBeLessThan(0);
  });

  it('refuses an ecosystem it cannot order', () => {
    expect(() => comparatorFor('Hackage')).toThrow(/Hackage/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGemspec } from './ruby-gemspec.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/scan/ruby/${name}`, import.meta.url), 'utf8');

describe('parseGemspec on specifications RubyGems generated', () => {
  it('RubyGems 3.4 (`.freeze` on the name)', () => {
    expect(parseGemspec(fixture('rake-13.3.1.gemspec'))).toEqual({ name: 'rake', version: '13.3.1' });
  });

  it('RubyGems 2.7, whose dependency blocks mention other gems and `specification_version`', () => {
    expect(parseGemspec(fixture('rake-12.3.1.gemspec'))).toEqual({ name: 'rake', version: '12.3.1' });
  });
});

describe('parseGemspec edge cases (synthetic)', () => {
  it('reads `.freeze` versions, other block variable names and Gem::Version.new', () => {
    expect(
      parseGemspec(
        'Gem::Specification.new do |spec|\n  spec.name = "async".freeze\n  spec.version = "1.25.0".freeze\nend\n',
      ),
    ).toEqual({
      name: 'async',
      version: '1.25.0',
    });
    expect(
      parseGemspec("Gem::Specification.new do |s|\n  s.name = 'x'\n  s.version = Gem::Version.new('2.0')\nend"),
    ).toEqual({
      name: 'x',
      version: '2.0',
    });
  });

  it('says nothing for a computed version (a hand-written gemspec is not what RubyGems installs)', () => {
    expect(
      parseGemspec('Gem::Specification.new do |s|\n  s.name = "x"\n  s.version = X::VERSION\nend'),
    ).toBeUndefined();
  });
});

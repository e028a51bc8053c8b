/**
 * Installed Ruby gems: RubyGems writes each installed gem's specification as Ruby source to
 * `<GEM_HOME>/specifications/<name>-<version>.gemspec` (`specifications/default/` for the gems that
 * ship with Ruby). The file is generated, so it always has the same shape:
 *
 *   Gem::Specification.new do |s|
 *     s.name = "rake".freeze
 *     s.version = "13.0.6"
 *
 * It is read with patterns, never evaluated.
 */

export interface GemPackage {
  name: string;
  version: string;
}

const NAME = /^\s*\w+\.name\s*=\s*(["'])([^"']+)\1/m;
const VERSION = /^\s*\w+\.version\s*=\s*(?:Gem::Version\.new\(\s*)?(["'])([^"']+)\1/m;

/** Name and version of a generated gemspec, or undefined when it has no literal ones. */
export function parseGemspec(text: string): GemPackage | undefined {
  const name = NAME.exec(text)?.[2]?.trim();
  const version = VERSION.exec(text)?.[2]?.trim();
  if (!name || !version) return undefined;
  return { name, version };
}

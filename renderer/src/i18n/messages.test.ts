import { describe, expect, it } from 'vitest';
import { languages, namespaces } from './index';

/** Every key path of a message tree, `a.b.c` style. */
function keyPaths(tree: unknown, prefix = ''): string[] {
  if (typeof tree !== 'object' || tree === null) return [prefix];
  return Object.entries(tree).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** A key without i18next's plural suffix: English has `_one`/`_other`, Chinese only `_other`. */
function pluralBase(path: string): string {
  return path.replace(/_(zero|one|two|few|many|other)$/, '');
}

/** `{{name}}` placeholders a message uses. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string).sort();
}

function lookup(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], tree);
}

describe('portal messages', () => {
  for (const [ns, messages] of Object.entries(namespaces)) {
    it(`${ns}: both languages have the same keys and placeholders, and no empty text`, () => {
      const [first, ...others] = languages;
      const firstTree = messages[first as keyof typeof messages];
      const reference = [...new Set(keyPaths(firstTree).map(pluralBase))].sort();
      for (const lng of others) {
        const tree = messages[lng as keyof typeof messages];
        expect([...new Set(keyPaths(tree).map(pluralBase))].sort(), `${ns} keys in ${lng}`).toEqual(reference);
        for (const path of keyPaths(tree)) {
          // Compare with the same form in the first language, or its `_other` form.
          const a = lookup(firstTree, path) ?? lookup(firstTree, `${pluralBase(path)}_other`);
          const b = lookup(tree, path);
          expect(typeof b, `${ns}:${path} in ${lng}`).toBe('string');
          expect((b as string).trim(), `${ns}:${path} in ${lng} is empty`).not.toBe('');
          expect(placeholders(b as string), `${ns}:${path} placeholders in ${lng}`).toEqual(placeholders(a as string));
        }
      }
    });
  }

  it('Chinese text is really translated, not English copied over', () => {
    let same = 0;
    let total = 0;
    for (const messages of Object.values(namespaces)) {
      for (const path of keyPaths(messages.en)) {
        const en = lookup(messages.en, path) as string;
        const zh = lookup(messages['zh-CN'], path) as string;
        if (/[A-Za-z]{3,}/.test(en)) {
          total++;
          if (en === zh) same++;
        }
      }
    }
    // Product names, units and commands stay in English; prose must not.
    expect(same / total).toBeLessThan(0.1);
  });
});

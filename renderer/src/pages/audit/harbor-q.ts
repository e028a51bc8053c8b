/**
 * Builds Harbor's `q` listing parameter (server/http/api/harbor-query.ts has the grammar the server
 * reads): `k=v` exact, `k=~v` substring, `k={a b}` any of, `k=[min~max]` range, terms joined by
 * commas. The users page and the audit log build their filters here.
 */

/** One filter term; empty values are left out of the query rather than sent. */
export type QTerm =
  | { key: string; kind: 'exact'; value: string | undefined }
  | { key: string; kind: 'fuzzy'; value: string | undefined }
  | { key: string; kind: 'any'; values: readonly string[] }
  | { key: string; kind: 'range'; min?: string; max?: string };

/**
 * Whether text can be searched for: the server splits terms at every comma outside brackets, and a
 * plain value has no quoting, so a comma cannot be part of an exact or substring value.
 */
export function searchable(text: string): boolean {
  return !text.includes(',');
}

/**
 * The `q` value for these terms, or undefined when no term has a value. Throws on a value that
 * cannot be expressed (see `searchable`); callers validate input with `searchable` first.
 */
export function buildQ(terms: readonly QTerm[]): string | undefined {
  const parts: string[] = [];
  for (const term of terms) {
    const part = termText(term);
    if (part !== undefined) parts.push(part);
  }
  if (parts.length === 0) return undefined;
  const q = parts.join(',');
  // The server URL-decodes `q` a second time when it holds `%XX` sequences (Harbor's UI encoded
  // twice). Text that would be changed by that decoding is encoded once more, so it arrives intact.
  return /%[0-9A-Fa-f]{2}/.test(q) ? encodeURIComponent(q) : q;
}

function termText(term: QTerm): string | undefined {
  switch (term.kind) {
    case 'exact': {
      const value = term.value;
      if (!value) return undefined;
      assertSearchable(term.key, value);
      // A leading `~` would read as a substring match, a bracket as a list or range, a leading `\`
      // as the escape itself: the escape keeps each of them literal.
      return `${term.key}=${/^[~\\[{(]/.test(value) ? `\\${value}` : value}`;
    }
    case 'fuzzy': {
      const value = term.value?.trim();
      if (!value) return undefined;
      assertSearchable(term.key, value);
      return `${term.key}=~${value}`;
    }
    case 'any': {
      const values = term.values.filter((v) => v !== '');
      if (values.length === 0) return undefined;
      if (values.length === 1) return termText({ key: term.key, kind: 'exact', value: values[0] });
      return `${term.key}={${values.map(listItem).join(' ')}}`;
    }
    case 'range': {
      if (!term.min && !term.max) return undefined;
      return `${term.key}=[${rangeEnd(term.min)}~${rangeEnd(term.max)}]`;
    }
  }
}

function assertSearchable(key: string, value: string): void {
  if (!searchable(value)) throw new Error(`the value of "${key}" cannot contain a comma`);
}

/** List items are separated by spaces; one holding a space, a quote or a closer is quoted. */
function listItem(value: string): string {
  if (!/[\s'"{}()]/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error(`"${value}" holds both quote characters and cannot be listed`);
}

function rangeEnd(value: string | undefined): string {
  if (!value) return '';
  return /[~\]'"]/.test(value) ? `'${value}'` : value;
}

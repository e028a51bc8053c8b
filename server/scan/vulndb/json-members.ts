import { Invalid } from '../../core/errors.js';

/**
 * The members of a top-level JSON object, one at a time, as (key, value text) pairs, read from a
 * stream of text chunks. The Debian security tracker's JSON is one object of about 70 MB keyed by
 * source package; `JSON.parse` of the whole would hold the text and every object of it at once,
 * while one package's entry is a few kilobytes. Only the nesting is tracked here (strings, escapes,
 * brackets); each value is parsed by `JSON.parse` on its own, which also checks it.
 * @throws Invalid when the text is not an object, a value exceeds `maxValueChars`, or the text ends early.
 */
export async function* topLevelMembers(
  chunks: AsyncIterable<string>,
  maxValueChars: number,
): AsyncGenerator<[key: string, valueText: string]> {
  type State = 'start' | 'beforeKey' | 'key' | 'afterKey' | 'value' | 'afterObject';
  let state: State = 'start';
  let key = '';
  let parts: string[] = [];
  let partsLength = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let members = 0;

  const bad = (why: string): never => {
    throw new Invalid('NAME_INVALID', `not a JSON object of members: ${why}`);
  };
  const keep = (text: string) => {
    partsLength += text.length;
    if (partsLength > maxValueChars) bad(`the value of "${key}" is larger than ${maxValueChars} characters`);
    parts.push(text);
  };

  for await (const chunk of chunks) {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (state === 'value') {
        const start = i;
        let ended = false;
        for (; i < n; i++) {
          const c = chunk.charCodeAt(i);
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 0x5c) escaped = true;
            else if (c === 0x22) inString = false;
          } else if (c === 0x22) inString = true;
          else if (c === 0x7b || c === 0x5b) depth++;
          else if (c === 0x7d || c === 0x5d) {
            if (depth === 0) {
              if (c === 0x5d) bad('unbalanced ]');
              ended = true;
              break;
            }
            depth--;
          } else if (c === 0x2c && depth === 0) {
            ended = true;
            break;
          }
        }
        keep(chunk.slice(start, i));
        if (!ended) continue;
        const value = parts.join('').trim();
        if (value === '') bad(`no value for "${key}"`);
        yield [key, value];
        members++;
        parts = [];
        partsLength = 0;
        state = chunk.charCodeAt(i) === 0x2c ? 'beforeKey' : 'afterObject';
        i++;
        continue;
      }
      if (state === 'key') {
        const start = i;
        for (; i < n; i++) {
          const c = chunk.charCodeAt(i);
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) break;
        }
        key += chunk.slice(start, i);
        if (key.length > 4096) bad('a key longer than 4096 characters');
        if (i < n) {
          key = JSON.parse(`"${key}"`) as string;
          state = 'afterKey';
          i++;
        }
        continue;
      }
      const c = chunk.charCodeAt(i++);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
      if (state === 'start') {
        if (c !== 0x7b) bad('it does not start with {');
        state = 'beforeKey';
      } else if (state === 'beforeKey') {
        if (c === 0x22) {
          key = '';
          escaped = false;
          state = 'key';
        } else if (c === 0x7d && members === 0) state = 'afterObject';
        else bad('a key was expected');
      } else if (state === 'afterKey') {
        if (c !== 0x3a) bad(`":" was expected after "${key}"`);
        state = 'value';
        depth = 0;
        inString = false;
        escaped = false;
      } else {
        bad('text after the end of the object');
      }
    }
  }
  if (state !== 'afterObject') bad('the text ends inside the object');
}

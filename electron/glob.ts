// Name patterns as the commanders read them, for the search (main) and selection by pattern (the
// renderer): one module, no `node:*`, so both bundles carry the same rules.
//
// A glob list is Total Commander's: patterns separated by `;` (or spaces between patterns that
// hold a wildcard), and after a `|` the ones to leave out: `*.c;*.h | test*`. Each glob knows `*`
// (any run of characters), `?` (one), `[abc]`/`[a-z]`/`[!abc]` (a set) and `{jpg,png}` (one of).
// `*.*` means every name, dot or not, as in the commanders. A pattern with a `/` is matched
// against the path below the search root instead of the name, and `**` then crosses folders.
// Case-insensitive unless asked. A regular expression is JavaScript's, searched in the name.
import type { NamePattern } from './contract.js';

/** A pattern that cannot be used, with the reason in the user's terms. */
export class PatternError extends Error {
  readonly code = 'EINVAL';
}

export interface NameMatcher {
  /** `rel`: the path below the root (for patterns with a `/`); the name otherwise. */
  (name: string, rel?: string): boolean;
  /** Some pattern looks at the whole relative path. */
  readonly usesPath: boolean;
}

/** The body of a regular expression for one glob (no anchors). */
export function globToRegExpSource(glob: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches any number of folders (none too); a bare `**` anything at all.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let set = glob.slice(i + 1, end);
      const negate = set[0] === '!' || set[0] === '^';
      if (negate) set = set.slice(1);
      out += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|\\{}]/g, (m) => `\\${m}`);
  }
  if (braces > 0) throw new PatternError(`unbalanced "{" in ${JSON.stringify(glob)}`);
  return out;
}

const WILD = /[*?[{]/;

/** The globs of one side of a list: `;`-separated, or space-separated when each part has a wildcard. */
function splitGlobs(part: string): string[] {
  const bySemicolon = part.split(';').map((s) => s.trim()).filter(Boolean);
  if (bySemicolon.length !== 1) return bySemicolon;
  const words = bySemicolon[0]!.split(/\s+/);
  return words.length > 1 && words.every((w) => WILD.test(w)) ? words : bySemicolon;
}

export interface CompileOptions {
  /** A glob without any wildcard matches names that contain it (the search's habit); else the exact name. */
  substring?: boolean;
}

/**
 * A matcher for `p`. Throws PatternError for an empty list, an unbalanced `{` or an invalid
 * regular expression.
 */
export function compilePattern(p: NamePattern, opts: CompileOptions = {}): NameMatcher {
  const flags = p.caseSensitive ? 'u' : 'iu';
  if (p.regex) {
    let re: RegExp;
    try {
      re = new RegExp(p.pattern, flags);
    } catch (e) {
      throw new PatternError(`not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    return Object.assign((name: string) => re.test(name), { usesPath: false });
  }
  const [incl = '', ...rest] = p.pattern.split('|');
  const excl = rest.join('|');
  const toRe = (globs: string[]) => {
    const byName: string[] = [];
    const byPath: string[] = [];
    for (const g of globs) {
      const glob = g === '*.*' ? '*' : !WILD.test(g) && opts.substring ? `*${g}*` : g;
      (glob.includes('/') ? byPath : byName).push(globToRegExpSource(glob.replace(/^\/+/, '')));
    }
    return {
      name: byName.length ? new RegExp(`^(?:${byName.join('|')})$`, flags) : null,
      path: byPath.length ? new RegExp(`^(?:${byPath.join('|')})$`, flags) : null,
    };
  };
  const inc = toRe(splitGlobs(incl));
  const exc = toRe(splitGlobs(excl));
  if (!inc.name && !inc.path) {
    if (!exc.name && !exc.path) throw new PatternError('the pattern is empty');
    // Only exclusions ("| *.o"): everything else.
    inc.name = /^/;
  }
  const test = (m: { name: RegExp | null; path: RegExp | null }, name: string, rel: string) => (m.name?.test(name) ?? false) || (m.path?.test(rel) ?? false);
  const matcher = (name: string, rel = name) => test(inc, name, rel) && !test(exc, name, rel);
  return Object.assign(matcher, { usesPath: Boolean(inc.path || exc.path) });
}

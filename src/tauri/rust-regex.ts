// A shell scope validator is a pattern of Rust's `regex` crate (tauri-plugin-shell 2.4.1 src/scope.rs:93-99), and
// pidkeep checks arguments against it in JavaScript (tauriBackend's `scopes`, the Tauri host). The two engines read
// some patterns differently, silently: `\d`, `\w` and `\s` are Unicode in Rust and ASCII in JavaScript, `.` stops
// only at `\n` in Rust, `[[:alpha:]]` is a POSIX class in Rust and a plain bracket expression in JavaScript, `(?i)`
// and `\A`/`\z` exist only in Rust, lookaround and backreferences only in JavaScript (Rust refuses the pattern, and
// the app panics when it first uses the scope). This file translates a Rust pattern into a JavaScript RegExp with the
// same meaning, or refuses it with the reason; test/real/rust-regex.test.ts holds it against the real `regex` crate.

/** Rust's Unicode classes, as JavaScript `u`-mode class members (regex-syntax's `\d`, `\s`, `\w`). */
const DIGIT = '\\p{Nd}';
const SPACE = '\\p{White_Space}';
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

/** regex-syntax's ASCII classes (`[[:alpha:]]`), as class members. */
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Characters JavaScript's `u` mode lets a backslash escape outside a class. */
const SYNTAX = new Set('^$\\.*+?()[]{}|/');

export class RustPatternError extends Error {}

const refuse = (pattern: string, why: string): never => {
  throw new RustPatternError(`the validator ${JSON.stringify(pattern)} ${why}`);
};

/** A code point as a `u`-mode escape, for a literal whatever its meaning elsewhere. */
const literal = (char: string) => `\\u{${char.codePointAt(0)!.toString(16)}}`;

/**
 * The JavaScript RegExp that matches what Rust's `regex` crate matches for `pattern` (as given: Tauri anchors a
 * validator as `^{v}$` unless `raw`, before this is called). Throws a RustPatternError naming the construct where the
 * two engines differ and no translation keeps the meaning, or where Rust refuses the pattern.
 */
export function rustRegExp(pattern: string): RegExp {
  let out = '';
  let flags = 'u';
  let i = 0;
  const at = (offset = 0) => pattern[i + offset] ?? '';

  /** What stands in `{...}` after the escape letter `c` (at `{`); the position moves past the `}`. */
  function braced(c: string): string {
    const end = pattern.indexOf('}', i);
    if (end < 0) refuse(pattern, `has an unclosed \\${c}{`);
    const inside = pattern.slice(i + 1, end);
    i = end + 1;
    return inside;
  }

  /** One escape sequence after its backslash; `inClass` for the members of a bracket expression. */
  function escape(inClass: boolean): string {
    const c = at();
    i++;
    switch (c) {
      case 'd':
        return inClass ? DIGIT : `[${DIGIT}]`;
      case 'D':
        return inClass ? '\\P{Nd}' : `[^${DIGIT}]`;
      case 's':
        return inClass ? SPACE : `[${SPACE}]`;
      case 'S':
        return inClass ? '\\P{White_Space}' : `[^${SPACE}]`;
      case 'w':
        return inClass ? WORD : `[${WORD}]`;
      case 'W':
        return inClass ? refuse(pattern, 'has \\W inside a class, which JavaScript cannot say with Rust\'s Unicode meaning') : `[^${WORD}]`;
      case 'b':
      case 'B':
        return refuse(pattern, `has \\${c}: a Unicode word boundary in Rust, an ASCII one in JavaScript`);
      case 'A':
        return inClass ? refuse(pattern, 'has \\A inside a class') : '^';
      case 'z':
        return inClass ? refuse(pattern, 'has \\z inside a class') : '$';
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
        return `\\${c}`;
      case 'a':
        return '\\x07';
      case 'x':
      case 'u':
      case 'U': {
        // `\x{...}` any width; otherwise exactly 2, 4 or 8 digits (Rust refuses a short one)
        const width = at() === '{' ? undefined : c === 'x' ? 2 : c === 'u' ? 4 : 8;
        const hex = width === undefined ? braced(c) : pattern.slice(i, i + width);
        if (width !== undefined) i += width;
        const value = Number.parseInt(hex, 16);
        // a surrogate is no character in either engine
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || (width !== undefined && hex.length !== width) || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) refuse(pattern, `has a bad \\${c} escape`);
        return `\\u{${hex}}`;
      }
      case 'p':
      case 'P': {
        let name: string;
        if (at() === '{') name = braced(c);
        else {
          name = at();
          i++;
        }
        // A general category (L, Lu, Nd, ...) means the same in both; other names (scripts, properties) are
        // spelled differently and are refused rather than guessed.
        if (!/^[A-Z][a-z]?$/.test(name)) refuse(pattern, `has \\${c}{${name}}: only general categories (\\p{L}, \\p{Nd}, ...) are translated`);
        // Case-insensitive, Rust folds the class and then negates it; JavaScript negates, then compares folded
        // characters (so /\P{Ll}/iu takes `a`): outside a class a negated class says Rust's meaning, inside none does.
        if (c === 'P' && flags.includes('i')) return inClass ? refuse(pattern, 'has \\P{..} inside a class with (?i), which JavaScript reads otherwise') : `[^\\p{${name}}]`;
        return `\\${c}{${name}}`;
      }
      case 'k':
        return refuse(pattern, 'has a named backreference, which Rust\'s regex refuses (the app would fail when it uses the scope)');
      case '<':
      case '>':
        return refuse(pattern, `has \\${c}: a word-${c === '<' ? 'start' : 'end'} assertion in Rust (Unicode word boundaries), which JavaScript does not have`);
      default:
        if (/[1-9]/.test(c)) refuse(pattern, 'has a backreference, which Rust\'s regex refuses (the app would fail when it uses the scope)');
        if (c === '' ) refuse(pattern, 'ends with a lone backslash');
        // Rust lets a backslash escape any punctuation (a literal); JavaScript's `u` mode only its syntax characters.
        if (/[A-Za-z0-9]/.test(c) || c.charCodeAt(0) > 0x7f) refuse(pattern, `has the escape \\${c}, which Rust's regex does not take`);
        return SYNTAX.has(c) || (inClass && c === '-') ? `\\${c}` : literal(c);
    }
  }

  function bracket() {
    // after `[`
    let body = '';
    if (at() === '^') {
      body += '^';
      i++;
    }
    // a `]` first in a class is a literal in Rust
    if (at() === ']') {
      body += '\\]';
      i++;
    }
    for (;;) {
      const c = at();
      if (c === '') refuse(pattern, 'has an unclosed [');
      if (c === ']') {
        i++;
        return `[${body}]`;
      }
      if (c === '\\') {
        i++;
        body += escape(true);
        continue;
      }
      if (c === '[') {
        // after a range's `-`, Rust reads `[` as the range's end, not as a POSIX class
        if (body.endsWith('-') && body.length > (body.startsWith('^') ? 2 : 1)) refuse(pattern, 'has a POSIX class or [ at the end of a range, which the engines read differently');
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        if (!posix) refuse(pattern, 'has a class inside a class (Rust nests them; JavaScript reads a literal [)');
        if (posix![1] || !POSIX[posix![2]!]) refuse(pattern, `has [:${posix![1]}${posix![2]}:], which is not translated`);
        body += POSIX[posix![2]!];
        i += posix![0].length;
        continue;
      }
      if ((c === '&' || c === '-' || c === '~') && at(1) === c) refuse(pattern, `has ${c}${c} in a class: a set operation in Rust, literal characters in JavaScript`);
      // JavaScript's `u` mode wants these escaped in a class
      body += c === '/' || c === '{' || c === '}' || c === '(' || c === ')' || c === '|' ? `\\${c}` : c;
      i++;
    }
  }

  while (i < pattern.length) {
    const c = at();
    if (c === '\\') {
      i++;
      out += escape(false);
    } else if (c === '.') {
      out += '[^\\n]';
      i++;
    } else if (c === '[') {
      i++;
      out += bracket();
    } else if (c === '(' && at(1) === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 3;
      } else if (/^P?<[A-Za-z_]/.test(rest)) {
        // named group: Rust takes (?P<n>...) and (?<n>...), JavaScript only the second
        out += '(?<';
        i += rest.startsWith('P') ? 4 : 3;
      } else if (/^(<=|<!|=|!)/.test(rest)) {
        refuse(pattern, 'has a lookaround, which Rust\'s regex refuses (the app would fail when it uses the scope)');
      } else if ((out === '' || out === '^') && rest.startsWith('i)')) {
        // the whole pattern case-insensitive (Tauri puts `^` before a validator): JavaScript's `i` flag
        flags += 'i';
        i += 4;
      } else {
        refuse(pattern, 'has inline flags other than a leading (?i), which are not translated');
      }
    } else if (c === '{') {
      // a counted repetition; Rust lets spaces stand in it, JavaScript does not
      const counted = /^\{\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}/.exec(pattern.slice(i));
      if (!counted) refuse(pattern, 'has a { that starts no counted repetition');
      out += `{${counted![1]}${counted![2] ?? ''}${counted![3] ?? ''}}`;
      i += counted![0].length;
    } else if (c === ']' || c === '}') {
      // a literal in Rust; JavaScript's `u` mode wants it escaped
      out += `\\${c}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  try {
    return new RegExp(out, flags);
  } catch (error) {
    return refuse(pattern, `is not a pattern JavaScript can take (${(error as Error).message})`);
  }
}

// Glob patterns with the semantics of Rust's `glob` crate, which Tauri uses for capability window labels
// and for fs scopes: `?`, `*`, `**` as a whole path component, `[abc]`, `[!abc]`, `[a-z]`.

export interface GlobOptions {
  /** `*` and `?` never match `/` (fs scopes set this, so `dir/*` does not reach into subdirectories). */
  literalSeparator?: boolean;
  /** `*`, `?` and `**` never match a leading `.` of a component (fs scopes on Unix: dotfiles stay hidden). */
  literalLeadingDot?: boolean;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Compiles a glob to an anchored RegExp; `null` for a pattern the glob crate would reject. */
export function globToRegExp(glob: string, options: GlobOptions = {}): RegExp | null {
  const any = options.literalSeparator ? '[^/]' : '.';
  const noDot = options.literalLeadingDot ? '(?!\\.)' : '';
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const atStart = i === 0 || glob[i - 1] === '/';
    if (c === '*' && glob[i + 1] === '*') {
      const end = i + 2 === glob.length;
      // `**` is only special as a whole component; elsewhere the glob crate refuses it
      if (!atStart || !(end || glob[i + 2] === '/')) return null;
      const component = `${noDot}[^/]*`;
      out += end ? `(?:${component}(?:/${component})*)?` : `(?:${component}/)*`;
      i += end ? 1 : 2;
    } else if (c === '*') {
      out += `${atStart ? noDot : ''}${any}*`;
    } else if (c === '?') {
      out += `${atStart ? noDot : ''}${any}`;
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) return null;
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      const chars = body.replace(/[\\\]^]/g, '\\$&');
      out += negate ? `(?!/)[^${chars}]` : `[${chars}]`;
      i = close;
    } else {
      out += escape(c);
    }
  }
  return new RegExp(`^${out}$`, 's');
}

/** Escapes a literal path so it matches only itself (the glob crate's `Pattern::escape`). */
export function escapeGlob(text: string): string {
  return text.replace(/[?*[\]]/g, '[$&]');
}

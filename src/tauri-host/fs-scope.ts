// The fs plugin's path check (fs commands.rs `resolve_path` + tauri's scope/fs.rs): deny patterns win,
// then any allow pattern must match; an existing path is canonicalized first, a symlink is read.
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { globToRegExp } from './glob.js';
import { parseVariables, type BaseDirs } from './paths.js';

const OPTIONS = { literalSeparator: true, literalLeadingDot: process.platform !== 'win32' };

/** The `path` of a scope entry, which is `"..."` or `{ path: "..." }`. */
function entryPath(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  const path = (entry as { path?: unknown } | null)?.path;
  return typeof path === 'string' ? path : undefined;
}

/** Canonicalizes the longest existing parent of a pattern, so `/tmp/x/**` also matches `/private/tmp/x/...`. */
function canonicalParent(path: string): string | undefined {
  let head = path;
  let tail = '';
  for (;;) {
    try {
      const real = realpathSync(head);
      return tail ? join(real, tail) : real;
    } catch {
      const parent = dirname(head);
      if (parent === head) return undefined;
      tail = tail ? join(basename(head), tail) : basename(head);
      head = parent;
    }
  }
}

// Tauri compiles a scope's patterns once, when the scope is made (canonicalizing what exists then), not per request.
const compiled = new WeakMap<BaseDirs, Map<string, RegExp[]>>();

function compile(dirs: BaseDirs, entries: unknown[]): RegExp[] {
  const cache = compiled.get(dirs) ?? new Map<string, RegExp[]>();
  compiled.set(dirs, cache);
  const key = JSON.stringify(entries);
  let patterns = cache.get(key);
  if (!patterns) cache.set(key, (patterns = compileNow(dirs, entries)));
  return patterns;
}

function compileNow(dirs: BaseDirs, entries: unknown[]): RegExp[] {
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    const raw = entryPath(entry);
    if (raw === undefined) continue;
    const path = parseVariables(dirs, raw);
    for (const variant of new Set([path, canonicalParent(path) ?? path])) {
      const regex = globToRegExp(variant, OPTIONS);
      if (regex) patterns.push(regex);
    }
  }
  return patterns;
}

/**
 * `Scope::is_forbidden` then `Scope::is_allowed` for one request, from the global scope and the command's own scope
 * entries: `denied` (a deny pattern matches: it wins), `allowed`, or `outside` (no allow pattern matches).
 */
export function scopeVerdict(dirs: BaseDirs, scope: { allow: unknown[]; deny: unknown[] }, path: string): 'denied' | 'allowed' | 'outside' {
  let target = path;
  try {
    if (lstatSync(target).isSymbolicLink()) target = readlinkSync(target);
  } catch {
    // does not exist: checked as given
  }
  if (existsSync(target)) {
    try {
      target = realpathSync(target);
    } catch {
      return 'outside';
    }
  }
  target = target.replace(/\/+/g, '/').replace(/\/\.(?=\/|$)/g, '').replace(/(.)\/$/, '$1');
  if (compile(dirs, scope.deny).some((p) => p.test(target))) return 'denied';
  return compile(dirs, scope.allow).some((p) => p.test(target)) ? 'allowed' : 'outside';
}


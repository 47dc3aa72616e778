// The shell plugin's scope (scope.rs / scope_entry.rs): the `program` a page names is a scope entry's `name`;
// the entry's `cmd` (or the sidecar's path) is what runs, with arguments checked against the entry's `args`.
import { basename } from 'node:path';
import { parseVariables, type BaseDirs } from './paths.js';

type AllowedArg = { fixed: string } | { validator: RegExp; source: string };

interface Entry {
  name: string;
  command: string;
  /** undefined: any arguments (`args: true`). */
  args: AllowedArg[] | undefined;
  sidecar: boolean;
}

/** Reads one raw scope value; a malformed one is an error message, as the plugin's deserializer would give. */
function readEntry(raw: unknown, dirs: BaseDirs): Entry | string {
  const value = raw as { name?: unknown; cmd?: unknown; args?: unknown; sidecar?: unknown };
  if (typeof value?.name !== 'string') return 'missing field `name`';
  const sidecar = value.sidecar === true;
  if (!sidecar && typeof value.cmd !== 'string') return 'The shell scope `command` value is required.';
  let args: AllowedArg[] | undefined;
  if (value.args === true) args = undefined;
  else if (value.args === undefined || value.args === false) args = [];
  else if (Array.isArray(value.args)) {
    args = value.args.map((arg: unknown): AllowedArg => {
      if (typeof arg === 'string') return { fixed: arg };
      const { validator, raw: unanchored } = arg as { validator: string; raw?: boolean };
      // Rust anchors the validator unless `raw: true`
      const source = unanchored ? validator : `^${validator}$`;
      return { validator: new RegExp(source, 'u'), source };
    });
  } else return 'data did not match any variant of untagged enum ShellAllowedArgs';
  const command = typeof value.cmd === 'string' ? parseVariables(dirs, value.cmd) : '';
  return { name: value.name, command, args, sidecar };
}

export interface Prepared {
  command: string;
  args: string[];
}

/**
 * `ShellScope::_prepare`: finds the entry named `program` and builds the argument list. Errors are the scope
 * error's text (the caller turns a non-sidecar failure into "program not allowed on the configured shell scope").
 */
export function prepare(scopes: unknown[], dirs: BaseDirs, program: string, args: unknown, sidecarPath?: string): Prepared | { error: string } {
  let entry: Entry | undefined;
  for (const raw of scopes) {
    const read = readEntry(raw, dirs);
    if (typeof read === 'string') return { error: read };
    if (read.name === program) {
      entry = read;
      break;
    }
  }
  if (!entry) return { error: `Scoped command ${program} not found` };
  if (entry.sidecar !== (sidecarPath !== undefined)) return { error: 'The scoped command was called with the improper sidecar flag set' };
  const given = args === null || args === undefined ? [] : typeof args === 'string' ? (args === '' ? [] : [args]) : (args as unknown[]);
  let final: string[];
  if (!entry.args) {
    final = given.map(String);
  } else if (Array.isArray(args)) {
    // extra arguments beyond the entry's list are dropped, not refused
    final = [];
    for (const [index, allowed] of entry.args.entries()) {
      if ('fixed' in allowed) {
        final.push(allowed.fixed);
        continue;
      }
      const value = given[index];
      if (value === undefined) return { error: `Scoped command argument at position ${index} must match regex validation ${allowed.source} but it was not found` };
      if (!allowed.validator.test(String(value))) return { error: `Scoped command argument at position ${index} was found, but failed regex validation ${allowed.source}` };
      final.push(String(value));
    }
  } else if (given.length === 0 && entry.args.every((a) => 'fixed' in a)) {
    final = entry.args.map((a) => (a as { fixed: string }).fixed);
  } else {
    return { error: `Scoped command ${program} received arguments in an unexpected format` };
  }
  return { command: sidecarPath ?? entry.command, args: final };
}

/** The sidecar map plays `bundle > externalBin`: a name matches with or without its extension. */
export function sidecarPath(sidecars: Record<string, string>, program: string): string | undefined {
  const noExt = program.replace(/\.[^./]*$/, '');
  return sidecars[program] ?? sidecars[noExt] ?? sidecars[basename(program)];
}

// The shell plugin's scope (tauri-plugin-shell 2.4.1 src/scope.rs, src/scope_entry.rs): the `program` a page names
// is a scope entry's `name`; the entry's `cmd` (or the sidecar's path) is what runs, with arguments checked against
// the entry's `args` by the `_prepare` that tauriBackend uses too (src/tauri/scope.ts).
import { RustPatternError } from '../tauri/rust-regex.js';
import { prepareArgs, type ScopeArg } from '../tauri/scope.js';
import { parseVariables, type BaseDirs } from './paths.js';

interface Entry {
  name: string;
  command: string;
  /** undefined: any arguments (`args: true`). */
  args: ScopeArg[] | undefined;
  sidecar: boolean;
}

/** Reads one raw scope value; a malformed one is an error message, as the plugin's deserializer would give. */
function readEntry(raw: unknown, dirs: BaseDirs): Entry | string {
  const value = raw as { name?: unknown; cmd?: unknown; args?: unknown; sidecar?: unknown };
  if (typeof value?.name !== 'string') return 'missing field `name`';
  const sidecar = value.sidecar === true;
  if (!sidecar && typeof value.cmd !== 'string') return 'The shell scope `command` value is required.';
  let args: ScopeArg[] | undefined;
  if (value.args === true) args = undefined;
  else if (value.args === undefined || value.args === false) args = [];
  else if (Array.isArray(value.args)) args = value.args as ScopeArg[];
  else return 'data did not match any variant of untagged enum ShellAllowedArgs';
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
export function prepare(scopes: unknown[], dirs: BaseDirs, program: string, args: unknown, sidecarPath?: string): Prepared | { error: string } | { unplayable: string } {
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
    let prepared: ReturnType<typeof prepareArgs>;
    try {
      prepared = prepareArgs(entry.args, given.map(String));
    } catch (error) {
      // a validator whose meaning JavaScript cannot reproduce (rust-regex.ts): said, never guessed
      if (error instanceof RustPatternError) return { unplayable: `[pidkeep] the Tauri host cannot check the scope entry "${program}" as Tauri would: ${error.message}` };
      throw error;
    }
    if ('missing' in prepared) return { error: `Scoped command argument at position ${prepared.missing} must match regex validation ${prepared.validator} but it was not found` };
    if ('mismatch' in prepared) return { error: `Scoped command argument at position ${prepared.mismatch} was found, but failed regex validation ${prepared.validator}` };
    final = prepared.args;
  } else if (given.length === 0 && entry.args.every((a) => typeof a === 'string')) {
    final = entry.args as string[];
  } else {
    return { error: `Scoped command ${program} received arguments in an unexpected format` };
  }
  return { command: sidecarPath ?? entry.command, args: final };
}

/**
 * The sidecar map plays `bundle > externalBin`: the program must be an entry as written, or one with `.exe` added
 * (tauri-plugin-shell 2.4.1 src/commands.rs:115-133); no other extension is stripped and no folder is ignored.
 */
export function sidecarPath(sidecars: Record<string, string>, program: string): string | undefined {
  const own = (name: string) => (Object.hasOwn(sidecars, name) ? sidecars[name] : undefined);
  return own(program) ?? (program.endsWith('.exe') ? own(program.slice(0, -'.exe'.length)) : undefined);
}

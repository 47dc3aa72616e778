// What the shell plugin will run for a scope entry: fixed arguments come from the capability whatever the page
// sends, each validated argument must match its anchored validator, and arguments past the entry's list are dropped
// without a word (tauri-plugin-shell 2.4.1 src/scope.rs:255-325, `ShellScope::_prepare`). Given
// the app's scope entries, tauriBackend refuses a start whose arguments would not run as given, so a record never
// names arguments that never ran.
import { PidkeepError } from '../errors.js';
import { rustRegExp, RustPatternError } from './rust-regex.js';

/** An argument of a scope entry: a fixed string, or a validator (a Rust `regex` pattern, anchored unless `raw`). */
export type ScopeArg = string | { validator: string; raw?: boolean };

/** One `shell:allow-spawn` scope entry as a capability file holds it. */
export interface SpawnScope {
  name: string;
  cmd?: string;
  sidecar?: boolean;
  /** `true`: any arguments; absent or `false`: none. */
  args?: boolean | ReadonlyArray<ScopeArg>;
}

/** What `_prepare` makes of a list of allowed arguments: the arguments that run, or which one fails and how. */
export type PreparedArgs =
  | { args: string[] }
  | { missing: number; validator: string }
  | { mismatch: number; validator: string; value: string };

const compiled = new Map<string, RegExp>();
/** A validator as Rust reads it; a RustPatternError when JavaScript cannot say the same (see rust-regex.ts). */
function validatorOf(arg: { validator: string; raw?: boolean }): { source: string; regex: RegExp } {
  // Rust anchors the validator unless `raw` (tauri-plugin-shell 2.4.1 src/scope.rs:93-97).
  const source = arg.raw ? arg.validator : `^${arg.validator}$`;
  let regex = compiled.get(source);
  if (!regex) compiled.set(source, (regex = rustRegExp(source)));
  return { source, regex };
}

/**
 * The shell plugin's `_prepare` over an entry's argument list, shared by tauriBackend's check and pidkeep's Tauri
 * host: fixed arguments from the capability whatever was given, each validated one required and matched as Rust's
 * regex crate matches it, arguments past the list dropped.
 */
export function prepareArgs(allowed: readonly ScopeArg[], given: readonly string[]): PreparedArgs {
  const run: string[] = [];
  for (const [index, arg] of allowed.entries()) {
    if (typeof arg === 'string') {
      run.push(arg);
      continue;
    }
    const { source, regex } = validatorOf(arg);
    const value = given[index];
    if (value === undefined) return { missing: index, validator: source };
    if (!regex.test(value)) return { mismatch: index, validator: source, value };
    run.push(value);
  }
  return { args: run };
}

/** The arguments the plugin runs for `entry` given `args`, or why it refuses them (its own wording). */
export function argumentsAsRun(entry: SpawnScope, args: readonly string[]): { args: string[] } | { error: string } {
  if (entry.args === true) return { args: [...args] };
  const prepared = prepareArgs(Array.isArray(entry.args) ? entry.args : [], args);
  if ('missing' in prepared) return { error: `argument ${prepared.missing} must match ${prepared.validator} but it was not given` };
  if ('mismatch' in prepared) return { error: `argument ${prepared.mismatch} (${JSON.stringify(prepared.value)}) does not match ${prepared.validator}` };
  return prepared;
}

/**
 * Checks a start against the app's scope entries before anything is spawned: PERMISSION_DENIED where Tauri would
 * refuse it, SPAWN_FAILED where it would run other arguments than the ones given (which the record would name).
 */
export function checkAgainstScopes(scopes: readonly SpawnScope[], name: string, args: readonly string[], record: string): void {
  const entry = scopes.find((scope) => scope.name === name);
  if (!entry) {
    throw new PidkeepError('PERMISSION_DENIED', `no shell:allow-spawn scope entry is named "${name}" in the scopes given to tauriBackend: Tauri would refuse the start; add the entry to your capability (and to \`scopes\`)`, { record });
  }
  let run: ReturnType<typeof argumentsAsRun>;
  try {
    run = argumentsAsRun(entry, args);
  } catch (error) {
    if (!(error instanceof RustPatternError)) throw error;
    throw new PidkeepError('UNSUPPORTED', `the scope entry "${name}": ${error.message}, so tauriBackend cannot check arguments as Tauri would; rewrite the validator, or leave the entry out of \`scopes\``, { record, cause: error });
  }
  if ('error' in run) {
    throw new PidkeepError('PERMISSION_DENIED', `the scope entry "${name}" refuses these arguments: ${run.error}; nothing was started`, { record });
  }
  const same = run.args.length === args.length && run.args.every((arg, i) => arg === args[i]);
  if (!same) {
    throw new PidkeepError(
      'SPAWN_FAILED',
      `the scope entry "${name}" would run ${JSON.stringify(run.args)}, not the ${JSON.stringify(args)} given (a fixed argument comes from the capability; arguments past the entry's list are dropped): nothing was started; pass exactly the arguments that run, so the record says what runs`,
      { record },
    );
  }
}

/**
 * The `shell:allow-spawn` scope entries of a capability file, as `tauriBackend({ scopes })` takes them: pass the
 * imported JSON (the capability file your app imports, e.g. `capabilities/default.json`) as it is. Every entry is
 * checked (a name, and `cmd`, `sidecar` and `args` of the types Tauri reads); entries of several
 * `shell:allow-spawn` permissions are joined in order. A TypeError says what is wrong; a capability without one
 * gives an empty list.
 */
export function spawnScopes(capability: unknown): SpawnScope[] {
  const bad = (what: string) => new TypeError(`[pidkeep] spawnScopes: ${what}`);
  const permissions = (capability as { permissions?: unknown } | null)?.permissions;
  if (!Array.isArray(permissions)) throw bad('expected a capability file (an object with a `permissions` list)');
  const scopes: SpawnScope[] = [];
  for (const permission of permissions) {
    if (typeof permission !== 'object' || permission === null || (permission as { identifier?: unknown }).identifier !== 'shell:allow-spawn') continue;
    const allow = (permission as { allow?: unknown }).allow ?? [];
    if (!Array.isArray(allow)) throw bad('the `allow` of shell:allow-spawn is not a list');
    for (const entry of allow as unknown[]) {
      const e = entry as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || e.name === '') throw bad(`a shell:allow-spawn entry has no \`name\`: ${JSON.stringify(entry)}`);
      if (e.cmd !== undefined && typeof e.cmd !== 'string') throw bad(`the entry "${e.name}" has a \`cmd\` that is not a string`);
      if (e.sidecar !== undefined && typeof e.sidecar !== 'boolean') throw bad(`the entry "${e.name}" has a \`sidecar\` that is not true or false`);
      const args = e.args;
      const validArg = (a: unknown) => typeof a === 'string' || (typeof a === 'object' && a !== null && typeof (a as { validator?: unknown }).validator === 'string');
      if (args !== undefined && typeof args !== 'boolean' && !(Array.isArray(args) && args.every(validArg))) throw bad(`the entry "${e.name}" has \`args\` that are not true, false or a list of strings and { validator }`);
      scopes.push(entry as SpawnScope);
    }
  }
  return scopes;
}

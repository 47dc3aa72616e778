// What the shell plugin will run for a scope entry: fixed arguments come from the capability whatever the page
// sends, each validated argument must match its anchored validator, and arguments past the entry's list are dropped
// without a word (plugins-workspace plugins/shell/src/scope.rs:255-290 at 77149dc, `ShellScope::_prepare`). Given
// the app's scope entries, tauriBackend refuses a start whose arguments would not run as given, so a record never
// names arguments that never ran.
import { PidkeepError } from '../errors.js';

/** One `shell:allow-spawn` scope entry as a capability file holds it. */
export interface SpawnScope {
  name: string;
  cmd?: string;
  sidecar?: boolean;
  /** `true`: any arguments; absent or `false`: none. */
  args?: boolean | ReadonlyArray<string | { validator: string; raw?: boolean }>;
}

/** The arguments the plugin runs for `entry` given `args`, or why it refuses them (its own wording). */
export function argumentsAsRun(entry: SpawnScope, args: readonly string[]): { args: string[] } | { error: string } {
  if (entry.args === true) return { args: [...args] };
  const allowed = Array.isArray(entry.args) ? entry.args : [];
  const run: string[] = [];
  for (const [index, arg] of allowed.entries()) {
    if (typeof arg === 'string') {
      run.push(arg);
      continue;
    }
    // Rust anchors the validator unless `raw` (scope.rs:95).
    const source = arg.raw ? arg.validator : `^${arg.validator}$`;
    const value = args[index];
    if (value === undefined) return { error: `argument ${index} must match ${source} but it was not given` };
    if (!new RegExp(source, 'u').test(value)) return { error: `argument ${index} (${JSON.stringify(value)}) does not match ${source}` };
    run.push(value);
  }
  return { args: run };
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
  const run = argumentsAsRun(entry, args);
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

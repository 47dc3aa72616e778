// Where the real-app build puts its binaries (scripts/real-app.mjs), read by the build and by the tests.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
/** Outside the clone: later runs on the same machine reuse it. */
export const cargoTargetDir = process.env.PIDKEEP_CARGO_TARGET_DIR || join(homedir(), '.cache', 'pidkeep', 'cargo-target');
/** `cargo install --root` for tauri-driver. */
export const toolsDir = join(cargoTargetDir, '..', 'tools');
export const TAURI_DRIVER_VERSION = '2.1.0';
export const tauriDriver = join(toolsDir, 'bin', 'tauri-driver');
/** A debug build (`cargo build` without `--release`): assertions on, and a cold build minutes shorter. */
export const appBinary = (name) => join(cargoTargetDir, 'debug', name);

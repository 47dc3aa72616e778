// The permission manifests of the plugins this host knows: shell, fs and Tauri's core plugins, as tauri-build
// generated them for the example app's locked crates (acl-data.ts, written by scripts/host-manifests.mjs). So a
// capability resolves to the same commands, default sets, scopes and platform denies as in that Tauri build.
// The host plays the commands of shell, fs, core path, event, window (close, destroy), app (exit) and resources;
// the others resolve as in Tauri and then reject as not emulated.
import { ACL } from './acl-data.js';

export interface Permission {
  commands?: { allow?: string[]; deny?: string[] };
  scope?: { allow?: unknown[]; deny?: unknown[] };
  /** Tauri targets the permission is active on; absent: all. */
  platforms?: string[];
}

export interface Manifest {
  /** The `default` set. */
  default: string[];
  permissions: Record<string, Permission>;
  sets: Record<string, string[]>;
}

/** Manifests by plugin key (`core:path` for the core path plugin, whose commands are `plugin:path|...`). */
export const MANIFESTS: Record<string, Manifest> = ACL;

/** The plugin name in `plugin:<name>|<cmd>` for a manifest key: `core:path` -> `path`. */
export const pluginName = (key: string) => (key.startsWith('core:') ? key.slice('core:'.length) : key);

// Capability resolution and the access check, following tauri-utils' acl/resolved.rs and tauri's
// ipc/authority.rs (debug build messages, as seen during `tauri dev`).
import { readFileSync } from 'node:fs';
import { TauriHostError } from './errors.js';
import { globToRegExp } from './glob.js';
import { MANIFESTS, pluginName, type Manifest, type Permission } from './manifests.js';
import type { Capability, CapabilityFile, PermissionEntry } from './types.js';

export interface Scope {
  allow: unknown[];
  deny: unknown[];
}

interface Resolved {
  capability: string;
  permission: string;
  windows: string[];
  webviews: string[];
  scope: Scope | undefined;
}

export interface Acl {
  /** The resolved entries that let `window` call `cmd` (`plugin:x|y`), or a Tauri error message. */
  access(cmd: string, window: string): Resolved[] | string;
  /** The plugin-wide scope (from permissions that carry a scope but no commands). */
  globalScope(plugin: string): Scope;
}

const PLATFORM = ({ linux: 'linux', darwin: 'macOS', win32: 'windows', android: 'android' } as Record<string, string>)[process.platform] ?? process.platform;

function loadCapabilities(sources: Array<CapabilityFile | string>): Capability[] {
  return sources.flatMap((source) => {
    let file: CapabilityFile;
    try {
      file = typeof source === 'string' ? (JSON.parse(readFileSync(source, 'utf8')) as CapabilityFile) : source;
    } catch (error) {
      throw new TauriHostError('CAPABILITY_INVALID', `cannot read capability file ${String(source)}: ${(error as Error).message}`, { cause: error });
    }
    const list = Array.isArray(file) ? file : 'capabilities' in file ? file.capabilities : [file];
    for (const capability of list) {
      if (typeof capability?.identifier !== 'string' || !Array.isArray(capability.permissions)) {
        throw new TauriHostError('CAPABILITY_INVALID', `a capability needs an "identifier" and a "permissions" list (in ${typeof source === 'string' ? source : 'an inline capability'})`);
      }
    }
    return list;
  });
}

interface Traversed {
  key: string;
  name: string;
  permission: Permission;
}

/** `core:path:default` -> key `core:path`, name `default`; a name without prefix has key undefined. */
function splitIdentifier(identifier: string): { key: string | undefined; name: string } {
  const colon = identifier.lastIndexOf(':');
  return colon < 0 ? { key: undefined, name: identifier } : { key: identifier.slice(0, colon), name: identifier.slice(colon + 1) };
}

/**
 * Expands a permission identifier through its sets, like `get_permissions` in resolved.rs. A set member with a
 * plugin prefix (`core:default` lists `core:path:default`, ...) is looked up in that plugin's manifest.
 */
function traverse(key: string, manifest: Manifest, name: string, seen = new Set<string>()): Traversed[] {
  if (seen.has(`${key}:${name}`)) return [];
  seen.add(`${key}:${name}`);
  const members = name === 'default' ? manifest.default : manifest.sets[name];
  if (members) {
    return members.flatMap((member) => {
      const id = splitIdentifier(member);
      if (id.key === undefined) return traverse(key, manifest, member, seen);
      const other = MANIFESTS[id.key];
      return other ? traverse(id.key, other, id.name, seen) : traverse(key, manifest, member, seen);
    });
  }
  const permission = manifest.permissions[name];
  if (!permission) throw new TauriHostError('CAPABILITY_INVALID', `permission ${key}:${name} not found (pidkeep's Tauri host knows the shell and fs plugins and Tauri's core plugins, at the versions of the example app's Cargo.lock)`);
  return [{ key, name, permission }];
}

const matches = (patterns: string[], label: string) => patterns.some((p) => globToRegExp(p)?.test(label));

export function createAcl(sources: Array<CapabilityFile | string>): Acl {
  const allowed = new Map<string, Resolved[]>();
  const denied = new Map<string, Resolved[]>();
  const global = new Map<string, Scope>();
  for (const capability of loadCapabilities(sources)) {
    if (capability.local === false) continue; // only local pages exist here
    if (capability.platforms && !capability.platforms.includes(PLATFORM)) continue;
    for (const entry of capability.permissions as PermissionEntry[]) {
      const identifier = typeof entry === 'string' ? entry : entry.identifier;
      const { key = '', name: base } = splitIdentifier(identifier);
      const manifest = MANIFESTS[key];
      if (!manifest) throw new TauriHostError('CAPABILITY_INVALID', `permission ${identifier}: unknown plugin "${key}" (pidkeep's Tauri host knows the shell and fs plugins and Tauri's core plugins)`);
      for (const { key: owner, name, permission } of traverse(key, manifest, base)) {
        const plugin = pluginName(owner);
        if (permission.platforms && !permission.platforms.includes(PLATFORM)) continue;
        const scope: Scope = { allow: [], deny: [] };
        let scoped = false;
        for (const source of [typeof entry === 'string' ? undefined : entry, permission.scope]) {
          if (source?.allow) (scope.allow.push(...source.allow), (scoped = true));
          if (source?.deny) (scope.deny.push(...source.deny), (scoped = true));
        }
        const { allow = [], deny = [] } = permission.commands ?? {};
        if (allow.length === 0 && deny.length === 0) {
          // a permission without commands feeds the plugin's global scope, whichever window it was granted to
          const target = global.get(plugin) ?? { allow: [], deny: [] };
          target.allow.push(...scope.allow);
          target.deny.push(...scope.deny);
          global.set(plugin, target);
          continue;
        }
        const resolved = (): Resolved => ({
          capability: capability.identifier,
          permission: name,
          windows: [...(capability.windows ?? [])].sort(),
          webviews: [...(capability.webviews ?? [])].sort(),
          scope: scoped ? scope : undefined,
        });
        for (const command of allow) push(allowed, `plugin:${plugin}|${command}`, resolved());
        for (const command of deny) push(denied, `plugin:${plugin}|${command}`, resolved());
      }
    }
  }
  return {
    access(cmd, window) {
      // authority.rs denies a command denied by any capability, whatever window that capability names
      const deniedBy = denied.get(cmd);
      if (deniedBy) return `${pretty(cmd)} explicitly denied on origin local\n\nreferenced by: ${references(deniedBy)}`;
      const candidates = allowed.get(cmd);
      const granted = candidates?.filter((r) => matches(r.webviews, window) || matches(r.windows, window)) ?? [];
      if (granted.length > 0) return granted;
      if (candidates) {
        return `${pretty(cmd)} not allowed on window "${window}", webview "${window}", URL: local\n\n${allowedOn(candidates)}\n\nreferenced by: ${references(candidates)}`;
      }
      return `${pretty(cmd)} not allowed. ${associatedPermissions(cmd)}`;
    },
    globalScope: (plugin) => global.get(plugin) ?? { allow: [], deny: [] },
  };
}

function push(map: Map<string, Resolved[]>, cmd: string, resolved: Resolved) {
  const list = map.get(cmd) ?? [];
  list.push(resolved);
  map.set(cmd, list);
}

/** `plugin:shell|kill` -> `shell.kill`, as Tauri names commands in its messages. */
function pretty(cmd: string): string {
  const match = /^plugin:([^|]*)\|(.*)$/.exec(cmd);
  return match ? `${match[1]}.${match[2]}` : cmd;
}

const references = (list: Resolved[]) => list.map((r) => `capability: ${r.capability}, permission: ${r.permission}`).join(' || ');

function allowedOn(list: Resolved[]): string {
  const contexts = list.map((r) => {
    const windows = r.windows.map((w) => `"${w}"`).join(', ');
    const webviews = r.webviews.map((w) => `"${w}"`).join(', ');
    return `[${windows ? `windows: ${windows}, ` : ''}${webviews ? `webviews: ${webviews}, ` : ''}URL: local]`;
  });
  return `allowed on: ${contexts.join(', ')}`;
}

/**
 * "Permissions associated with this command: ..." listing the default set, sets and permissions that allow it.
 * A core plugin's manifest is found as `core:<plugin>` but named `<plugin>:...`, as authority.rs prints it.
 */
function associatedPermissions(cmd: string): string {
  const match = /^plugin:([^|]*)\|(.*)$/.exec(cmd);
  const manifest = match ? MANIFESTS[match[1]!] ?? MANIFESTS[`core:${match[1]!}`] : undefined;
  if (!match || !manifest) return 'Plugin not found';
  const [, key, command] = match;
  const allows = (name: string): boolean => {
    const members = name === 'default' ? manifest.default : manifest.sets[name];
    if (members) return members.some(allows);
    return manifest.permissions[name]?.commands?.allow?.includes(command!) ?? false;
  };
  const names = ['default', ...Object.keys(manifest.sets), ...Object.keys(manifest.permissions)].filter(allows).sort();
  return names.length === 0 ? 'Command not found' : `Permissions associated with this command: ${names.map((n) => `${key}:${n}`).join(', ')}`;
}

// The on-disk layout both file stores share (fileStore in Node, tauriFsStore in a webview), so a record written
// by one is read by the other and by `cat`:
//   <root>/<namespace>/lock                     the namespace's lock file (fileStore: a kernel lock on it)
//   <root>/<namespace>/open                     fileStore: each open manager holds a shared kernel lock on it
//   <root>/<namespace>/records/<key>.json       one record, one line of JSON
//   <root>/<namespace>/records/<key>.<tag>.tmp  a write in progress (renamed over the record when complete)
//   <root>/<namespace>/quarantine/<key>.<stamp>.json + .reason.txt   a record that could not be read
//   <root>/<namespace>/logs/, run/              the backend's log files and stdin FIFOs
// No dot files: Tauri's fs scope globs skip them unless the app configures otherwise.
import { isValidKey } from './validate.js';

export const layout = {
  namespaceDir: (root: string, namespace: string) => `${root}/${namespace}`,
  lockFile: (root: string, namespace: string) => `${root}/${namespace}/lock`,
  openFile: (root: string, namespace: string) => `${root}/${namespace}/open`,
  recordsDir: (root: string, namespace: string) => `${root}/${namespace}/records`,
  quarantineDir: (root: string, namespace: string) => `${root}/${namespace}/quarantine`,
  recordFile: (key: string) => `${key}.json`,
  tempFile: (key: string, tag: string) => `${key}.${tag}.tmp`,
  /** A quarantined copy's base name (add `.json` and `.reason.txt`); only a safe alphabet reaches the file system (`@` kept: `<name>@<pid namespace>` keys read back as they were). */
  quarantineBase: (key: string, stamp: string) => `${key.replace(/[^A-Za-z0-9._@-]/g, '_')}.${stamp}`,
};

/** What a file name in `records/` is: a record (with its key, valid or not), a temp file, or something else. */
export function classify(fileName: string): { kind: 'record'; key: string; valid: boolean } | { kind: 'temp' } | { kind: 'other' } {
  if (fileName.endsWith('.tmp')) return { kind: 'temp' };
  if (!fileName.endsWith('.json')) return { kind: 'other' };
  const key = fileName.slice(0, -'.json'.length);
  return { kind: 'record', key, valid: isValidKey(key) };
}

/** The key a quarantined file was stored under, from its name `<key>.<ms>.<hex>.json`. */
export function quarantinedKey(fileName: string): string {
  return fileName.replace(/\.\d+\.[0-9a-f]+\.json$/, '');
}

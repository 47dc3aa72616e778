// Error text as the Rust side prints it: a std::io::Error displays as `<strerror> (os error <errno>)`.
import { constants } from 'node:os';

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOTEMPTY: 'Directory not empty',
  EXDEV: 'Invalid cross-device link',
  EPIPE: 'Broken pipe',
  EBUSY: 'Device or resource busy',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EINVAL: 'Invalid argument',
  ENOEXEC: 'Exec format error',
  E2BIG: 'Argument list too long',
  EAGAIN: 'Resource temporarily unavailable',
  EBADF: 'Bad file descriptor',
};

/** Formats a Node error the way Rust displays the same std::io::Error. */
export function ioError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const errno = code ? (constants.errno as Record<string, number>)[code] : undefined;
  if (code && errno !== undefined) return `${STRERROR[code] ?? code} (os error ${errno})`;
  return error instanceof Error ? error.message : String(error);
}

/** Tauri's error for arguments that do not deserialize: `invalid args `path` for command `mkdir`: ...`. */
export function invalidArgs(command: string, arg: string, detail: string): string {
  return `invalid args \`${arg}\` for command \`${command}\`: ${detail}`;
}

/** How serde_json names a JSON value it did not expect: integer `5`, string "x", map, sequence, ... */
export function unexpected(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return Array.isArray(value) ? 'sequence' : 'map';
}

/** A required String argument of a Rust command, or Tauri's error for it. */
export function stringArg(command: string, args: Record<string, unknown>, key: string): string {
  const value = args[key];
  if (value === undefined) throw invalidArgs(command, key, `command ${command} missing required key ${key}`);
  if (typeof value !== 'string') throw invalidArgs(command, key, `invalid type: ${unexpected(value)}, expected a string`);
  return value;
}

/**
 * A required integer argument of a Rust command (`type` as serde names it: u32, i64, usize, ...), or Tauri's error
 * for it. A key given as null is there, of the wrong type (tauri src/ipc/command.rs:109-112).
 */
export function integerArg(command: string, args: Record<string, unknown>, key: string, type: string, min: number, max: number): number {
  const value = args[key];
  if (value === undefined) throw invalidArgs(command, key, `command ${command} missing required key ${key}`);
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgs(command, key, `invalid type: ${unexpected(value)}, expected ${type}`);
  if (value < min || value > max) throw invalidArgs(command, key, `invalid value: ${unexpected(value)}, expected ${type}`);
  return value;
}

/** A required u32 argument of a Rust command (a pid, a resource id), or Tauri's error for it. */
export const u32Arg = (command: string, args: Record<string, unknown>, key: string) => integerArg(command, args, key, 'u32', 0, 0xffff_ffff);

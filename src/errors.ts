/** Stable error codes. Scripts and callers branch on these, never on message text. */
export type PidkeepErrorCode =
  | 'ALREADY_RUNNING'
  | 'NOT_FOUND'
  | 'SPAWN_FAILED'
  | 'STORE_FAILED'
  | 'STORE_FULL'
  | 'STORE_LOCKED'
  | 'STOP_FAILED'
  | 'UNSAFE_PID'
  | 'NO_STDIN'
  | 'STDIN_CLOSED'
  | 'INVALID_META'
  | 'PERMISSION_DENIED'
  | 'UNSUPPORTED'
  | 'PROBE_FAILED'
  | 'RECORD_UNREADABLE'
  | 'NOT_READY'
  | 'FFMPEG_NOT_FOUND'
  | 'DEVICE_NOT_FOUND'
  | 'OUTPUT_FAILED'
  | 'CLOSED';

export interface PidkeepErrorDetails {
  /** The record (process) name the error concerns, if any. */
  record?: string | undefined;
  /** The pid the error concerns, if any. */
  pid?: number | undefined;
  /** The last lines the process wrote to its stderr, where the error quotes them (`NOT_READY`). */
  stderr?: string | undefined;
  cause?: unknown;
}

/**
 * The one error class pidkeep throws for operational failures (bad arguments are `TypeError`s).
 * The message says what happened and what to do; `code`, `record`, `pid` and `reason` are for programs.
 * `message` is built once from the fields: `[pidkeep] <record>, pid <n>: <reason>`.
 */
export class PidkeepError extends Error {
  readonly code: PidkeepErrorCode;
  readonly record: string | undefined;
  readonly pid: number | undefined;
  /** The last lines the process wrote to its stderr, where the error quotes them (`NOT_READY`); else undefined. */
  readonly stderr: string | undefined;
  /** What happened and what to do, without the subject. */
  readonly reason: string;
  /** What it concerns, for people: `<record>, pid <n>`, or '' when nothing in particular. */
  readonly subject: string;

  constructor(code: PidkeepErrorCode, reason: string, details: PidkeepErrorDetails = {}) {
    const subject = [details.record, details.pid === undefined ? undefined : `pid ${details.pid}`].filter(Boolean).join(', ');
    super(`[pidkeep] ${subject ? `${subject}: ` : ''}${reason}`, { cause: details.cause });
    this.name = 'PidkeepError';
    this.code = code;
    this.record = details.record;
    this.pid = details.pid;
    this.stderr = details.stderr;
    this.reason = reason;
    this.subject = subject;
  }
}

/** Describes an unknown thrown value for a message, keeping `code`s such as ENOENT visible; a PidkeepError by its reason. */
export function describeError(error: unknown): string {
  if (error instanceof PidkeepError) return error.reason;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Re-issues a backend's error with the record name on it, so every error names what it concerns. */
export function withRecord(error: unknown, record: string, pid?: number): unknown {
  if (!(error instanceof PidkeepError) || error.record !== undefined) return error;
  return new PidkeepError(error.code, error.reason, { record, pid: error.pid ?? pid, stderr: error.stderr, cause: error.cause });
}

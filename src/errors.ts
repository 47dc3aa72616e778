/** Stable error codes. Scripts and callers branch on these, never on message text. */
export type PidkeepErrorCode =
  | 'ALREADY_RUNNING'
  | 'NOT_FOUND'
  | 'SPAWN_FAILED'
  | 'STORE_FAILED'
  | 'STORE_FULL'
  | 'STOP_FAILED'
  | 'UNSAFE_PID'
  | 'NO_STDIN'
  | 'STDIN_CLOSED'
  | 'INVALID_META'
  | 'PERMISSION_DENIED'
  | 'UNSUPPORTED'
  | 'PROBE_FAILED'
  | 'RECORD_UNREADABLE'
  | 'CLOSED';

export interface PidkeepErrorDetails {
  /** The record (process) name the error concerns, if any. */
  record?: string | undefined;
  /** The pid the error concerns, if any. */
  pid?: number | undefined;
  cause?: unknown;
}

/**
 * The one error class pidkeep throws for operational failures (bad arguments are `TypeError`s).
 * The message says what happened and what to do; `code`, `record` and `pid` are for programs.
 */
export class PidkeepError extends Error {
  readonly code: PidkeepErrorCode;
  readonly record: string | undefined;
  readonly pid: number | undefined;

  constructor(code: PidkeepErrorCode, message: string, details: PidkeepErrorDetails = {}) {
    const subject = [details.record, details.pid === undefined ? undefined : `pid ${details.pid}`]
      .filter(Boolean)
      .join(', ');
    super(`[pidkeep] ${subject ? `${subject}: ` : ''}${message}`, { cause: details.cause });
    this.name = 'PidkeepError';
    this.code = code;
    this.record = details.record;
    this.pid = details.pid;
  }
}

/** Describes an unknown thrown value for a message, keeping `code`s such as ENOENT visible. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** The message without the `[pidkeep] <record>, pid <n>: ` prefix the constructor put in front of it. */
export function bareMessage(error: PidkeepError): string {
  const subject = [error.record, error.pid === undefined ? undefined : `pid ${error.pid}`].filter(Boolean).join(', ');
  const prefix = `[pidkeep] ${subject ? `${subject}: ` : ''}`;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** Re-issues a backend's error with the record name on it, so every error names what it concerns. */
export function withRecord(error: unknown, record: string, pid?: number): unknown {
  if (!(error instanceof PidkeepError) || error.record !== undefined) return error;
  const message = error.message.replace(/^\[pidkeep\] (pid \d+: )?/, '');
  return new PidkeepError(error.code, message, { record, pid: error.pid ?? pid, cause: error.cause });
}

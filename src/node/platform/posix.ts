import type { SignalName } from '../../types.js';

/** Unix: a negative pid addresses the process group (the backend made the child a group leader). */
export function posixSignal(pid: number, signal: SignalName, group: boolean): void {
  process.kill(group ? -pid : pid, signal);
}

/**
 * Whether a process holds `pid` (signal 0 only asks; Windows answers it too). EPERM is alive, not ours. It says
 * nothing about identity: never a reason to signal.
 */
export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid < 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

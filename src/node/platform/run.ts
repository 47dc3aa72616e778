
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a short probe command without blocking the event loop (PowerShell takes longer than a poll interval).
 * Resolves with any exit status: callers decide what a non-zero one means; rejects only when it cannot run.
 */
export function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // node:child_process is loaded on first use: a command that never runs one does not pay for it.
    process.getBuiltinModule('node:child_process').execFile(command, args, { encoding: 'utf8', windowsHide: true, env, maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (error && typeof code !== 'number') return reject(new Error(`cannot run ${command}: ${error.message}`));
      resolve({ status: typeof code === 'number' ? code : 0, stdout, stderr });
    });
  });
}

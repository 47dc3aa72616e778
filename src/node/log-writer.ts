// The durable log writer: a small process that nodeBackend({ logs: { maxBytes } }) starts next to each child. It
// reads the child's stdout and stderr from two pipes and appends them to the two log files, rotating a file once it
// would pass maxBytes (`<log>` -> `<log>.1` -> ... -> `<log>.<keep>`, the oldest dropped). It needs no controller:
// it runs in its own session (a stop of the child's group does not reach it), ignores the signals a terminal sends,
// and ends by itself once both pipes reach EOF, that is when the child and every process that inherited its output
// have ended. Everything is written synchronously as it comes, so nothing is left to flush when it ends.
//
// fds: 0 the child's stdout pipe, 3 its stderr pipe, 4 and 5 the stdout and stderr logs (opened for appending by
// the controller, which has already written the run's separator into them), 1 a pipe for the word "ready", 2 the
// stderr log again (where Node would put a crash of the writer itself).
// argv: <stdout log path> <stderr log path> <maxBytes> <keep> <dev>:<ino> of the logs folder the controller checked.
// The writer works inside that folder as its working directory, by file names alone: its cwd pins the folder
// itself, so a link put in its place later is never followed (the openat() Node lacks).
import { closeSync, constants, fstatSync, ftruncateSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Socket } from 'node:net';

const NEWLINE = 0x0a;
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/** One log file that never grows past `maxBytes`: a chunk that would pass it goes on in a fresh file. */
class RotatingLog {
  constructor(
    private readonly path: string,
    private fd: number,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {}

  write(data: Uint8Array) {
    let chunk = data;
    while (chunk.length > 0) {
      // fstat, not a count of our own writes: a grandchild of an earlier run may still append to the same file.
      const size = this.size();
      const room = this.maxBytes - size;
      if (chunk.length <= room) return this.append(chunk);
      // Cut at the last line end that fits, so that rotated files hold whole lines; a line longer than a whole file
      // is cut where the file is full.
      let cut = room > 0 ? chunk.lastIndexOf(NEWLINE, room - 1) + 1 : 0;
      if (cut === 0) {
        if (size > 0) {
          this.rotate();
          continue;
        }
        cut = room;
      }
      this.append(chunk.subarray(0, cut));
      chunk = chunk.subarray(cut);
      this.rotate();
    }
  }

  private size(): number {
    try {
      return fstatSync(this.fd).size;
    } catch {
      return 0;
    }
  }

  private append(chunk: Uint8Array) {
    try {
      for (let done = 0; done < chunk.length; ) done += writeSync(this.fd, chunk, done);
    } catch {
      // A full disk (ENOSPC) or a quota: this output is lost, but the child must neither block nor get SIGPIPE.
    }
  }

  private rotate() {
    try {
      if (this.keep === 0) {
        ftruncateSync(this.fd, 0);
        return;
      }
      // Renames only inside the logs directory (the working directory, by bare names), under names made here: a
      // link planted at `<log>.N` is replaced itself, never followed.
      for (let n = this.keep - 1; n >= 1; n--) {
        try {
          renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
        } catch {
          // no such rotated file yet
        }
      }
      renameSync(this.path, `${this.path}.1`);
      const fresh = openSync(this.path, APPEND, 0o600);
      closeSync(this.fd);
      this.fd = fresh;
    } catch {
      // The directory is gone or read-only: keep the cap by emptying the file we hold instead.
      try {
        ftruncateSync(this.fd, 0);
      } catch {
        // nothing more can be done; writes go on failing quietly
      }
    }
  }

  close() {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

function main() {
  const [outPath, errPath, maxText, keepText, folderText] = process.argv.slice(2);
  const maxBytes = Number(maxText);
  const keep = Number(keepText);
  const [dev, ino] = (folderText ?? '').split(':').map(Number);
  if (!outPath || !errPath || dirname(outPath) !== dirname(errPath) || !Number.isSafeInteger(maxBytes) || maxBytes < 1 || !Number.isSafeInteger(keep) || keep < 0 || !Number.isFinite(dev) || !Number.isFinite(ino)) {
    process.stderr.write(`pidkeep log writer: bad arguments ${JSON.stringify(process.argv.slice(2))}\n`);
    process.exit(2);
  }
  process.chdir(dirname(outPath));
  const here = statSync('.');
  if (here.dev !== dev || here.ino !== ino) {
    process.stderr.write(`pidkeep log writer: ${dirname(outPath)} is no longer the folder the controller checked (a link or another folder was put there); nothing is written\n`);
    process.exit(3);
  }
  // Its own session has no terminal, but a Ctrl-C or hangup sent to it by hand must not cut a child's output.
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const) process.on(signal, () => undefined);
  const logs = [new RotatingLog(basename(outPath), 4, maxBytes, keep), new RotatingLog(basename(errPath), 5, maxBytes, keep)];
  let open = 2;
  [0, 3].forEach((fd, index) => {
    const input = new Socket({ fd, readable: true, writable: false });
    input.on('data', (chunk: Buffer) => logs[index]!.write(chunk));
    input.on('error', () => undefined); // 'close' follows
    input.once('close', () => {
      if (--open > 0) return;
      for (const log of logs) log.close();
      process.exit(0);
    });
  });
  // fd 1 stays open (unused): closed, its number could be reused by a rotated log that a stray write then hits.
  writeSync(1, 'ready\n');
}

main();

// What `pidkeep logs` prints: the last run (or all kept runs) of one stream or of both, the last N lines of each,
// then, with -f, what comes next. Both streams together are marked line by line (`out: `, `err: `); one stream alone
// is printed as it is. The files never say in which order lines of the two streams were written, so a run's stdout
// is printed before its stderr; while following, each stream's new whole lines are printed as each poll finds them.
import { closeSync, fstatSync, readSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { copyRange, LineMarker, lastSeparator, LOG_CHUNK_BYTES, openChain, openLog, parseSeparator, separatorsIn, tailStart, type FoundSeparator, type LogChain } from './log-reader.js';

type Write = (chunk: Uint8Array) => Promise<boolean>;

/** One log to print: its path and the mark for its lines (`null`: printed unchanged). */
export interface LogSource {
  path: string;
  mark: string | null;
}

export interface LogViewOptions {
  /** The last this many lines of each stream (like `tail -n`); all when undefined. */
  lines?: number | undefined;
  /** Every run the files still hold, each after its separator line; else only the last run, without it. */
  allRuns?: boolean;
  /** Leave a line that is still being written for the follower, so marked streams never mix within a line. */
  following?: boolean;
}

export interface LogView {
  /** Whether any of the logs exists. */
  readonly found: boolean;
  /** False once the output was closed (`| head`): stop. */
  readonly reading: boolean;
  /** Prints what the logs gained since; `final` also prints an unfinished last line. Resolves to `reading`. */
  poll(final?: boolean): Promise<boolean>;
  close(): void;
}

/** A stretch of one log that belongs to one run (`separator` undefined: a run whose separator is not kept). */
interface Segment {
  separator: FoundSeparator | undefined;
  start: number;
  end: number;
}

/**
 * Prints the logs of `sources` as `options` say through `write`, and returns a view that can follow them. Reads only
 * regular files inside `home` (see `openLog`); throws `PERMISSION_DENIED` for anything else.
 */
export async function showLogs(sources: LogSource[], home: string, options: LogViewOptions, write: Write, record?: string): Promise<LogView> {
  const streams: Array<{ source: LogSource; marker: LineMarker; chain: LogChain | undefined; segments: Segment[]; end: number }> = [];
  try {
    for (const source of sources) {
      const chain = openChain(source.path, home, record);
      const marker = new LineMarker(source.mark === null ? null : Buffer.from(source.mark));
      if (!chain) {
        streams.push({ source, marker, chain, segments: [], end: 0 });
        continue;
      }
      // Following marked lines: the last line may be half written; the follower prints it once it is whole.
      const end = options.following && source.mark !== null ? wholeLinesEnd(chain) : chain.size;
      streams.push({ source, marker, chain, segments: segmentsOf(chain, end, options), end });
    }
    let reading = true;
    for (const run of runsOf(streams.map((s) => s.segments), options.allRuns === true)) {
      if (options.allRuns && run.separator) reading = await write(Buffer.from(`${run.separator}\n`));
      for (const [index, segment] of run.segments) {
        if (!reading) break;
        const stream = streams[index]!;
        reading = (await copyRange(stream.chain!, segment.start, segment.end, stream.marker, write)).reading;
        if (reading) reading = await writeSome(write, stream.marker.endLine());
      }
      if (!reading) break;
    }
    const followers = streams.map(({ source, marker, chain, end }) => new Follower(source.path, home, record, marker, chain, end));
    for (const { chain } of streams) chain?.close();
    const found = streams.some((s) => s.chain !== undefined);
    return {
      found,
      get reading() {
        return reading;
      },
      async poll(final = false) {
        for (const follower of followers) {
          if (!reading) break;
          reading = await follower.poll(write, final);
        }
        return reading;
      },
      close() {
        for (const follower of followers) follower.close();
      },
    };
  } catch (error) {
    for (const { chain } of streams) chain?.close();
    throw error;
  }
}

async function writeSome(write: Write, bytes: Uint8Array): Promise<boolean> {
  return bytes.length === 0 ? true : write(bytes);
}

/** The end of the chain's last whole line; the chain's end when its last line is longer than a chunk. */
function wholeLinesEnd(chain: LogChain): number {
  const look = Math.min(chain.size, LOG_CHUNK_BYTES);
  const buffer = Buffer.allocUnsafe(look);
  const n = chain.read(buffer, chain.size - look, look);
  const newline = buffer.subarray(0, n).lastIndexOf(0x0a);
  return newline < 0 ? (look < LOG_CHUNK_BYTES ? chain.size - look : chain.size) : chain.size - look + newline + 1;
}

/** The parts of one log to print, each with the run it belongs to. */
function segmentsOf(chain: LogChain, end: number, options: LogViewOptions): Segment[] {
  if (!options.allRuns) {
    // Only the last run: it starts after the last separator (or, when rotation dropped that, at the oldest byte kept).
    const last = lastSeparator(chain, end);
    const floor = last?.contentStart ?? 0;
    const start = options.lines === undefined ? floor : tailStart(chain, floor, end, options.lines);
    return [{ separator: last, start, end }];
  }
  const from = options.lines === undefined ? 0 : tailStart(chain, 0, end, options.lines);
  const segments: Segment[] = [];
  let current = { separator: from === 0 ? undefined : lastSeparator(chain, from), start: from };
  for (const separator of separatorsIn(chain, from, end)) {
    segments.push({ ...current, end: separator.lineStart });
    current = { separator, start: separator.contentStart };
  }
  segments.push({ ...current, end });
  // Empty stretches go, but a run whose separator is in view stays, output or not: it did start.
  return segments.filter((s) => s.end > s.start || (s.separator !== undefined && s.separator.lineStart >= from));
}

/**
 * The runs to print, oldest first, each with the stretch of every log that belongs to it. The same spawn wrote the
 * same separator into both logs, which pairs them; a stretch whose separator is not kept is the oldest run.
 */
function runsOf(perStream: Segment[][], allRuns: boolean): Array<{ separator: string | undefined; segments: Array<[number, Segment]> }> {
  if (!allRuns) {
    // Each log's last run is the same run: a later spawn would have left its separator in both.
    return [{ separator: undefined, segments: perStream.flatMap((segments, index) => segments.map((s): [number, Segment] => [index, s])) }];
  }
  const runs = new Map<string, { separator: string | undefined; segments: Array<[number, Segment]> }>();
  perStream.forEach((segments, index) => {
    for (const segment of segments) {
      const key = segment.separator?.text ?? '';
      let run = runs.get(key);
      if (!run) runs.set(key, (run = { separator: segment.separator?.text, segments: [] }));
      run.segments.push([index, segment]);
    }
  });
  // Separators carry their start time: a run one log no longer holds still falls into its place.
  const startOf = (text: string | undefined) => (text === undefined ? '' : (parseSeparator(text)?.startedAt ?? ''));
  return [...runs.values()].sort((a, b) => (startOf(a.separator) < startOf(b.separator) ? -1 : startOf(a.separator) > startOf(b.separator) ? 1 : 0));
}

/**
 * Follows one log from where the first print stopped. It holds the file it reads open; when the log's path names a
 * new file (the writer rotated it), it reads the old one to its end first, then the new one from its start.
 */
class Follower {
  private fd: number | undefined;
  private stats: Stats | undefined;
  private offset = 0;
  private readonly buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES);

  constructor(
    private readonly path: string,
    private readonly home: string,
    private readonly record: string | undefined,
    private readonly marker: LineMarker,
    chain: LogChain | undefined,
    end: number,
  ) {
    const current = chain?.takeCurrent();
    if (current && chain) {
      this.fd = current.fd;
      this.stats = current.stats;
      // `end` is a chain offset; the log's own file is the chain's last part.
      this.offset = Math.max(0, end - (chain.size - current.size));
    }
  }

  async poll(write: Write, final: boolean): Promise<boolean> {
    if (this.fd !== undefined && !(await this.drain(write, final))) return false;
    const fd = openLog(this.path, this.home, this.record);
    if (fd === undefined) return true; // between a rotation's rename and its new file, or not written yet
    const stats = fstatSync(fd);
    if (this.fd !== undefined && this.stats && stats.dev === this.stats.dev && stats.ino === this.stats.ino) {
      closeSync(fd);
      if (stats.size < this.offset) this.offset = 0; // truncated (a writer that keeps no rotated file)
      return true;
    }
    // A new file at the path: whatever the old one still held is printed first, then the new one from its start.
    if (this.fd !== undefined) {
      const ok = await this.drain(write, true);
      closeSync(this.fd);
      if (!ok) {
        this.fd = undefined;
        closeSync(fd);
        return false;
      }
    }
    this.fd = fd;
    this.stats = stats;
    this.offset = 0;
    return this.drain(write, final);
  }

  /** Prints the held file from `offset` to its end; a marked, unfinished last line waits unless `flush`. */
  private async drain(write: Write, flush: boolean): Promise<boolean> {
    const fd = this.fd!;
    const holdBack = !flush && this.marker.marks;
    for (;;) {
      const n = readSync(fd, this.buffer, 0, LOG_CHUNK_BYTES, this.offset);
      if (n === 0) break;
      let take = n;
      if (holdBack) {
        const newline = this.buffer.subarray(0, n).lastIndexOf(0x0a);
        if (newline >= 0) take = newline + 1;
        else if (n < LOG_CHUNK_BYTES) break; // an unfinished short line: next time
      }
      if (!(await write(this.marker.mark(this.buffer.subarray(0, take))))) return false;
      this.offset += take;
      if (n < LOG_CHUNK_BYTES) break;
    }
    return flush ? writeSome(write, this.marker.endLine()) : true;
  }

  close() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** At most this much of a log goes into an error message. */
const TAIL_BYTES = 16 * 1024;

/**
 * The last `lines` lines of the last run in the log at `path` (its rotated files included), at most 16 KiB, for an
 * error message such as "the last lines of its stderr"; '' when that run wrote nothing or there is no log.
 */
/** The run id in the last separator line of the log at `path` (and its rotated files), if one can be read. */
export function lastRunIdIn(path: string): string | undefined {
  let chain;
  try {
    chain = openChain(path, dirname(path));
  } catch {
    return undefined; // a log that cannot be read (a link, another user's) names nothing
  }
  if (!chain) return undefined;
  try {
    const found = lastSeparator(chain, chain.size);
    return found ? parseSeparator(found.text.trim())?.id : undefined;
  } finally {
    chain.close();
  }
}

export function lastRunTail(path: string, lines: number): string {
  const chain = openChain(path, dirname(path));
  if (!chain) return '';
  try {
    const floor = Math.max(lastSeparator(chain, chain.size)?.contentStart ?? 0, chain.size - TAIL_BYTES);
    const start = tailStart(chain, floor, chain.size, lines);
    const buffer = Buffer.allocUnsafe(chain.size - start);
    return buffer.toString('utf8', 0, chain.read(buffer, start, buffer.length));
  } finally {
    chain.close();
  }
}

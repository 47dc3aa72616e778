import type { GroupMember, Identity, MarkedProcess, ProbeOptions, ProbeResult, SignalName } from '../../types.js';

/** Everything that differs between operating systems, behind one small contract: one file per platform. */
export interface Platform {
  readonly name: string;
  maxPid(): number;
  /** The per-user directory for application data, before the `pidkeep` folder. */
  dataDir(): string;
  /** Batched: one read per pid on Linux, one process for all pids elsewhere. */
  probe(pids: readonly number[], options?: ProbeOptions): ProbeResult[] | Promise<ProbeResult[]>;
  /** Identity of a just-spawned child, even if it has already become a zombie. */
  identity(pid: number): Identity | undefined | Promise<Identity | undefined>;
  /** Finds live processes whose pidkeep marker starts with `prefix`; absent where environments cannot be read. */
  scan?(prefix: string): MarkedProcess[];
  /**
   * Whether process `pid` sees at `path` the very folder this controller sees there (device and inode, resolved from
   * its own root and mount namespace): false for another folder at that path (another mount namespace, a chroot)
   * or none; undefined when it cannot be read (a process that is not dumpable). Absent where processes share one
   * view of the file system.
   */
  seesSameFile?(pid: number, path: string): boolean | undefined;
  /**
   * Whether the socket listening on TCP `port` belongs to process `pid` or one of its descendants: false when
   * another process holds it or none listens; absent where it cannot be told (then a connection has to do).
   */
  listensOn?(pid: number, port: number): boolean;
  /**
   * Whether process `pid` or any of its descendants is running code (or waiting on a disk) now, and the CPU time
   * they have used, in clock ticks: a tree that is not busy and whose time stands still is waiting for work.
   * Undefined when `pid` is gone. Absent where it cannot be read cheaply.
   */
  activity?(pid: number): { busy: boolean; cpu: number } | undefined;
  /** The current boot id, where cheap to read (Linux). */
  bootId?(): string;
  /** The pid namespace the controller's pids are meaningful in (Linux: `pid:[inode]`); absent elsewhere. */
  pidNamespace?(): string | undefined;
  /** Live members of a process group, and how many are proven (see Backend.groupMembers). */
  groupMembers?(pgid: number, marker: string, proven?: readonly GroupMember[]): { total: number; marked: number };
  /** Members of the group a live session leader leads, among its descendants (see Backend.groupDescendants). */
  groupDescendants?(pgid: number): GroupMember[];
  /** The controller's own process group, where cheap to know. */
  ownGroup?(): number | undefined;
  /** Sends a signal to a pid, or to its group; platforms without groups kill the tree their own way. */
  signal(pid: number, signal: SignalName, group: boolean): void;
}

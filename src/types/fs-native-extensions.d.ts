// The parts of fs-native-extensions (flock / OFD locks / LockFileEx, prebuilt in its npm package) that pidkeep uses.
declare module 'fs-native-extensions' {
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}

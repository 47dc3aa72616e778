// flock(2) through fs-native-extensions' prebuilt addon, loaded straight from its prebuilds folder: the package's
// own entry resolves the addon through require-addon and bare-addon-resolve, ~18 ms of a CLI command's start-up.
// Any other layout (a musl host, a build from source) falls back to the package itself.
import { createRequire } from 'node:module';

interface Binding {
  tryLock(fd: number, offset: number, length: number, exclusive: boolean): void;
  unlock(fd: number, offset: number, length: number): void;
}

const require = createRequire(import.meta.url);
let binding: Binding | undefined;
let pkg: { tryLock(fd: number, options?: { shared: boolean }): boolean; unlock(fd: number): void } | undefined;
const load = () => {
  if (binding || pkg) return;
  try {
    // The addon's calls are the package's internals: used directly only with the major version they were read from
    // (1.x: index.js passes (fd, offset, length, exclusive) and turns EAGAIN into false, as below).
    const { version } = require('fs-native-extensions/package.json') as { version: string };
    if (!version.startsWith('1.')) throw new Error(`fs-native-extensions ${version}`);
    binding = require(`fs-native-extensions/prebuilds/${process.platform}-${process.arch}/fs-native-extensions.node`) as Binding;
  } catch {
    pkg = require('fs-native-extensions');
  }
};

/** An exclusive flock on `fd` (a shared one with `shared`); false while another holds a lock that conflicts. */
export function tryLock(fd: number, shared = false): boolean {
  load();
  if (pkg) return pkg.tryLock(fd, { shared });
  try {
    binding!.tryLock(fd, 0, 0, !shared);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return false;
    throw error;
  }
}

export function unlock(fd: number): void {
  load();
  if (pkg) pkg.unlock(fd);
  else binding!.unlock(fd, 0, 0);
}

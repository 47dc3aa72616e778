import { darwin } from './darwin.js';
import { linux } from './linux.js';
import type { Platform } from './types.js';
import { win32 } from './win32.js';

export type { Platform } from './types.js';
export { pidExists } from './pid.js';

/** The one place that branches on the operating system. */
export function currentPlatform(): Platform {
  switch (process.platform) {
    case 'linux':
      return linux;
    case 'darwin':
      return darwin;
    case 'win32':
      return win32;
    default:
      throw new Error(`pidkeep has no process backend for ${process.platform} yet (supported: linux, darwin, win32)`);
  }
}

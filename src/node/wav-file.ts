import type { FileHandle } from 'node:fs/promises';
import type { RandomAccessFile } from '../ffmpeg/wav.js';

/**
 * A RandomAccessFile over an open fs/promises FileHandle (open it with 'r+' to repair). The caller keeps and
 * closes the handle.
 *
 * @example
 * const handle = await open('take-1.wav', 'r+');
 * try {
 *   await repairWav(nodeFile(handle));
 * } finally {
 *   await handle.close();
 * }
 */
export function nodeFile(handle: FileHandle): RandomAccessFile {
  return {
    async size() {
      return (await handle.stat()).size;
    },
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      let filled = 0;
      // A read may return fewer bytes than asked before the end of the file: go on until it returns none.
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
    async write(offset, data) {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written, offset + written);
        written += bytesWritten;
      }
    },
  };
}

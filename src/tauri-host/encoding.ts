// Output decoding as the shell plugin does it: strict UTF-8 by default (a bad line becomes an Error event
// with Rust's FromUtf8Error text), any WHATWG label through encoding_rs (BOM removed), or `raw` bytes.

export type Decode = (bytes: Buffer) => { text: string } | { raw: number[] } | { error: string };

/** Rust's Utf8Error text for invalid bytes, or undefined for valid UTF-8. */
export function utf8Error(bytes: Uint8Array): string | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return `invalid utf-8 sequence of 1 bytes from index ${i}`;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined) return `incomplete utf-8 byte sequence from index ${i}`;
      // second-byte ranges that exclude overlongs, surrogates and code points above U+10FFFF
      const low = k === 1 && b === 0xe0 ? 0xa0 : k === 1 && b === 0xf0 ? 0x90 : 0x80;
      const high = k === 1 && b === 0xed ? 0x9f : k === 1 && b === 0xf4 ? 0x8f : 0xbf;
      if (next < low || next > high) return `invalid utf-8 sequence of ${k} bytes from index ${i}`;
    }
    i += need + 1;
  }
  return undefined;
}

/** The decoder for `options.encoding`, or an error string for an unknown label ("unknown encoding X"). */
export function decoderFor(encoding: unknown): Decode | string {
  if (encoding === undefined || encoding === null) {
    return (bytes) => {
      const error = utf8Error(bytes);
      return error ? { error } : { text: bytes.toString('utf8') };
    };
  }
  if (encoding === 'raw') return (bytes) => ({ raw: [...bytes] });
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(String(encoding));
  } catch {
    return `unknown encoding ${String(encoding)}`;
  }
  return (bytes) => ({ text: decoder.decode(bytes) });
}

/** Splits a byte stream into lines ending in `\n` (or `\r` when a chunk has no `\n`), terminators kept. */
export function lineSplitter(emit: (line: Buffer) => void) {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk: Buffer) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        let at = pending.indexOf(0x0a);
        if (at < 0) at = pending.indexOf(0x0d);
        if (at < 0) return;
        emit(pending.subarray(0, at + 1));
        pending = pending.subarray(at + 1);
      }
    },
    end() {
      if (pending.length) emit(pending);
      pending = Buffer.alloc(0);
    },
  };
}

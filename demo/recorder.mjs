// A stand-in for `ffmpeg ... out.wav`: appends a "sample" line every 100 ms. Like FFmpeg it finishes its file
// (writes a trailer) on `q` from stdin, or on one SIGINT/SIGTERM; SIGKILL leaves the file unfinished.
import { appendFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
writeFileSync(out, 'HEADER\n');
let n = 0;
const timer = setInterval(() => appendFileSync(out, `sample ${++n}\n`), 100);
const finish = (why, code) => {
  clearInterval(timer);
  appendFileSync(out, `TRAILER (finished by ${why})\n`);
  process.exit(code);
};
process.stdin.setEncoding('utf8').on('data', (text) => text.includes('q') && finish('q', 0));
process.on('SIGINT', () => finish('SIGINT', 255));
process.on('SIGTERM', () => finish('SIGTERM', 255));

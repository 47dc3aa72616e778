// pidkeep's reading of shell scope validators (src/tauri/rust-regex.ts) against the real `regex` crate, at the version
// the example's Cargo.lock gives tauri-plugin-shell (test/rust-regex, built by scripts/real-app.mjs). Each pattern is
// anchored as Tauri anchors it (`^{v}$`) and tried on the same arguments in both engines: the translation must match
// what Rust matches, and refuse what Rust refuses; where it refuses a pattern Rust takes, it names the construct.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
// @ts-expect-error a plain .mjs module shared with the build script (no declarations)
import { appBinary } from '../../scripts/real-app-paths.mjs';
import { rustRegExp, RustPatternError } from '../../src/tauri/rust-regex.js';
import { reaper, root } from '../helpers/index.js';

/** The regex crate, asked line by line: `pattern(p)` then `matches(input)`. */
function rustRegex(t: TestContext) {
  const child = spawn(appBinary('pidkeep-rust-regex') as string, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  reaper(t)(child.pid);
  t.after(() => child.stdin.end());
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const ask = (line: string) =>
    new Promise<string>((resolve) => {
      waiting.push(resolve);
      child.stdin.write(`${line}\n`);
    });
  const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
  return {
    pattern: (pattern: string) => ask(`P ${hex(pattern)}`),
    matches: async (input: string) => (await ask(`I ${hex(input)}`)) === '1',
  };
}

/** Patterns as a capability's validators hold them, with arguments that tell the engines' readings apart. */
const CASES: Array<[string, string[]]> = [
  ['\\d+', ['123', '٣٤', '１２', '12a', '']],
  ['\\D', ['a', '٣', '5']],
  ['\\w+', ['abc_1', 'éß', 'ｱｲ', 'a-b', '٣']],
  ['\\W', ['-', 'é', ' ']],
  ['\\s', [' ', '\u00a0', '\u2003', '\n', '\u0085', 'x']],
  ['\\S+', ['ab', 'a b', '\u00a0']],
  ['.+', ['abc', 'a\rb', 'a\u2028b', 'a\nb', '😀']],
  ['[[:alpha:]]+', ['abc', 'é', ':', 'ab:']],
  ['[[:digit:][:upper:]]+', ['A1', 'a1', '٣']],
  ['[^\\d]+', ['abc', '٣', 'a1']],
  ['[\\w-]+', ['a-b_c', 'é-1', 'a b']],
  ['(?i)abc', ['ABC', 'abc', 'aBc', 'abd']],
  ['(?i)\\p{Lu}', ['A', 'a', '1']],
  ['a|b', ['a', 'b', 'ab', 'xb', 'ax', 'axb']],
  ['(a|b)', ['a', 'b', 'ab', 'ax']],
  ['\\x{e9}\\x41\\u00e9', ['éAé', 'eAe']],
  ['(?P<name>x)y(?<other>z)', ['xyz', 'xy']],
  ['\\-\\.\\/\\#\\&', ['-./#&', '-.x#&']],
  ['[]a]+', [']a]', 'a', 'b']],
  ['\\pL+', ['éa', 'a1']],
  ['\\p{Nd}', ['٣', 'a']],
  ['\\A\\d\\z', ['1', '12']],
  ['a{2,3}', ['a', 'aa', 'aaa', 'aaaa']],
  ['[a-c/]+', ['a/b', 'd']],
  ['(/([^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+))*/recordings/x\\.wav', ['/home/u/recordings/x.wav', '/home/../recordings/x.wav', '/a/./recordings/x.wav']],
  // refused: Rust takes them, but no translation keeps their meaning
  ['\\bfoo\\b', ['foo']],
  ['[a-z&&[^aeiou]]+', ['bcd', 'abc']],
  ['(?x) a b', ['ab']],
  ['\\p{Greek}+', ['αβ']],
  // refused by Rust itself (the app would fail when it first uses the scope)
  ['(?=a)a', ['a']],
  ['(a)\\1', ['aa']],
  ['a{,3}', ['aa']],
  ['\\e', ['x']],
];

test("scope validators: pidkeep's translation matches what Rust's regex crate matches, and refuses what it cannot say", async (t) => {
  const rust = rustRegex(t);
  const wrong: string[] = [];
  for (const [validator, inputs] of CASES) {
    const anchored = `^${validator}$`;
    const verdict = await rust.pattern(anchored);
    let js: RegExp | undefined;
    let refusal: string | undefined;
    try {
      js = rustRegExp(anchored);
    } catch (error) {
      assert.ok(error instanceof RustPatternError, String(error));
      refusal = error.message;
    }
    if (verdict !== 'ok') {
      if (js) wrong.push(`${validator}: Rust refuses it (${verdict}), the translation takes it`);
      continue;
    }
    if (!js) {
      // refused by pidkeep only: must name why, and be one of the constructs the docs list
      if (!/\\b|set operation|inline flags|general categories/.test(refusal!)) wrong.push(`${validator}: refused for an unlisted reason: ${refusal}`);
      continue;
    }
    for (const input of inputs) {
      const inRust = await rust.matches(input);
      if (js.test(input) !== inRust) wrong.push(`${validator} on ${JSON.stringify(input)}: Rust ${inRust}, JavaScript ${!inRust}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("every validator of the example's capability files means the same in both engines", async (t) => {
  const rust = rustRegex(t);
  const validators: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const v = value as { validator?: unknown; raw?: boolean };
      if (typeof v.validator === 'string') validators.push(v.raw ? v.validator : `^${v.validator}$`);
      Object.values(value).forEach(walk);
    }
  };
  for (const file of ['default.json', 'windows.json']) walk(JSON.parse(readFileSync(join(root, 'examples', 'tauri-app', 'src-tauri', 'capabilities', file), 'utf8')));
  assert.ok(validators.length >= 10);
  const probes = ['1', '123', '12,34', '-', 'TERM', 'pulse', 'alsa', 'default', 'sine=frequency=440:sample_rate=48000', '/x/dev.pidkeep.example/recordings/recording-20260101-000000.wav', '0123456789abcdef/0123456789abcdef', '٣', 'a b', ''];
  for (const validator of validators) {
    assert.equal(await rust.pattern(validator), 'ok', validator);
    const js = rustRegExp(validator);
    for (const input of probes) assert.equal(js.test(input), await rust.matches(input), `${validator} on ${JSON.stringify(input)}`);
  }
});

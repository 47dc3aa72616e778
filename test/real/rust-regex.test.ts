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

/**
 * Patterns as a capability's validators hold them, with arguments that tell the engines' readings apart, and what
 * pidkeep must do with each: `same` (translate, and match exactly what Rust matches) or `refused` (no translation
 * keeps the meaning, or Rust itself refuses the pattern).
 */
const CASES: Array<[string, 'same' | 'refused', string[]]> = [
  ['\\d+', 'same', ['123', '٣٤', '１２', '12a', '']],
  ['\\D', 'same', ['a', '٣', '5']],
  ['\\w+', 'same', ['abc_1', 'éß', 'ｱｲ', 'a-b', '٣']],
  ['\\W', 'same', ['-', 'é', ' ']],
  ['\\s', 'same', [' ', '\u00a0', '\u2003', '\n', '\u0085', 'x']],
  ['\\S+', 'same', ['ab', 'a b', '\u00a0']],
  ['.+', 'same', ['abc', 'a\rb', 'a\u2028b', 'a\nb', '😀']],
  ['[[:alpha:]]+', 'same', ['abc', 'é', ':', 'ab:']],
  ['[[:digit:][:upper:]]+', 'same', ['A1', 'a1', '٣']],
  ['[^\\d]+', 'same', ['abc', '٣', 'a1']],
  ['[\\w-]+', 'same', ['a-b_c', 'é-1', 'a b']],
  ['(?i)abc', 'same', ['ABC', 'abc', 'aBc', 'abd']],
  ['(?i)\\p{Lu}', 'same', ['A', 'a', '1']],
  ['(?i)\\P{Ll}', 'same', ['A', 'a', '1']],
  ['(?i)[^a]', 'same', ['A', 'a', 'b']],
  ['a|b', 'same', ['a', 'b', 'ab', 'xb', 'ax', 'axb']],
  ['(a|b)', 'same', ['a', 'b', 'ab', 'ax']],
  ['\\x{e9}\\x41\\u00e9', 'same', ['éAé', 'eAe']],
  ['(?P<name>x)y(?<other>z)', 'same', ['xyz', 'xy']],
  ['\\-\\.\\/\\#\\&', 'same', ['-./#&', '-.x#&']],
  ['[]a]+', 'same', [']a]', 'a', 'b']],
  ['a]b}', 'same', ['a]b}', 'ab']],
  ['\\pL+', 'same', ['éa', 'a1']],
  ['\\p{Nd}', 'same', ['٣', 'a']],
  ['\\A\\d\\z', 'same', ['1', '12']],
  ['a{2,3}', 'same', ['a', 'aa', 'aaa', 'aaaa']],
  ['a{2, 3}', 'same', ['a', 'aa', 'aaaa']],
  ['[a-c/]+', 'same', ['a/b', 'd']],
  ['(/([^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+))*/recordings/x\\.wav', 'same', ['/home/u/recordings/x.wav', '/home/../recordings/x.wav', '/a/./recordings/x.wav']],
  // Rust takes these, but no translation keeps their meaning
  ['\\bfoo\\b', 'refused', ['foo']],
  ['\\<a\\>', 'refused', ['a']],
  ['[a-z&&[^aeiou]]+', 'refused', ['bcd', 'abc']],
  ['(?x) a b', 'refused', ['ab']],
  ['\\p{Greek}+', 'refused', ['αβ']],
  ['(?i)[\\P{Ll}]', 'refused', ['a']],
  ['[%-[:alpha:]]', 'refused', ['%']],
  // Rust refuses these itself (the app would fail when it first uses the scope)
  ['(?=a)a', 'refused', ['a']],
  ['(a)\\1', 'refused', ['aa']],
  ['a{,3}', 'refused', ['aa']],
  ['\\e', 'refused', ['x']],
  ['\\x4', 'refused', ['x']],
  ['\\x{D800}', 'refused', ['x']],
  ['\\é', 'refused', ['é']],
];

test("scope validators: pidkeep's translation matches what Rust's regex crate matches, and refuses what it cannot say", async (t) => {
  const rust = rustRegex(t);
  const wrong: string[] = [];
  for (const [validator, expected, inputs] of CASES) {
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
    if (verdict !== 'ok' && js) wrong.push(`${validator}: Rust refuses it (${verdict}), the translation takes it`);
    if (expected === 'refused') {
      if (js) wrong.push(`${validator}: translated, but it must be refused`);
      continue;
    }
    if (verdict !== 'ok') wrong.push(`${validator}: Rust refuses it (${verdict}); the case says it is a valid pattern`);
    if (!js) {
      wrong.push(`${validator}: refused (${refusal}), but it must be translated`);
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

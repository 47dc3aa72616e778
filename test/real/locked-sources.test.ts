// What pidkeep says of Tauri's Rust is checked against the very crates the example app is built with (its Cargo.lock,
// unpacked by cargo: `cargo metadata --offline` names their folders): the host's permission manifests are what
// tauri-build generated from them, and each source citation in the docs and comments points at lines that still say
// what is claimed. A crate update that moves or changes one fails here, naming the citation to fix.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ACL } from '../../src/tauri-host/acl-data.js';
// @ts-expect-error a plain .mjs module shared with its script (no declarations)
import { compactManifests, generatedManifests } from '../../scripts/host-manifests.mjs';
import { root } from '../helpers/index.js';

const exampleCrate = join(root, 'examples', 'tauri-app', 'src-tauri');

/** The folder of each locked crate, by name: those this machine's build unpacked (its target only, offline). */
function lockedCrates(): Map<string, { version: string; dir: string }> {
  const host = /^host: (\S+)$/m.exec(spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout ?? '')?.[1];
  assert.ok(host, 'rustc -vV names the host target');
  const args = ['metadata', '--format-version', '1', '--locked', '--offline', '--filter-platform', host, '--manifest-path', join(exampleCrate, 'Cargo.toml')];
  const run = spawnSync('cargo', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `cargo metadata failed (the crates come with \`node scripts/real-app.mjs\`): ${run.stderr}`);
  const packages = (JSON.parse(run.stdout) as { packages: Array<{ name: string; version: string; manifest_path: string }> }).packages;
  return new Map(packages.map((p) => [p.name, { version: p.version, dir: dirname(p.manifest_path) }]));
}

test("the host's permission manifests are the ones tauri-build generated for the example's locked crates", () => {
  const generated = compactManifests(JSON.parse(readFileSync(generatedManifests, 'utf8')));
  assert.deepEqual(ACL, generated, 'regenerate src/tauri-host/acl-data.ts: node scripts/host-manifests.mjs');
});

/** A citation: where we make it, the text that makes it, and what the cited lines of the locked crate hold. */
interface Citation {
  in: string;
  says: string;
  crate: string;
  file: string;
  lines: [number, number];
  holds: string[];
}
const citations: Citation[] = [
  { in: 'README.md', says: 'tauri-plugin-shell 2.4.1\n`src/lib.rs:163-174`', crate: 'tauri-plugin-shell', file: 'src/lib.rs', lines: [163, 174], holds: ['RunEvent::Exit', 'child.kill()'] },
  { in: 'src/tauri/quit.ts', says: 'tauri-plugin-shell 2.4.1 src/lib.rs:163-174', crate: 'tauri-plugin-shell', file: 'src/lib.rs', lines: [163, 174], holds: ['RunEvent::Exit', 'child.kill()'] },
  { in: 'examples/tauri-app/src-tauri/src/stop_on_quit.rs', says: 'tauri-plugin-shell 2.4.1 src/lib.rs:163-174', crate: 'tauri-plugin-shell', file: 'src/lib.rs', lines: [163, 174], holds: ['RunEvent::Exit', 'child.kill()'] },
  { in: 'README.md', says: 'tauri 2.12.7\n  `src/manager/window.rs:177-182`', crate: 'tauri', file: 'src/manager/window.rs', lines: [177, 182], holds: ['CloseRequested', 'has_js_listener', 'prevent_close'] },
  { in: 'README.md', says: 'tauri 2.12.7 `src/app.rs:2409-2414`', crate: 'tauri', file: 'src/app.rs', lines: [2409, 2414], holds: ['target_os = "macos"', 'enable_macos_default_menu', 'Menu::default'] },
  { in: 'README.md', says: '`src/menu/menu.rs:182-196`', crate: 'tauri', file: 'src/menu/menu.rs', lines: [182, 196], holds: ['PredefinedMenuItem::quit'] },
  { in: 'README.md', says: 'muda 0.20.0 `src/platform_impl/macos/mod.rs:944`', crate: 'muda', file: 'src/platform_impl/macos/mod.rs', lines: [944, 944], holds: ['Quit', 'terminate:'] },
  { in: 'README.md', says: 'tao 0.37.3 `src/platform_impl/macos/app_delegate.rs:76-81`', crate: 'tao', file: 'src/platform_impl/macos/app_delegate.rs', lines: [76, 81], holds: ['applicationWillTerminate', 'AppState::exit'] },
  { in: 'README.md', says: '`app_state.rs:271-273`', crate: 'tao', file: 'src/platform_impl/macos/app_state.rs', lines: [271, 273], holds: ['LoopDestroyed'] },
  { in: 'README.md', says: 'tauri-runtime-wry 2.12.5 `src/lib.rs:4134-4136`', crate: 'tauri-runtime-wry', file: 'src/lib.rs', lines: [4134, 4136], holds: ['LoopDestroyed', 'RunEvent::Exit'] },
  { in: 'README.md', says: 'muda 0.20.0\n`src/platform_impl/windows/mod.rs:1172-1173`', crate: 'muda', file: 'src/platform_impl/windows/mod.rs', lines: [1172, 1173], holds: ['Quit', 'PostQuitMessage'] },
  { in: 'README.md', says: 'tauri 2.12.7 `src/event/listener.rs:240-255`', crate: 'tauri', file: 'src/event/listener.rs', lines: [240, 255], holds: ['fn listen_js', 'JsHandler::new'] },
  { in: 'README.md', says: 'tauri 2.12.7 `src/path/desktop.rs:239-271`', crate: 'tauri', file: 'src/path/desktop.rs', lines: [239, 271], holds: ['fn app_config_dir', 'fn app_data_dir', 'fn app_local_data_dir'] },
  { in: 'README.md', says: 'tauri-plugin-shell 2.4.1 `src/scope.rs:255-325`', crate: 'tauri-plugin-shell', file: 'src/scope.rs', lines: [255, 325], holds: ['fn _prepare', 'ScopeAllowedArg::Fixed'] },
  { in: 'README.md', says: 'tauri-plugin-shell 2.4.1 `src/scope.rs:93-97`', crate: 'tauri-plugin-shell', file: 'src/scope.rs', lines: [93, 97], holds: ['format!("^{validator}$")'] },
  { in: 'src/tauri/platform/linux.ts', says: 'tauri-plugin-shell 2.4.1 src/scope.rs:278-283', crate: 'tauri-plugin-shell', file: 'src/scope.rs', lines: [278, 283], holds: ['ScopeAllowedArg::Fixed', 'Error::MissingVar'] },
  { in: 'src/tauri-host/windows.ts', says: 'tauri-runtime-wry 2.12.5 src/lib.rs:4354-4391', crate: 'tauri-runtime-wry', file: 'src/lib.rs', lines: [4354, 4391], holds: ['CloseRequested', 'on_window_close'] },
  { in: 'src/tauri-host/windows.ts', says: 'tauri-runtime-wry lib.rs:4259-4273', crate: 'tauri-runtime-wry', file: 'src/lib.rs', lines: [4259, 4273], holds: ['ExitRequested { code: None'] },
  { in: 'src/tauri-host/windows.ts', says: 'lib.rs:4303-4316', crate: 'tauri-runtime-wry', file: 'src/lib.rs', lines: [4303, 4316], holds: ['RequestExit(code)', 'ExitRequested {', 'code: Some(code)'] },
  { in: 'src/tauri-host/windows.ts', says: 'src/manager/mod.rs:594-639', crate: 'tauri', file: 'src/manager/mod.rs', lines: [594, 639], holds: ['fn emit_to', 'EventTarget::AnyLabel'] },
  { in: 'src/tauri-host/windows.ts', says: 'listener.rs:356-361', crate: 'tauri', file: 'src/event/listener.rs', lines: [356, 361], holds: ['fn match_any_or_filter', 'EventTarget::Any'] },
  { in: 'src/tauri-host/host.ts', says: 'tauri src/event/plugin.rs:34-50', crate: 'tauri', file: 'src/event/plugin.rs', lines: [34, 50], holds: ['async fn emit<', 'async fn emit_to<'] },
  { in: 'src/tauri-host/host.ts', says: 'tauri src/app/plugin.rs:49-51', crate: 'tauri', file: 'src/app/plugin.rs', lines: [49, 51], holds: ['pub fn exit', 'app.exit(code)'] },
  { in: 'src/tauri-host/fs-handles.ts', says: '`read` (:510-544): `len` a usize', crate: 'tauri-plugin-fs', file: 'src/commands.rs', lines: [510, 544], holds: ['pub async fn read', 'len: usize'] },
  { in: 'src/tauri-host/resources.ts', says: '(src/error.rs:145-147)', crate: 'tauri', file: 'src/error.rs', lines: [145, 147], holds: ['The resource id {0} is invalid.'] },
];

test('every source citation in the docs and comments points at lines of the locked crates that hold what it claims', () => {
  const crates = lockedCrates();
  const wrong: string[] = [];
  for (const c of citations) {
    const text = readFileSync(join(root, c.in), 'utf8');
    if (!text.replace(/\s+/g, ' ').includes(c.says.replace(/\s+/g, ' '))) wrong.push(`${c.in} no longer says "${c.says}": update this table`);
    const crate = crates.get(c.crate);
    if (!crate) {
      wrong.push(`${c.crate} is not in the example's Cargo.lock`);
      continue;
    }
    const cited = readFileSync(join(crate.dir, c.file), 'utf8').split('\n').slice(c.lines[0] - 1, c.lines[1]).join('\n');
    for (const expected of c.holds) {
      if (!cited.includes(expected)) wrong.push(`${c.in}: ${c.crate} ${crate.version} ${c.file}:${c.lines.join('-')} does not hold "${expected}"`);
    }
  }
  assert.deepEqual(wrong, []);
});

// Run before the tests: the real-process tests need a few system commands. On a fresh Debian machine where
// one is missing and we are root, install it with apt-get; otherwise stop with the reason, never skip tests.
import { spawnSync } from 'node:child_process';

const needs = [
  { command: 'sh', package: 'dash', why: 'shell-wrapper tests' },
  { command: 'sleep', package: 'coreutils', why: 'long-running test children' },
  { command: 'mkfifo', package: 'coreutils', why: "stdin: 'fifo' (named pipes)" },
  { command: 'unshare', package: 'util-linux', why: 'the forced pid-reuse test (a private pid namespace)' },
  { command: 'tini', package: 'tini', why: 'the suite inside a pid namespace (CI runs one Node line there, as in a container: a reaper as pid 1)' },
  { command: 'ps', package: 'procps', why: "the Tauri backend's probe power (`ps` through the shell plugin)" },
  { command: 'chromium', package: 'chromium', why: 'the real-browser tests (Debian Chromium driven by playwright-core)' },
  { command: 'xvfb-run', package: ['xvfb', 'xauth'], why: 'the WebKitGTK and real-app tests (a headless X server)' },
  { command: 'pulseaudio', package: 'pulseaudio', why: "the recorder's real audio path (a private daemon with a null sink)" },
  { command: 'pactl', package: 'pulseaudio-utils', why: 'asking that PulseAudio daemon whether it runs' },
  {
    command: "Debian's ffmpeg with PulseAudio",
    check: "/usr/bin/ffmpeg -hide_banner -h demuxer=pulse 2>/dev/null | grep -q 'Demuxer pulse'",
    package: 'ffmpeg',
    why: "the recorder's PulseAudio tests (the npm FFmpeg build has no PulseAudio input)",
  },
  {
    command: "Tauri's build packages (WebKitGTK 4.1, libsoup 3, GTK 3 with their headers)",
    check: 'pkg-config --exists webkit2gtk-4.1 javascriptcoregtk-4.1 libsoup-3.0 gtk+-3.0 && command -v cc',
    package: ['libwebkit2gtk-4.1-dev', 'libsoup-3.0-dev', 'libgtk-3-dev', 'build-essential', 'pkg-config'],
    why: 'building the example app as a real Tauri 2 app with cargo (scripts/real-app.mjs)',
  },
  { command: 'WebKitWebDriver', package: 'webkit2gtk-driver', why: "driving the real app's webview (tauri-driver sits in front of it)" },
  { command: 'openbox', package: 'openbox', why: 'a window manager under Xvfb, so a window can be closed as a person closes it' },
  { command: 'wmctrl', package: 'wmctrl', why: "closing the real app's window through the window manager" },
  { command: 'xdotool', package: 'xdotool', why: "pressing keys in the real app's window (its Quit menu item's Ctrl+Q)" },
  {
    command: 'WebKitGTK 4.1 for Python',
    check: "/usr/bin/python3 -c \"import gi; gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2\"",
    package: ['gir1.2-webkit2-4.1', 'python3-gi'],
    why: 'the WebKitGTK tests (the engine of Tauri v2 on Linux, driven by test/fixtures/webkit-driver.py)',
  },
];
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const present = (need) => (need.check ? spawnSync('sh', ['-c', need.check], { stdio: 'ignore' }).status === 0 : has(need.command));
if (process.platform !== 'linux') {
  console.error(`pidkeep's test suite runs on Linux (it reads /proc and uses pid namespaces); this is ${process.platform}.`);
  process.exit(1);
}
const missing = needs.filter((need) => !present(need));
if (missing.length > 0) {
  const packages = [...new Set(missing.flatMap((m) => m.package))];
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.log(`installing ${packages.join(', ')} for: ${missing.map((m) => m.why).join('; ')}`);
    for (const args of [['update'], ['install', '-y', ...packages]]) {
      const run = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (run.status !== 0) process.exit(run.status ?? 1);
    }
  } else {
    console.error(`missing commands: ${missing.map((m) => `${m.command} (${m.why})`).join(', ')}; install: ${packages.join(' ')}`);
    process.exit(1);
  }
}
if (process.getuid?.() !== 0) {
  console.error('note: the pid-reuse test needs root (a pid namespace and /proc/sys/kernel/ns_last_pid); it will fail, not skip, without it');
}

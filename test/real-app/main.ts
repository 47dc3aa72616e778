// The test app's page: nothing of its own, only the modules a test's script needs, on `window.realApp`. The same page
// runs in the real Tauri app (test/real-app/src-tauri, the example's Rust and capabilities) and in Chromium through
// pidkeep's Tauri host, so a differential test sends the same calls to both and compares what comes back.
import * as app from '@tauri-apps/api/app';
import * as core from '@tauri-apps/api/core';
import * as event from '@tauri-apps/api/event';
import * as path from '@tauri-apps/api/path';
import * as webviewWindow from '@tauri-apps/api/webviewWindow';
import * as window_ from '@tauri-apps/api/window';
import * as fs from '@tauri-apps/plugin-fs';
import * as shell from '@tauri-apps/plugin-shell';
import * as pidkeep from 'pidkeep';
import * as tauri from 'pidkeep/tauri';
import * as web from 'pidkeep/web';

const modules = { app, core, event, path, window: window_, webviewWindow, fs, shell, pidkeep, tauri, web };
export type RealAppModules = typeof modules;
declare global {
  interface Window {
    realApp: RealAppModules;
  }
}
window.realApp = modules;

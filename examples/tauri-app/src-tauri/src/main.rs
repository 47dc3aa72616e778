// The frontend does all of pidkeep's work through the shell and fs plugins, within capabilities/default.json. The
// one piece of Rust is the quit: at RunEvent::Exit the shell plugin SIGKILLs every child it spawned
// (plugins-workspace plugins/shell/src/lib.rs:129-139), which would cut a recording. A closed window is handled in
// the page (stopOnQuit over onCloseRequested). Other quits (Cmd+Q, the Dock, app.exit()) reach ExitRequested
// while windows are still open: hold the first one back, let the pages stop their processes (stopOnQuit listens
// for "pidkeep://exit-requested" and then destroys its window), and let the exit through once the windows are gone.
// NOT COMPILED in pidkeep's CI (no Rust toolchain there); pidkeep's Tauri host plays it (`quitEvent`) in the tests.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{Emitter, Manager, RunEvent};

fn main() {
    let quitting = AtomicBool::new(false);
    tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_fs::init())
        .build(tauri::generate_context!())
        .expect("error while building the pidkeep example")
        .run(move |app, event| {
            if let RunEvent::ExitRequested { api, .. } = &event {
                // The last window already gone (its page ran stopOnQuit at close): nothing to wait for.
                if !app.webview_windows().is_empty() && !quitting.swap(true, Ordering::SeqCst) {
                    api.prevent_exit();
                    let _ = app.emit("pidkeep://exit-requested", ());
                }
            }
        });
}

// pidkeep's quit handshake: copy this file into your app's src-tauri/src and add `.plugin(stop_on_quit::init())`.
//
// At RunEvent::Exit the shell plugin SIGKILLs every child it spawned (tauri-plugin-shell 2.4.1 src/lib.rs:163-174),
// which cuts a recording. A quit through `app.exit(code)` (a custom Quit menu item, a tray, `exit()` of
// @tauri-apps/api/app) first raises RunEvent::ExitRequested: this plugin holds that exit back, asks every page that
// runs pidkeep's `stopOnQuit` to stop its processes, and exits with the same code once each of them has answered, is
// gone, or DEADLINE has passed (a hung page must not make the app impossible to quit). Pages that do not run
// stopOnQuit are not waited for. A window closed by its user never comes here while other windows are open:
// stopOnQuit handles it in the page (onCloseRequested). `app.restart()` cannot be held (Tauri ignores prevent_exit
// for it), so it is let through.
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;
use tauri::plugin::{Builder, TauriPlugin};
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Emitter, Listener, Manager, RunEvent, Runtime, WindowEvent, RESTART_EXIT_CODE};

/// Emitted by the app: stop your processes, then answer with READY.
const REQUESTED: &str = "pidkeep://exit-requested";
/// Emitted by a page when stopOnQuit starts listening; the payload is its window label.
const GUARDED: &str = "pidkeep://stop-on-quit";
/// Emitted by a page once its processes are stopped; the payload is its window label.
const READY: &str = "pidkeep://exit-ready";
/// Emitted by a page whose stopOnQuit stops listening; the payload is its window label.
const OFF: &str = "pidkeep://stop-on-quit-off";
/// The longest a quit waits for the pages: longer than the stop plans it waits for (the example's: 10 s at most).
const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Quit {
    /// Windows whose page runs stopOnQuit.
    guarded: HashSet<String>,
    /// The exit being held back: its code, and the windows still stopping.
    exiting: Option<(i32, HashSet<String>)>,
}

pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("pidkeep-stop-on-quit")
        .setup(|app, _api| {
            app.manage(Mutex::new(Quit::default()));
            let handle = app.clone();
            app.listen_any(GUARDED, move |event| {
                let Some(label) = window_label(&handle, event.payload()) else { return };
                let asked = {
                    let state = handle.state::<Mutex<Quit>>();
                    let mut quit = state.lock().unwrap();
                    quit.guarded.insert(label.clone());
                    // A page loaded while an exit is held (a reload): it stops its processes too.
                    quit.exiting.as_mut().map(|(_, waiting)| waiting.insert(label.clone())).is_some()
                };
                // Emitted with the lock released: an emit can wait for the main thread, which may want the lock.
                if asked {
                    let _ = handle.emit_to(label.as_str(), REQUESTED, ());
                }
            });
            let handle = app.clone();
            app.listen_any(READY, move |event| {
                if let Some(label) = window_label(&handle, event.payload()) {
                    done(&handle, &label);
                }
            });
            let handle = app.clone();
            app.listen_any(OFF, move |event| {
                if let Some(label) = window_label(&handle, event.payload()) {
                    forget(&handle, &label);
                }
            });
            Ok(())
        })
        // A new page in a window (a reload, a navigation) has not announced itself yet: the window is not guarded until
        // it does (the old page's JS listener stays registered in Rust, but nothing answers it any more). During a held
        // exit the window is still waited for: the new page stops what the old one left, or DEADLINE ends the wait.
        .on_page_load(|webview, payload| {
            if payload.event() == PageLoadEvent::Started {
                let state = webview.app_handle().state::<Mutex<Quit>>();
                state.lock().unwrap().guarded.remove(webview.label());
            }
        })
        .on_event(|app, event| match event {
            RunEvent::ExitRequested { code, api, .. } => {
                if *code == Some(RESTART_EXIT_CODE) {
                    return;
                }
                let ask = {
                    let state = app.state::<Mutex<Quit>>();
                    let mut quit = state.lock().unwrap();
                    match &quit.exiting {
                        // Nothing to stop.
                        None if quit.guarded.is_empty() => false,
                        // Every page is done and this plugin's own `app.exit(code)` is on its way: the last window
                        // gone meanwhile asks with no code, and would exit with 0; held, so the code is kept.
                        Some((_, waiting)) if waiting.is_empty() => {
                            if code.is_none() {
                                api.prevent_exit();
                            }
                            false
                        }
                        // Another request while pages are stopping (a second Quit): still held.
                        Some(_) => {
                            api.prevent_exit();
                            false
                        }
                        None => {
                            api.prevent_exit();
                            // None: the last window was closed; that exits with 0.
                            quit.exiting = Some((code.unwrap_or(0), quit.guarded.clone()));
                            true
                        }
                    }
                };
                if ask {
                    let _ = app.emit(REQUESTED, ());
                    let handle = app.clone();
                    std::thread::spawn(move || {
                        std::thread::sleep(DEADLINE);
                        give_up(&handle);
                    });
                }
            }
            RunEvent::WindowEvent { label, event: WindowEvent::Destroyed, .. } => forget(app, label),
            _ => {}
        })
        .build()
}

/// The label a page sent, if it names one of this app's windows (the payload is a JSON string; labels need no escapes).
fn window_label<R: Runtime>(app: &AppHandle<R>, payload: &str) -> Option<String> {
    let label = payload.strip_prefix('"')?.strip_suffix('"')?;
    app.get_webview_window(label).map(|_| label.to_string())
}

/// The window no longer runs a page that listens, or is gone: not waited for.
fn forget<R: Runtime>(app: &AppHandle<R>, label: &str) {
    app.state::<Mutex<Quit>>().lock().unwrap().guarded.remove(label);
    done(app, label);
}

/// The window's page has stopped its processes (or is gone): once no window is left stopping, exit with the code held.
fn done<R: Runtime>(app: &AppHandle<R>, label: &str) {
    let state = app.state::<Mutex<Quit>>();
    let mut quit = state.lock().unwrap();
    if let Some((code, waiting)) = quit.exiting.as_mut() {
        if waiting.remove(label) && waiting.is_empty() {
            let code = *code;
            drop(quit);
            app.exit(code);
        }
    }
}

/// DEADLINE has passed with pages still stopping: exit with the code held, without them.
fn give_up<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<Mutex<Quit>>();
    let mut quit = state.lock().unwrap();
    if let Some((code, waiting)) = quit.exiting.as_mut() {
        if !waiting.is_empty() {
            waiting.clear();
            let code = *code;
            drop(quit);
            app.exit(code);
        }
    }
}

// The frontend does all of pidkeep's work through the shell and fs plugins, within capabilities/default.json. The
// Rust side adds two things for quitting: stop_on_quit (pages stop their processes before the shell plugin SIGKILLs
// them at exit) and a Quit menu item that goes through app.exit, so that it reaches stop_on_quit.
// `run` takes the context so that pidkeep's test app (test/real-app) runs this very code with its own frontend.
pub mod stop_on_quit;

use tauri::menu::{Menu, MenuItem, Submenu};
use tauri::{AppHandle, Context, Runtime};

pub fn run(context: Context) {
    tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_fs::init())
        .plugin(stop_on_quit::init())
        .menu(menu)
        .on_menu_event(|app, event| {
            if event.id() == QUIT {
                app.exit(0);
            }
        })
        .run(context)
        .expect("error while running the pidkeep example");
}

const QUIT: &str = "quit";

/// A menu whose Quit (Cmd+Q, Ctrl+Q) calls app.exit(0). Tauri's default menu quits through a predefined item
/// (macOS: the app menu, Windows: File), which ends the app without RunEvent::ExitRequested, so stop_on_quit never
/// hears of it and the shell plugin cuts the recording. Linux has no default menu and no predefined Quit.
fn menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let quit = MenuItem::with_id(app, QUIT, "Quit", true, Some("CmdOrCtrl+Q"))?;
    #[cfg(target_os = "macos")]
    {
        use tauri::menu::PredefinedMenuItem;
        let name = app.package_info().name.clone();
        let app_menu = Submenu::with_items(app, name, true, &[&PredefinedMenuItem::about(app, None, None)?, &PredefinedMenuItem::separator(app)?, &PredefinedMenuItem::hide(app, None)?, &PredefinedMenuItem::separator(app)?, &quit])?;
        // WKWebView's copy and paste keys work through the Edit menu.
        let edit = Submenu::with_items(app, "Edit", true, &[&PredefinedMenuItem::undo(app, None)?, &PredefinedMenuItem::redo(app, None)?, &PredefinedMenuItem::separator(app)?, &PredefinedMenuItem::cut(app, None)?, &PredefinedMenuItem::copy(app, None)?, &PredefinedMenuItem::paste(app, None)?, &PredefinedMenuItem::select_all(app, None)?])?;
        Menu::with_items(app, &[&app_menu, &edit])
    }
    #[cfg(not(target_os = "macos"))]
    Menu::with_items(app, &[&Submenu::with_items(app, "File", true, &[&quit])?])
}

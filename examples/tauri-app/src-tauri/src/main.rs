// Nothing pidkeep-specific runs in Rust: the frontend does it all through the shell and fs plugins, within the
// permissions of capabilities/default.json.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_fs::init())
        .run(tauri::generate_context!())
        .expect("error while running the pidkeep example");
}

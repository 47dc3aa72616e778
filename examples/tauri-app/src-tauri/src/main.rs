// Release builds on Windows: no console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    pidkeep_example::run(tauri::generate_context!());
}

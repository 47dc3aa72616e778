fn main() {
    pidkeep_example::run(tauri::generate_context!());
}

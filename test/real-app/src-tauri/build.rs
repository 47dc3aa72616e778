fn main() {
    // The example's capability files, as they are: the test app is held to exactly what the example grants.
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("../../../examples/tauri-app/src-tauri/capabilities/*.json"))
        .expect("tauri-build failed");
}

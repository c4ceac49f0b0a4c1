//! Build script: lets napi-build emit the linker arguments a Node addon needs
//! (for example `-undefined dynamic_lookup` on macOS). Nothing from V8 is
//! linked: see `src/v8/mod.rs`.
fn main() {
    napi_build::setup();
}

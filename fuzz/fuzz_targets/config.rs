//! The configuration parser must reject any input with errors, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rolesync_config::parse(std::path::Path::new("fuzz.toml"), text);
    }
});

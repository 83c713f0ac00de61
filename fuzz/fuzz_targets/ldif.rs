//! The LDIF reader and the snapshot source built on it must not panic on any export.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = rolesync_ad::ldif::parse(&text);
    let _ = rolesync_ad::snapshot::LdifSource::parse("fuzz", &text);
});

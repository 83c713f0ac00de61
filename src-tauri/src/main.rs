//! The `rolesync` binary.
fn main() {}

//! Active Directory sources for RoleSync: an LDIF snapshot reader (offline planning and the demo
//! directory), entry decoding shared with the LDAP source, and nested-group expansion.

pub mod entry;
pub mod expand;
pub mod ldif;
pub mod snapshot;

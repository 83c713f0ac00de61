//! Active Directory sources for RoleSync: an LDIF snapshot reader (offline planning and the demo
//! directory), the LDAP source ([`ldap::LdapSource`]), entry decoding shared by both, and
//! nested-group expansion.

pub mod entry;
pub mod expand;
pub mod ldap;
pub mod ldif;
pub mod snapshot;

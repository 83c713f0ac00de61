//! Active Directory sources for RoleSync: an LDIF snapshot reader (offline planning and the demo
//! directory), the LDAP source ([`ldap::LdapSource`]: DNS discovery of the domain controllers,
//! password or Kerberos sign-in), the source a configuration describes ([`configured`]), entry
//! decoding shared by both, and nested-group expansion.

pub mod configured;
pub mod entry;
pub mod expand;
pub mod ldap;
pub mod ldif;
pub mod snapshot;

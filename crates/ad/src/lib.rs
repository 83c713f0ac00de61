//! Active Directory sources for RoleSync: an LDIF snapshot reader (offline planning and the demo
//! directory), the LDAP source ([`ldap::LdapSource`]: DNS discovery of the domain controllers,
//! password or Kerberos sign-in), the source a configuration describes ([`configured`]), entry
//! decoding shared by both, nested-group expansion, and the binary security descriptors that
//! `rolesync exposure` reads.

pub mod configured;
pub mod entry;
pub mod expand;
pub mod ldap;
pub mod ldif;
pub mod security_descriptor;
pub mod snapshot;

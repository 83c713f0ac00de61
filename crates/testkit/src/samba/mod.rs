//! A throwaway Samba AD domain controller on loopback for tests ([`dc`]), loaded with the
//! deterministic test directory of [`fixture`].

pub mod dc;
pub mod delegations;
pub mod domain;
// The fixture's constants and builders are named for the entries they make.
#[allow(missing_docs)]
pub mod fixture;

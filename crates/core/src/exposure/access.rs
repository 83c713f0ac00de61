//! Security descriptors and the access-control entries that let someone change a group's
//! membership.
//!
//! The types are the parts of a Windows security descriptor ([MS-DTYP] 2.4.6
//! `SECURITY_DESCRIPTOR`) that decide who may write a group: the owner SID and the DACL ([MS-DTYP]
//! 2.4.5 `ACL`) with its ACEs ([MS-DTYP] 2.4.4). Parsing the binary form is the directory
//! source's job (`rolesync_ad::security_descriptor`); this module says what each ACE allows.
//!
//! Rights are the directory-service bits of the access mask ([MS-ADTS] 5.1.3.2 "Access Rights";
//! [MS-DTYP] 2.4.3 `ACCESS_MASK`): writing `member` is `RIGHT_DS_WRITE_PROPERTY` on the attribute
//! (schemaIDGUID bf9679c0-0de6-11d0-a285-00aa003049e2), on its property set "Membership"
//! (bc0ac240-79a9-11d0-9020-00c04fc2d4cf, the attribute's attributeSecurityGUID), or on every
//! property (no object type); the validated write "Self-Membership" (rightsGuid
//! bf9679c0-0de6-11d0-a285-00aa003049e2, `RIGHT_DS_WRITE_PROPERTY_EXTENDED`) lets a principal add
//! or remove itself; `WRITE_DAC` and `WRITE_OWNER` let it give itself any of these. Generic rights
//! are mapped as AD maps them for directory objects ([MS-ADTS] 5.1.3.3 "Generic Access Rights"):
//! AD (and Samba) store `GENERIC_ALL` already mapped to every directory right (0xF01FF).

use crate::ids::{ObjectGuid, Sid};
use serde::{Deserialize, Serialize};

/// Access-mask bits ([MS-ADTS] 5.1.3.2, [MS-DTYP] 2.4.3).
pub mod mask {
    /// `RIGHT_DS_WRITE_PROPERTY_EXTENDED` (SW): a validated write.
    pub const DS_SELF: u32 = 0x0000_0008;
    /// `RIGHT_DS_WRITE_PROPERTY` (WP).
    pub const DS_WRITE_PROPERTY: u32 = 0x0000_0020;
    /// `RIGHT_WRITE_DAC` (WD).
    pub const WRITE_DAC: u32 = 0x0004_0000;
    /// `RIGHT_WRITE_OWNER` (WO).
    pub const WRITE_OWNER: u32 = 0x0008_0000;
    /// `GENERIC_ALL` (GA), unmapped.
    pub const GENERIC_ALL: u32 = 0x1000_0000;
    /// `GENERIC_WRITE` (GW), unmapped.
    pub const GENERIC_WRITE: u32 = 0x4000_0000;
    /// Every directory-object right: `GENERIC_ALL` as AD maps it (RPWPCRCCDCLCLORCWOWDSDDTSW).
    pub const FULL_CONTROL: u32 = 0x000F_01FF;
}

/// The `member` attribute's schemaIDGUID, also the rightsGuid of the "Self-Membership"
/// validated write.
pub const MEMBER_ATTRIBUTE: &str = "bf9679c0-0de6-11d0-a285-00aa003049e2";
/// The "Membership" property set (the `member` attribute's attributeSecurityGUID).
pub const MEMBERSHIP_PROPERTY_SET: &str = "bc0ac240-79a9-11d0-9020-00c04fc2d4cf";

/// ACE flags ([MS-DTYP] 2.4.4.1 `ACE_HEADER`).
pub mod flags {
    /// `INHERIT_ONLY_ACE`: the ACE does not apply to the object it is on.
    pub const INHERIT_ONLY: u8 = 0x08;
    /// `INHERITED_ACE`: inherited from a parent.
    pub const INHERITED: u8 = 0x10;
}

/// One access-control entry of a DACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ace {
    /// An allow ACE (else a deny ACE).
    pub allow: bool,
    /// `AceFlags` ([`flags`]).
    pub flags: u8,
    /// The access mask.
    pub mask: u32,
    /// `ObjectType` of an object ACE: the attribute, property set or right it is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<ObjectGuid>,
    /// The trustee.
    pub trustee: Sid,
    /// A callback (conditional) ACE: it applies only when its condition holds, which RoleSync
    /// cannot evaluate; an allow is counted as allowing, a deny as not denying.
    #[serde(default)]
    pub conditional: bool,
}

impl Ace {
    /// The ACE does not apply to the object it is on (it is only inherited by children).
    pub fn inherit_only(&self) -> bool {
        self.flags & flags::INHERIT_ONLY != 0
    }

    /// The ACE was inherited from a parent container.
    pub fn inherited(&self) -> bool {
        self.flags & flags::INHERITED != 0
    }

    fn object_is(&self, guid: &str) -> bool {
        self.object_type
            .is_some_and(|g| g.to_string().eq_ignore_ascii_case(guid))
    }

    /// What this ACE's rights cover on the object it is on (whether it allows or denies them).
    pub fn capabilities(&self) -> Vec<Capability> {
        if self.inherit_only() {
            return Vec::new();
        }
        let m = self.mask;
        let all = m & mask::GENERIC_ALL != 0 || m & mask::FULL_CONTROL == mask::FULL_CONTROL;
        let generic_write = m & mask::GENERIC_WRITE != 0;
        let mut out = Vec::new();
        let write_prop = all
            || generic_write
            || (m & mask::DS_WRITE_PROPERTY != 0
                && (self.object_type.is_none()
                    || self.object_is(MEMBER_ATTRIBUTE)
                    || self.object_is(MEMBERSHIP_PROPERTY_SET)));
        if write_prop {
            out.push(Capability::WriteMember);
        }
        let add_self = all
            || generic_write
            || (m & mask::DS_SELF != 0
                && (self.object_type.is_none() || self.object_is(MEMBER_ATTRIBUTE)));
        if add_self {
            out.push(Capability::AddSelf);
        }
        if all || m & mask::WRITE_DAC != 0 {
            out.push(Capability::WriteDacl);
        }
        if all || m & mask::WRITE_OWNER != 0 {
            out.push(Capability::WriteOwner);
        }
        out
    }

    /// The strongest right this ACE grants towards changing the membership, for an allow ACE
    /// that grants any.
    pub fn right(&self) -> Option<Right> {
        if !self.allow {
            return None;
        }
        let caps = self.capabilities();
        if caps.is_empty() {
            return None;
        }
        let m = self.mask;
        Some(
            if m & mask::GENERIC_ALL != 0 || m & mask::FULL_CONTROL == mask::FULL_CONTROL {
                Right::FullControl
            } else if caps.contains(&Capability::WriteDacl) {
                Right::WriteDacl
            } else if caps.contains(&Capability::WriteOwner) {
                Right::WriteOwner
            } else if m & mask::GENERIC_WRITE != 0 {
                Right::GenericWrite
            } else if caps.contains(&Capability::WriteMember) {
                if self.object_type.is_none() {
                    Right::WriteAllProperties
                } else if self.object_is(MEMBERSHIP_PROPERTY_SET) {
                    Right::WriteMembershipSet
                } else {
                    Right::WriteMember
                }
            } else {
                Right::AddSelf
            },
        )
    }
}

/// What can be done to a group that changes who reaches its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Capability {
    /// Write `member`: add anyone.
    WriteMember,
    /// Add or remove oneself (Self-Membership).
    AddSelf,
    /// Change the DACL, and so grant oneself any right.
    WriteDacl,
    /// Take ownership, and so change the DACL.
    WriteOwner,
}

/// The right a finding reports, strongest first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Right {
    /// The group has no DACL at all: everyone has full control.
    NoDacl,
    /// `GenericAll` (full control).
    FullControl,
    /// Owner of the group (may change its DACL).
    Owner,
    /// `WriteDACL`.
    WriteDacl,
    /// `WriteOwner`.
    WriteOwner,
    /// `GenericWrite`.
    GenericWrite,
    /// Write every property (`WriteProperty` without an object type).
    WriteAllProperties,
    /// Write the "Membership" property set.
    WriteMembershipSet,
    /// Write the `member` attribute.
    WriteMember,
    /// Add or remove itself ("Self-Membership" validated write).
    AddSelf,
}

impl Right {
    /// In words, for the one-line findings.
    pub fn words(self) -> &'static str {
        match self {
            Right::NoDacl => "full control (the group has no DACL)",
            Right::FullControl => "full control (GenericAll)",
            Right::Owner => "owner (may change its permissions)",
            Right::WriteDacl => "may change its permissions (WriteDACL)",
            Right::WriteOwner => "may take ownership (WriteOwner)",
            Right::GenericWrite => "GenericWrite",
            Right::WriteAllProperties => "may write every property (WriteProperty)",
            Right::WriteMembershipSet => "may write the Membership property set",
            Right::WriteMember => "may write member",
            Right::AddSelf => "may add itself (Self-Membership)",
        }
    }
}

/// The owner SID and DACL of an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityDescriptor {
    /// The owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Sid>,
    /// The DACL's entries in order; `None`: no DACL (`SE_DACL_PRESENT` unset, or a NULL DACL),
    /// which grants everyone everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dacl: Option<Vec<Ace>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ace(allow: bool, mask: u32, object: Option<&str>) -> Ace {
        Ace {
            allow,
            flags: 0,
            mask,
            object_type: object.map(|g| ObjectGuid::parse(g).unwrap()),
            trustee: Sid::parse("S-1-5-21-1-2-3-1105").unwrap(),
            conditional: false,
        }
    }

    #[test]
    fn rights_that_change_membership_are_classified() {
        use Capability::*;
        type Case<'a> = (u32, Option<&'a str>, Option<Right>, &'a [Capability]);
        let cases: &[Case<'_>] = &[
            (
                mask::FULL_CONTROL,
                None,
                Some(Right::FullControl),
                &[WriteMember, AddSelf, WriteDacl, WriteOwner],
            ),
            (
                mask::GENERIC_ALL,
                None,
                Some(Right::FullControl),
                &[WriteMember, AddSelf, WriteDacl, WriteOwner],
            ),
            (mask::WRITE_DAC, None, Some(Right::WriteDacl), &[WriteDacl]),
            (
                mask::WRITE_OWNER | 0x20000,
                None,
                Some(Right::WriteOwner),
                &[WriteOwner],
            ),
            (
                mask::GENERIC_WRITE,
                None,
                Some(Right::GenericWrite),
                &[WriteMember, AddSelf],
            ),
            (
                mask::DS_WRITE_PROPERTY,
                None,
                Some(Right::WriteAllProperties),
                &[WriteMember],
            ),
            (
                mask::DS_WRITE_PROPERTY,
                Some(MEMBERSHIP_PROPERTY_SET),
                Some(Right::WriteMembershipSet),
                &[WriteMember],
            ),
            (
                mask::DS_WRITE_PROPERTY,
                Some(MEMBER_ATTRIBUTE),
                Some(Right::WriteMember),
                &[WriteMember],
            ),
            (
                mask::DS_SELF,
                Some(MEMBER_ATTRIBUTE),
                Some(Right::AddSelf),
                &[AddSelf],
            ),
            // Writing another attribute, reading, or a control access right: not membership.
            (
                mask::DS_WRITE_PROPERTY,
                Some("bf967953-0de6-11d0-a285-00aa003049e2"),
                None,
                &[],
            ),
            (0x0002_0094, None, None, &[]),
            (
                0x100,
                Some("ab721a55-1e2f-11d0-9819-00aa0040529b"),
                None,
                &[],
            ),
        ];
        for (m, object, right, caps) in cases {
            let a = ace(true, *m, *object);
            assert_eq!(a.right(), *right, "{m:#x} {object:?}");
            assert_eq!(a.capabilities(), caps.to_vec(), "{m:#x} {object:?}");
        }
        // A deny ACE covers the same capabilities but grants no right.
        let deny = ace(false, mask::DS_WRITE_PROPERTY, Some(MEMBER_ATTRIBUTE));
        assert_eq!(deny.right(), None);
        assert_eq!(deny.capabilities(), vec![WriteMember]);
        // An inherit-only ACE does not apply to the object it is on.
        let mut io = ace(true, mask::FULL_CONTROL, None);
        io.flags = flags::INHERIT_ONLY | 0x02;
        assert_eq!(io.right(), None);
        assert!(io.capabilities().is_empty());
    }
}

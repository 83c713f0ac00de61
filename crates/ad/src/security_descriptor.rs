//! The binary (self-relative) security descriptor of a directory object, as LDAP returns
//! `nTSecurityDescriptor`, decoded into the owner and DACL that [`rolesync_core::exposure`]
//! assesses.
//!
//! The layout follows Microsoft's [MS-DTYP] pages:
//! - 2.4.6 `SECURITY_DESCRIPTOR` (<https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/7d4dac05-9cef-4563-a058-f108abecce1d>):
//!   `Revision`, `Sbz1`, `Control` (little-endian; `SE_DACL_PRESENT` 0x0004, `SE_SELF_RELATIVE`
//!   0x8000), then the offsets of the owner, group, SACL and DACL from the start (0: absent).
//! - 2.4.5 `ACL` (<https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/20233ed8-a6c6-4097-aafa-dd545ed24428>):
//!   `AclRevision`, `Sbz1`, `AclSize`, `AceCount`, `Sbz2`, then the ACEs.
//! - 2.4.4.1 `ACE_HEADER` (<https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/628ebb1d-c509-4ea0-a10f-77ef97ca4586>):
//!   `AceType`, `AceFlags`, `AceSize` (the whole ACE).
//! - 2.4.4.2 `ACCESS_ALLOWED_ACE` and 2.4.4.4 `ACCESS_DENIED_ACE` (`Mask`, `Sid`); 2.4.4.3
//!   `ACCESS_ALLOWED_OBJECT_ACE` and 2.4.4.5 `ACCESS_DENIED_OBJECT_ACE` (`Mask`, `Flags`:
//!   `ACE_OBJECT_TYPE_PRESENT` 0x1, `ACE_INHERITED_OBJECT_TYPE_PRESENT` 0x2, then the GUIDs that
//!   are present, then `Sid`); the callback variants 2.4.4.6–2.4.4.9 have the same layout plus
//!   application data after the SID (<https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/c79a383c-2b3f-4655-abe7-dcbb7ce0cfbe>).
//! - 2.4.2.2 `SID` (<https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/f992ad60-0fe4-4b87-9fed-beb478836861>):
//!   `Revision`, `SubAuthorityCount`, a 6-byte big-endian authority, little-endian sub-authorities.
//!
//! GUIDs in object ACEs are stored like `objectGUID` (the first three fields little-endian).
//! ACE types that grant or deny nothing (audit, alarm, mandatory label, resource attribute…) are
//! skipped. Anything malformed is an error naming the offset: a descriptor that cannot be decoded
//! is never taken as "nobody can change it".

use rolesync_core::exposure::{Ace, SecurityDescriptor};
use rolesync_core::ids::{ObjectGuid, Sid};

/// `SE_DACL_PRESENT`.
const SE_DACL_PRESENT: u16 = 0x0004;
/// `ACE_OBJECT_TYPE_PRESENT`.
const OBJECT_TYPE_PRESENT: u32 = 0x1;
/// `ACE_INHERITED_OBJECT_TYPE_PRESENT`.
const INHERITED_OBJECT_TYPE_PRESENT: u32 = 0x2;

/// The LDAP_SERVER_SD_FLAGS_OID control ([MS-ADTS] 3.1.1.3.4.1.11): which parts of
/// `nTSecurityDescriptor` to return. Without it AD returns the SACL too, which needs
/// `SeSecurityPrivilege`, and a reader without it gets no descriptor at all.
pub const SD_FLAGS_OID: &str = "1.2.840.113556.1.4.801";

/// `OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION`.
pub const OWNER_GROUP_DACL: u8 = 0x7;

/// The control's value: the BER encoding of `SEQUENCE { INTEGER flags }`.
pub fn sd_flags_value(flags: u8) -> Vec<u8> {
    vec![0x30, 0x03, 0x02, 0x01, flags]
}

/// The SD-flags control asking for owner, group and DACL (not critical: a server that does not
/// know it returns what it would anyway).
pub fn sd_flags_control() -> ldap3::controls::RawControl {
    ldap3::controls::RawControl {
        ctype: SD_FLAGS_OID.to_string(),
        crit: false,
        val: Some(sd_flags_value(OWNER_GROUP_DACL)),
    }
}

struct Reader<'a> {
    b: &'a [u8],
}

impl Reader<'_> {
    fn slice(&self, at: usize, len: usize, what: &str) -> Result<&[u8], String> {
        at.checked_add(len)
            .and_then(|end| self.b.get(at..end))
            .ok_or_else(|| {
                format!(
                    "the security descriptor ends early: {what} needs {len} byte(s) at offset {at}, it has {}",
                    self.b.len()
                )
            })
    }

    fn u8(&self, at: usize, what: &str) -> Result<u8, String> {
        Ok(self.slice(at, 1, what)?[0])
    }

    fn u16(&self, at: usize, what: &str) -> Result<u16, String> {
        let s = self.slice(at, 2, what)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }

    fn u32(&self, at: usize, what: &str) -> Result<u32, String> {
        let s = self.slice(at, 4, what)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// A SID at `at`, and its length.
    fn sid(&self, at: usize, what: &str) -> Result<(Sid, usize), String> {
        let count = self.u8(at + 1, what)? as usize;
        let len = 8 + 4 * count;
        let bytes = self.slice(at, len, what)?;
        let sid = Sid::from_bytes(bytes).map_err(|e| format!("{what} at offset {at}: {e}"))?;
        Ok((sid, len))
    }

    fn guid(&self, at: usize, what: &str) -> Result<ObjectGuid, String> {
        ObjectGuid::from_ad_bytes(self.slice(at, 16, what)?)
            .map_err(|e| format!("{what} at offset {at}: {e}"))
    }
}

/// Decodes a self-relative security descriptor: the owner and the DACL (`None` when
/// `SE_DACL_PRESENT` is unset or the DACL offset is 0: a NULL DACL, which grants everyone
/// everything).
pub fn parse(bytes: &[u8]) -> Result<SecurityDescriptor, String> {
    let r = Reader { b: bytes };
    let revision = r.u8(0, "the revision")?;
    if revision != 1 {
        return Err(format!(
            "the security descriptor has revision {revision}; only revision 1 exists"
        ));
    }
    let control = r.u16(2, "the control flags")?;
    let owner_at = r.u32(4, "the owner offset")? as usize;
    let dacl_at = r.u32(16, "the DACL offset")? as usize;
    let owner = if owner_at == 0 {
        None
    } else {
        Some(r.sid(owner_at, "the owner SID")?.0)
    };
    let dacl = if control & SE_DACL_PRESENT == 0 || dacl_at == 0 {
        None
    } else {
        Some(acl(&r, dacl_at)?)
    };
    Ok(SecurityDescriptor { owner, dacl })
}

fn acl(r: &Reader<'_>, at: usize) -> Result<Vec<Ace>, String> {
    let size = r.u16(at + 2, "the DACL size")? as usize;
    let count = r.u16(at + 4, "the ACE count")? as usize;
    r.slice(at, size, "the DACL")?;
    let end = at + size;
    let mut out = Vec::with_capacity(count);
    let mut p = at + 8;
    for i in 0..count {
        let what = format!("ACE {i} of the DACL");
        let kind = r.u8(p, &what)?;
        let flags = r.u8(p + 1, &what)?;
        let ace_size = r.u16(p + 2, &what)? as usize;
        if ace_size < 8 || p + ace_size > end {
            return Err(format!(
                "{what} at offset {p} has size {ace_size}, which does not fit the DACL (ends at {end})"
            ));
        }
        if let Some(ace) = ace(r, p, kind, flags, &what)? {
            out.push(ace);
        }
        p += ace_size;
    }
    Ok(out)
}

/// One ACE, or `None` for a type that grants and denies nothing.
fn ace(r: &Reader<'_>, p: usize, kind: u8, flags: u8, what: &str) -> Result<Option<Ace>, String> {
    // (allow, object ACE, callback)
    let (allow, object, conditional) = match kind {
        0x00 => (true, false, false),
        0x01 => (false, false, false),
        0x05 => (true, true, false),
        0x06 => (false, true, false),
        0x09 => (true, false, true),
        0x0A => (false, false, true),
        0x0B => (true, true, true),
        0x0C => (false, true, true),
        _ => return Ok(None),
    };
    let mask = r.u32(p + 4, what)?;
    let mut at = p + 8;
    let mut object_type = None;
    if object {
        let oflags = r.u32(at, what)?;
        at += 4;
        if oflags & OBJECT_TYPE_PRESENT != 0 {
            object_type = Some(r.guid(at, what)?);
            at += 16;
        }
        if oflags & INHERITED_OBJECT_TYPE_PRESENT != 0 {
            r.guid(at, what)?;
            at += 16;
        }
    }
    let (trustee, _) = r.sid(at, what)?;
    Ok(Some(Ace {
        allow,
        flags,
        mask,
        object_type,
        trustee,
        conditional,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolesync_core::exposure::access::{mask, MEMBER_ATTRIBUTE};

    fn sid(text: &str) -> Vec<u8> {
        Sid::parse(text).unwrap().to_bytes()
    }

    fn ace_bytes(kind: u8, flags: u8, m: u32, object: Option<&str>, trustee: &str) -> Vec<u8> {
        let mut body = m.to_le_bytes().to_vec();
        if kind == 0x05 || kind == 0x06 {
            match object {
                Some(g) => {
                    body.extend_from_slice(&1u32.to_le_bytes());
                    body.extend_from_slice(&ObjectGuid::parse(g).unwrap().ad_bytes());
                }
                None => body.extend_from_slice(&0u32.to_le_bytes()),
            }
        }
        body.extend(sid(trustee));
        let mut out = vec![kind, flags];
        out.extend_from_slice(&((body.len() + 4) as u16).to_le_bytes());
        out.extend(body);
        out
    }

    fn descriptor(owner: &str, aces: &[Vec<u8>], dacl_present: bool) -> Vec<u8> {
        let owner = sid(owner);
        let body: Vec<u8> = aces.concat();
        let mut acl = vec![4, 0];
        acl.extend_from_slice(&((body.len() + 8) as u16).to_le_bytes());
        acl.extend_from_slice(&(aces.len() as u16).to_le_bytes());
        acl.extend_from_slice(&[0, 0]);
        acl.extend(body);
        let control: u16 = 0x8000 | if dacl_present { SE_DACL_PRESENT } else { 0 };
        let owner_at = 20u32;
        let dacl_at = owner_at + owner.len() as u32;
        let mut out = vec![1, 0];
        out.extend_from_slice(&control.to_le_bytes());
        out.extend_from_slice(&owner_at.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(if dacl_present { dacl_at } else { 0 }).to_le_bytes());
        out.extend(owner);
        out.extend(acl);
        out
    }

    #[test]
    fn owner_and_every_kind_of_ace_are_decoded() {
        let helpdesk = "S-1-5-21-1-2-3-1105";
        let bytes = descriptor(
            "S-1-5-21-1-2-3-512",
            &[
                ace_bytes(
                    0x06,
                    0,
                    mask::DS_WRITE_PROPERTY,
                    Some(MEMBER_ATTRIBUTE),
                    "S-1-1-0",
                ),
                ace_bytes(
                    0x05,
                    0x12,
                    mask::DS_WRITE_PROPERTY,
                    Some(MEMBER_ATTRIBUTE),
                    helpdesk,
                ),
                ace_bytes(0x00, 0, mask::FULL_CONTROL, None, "S-1-5-18"),
                ace_bytes(0x05, 0, mask::DS_WRITE_PROPERTY, None, helpdesk),
                // A system-audit ACE (type 2) grants nothing and is skipped.
                ace_bytes(0x02, 0, mask::FULL_CONTROL, None, "S-1-1-0"),
            ],
            true,
        );
        let sd = parse(&bytes).unwrap();
        assert_eq!(sd.owner.unwrap().as_str(), "S-1-5-21-1-2-3-512");
        let dacl = sd.dacl.unwrap();
        assert_eq!(dacl.len(), 4);
        assert!(!dacl[0].allow);
        assert_eq!(dacl[0].trustee.as_str(), "S-1-1-0");
        assert_eq!(dacl[1].object_type.unwrap().to_string(), MEMBER_ATTRIBUTE);
        assert_eq!(dacl[1].flags, 0x12);
        assert!(dacl[1].allow && dacl[1].inherited());
        assert_eq!(dacl[2].mask, mask::FULL_CONTROL);
        assert_eq!(dacl[2].object_type, None);
        assert_eq!(dacl[3].object_type, None, "no object type present");
    }

    #[test]
    fn a_missing_dacl_is_none_and_damage_is_an_error() {
        let sd = parse(&descriptor("S-1-5-18", &[], false)).unwrap();
        assert_eq!(sd.dacl, None);
        let good = descriptor(
            "S-1-5-18",
            &[ace_bytes(
                0x00,
                0,
                mask::WRITE_DAC,
                None,
                "S-1-5-21-9-9-9-1000",
            )],
            true,
        );
        for cut in [3, 10, 24, good.len() - 3] {
            let e = parse(&good[..cut]).unwrap_err();
            assert!(
                e.contains("ends early") || e.contains("does not fit"),
                "{cut}: {e}"
            );
        }
        let mut bad = good.clone();
        bad[0] = 2;
        assert!(parse(&bad).unwrap_err().contains("revision 2"));
    }

    #[test]
    fn the_control_value_is_a_ber_sequence_of_the_flags() {
        assert_eq!(
            sd_flags_value(OWNER_GROUP_DACL),
            [0x30, 0x03, 0x02, 0x01, 0x07]
        );
    }
}

//! Windows: the protected ACL of the folders RoleSync creates, and who else can write a file or
//! folder, through the Win32 security API.
//!
//! A new folder gets a protected DACL (`D:PAI`, nothing inherited from above) with full control for
//! SYSTEM and Administrators, inherited by everything created in it — the same descriptor the MSI
//! sets on `%ProgramData%\RoleSync` — and Administrators as its owner. When the process is not an
//! elevated administrator (a folder of its own under `ROLESYNC_HOME`), its user is granted too, or it
//! would lock itself out. The check reads the owner and the DACL and names every allowed ACE that
//! grants write, delete or permission rights to anyone but SYSTEM, Administrators, TrustedInstaller
//! and the process's own user, and an owner outside them.
#![allow(unsafe_code)]

use crate::exposure::Writer;
use std::ffi::c_void;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{null, null_mut};
use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_SUCCESS, GENERIC_ALL, GENERIC_WRITE, HANDLE,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW,
    ConvertStringSidToSidW, GetNamedSecurityInfoW, SetNamedSecurityInfoW, SDDL_REVISION_1,
    SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AclSizeInformation, CheckTokenMembership, GetAce, GetAclInformation, GetSecurityDescriptorDacl,
    GetTokenInformation, LookupAccountSidW, TokenUser, ACCESS_ALLOWED_ACE, ACE_HEADER, ACL,
    ACL_SIZE_INFORMATION, DACL_SECURITY_INFORMATION, INHERIT_ONLY_ACE, OWNER_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::{
    DELETE, FILE_APPEND_DATA, FILE_DELETE_CHILD, FILE_WRITE_DATA, WRITE_DAC, WRITE_OWNER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

const SYSTEM: &str = "S-1-5-18";
const ADMINISTRATORS: &str = "S-1-5-32-544";
const TRUSTED_INSTALLER: &str = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
/// Only meaningful in inheritable ACEs; stands for whoever creates a child object.
const CREATOR_OWNER: &str = "S-1-3-0";
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
/// Rights that let someone change a file or folder, or its permissions.
const WRITE_RIGHTS: u32 = FILE_WRITE_DATA
    | FILE_APPEND_DATA
    | FILE_DELETE_CHILD
    | DELETE
    | WRITE_DAC
    | WRITE_OWNER
    | GENERIC_WRITE
    | GENERIC_ALL;
/// The folder ACL: SYSTEM and Administrators, full control, inherited by files and folders in it.
pub const FOLDER_SDDL: &str = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

fn wide(s: impl AsRef<std::ffi::OsStr>) -> Vec<u16> {
    s.as_ref().encode_wide().chain(std::iter::once(0)).collect()
}

/// A NUL-terminated UTF-16 string.
unsafe fn from_wide(p: *const u16) -> String {
    let mut len = 0;
    while *p.add(len) != 0 {
        len += 1;
    }
    String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
}

/// The SID's string form (`S-1-5-32-544`).
unsafe fn sid_string(sid: PSID) -> Option<String> {
    let mut p: *mut u16 = null_mut();
    if ConvertSidToStringSidW(sid, &mut p) == 0 {
        return None;
    }
    let s = from_wide(p);
    LocalFree(p.cast());
    Some(s)
}

/// `DOMAIN\name` of a SID, when it resolves.
unsafe fn account_name(sid: PSID) -> Option<String> {
    let mut name = [0u16; 256];
    let mut domain = [0u16; 256];
    let (mut n, mut d, mut kind) = (256u32, 256u32, 0);
    if LookupAccountSidW(
        null(),
        sid,
        name.as_mut_ptr(),
        &mut n,
        domain.as_mut_ptr(),
        &mut d,
        &mut kind,
    ) == 0
    {
        return None;
    }
    let name = String::from_utf16_lossy(&name[..n as usize]);
    let domain = String::from_utf16_lossy(&domain[..d as usize]);
    Some(if domain.is_empty() {
        name
    } else {
        format!("{domain}\\{name}")
    })
}

/// The SID string of the process's user.
fn process_user() -> Option<String> {
    // SAFETY: the token handle is closed before returning; the buffer is aligned for TOKEN_USER and
    // large enough for any SID; the SID it points to lives in that buffer.
    unsafe {
        let mut token: HANDLE = null_mut();
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return None;
        }
        let mut buf = [0u64; 64];
        let mut len = 0;
        let ok = GetTokenInformation(
            token,
            TokenUser,
            buf.as_mut_ptr().cast(),
            std::mem::size_of_val(&buf) as u32,
            &mut len,
        );
        CloseHandle(token);
        if ok == 0 {
            return None;
        }
        let user = &*(buf.as_ptr() as *const TOKEN_USER);
        sid_string(user.User.Sid)
    }
}

/// Runs `f` with the SID of a string SID.
fn with_sid<T>(s: &str, f: impl FnOnce(PSID) -> T) -> Option<T> {
    let w = wide(s);
    let mut sid: PSID = null_mut();
    // SAFETY: the SID is freed with LocalFree as ConvertStringSidToSidW requires.
    unsafe {
        if ConvertStringSidToSidW(w.as_ptr(), &mut sid) == 0 {
            return None;
        }
        let out = f(sid);
        LocalFree(sid);
        Some(out)
    }
}

/// Whether the process runs with the Administrators group enabled (elevated).
fn elevated_admin() -> bool {
    with_sid(ADMINISTRATORS, |sid| {
        let mut member = 0;
        // SAFETY: a null token means the calling thread's (or process's) token.
        unsafe { CheckTokenMembership(null_mut(), sid, &mut member) != 0 && member != 0 }
    })
    .unwrap_or(false)
}

/// Gives `folder` the protected ACL (see the module docs).
pub fn protect_folder(folder: &Path) -> std::io::Result<()> {
    let admin = elevated_admin();
    let mut sddl = FOLDER_SDDL.to_string();
    if !admin {
        if let Some(me) = process_user() {
            sddl.push_str(&format!("(A;OICI;FA;;;{me})"));
        }
    }
    let sddl = wide(sddl);
    let path = wide(folder);
    // SAFETY: the descriptor from ConvertStringSecurityDescriptorToSecurityDescriptorW is freed with
    // LocalFree after its DACL (which points into it) was used.
    unsafe {
        let mut sd: PSECURITY_DESCRIPTOR = null_mut();
        if ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            null_mut(),
        ) == 0
        {
            return Err(std::io::Error::last_os_error());
        }
        let (mut present, mut defaulted) = (0, 0);
        let mut dacl: *mut ACL = null_mut();
        GetSecurityDescriptorDacl(sd, &mut present, &mut dacl, &mut defaulted);
        let rc = SetNamedSecurityInfoW(
            path.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            dacl,
            null(),
        );
        LocalFree(sd);
        if rc != ERROR_SUCCESS {
            return Err(std::io::Error::from_raw_os_error(rc as i32));
        }
    }
    if admin {
        // Administrators as the owner, so that no single account keeps the right to change the
        // ACL; best effort (the DACL is what grants access).
        with_sid(ADMINISTRATORS, |sid| {
            // SAFETY: `path` and `sid` are valid for the call.
            unsafe {
                SetNamedSecurityInfoW(
                    path.as_ptr(),
                    SE_FILE_OBJECT,
                    OWNER_SECURITY_INFORMATION,
                    sid,
                    null_mut(),
                    null(),
                    null(),
                )
            }
        });
    }
    Ok(())
}

/// See the module docs.
pub fn writers(path: &Path) -> std::io::Result<Vec<Writer>> {
    let me = process_user();
    let trusted = |s: &str| {
        [SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER, CREATOR_OWNER].contains(&s)
            || me.as_deref() == Some(s)
    };
    let name = wide(path);
    let mut out: Vec<Writer> = Vec::new();
    // SAFETY: the owner and DACL point into the descriptor, which is freed last with LocalFree;
    // every ACE is read within the DACL's bounds through GetAce.
    unsafe {
        let mut owner: PSID = null_mut();
        let mut dacl: *mut ACL = null_mut();
        let mut sd: PSECURITY_DESCRIPTOR = null_mut();
        let rc = GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        );
        if rc != ERROR_SUCCESS {
            return Err(std::io::Error::from_raw_os_error(rc as i32));
        }
        if dacl.is_null() {
            out.push(Writer {
                name: "Everyone".into(),
                id: "no access control list: full access for all".into(),
                owner: false,
            });
        } else {
            let mut info = ACL_SIZE_INFORMATION::default();
            GetAclInformation(
                dacl,
                (&mut info as *mut ACL_SIZE_INFORMATION).cast(),
                std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            );
            for i in 0..info.AceCount {
                let mut ace: *mut c_void = null_mut();
                if GetAce(dacl, i, &mut ace) == 0 {
                    continue;
                }
                let header = &*(ace as *const ACE_HEADER);
                if header.AceType != ACCESS_ALLOWED_ACE_TYPE
                    || u32::from(header.AceFlags) & INHERIT_ONLY_ACE != 0
                {
                    continue;
                }
                let allowed = ace as *const ACCESS_ALLOWED_ACE;
                if (*allowed).Mask & WRITE_RIGHTS == 0 {
                    continue;
                }
                let sid = std::ptr::addr_of!((*allowed).SidStart) as PSID;
                let Some(s) = sid_string(sid) else { continue };
                if trusted(&s) || out.iter().any(|w| w.id == s) {
                    continue;
                }
                out.push(Writer {
                    name: account_name(sid).unwrap_or_else(|| s.clone()),
                    id: s,
                    owner: false,
                });
            }
        }
        if !owner.is_null() {
            if let Some(s) = sid_string(owner).filter(|s| !trusted(s)) {
                out.push(Writer {
                    name: account_name(owner).unwrap_or_else(|| s.clone()),
                    id: s,
                    owner: true,
                });
            }
        }
        LocalFree(sd);
    }
    Ok(out)
}

/// The `icacls` commands that leave only SYSTEM and Administrators (run elevated).
pub fn fix(path: &Path, is_dir: bool, writers: &[Writer]) -> String {
    let p = path.display();
    let inherit = if is_dir { "(OI)(CI)" } else { "" };
    let mut cmds = vec![format!(
        "icacls \"{p}\" /inheritance:r /grant:r *{SYSTEM}:{inherit}F *{ADMINISTRATORS}:{inherit}F"
    )];
    let others: Vec<String> = writers
        .iter()
        .filter(|w| !w.owner && w.id.starts_with("S-"))
        .map(|w| format!("*{}", w.id))
        .collect();
    if !others.is_empty() {
        cmds.push(format!("icacls \"{p}\" /remove:g {}", others.join(" ")));
    }
    if writers.iter().any(|w| w.owner) {
        cmds.push(format!("icacls \"{p}\" /setowner *{ADMINISTRATORS}"));
    }
    cmds.join(" && ")
}

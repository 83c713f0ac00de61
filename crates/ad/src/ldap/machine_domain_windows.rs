//! The DNS domain a Windows machine is joined to (`GetComputerNameExW(ComputerNameDnsDomain)`):
//! where a configuration without `directory.domain` looks for domain controllers.
#![allow(unsafe_code)]

use windows_sys::Win32::System::SystemInformation::{ComputerNameDnsDomain, GetComputerNameExW};

/// The machine's DNS domain (`contoso.com`), `None` when it cannot be read; empty when the
/// machine is in a workgroup.
pub fn dns_domain() -> Option<String> {
    let mut len: u32 = 0;
    // SAFETY: a null buffer with size 0 asks for the needed size (ERROR_MORE_DATA).
    unsafe { GetComputerNameExW(ComputerNameDnsDomain, std::ptr::null_mut(), &mut len) };
    if len == 0 {
        return Some(String::new());
    }
    let mut buf = vec![0u16; len as usize + 1];
    let mut size = buf.len() as u32;
    // SAFETY: `buf` holds `size` UTF-16 units; the call writes at most that many and sets `size`
    // to the characters written (without the terminating zero).
    let ok = unsafe { GetComputerNameExW(ComputerNameDnsDomain, buf.as_mut_ptr(), &mut size) };
    if ok == 0 {
        return None;
    }
    buf.truncate(size as usize);
    Some(String::from_utf16_lossy(&buf))
}

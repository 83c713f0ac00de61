//! Writing the event on Windows: the source `RoleSync` is registered by the MSI (a registry key
//! under `HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application` naming the message file
//! next to the exe); when the key is missing, an elevated run creates it (`TypesSupported` 7 and,
//! when `rolesync-messages.dll` sits beside the exe, `EventMessageFile`). Then `ReportEventW`
//! writes the event with its text as the one insertion string (each message in the file is `%1`).
#![allow(unsafe_code)]

use crate::{Level, Recorded, RunEvent, MESSAGE_FILE, SOURCE, SOURCE_KEY};
use std::ptr::{null, null_mut};
use windows_sys::Win32::Foundation::ERROR_SUCCESS;
use windows_sys::Win32::System::EventLog::{
    DeregisterEventSource, RegisterEventSourceW, ReportEventW, EVENTLOG_ERROR_TYPE,
    EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE,
};
use windows_sys::Win32::System::Registry::{
    RegCloseKey, RegCreateKeyExW, RegOpenKeyExW, RegSetValueExW, HKEY, HKEY_LOCAL_MACHINE,
    KEY_READ, KEY_WOW64_64KEY, KEY_WRITE, REG_DWORD, REG_EXPAND_SZ, REG_OPTION_NON_VOLATILE,
};

fn wide(s: impl AsRef<std::ffi::OsStr>) -> Vec<u16> {
    use std::os::windows::ffi::OsStrExt;
    s.as_ref().encode_wide().chain(std::iter::once(0)).collect()
}

/// The source's key exists, or was created now; `None` when it is missing and cannot be created.
fn ensure_source() -> Option<bool> {
    let key = wide(SOURCE_KEY);
    let mut h: HKEY = null_mut();
    // SAFETY: plain registry calls with valid, NUL-terminated strings; every opened key is closed.
    unsafe {
        if RegOpenKeyExW(
            HKEY_LOCAL_MACHINE,
            key.as_ptr(),
            0,
            KEY_READ | KEY_WOW64_64KEY,
            &mut h,
        ) == ERROR_SUCCESS
        {
            RegCloseKey(h);
            return Some(false);
        }
        let mut disposition = 0;
        if RegCreateKeyExW(
            HKEY_LOCAL_MACHINE,
            key.as_ptr(),
            0,
            null(),
            REG_OPTION_NON_VOLATILE,
            KEY_WRITE | KEY_WOW64_64KEY,
            null(),
            &mut h,
            &mut disposition,
        ) != ERROR_SUCCESS
        {
            return None;
        }
        let types: u32 = 7; // error, warning, information
        let name = wide("TypesSupported");
        RegSetValueExW(
            h,
            name.as_ptr(),
            0,
            REG_DWORD,
            (&types as *const u32).cast(),
            4,
        );
        let messages = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|d| d.join(MESSAGE_FILE)))
            .filter(|m| m.is_file());
        if let Some(m) = messages {
            let value = wide(&m);
            let name = wide("EventMessageFile");
            RegSetValueExW(
                h,
                name.as_ptr(),
                0,
                REG_EXPAND_SZ,
                value.as_ptr().cast(),
                (value.len() * 2) as u32,
            );
        }
        RegCloseKey(h);
    }
    Some(true)
}

/// Writes the event (see the module docs).
pub fn write(event: &RunEvent) -> std::io::Result<Recorded> {
    let registered = ensure_source();
    let source = wide(SOURCE);
    let text = wide(&event.text);
    let kind = match event.kind.level {
        Level::Information => EVENTLOG_INFORMATION_TYPE,
        Level::Warning => EVENTLOG_WARNING_TYPE,
        Level::Error => EVENTLOG_ERROR_TYPE,
    };
    // SAFETY: the handle is deregistered after use; the one string lives until the call returns.
    unsafe {
        let h = RegisterEventSourceW(null(), source.as_ptr());
        if h.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        let strings = [text.as_ptr()];
        let ok = ReportEventW(
            h,
            kind,
            0,
            event.kind.id,
            null_mut(),
            1,
            0,
            strings.as_ptr(),
            null(),
        );
        let err = std::io::Error::last_os_error();
        DeregisterEventSource(h);
        if ok == 0 {
            return Err(err);
        }
    }
    Ok(match registered {
        Some(false) => Recorded::Written,
        Some(true) => Recorded::WrittenAndRegistered,
        None => Recorded::WrittenUnregistered,
    })
}

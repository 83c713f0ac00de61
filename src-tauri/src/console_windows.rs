//! Windows console for the headless commands. The release exe is a GUI-subsystem program (no
//! console window pops up when the desktop app is double-clicked); when it is started from a
//! console with a command, it attaches to that console so its output and errors appear there.
//! Redirected output (pipes, files, Task Scheduler) is left as it is.
#![allow(unsafe_code)]

use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::Console::{
    AttachConsole, GetStdHandle, SetStdHandle, ATTACH_PARENT_PROCESS, STD_ERROR_HANDLE,
    STD_OUTPUT_HANDLE,
};

fn missing(h: windows_sys::Win32::Foundation::HANDLE) -> bool {
    h.is_null() || h == INVALID_HANDLE_VALUE
}

/// Attaches to the parent's console when stdout and stderr go nowhere.
pub fn attach_parent_console() {
    // SAFETY: plain Win32 calls with valid arguments; handles are process-wide and live until exit.
    unsafe {
        let out = GetStdHandle(STD_OUTPUT_HANDLE);
        let err = GetStdHandle(STD_ERROR_HANDLE);
        if !(missing(out) && missing(err)) {
            return;
        }
        if AttachConsole(ATTACH_PARENT_PROCESS) == 0 {
            return;
        }
        let name: Vec<u16> = "CONOUT$\0".encode_utf16().collect();
        let con = CreateFileW(
            name.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            std::ptr::null(),
            OPEN_EXISTING,
            0,
            std::ptr::null_mut(),
        );
        if !missing(con) {
            SetStdHandle(STD_OUTPUT_HANDLE, con);
            SetStdHandle(STD_ERROR_HANDLE, con);
        }
    }
}

/// The console window's width in columns, when stderr is a console.
pub fn width() -> Option<usize> {
    use windows_sys::Win32::System::Console::{
        GetConsoleScreenBufferInfo, CONSOLE_SCREEN_BUFFER_INFO,
    };
    // SAFETY: a plain Win32 call with the process's stderr handle and a zeroed out-structure.
    unsafe {
        let err = GetStdHandle(STD_ERROR_HANDLE);
        if missing(err) {
            return None;
        }
        let mut info: CONSOLE_SCREEN_BUFFER_INFO = std::mem::zeroed();
        if GetConsoleScreenBufferInfo(err, &mut info) == 0 {
            return None;
        }
        let cols = i32::from(info.srWindow.Right) - i32::from(info.srWindow.Left) + 1;
        usize::try_from(cols).ok().filter(|c| *c > 0)
    }
}

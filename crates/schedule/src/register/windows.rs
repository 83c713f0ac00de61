//! Registering the schedule on Windows: the task XML, written UTF-16LE with a BOM next to the
//! configuration, registered with `schtasks /Create /XML` (replacing an existing task).

use super::{run_program, RegisterError};
use crate::{register_command, task_xml, TaskSpec, TASK_NAME};

/// Appends a line of output.
macro_rules! say {
    ($out:ident, $($t:tt)*) => {{
        $out.push_str(format!($($t)*).trim_end_matches('\n'));
        $out.push('\n');
    }};
}

fn utf16_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// Registers (or replaces) the task.
pub fn install(spec: &TaskSpec, print: bool) -> Result<String, RegisterError> {
    let mut out = String::new();
    let xml = task_xml(spec);
    if print {
        let (program, args) = register_command(spec, "<this file>");
        say!(out, "{xml}");
        say!(out, "<!-- then: {program} {} -->", args.join(" "));
        return Ok(out);
    }
    let file = spec.workdir.join("rolesync-task.xml");
    rolesync_protect::create_dir_all(&spec.workdir)
        .map_err(|e| RegisterError(format!("cannot create {}: {e}", spec.workdir.display())))?;
    std::fs::write(&file, utf16_with_bom(&xml))
        .map_err(|e| RegisterError(format!("cannot write {}: {e}", file.display())))?;
    let (program, args) = register_command(spec, &file.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_program(&program, &args, None)?;
    say!(
        out,
        "scheduled: task {TASK_NAME} (definition in {})",
        file.display()
    );
    Ok(out)
}

/// Deletes the task.
pub fn remove(print: bool) -> Result<String, RegisterError> {
    let mut out = String::new();
    if print {
        say!(out, "schtasks /Delete /TN \"{TASK_NAME}\" /F");
        return Ok(out);
    }
    run_program("schtasks", &["/Delete", "/TN", TASK_NAME, "/F"], None)?;
    say!(out, "removed task {TASK_NAME}");
    Ok(out)
}

/// Shows the task.
pub fn show(print: bool) -> Result<String, RegisterError> {
    let mut out = String::new();
    if print {
        say!(out, "schtasks /Query /TN \"{TASK_NAME}\" /V /FO LIST");
        return Ok(out);
    }
    say!(
        out,
        "{}",
        run_program(
            "schtasks",
            &["/Query", "/TN", TASK_NAME, "/V", "/FO", "LIST"],
            None
        )?
    );
    Ok(out)
}

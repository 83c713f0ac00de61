//! The run's log as the mail's attachment: that run's lines only (not the whole day's file, which
//! after a busy day would be refused by the server and carries other runs), compressed into a
//! `.zip` that Windows opens natively, and at most [`MAX_ATTACHMENT`] bytes — when the log is
//! larger its start is left out (the failures are at the end) and the mail says so.

use std::io::Write as _;

/// The largest attachment sent: well under the 10 MB many mail servers (Exchange Online's
/// default among them) accept for a whole message.
pub const MAX_ATTACHMENT: usize = 4 << 20;

/// One run's log lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLog {
    /// The file name inside the archive, e.g. `rolesync-<run id>.log`.
    pub name: String,
    /// The lines.
    pub text: Vec<u8>,
    /// Lines were already left out while the run was logged (it was very long).
    pub cut: bool,
    /// Where the whole log is, for the note (the daily log file on the server).
    pub full_log: Option<String>,
}

/// The attachment's bytes and the note for the bodies when something was left out.
pub(crate) fn zip_log(log: &RunLog) -> Result<(Vec<u8>, Option<String>), String> {
    let mut text: &[u8] = &log.text;
    let mut dropped = 0usize;
    loop {
        let zipped = zip_one(&log.name, text)?;
        if zipped.len() <= MAX_ATTACHMENT || text.is_empty() {
            let where_ = log
                .full_log
                .as_deref()
                .map(|f| format!(" The whole log is {f} on the RoleSync server."))
                .unwrap_or_default();
            let note = (dropped > 0 || log.cut).then(|| {
                format!(
                    "The attached log of this run was shortened to its last {} lines to keep the mail small.{where_}",
                    text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count()
                )
            });
            return Ok((zipped, note));
        }
        // Keep the later half: the outcome and any failures are at the end.
        let half = text.len() / 2;
        let start = text[half..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(text.len(), |p| half + p + 1);
        dropped += start;
        text = &text[start..];
    }
}

fn zip_one(name: &str, text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(name, opts).map_err(|e| e.to_string())?;
        z.write_all(text).map_err(|e| e.to_string())?;
        z.finish().map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_log_keeps_its_end_and_says_so() {
        // Random-ish lines compress badly: 12 MB of them cannot fit in 4 MB zipped.
        let mut text = Vec::new();
        let mut x: u64 = 1;
        for i in 0..200_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.extend_from_slice(
                format!(
                    "line {i} {x:016x}{:016x}{:016x}\n",
                    x.rotate_left(7),
                    x.rotate_left(19)
                )
                .as_bytes(),
            );
        }
        let log = RunLog {
            name: "rolesync-r.log".into(),
            text: text.clone(),
            cut: false,
            full_log: Some("C:\\ProgramData\\RoleSync\\logs\\rolesync.2026-12-01.log".into()),
        };
        let (zipped, note) = zip_log(&log).unwrap();
        assert!(zipped.len() <= MAX_ATTACHMENT, "{}", zipped.len());
        let note = note.expect("a note");
        assert!(
            note.contains("shortened") && note.contains("rolesync.2026-12-01.log"),
            "{note}"
        );
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
        let mut inner = String::new();
        std::io::Read::read_to_string(&mut z.by_name("rolesync-r.log").unwrap(), &mut inner)
            .unwrap();
        assert!(
            inner.ends_with("line 199999 ") || inner.contains("line 199999 "),
            "the end is kept"
        );
        assert!(!inner.contains("line 0 "), "the start was left out");
        // A small log goes whole, without a note.
        let small = RunLog {
            text: b"one\ntwo\n".to_vec(),
            ..log
        };
        let (_, note) = zip_log(&small).unwrap();
        assert!(note.is_none());
    }
}

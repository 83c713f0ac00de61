//! Reading the configuration file: at most [`MAX_CONFIG_BYTES`] (a RoleSync configuration is a
//! few KB; anything far larger is the wrong file — or `/dev/zero` — and is refused before it fills
//! memory), and as text in the encodings Windows editors save: UTF-8 with or without a byte-order
//! mark, and UTF-16 with one (Notepad's "Unicode" and "Unicode big endian").

use std::io::Read as _;
use std::path::Path;

/// The largest configuration file read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Why the file could not be read as a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ReadConfigError {
    /// No file there.
    #[error("no file at {0}")]
    NotFound(std::path::PathBuf),
    /// The OS refused.
    #[error("cannot read the configuration {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// Too large to be a configuration.
    #[error("the configuration {0} is larger than 1 MiB; a RoleSync configuration is a few KB — check that the path names the right file (rolesync config init writes one)")]
    TooLarge(std::path::PathBuf),
    /// Not text in a known encoding.
    #[error("the configuration {path} is not UTF-8 text ({detail}); save it as UTF-8 — in Notepad: File → Save as → Encoding: UTF-8")]
    Encoding {
        /// The file.
        path: std::path::PathBuf,
        /// Where it fails.
        detail: String,
    },
}

/// Reads and decodes a configuration file.
pub fn read_config(path: &Path) -> Result<String, ReadConfigError> {
    let f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadConfigError::NotFound(path.to_path_buf()),
        _ => ReadConfigError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadConfigError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ReadConfigError::TooLarge(path.to_path_buf()));
    }
    decode(&bytes).map_err(|detail| ReadConfigError::Encoding {
        path: path.to_path_buf(),
        detail,
    })
}

/// Text from the bytes of a file: UTF-8 (a byte-order mark dropped), or UTF-16 LE/BE with a
/// byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |le: bool, b: &[u8]| -> Result<String, String> {
        if !b.len().is_multiple_of(2) {
            return Err("UTF-16 with an odd number of bytes".into());
        }
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|e| format!("invalid UTF-16: {e}"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 3)),
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        _ => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_encodings_are_read() {
        let text = "[safety]\nmax_revokes = 5\n# café\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode(&le).unwrap(), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(decode(&be).unwrap(), text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(text.as_bytes());
        assert_eq!(decode(&bom).unwrap(), text);
        assert!(decode(&[0x5B, 0xFF, 0x00]).unwrap_err().contains("byte 1"));
    }

    #[test]
    fn a_huge_file_is_refused_before_it_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        std::fs::write(&p, vec![b'#'; (MAX_CONFIG_BYTES + 10) as usize]).unwrap();
        assert!(matches!(read_config(&p), Err(ReadConfigError::TooLarge(_))));
        #[cfg(unix)]
        assert!(matches!(
            read_config(Path::new("/dev/zero")),
            Err(ReadConfigError::TooLarge(_))
        ));
    }
}

//! The request record: one JSON line per request the emulator served (`EmulatorConfig::record`),
//! so that a test can check a client's traffic — the host it used, method, path, query option
//! names, and the JSON body of each Graph write — against Microsoft's description of Graph.
//! Requests inside a `$batch` are recorded one by one (`"inBatch": true`) after the `$batch`
//! itself. Nothing secret is written: no headers, and of login form bodies only the names.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// `login` or `graph`.
    pub api: String,
    /// The host (and port) the client addressed (`Host` / `:authority`).
    pub host: String,
    /// HTTP method.
    pub method: String,
    /// The path as sent (for Graph requests inside a `$batch`: `/v1.0` + the request's URL).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The JSON body of a Graph request that had one.
    pub body: Option<Value>,
    /// The names of a login request's form fields (never their values).
    pub form_keys: Vec<String>,
    /// Inside a `$batch`.
    pub in_batch: bool,
    /// The status answered (0 when the connection was dropped instead).
    pub status: u16,
}

/// Appends records to a file, one line each, flushed per line (a reader never sees half a line).
pub(crate) struct Recorder {
    out: Mutex<BufWriter<File>>,
}

impl Recorder {
    /// Opens (appends to) the record file.
    pub fn open(path: &Path) -> std::io::Result<Recorder> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Recorder {
            out: Mutex::new(BufWriter::new(f)),
        })
    }

    /// Writes one record; a failing write is reported on stderr once per call and otherwise
    /// ignored (recording never changes what a client sees).
    pub fn write(&self, r: &RecordedRequest) {
        let Ok(mut line) = serde_json::to_vec(r) else {
            return;
        };
        line.push(b'\n');
        let mut out = crate::server::lock(&self.out);
        if let Err(e) = out.write_all(&line).and_then(|()| out.flush()) {
            eprintln!("emulator: cannot write the request record: {e}");
        }
    }
}

/// Reads a record file written by the emulator.
pub fn read_record(path: &Path) -> std::io::Result<Vec<RecordedRequest>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })
        .collect()
}

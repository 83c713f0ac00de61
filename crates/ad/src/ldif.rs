//! An LDIF reader for `ldifde`/`ldapsearch` exports: `attr: value`, base64 `attr:: value`, folded
//! continuation lines, comments, `version:` and `changetype: add`. Values are bytes, since
//! `objectGUID` and `objectSid` are binary.

use base64::Engine as _;

/// One entry: a DN and its attributes in file order (names as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifEntry {
    /// The entry's DN.
    pub dn: String,
    /// Attributes in order; repeated names are repeated values.
    pub attrs: Vec<(String, Vec<u8>)>,
}

impl LdifEntry {
    /// Every value of an attribute (name compared without case; `member;range=…` options ignored).
    pub fn values(&self, name: &str) -> impl Iterator<Item = &[u8]> {
        let name = name.to_ascii_lowercase();
        self.attrs
            .iter()
            .filter(move |(n, _)| {
                n.split(';')
                    .next()
                    .is_some_and(|b| b.eq_ignore_ascii_case(&name))
            })
            .map(|(_, v)| v.as_slice())
    }

    /// The first value as text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values(name)
            .next()
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Every value as text.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.values(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect()
    }
}

/// A malformed LDIF line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("LDIF line {line}: {message}")]
pub struct LdifError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a whole LDIF document.
pub fn parse(text: &str) -> Result<Vec<LdifEntry>, LdifError> {
    let mut entries = Vec::new();
    each_entry(text, |e| entries.push(e))?;
    Ok(entries)
}

/// Reads an LDIF document entry by entry, handing each to `f` as soon as it is complete, so that
/// a large export is never held twice (lines, then entries) in memory.
pub fn each_entry(text: &str, mut f: impl FnMut(LdifEntry)) -> Result<(), LdifError> {
    let mut reader = Reader { current: None };
    // The logical line being unfolded: a line starting with one space continues it.
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix(' ') {
            match pending.as_mut() {
                Some((_, prev)) if !prev.is_empty() => prev.push_str(rest),
                _ => {
                    return Err(LdifError {
                        line: i + 1,
                        message: "a continuation line follows no attribute".into(),
                    })
                }
            }
        } else {
            if let Some((no, line)) = pending.take() {
                reader.line(no, &line, &mut f)?;
            }
            pending = Some((i + 1, raw.to_string()));
        }
    }
    if let Some((no, line)) = pending.take() {
        reader.line(no, &line, &mut f)?;
    }
    if let Some(e) = reader.current.take() {
        f(e);
    }
    Ok(())
}

/// The entry being read.
struct Reader {
    current: Option<LdifEntry>,
}

impl Reader {
    /// Takes one logical (unfolded) line.
    fn line(
        &mut self,
        no: usize,
        line: &str,
        f: &mut impl FnMut(LdifEntry),
    ) -> Result<(), LdifError> {
        if line.starts_with('#') {
            return Ok(());
        }
        if line.trim().is_empty() {
            if let Some(e) = self.current.take() {
                f(e);
            }
            return Ok(());
        }
        let (name, value) = split_line(line).map_err(|message| LdifError { line: no, message })?;
        match self.current.as_mut() {
            None => {
                if name.eq_ignore_ascii_case("version") {
                    return Ok(());
                }
                if !name.eq_ignore_ascii_case("dn") {
                    return Err(LdifError {
                        line: no,
                        message: format!("expected `dn:` to start an entry, found `{name}:`"),
                    });
                }
                let dn = String::from_utf8(value).map_err(|_| LdifError {
                    line: no,
                    message: "the DN is not UTF-8".into(),
                })?;
                self.current = Some(LdifEntry {
                    dn,
                    attrs: Vec::new(),
                });
            }
            Some(e) => {
                if name.eq_ignore_ascii_case("changetype") {
                    let v = String::from_utf8_lossy(&value).to_ascii_lowercase();
                    if v != "add" {
                        return Err(LdifError {
                            line: no,
                            message: format!("only `changetype: add` can be read, found `{v}`"),
                        });
                    }
                    return Ok(());
                }
                e.attrs.push((name, value));
            }
        }
        Ok(())
    }
}

fn split_line(line: &str) -> Result<(String, Vec<u8>), String> {
    let Some(colon) = line.find(':') else {
        return Err(format!(
            "expected `name: value`, found `{}`",
            line.chars().take(40).collect::<String>()
        ));
    };
    let name = line[..colon].trim().to_string();
    if name.is_empty() {
        return Err("an attribute name is missing before `:`".into());
    }
    let rest = &line[colon + 1..];
    if let Some(b64) = rest.strip_prefix(':') {
        let v = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| format!("the base64 value of `{name}` does not decode: {e}"))?;
        Ok((name, v))
    } else if rest.starts_with('<') {
        Err(format!(
            "`{name}:<` URL values are not supported; export the value inline"
        ))
    } else {
        Ok((
            name,
            rest.strip_prefix(' ').unwrap_or(rest).as_bytes().to_vec(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_folded_base64_and_plain_values() {
        let text = "version: 1\n\n# a comment\ndn: CN=Alice Smith,OU=Staff,\n DC=contoso,DC=com\nchangetype: add\nobjectGUID:: dOXSvFiNNkGp34oZsUXbeQ==\nmember: a\nmember: b\n\ndn:: Q049w4ltaWxl\ncn: x\n";
        let e = parse(text).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dn, "CN=Alice Smith,OU=Staff,DC=contoso,DC=com");
        assert_eq!(e[0].values("objectguid").next().unwrap().len(), 16);
        assert_eq!(e[0].texts("member"), ["a", "b"]);
        assert_eq!(e[1].dn, "CN=Émile");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("dn: CN=a\nnot a pair\n").unwrap_err();
        assert_eq!(err.line, 2);
        let err = parse("cn: a\n").unwrap_err();
        assert!(err.message.contains("dn:"), "{err}");
        let err = parse("dn: CN=a\nobjectGUID:: !!!\n").unwrap_err();
        assert!(err.to_string().contains("objectGUID"), "{err}");
        assert!(parse("dn: CN=a\nchangetype: delete\n").is_err());
    }
}

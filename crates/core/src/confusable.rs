//! Names that read as something they are not: a group called "Ехсhаngе Administrator" with
//! Cyrillic letters looks exactly like the role group in every AD tool, maps to no role, and can
//! mislead whoever manages membership. [`skeleton`] folds the common look-alikes (Cyrillic and
//! Greek letters shaped like Latin ones, full-width letters) to ASCII and drops invisible and
//! direction-changing characters, after the idea of Unicode's confusable detection (UTS #39,
//! "skeleton"), for the characters that matter in role names.

/// The ASCII look-alike of `c`, if it has one.
fn latin_of(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ɡ' => 'g',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        'Ԁ' => 'D',
        // Greek
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'ο' => 'o',
        'ν' => 'v',
        'ι' => 'i',
        'κ' => 'k',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        // Full-width Latin
        c @ '\u{FF21}'..='\u{FF3A}' => char::from_u32(c as u32 - 0xFF21 + 'A' as u32)?,
        c @ '\u{FF41}'..='\u{FF5A}' => char::from_u32(c as u32 - 0xFF41 + 'a' as u32)?,
        _ => return None,
    })
}

/// `name` as it reads: look-alikes folded to ASCII, hidden characters dropped.
pub fn skeleton(name: &str) -> String {
    name.chars()
        .filter(|c| !crate::redact::is_hidden(*c))
        .map(|c| latin_of(c).unwrap_or(c))
        .collect()
}

/// Whether `name` reads as `other` without being it (a look-alike or hidden character).
pub fn reads_as(name: &str, other: &str) -> bool {
    name != other && skeleton(name).eq_ignore_ascii_case(&skeleton(other))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_are_found() {
        assert!(reads_as("Ехсhаngе Administrator", "Exchange Administrator"));
        assert!(reads_as(
            "Exchange\u{200b} Administrator",
            "Exchange Administrator"
        ));
        assert!(reads_as(
            "Ｇｌｏｂａｌ Administrator",
            "Global Administrator"
        ));
        assert!(!reads_as(
            "Exchange Administrator",
            "Exchange Administrator"
        ));
        assert!(!reads_as("Exchange Admins", "Exchange Administrator"));
    }
}

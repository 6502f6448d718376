//! The unified social credit code (统一社会信用代码) of GB 32100-2015.
//!
//! Every firm in the registry is keyed by this code, so a typo must be caught at the door:
//! the 18th character is a check character over the first 17, and we reject a code whose
//! check character does not match — saying which character it should have been, because
//! that is what a clerk retyping a licence needs to hear.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::messages::Msg;
use crate::msg;

/// The 31 symbols of the code, each worth its index (no I, O, Z, S or V).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1..=17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A credit code that has passed every check; the only way to get one is [`Uscc::parse`]
/// or [`Uscc::complete`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Uscc(String);

/// Why a credit code was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    WrongLength(usize),
    BadCharacter { position: usize, found: char },
    WrongCheck { expected: char },
}

impl UsccError {
    /// What to tell the clerk who typed the code: which rule, and where.
    pub fn msg(&self) -> Msg {
        match self {
            Self::WrongLength(n) => msg!("uscc_length", n),
            Self::BadCharacter { position, found } => msg!("uscc_character", position, found),
            Self::WrongCheck { expected } => msg!("uscc_check", expected),
        }
    }

    pub fn message(&self, lang: crate::Lang) -> String {
        crate::messages::domain().render(lang, &self.msg())
    }
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(crate::Lang::En))
    }
}

impl std::error::Error for UsccError {}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(&c, w)| value_of(c).unwrap_or(0) * w).sum();
    ALPHABET[((31 - sum % 31) % 31) as usize] as char
}

impl Uscc {
    /// Validates a code as typed: surrounding spaces are ignored and letters upper-cased
    /// (full-width folding is the importer's job, see [`crate::text::fold`]).
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let code = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(UsccError::WrongLength(chars.len()));
        }
        // The 18th character is judged by the check below: a clerk who mistyped it needs to
        // hear what it should be, not only that it is not allowed.
        for (i, &c) in chars.iter().enumerate().take(17) {
            if !c.is_ascii() || value_of(c as u8).is_none() {
                return Err(UsccError::BadCharacter { position: i + 1, found: c });
            }
        }
        let expected = check_char(&code.as_bytes()[..17]);
        if chars[17] != expected {
            return Err(UsccError::WrongCheck { expected });
        }
        Ok(Self(code))
    }

    /// Completes 17 valid characters with their check character (used by the demo generator).
    pub fn complete(first17: &str) -> Result<Self, UsccError> {
        let first = first17.to_ascii_uppercase();
        if first.len() != 17 {
            return Err(UsccError::WrongLength(first.chars().count() + 1));
        }
        let check = check_char(first.as_bytes());
        Self::parse(&format!("{first}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division in positions 3..=8 (330784 for Yongkang).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// Whether positions 9..=17 pass the older organisation-code check (GB 11714). Codes of
    /// individual businesses often do not, so this is a warning for the registry, never a
    /// reason to refuse a code.
    pub fn organisation_code_checks(&self) -> bool {
        let body = &self.0.as_bytes()[8..17];
        let weights = [3u32, 7, 9, 10, 5, 8, 4, 2];
        let mut sum = 0;
        for (&c, w) in body[..8].iter().zip(weights) {
            let v = match c {
                b'0'..=b'9' => (c - b'0') as u32,
                b'A'..=b'Z' => (c - b'A') as u32 + 10,
                _ => return false,
            };
            sum += v * w;
        }
        let check = match 11 - sum % 11 {
            10 => b'X',
            11 => b'0',
            d => b'0' + d as u8,
        };
        body[8] == check
    }

    /// The organisation-code check digit for 8 body characters (demo data uses it so that
    /// generated codes look like ones issued from that scheme).
    pub fn organisation_check_digit(body8: &str) -> Option<char> {
        let weights = [3u32, 7, 9, 10, 5, 8, 4, 2];
        let mut sum = 0;
        for (c, w) in body8.bytes().zip(weights) {
            let v = match c {
                b'0'..=b'9' => (c - b'0') as u32,
                b'A'..=b'Z' => (c - b'A') as u32 + 10,
                _ => return None,
            };
            sum += v * w;
        }
        Some(match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            d => (b'0' + d as u8) as char,
        })
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Uscc::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_pass() {
        for code in ["91330100799655058B", "91110000802100433B", "91440300708461136T", "91110000600037341L"] {
            assert_eq!(Uscc::parse(code).unwrap().as_str(), code);
        }
    }

    #[test]
    fn wrong_check_character_names_the_right_one() {
        assert_eq!(Uscc::parse("91350100M000100Y4Z"), Err(UsccError::WrongCheck { expected: '3' }));
        assert!(UsccError::WrongCheck { expected: 'B' }.message(crate::Lang::Zh).contains("应为 B"));
    }

    #[test]
    fn lower_case_and_spaces_are_accepted() {
        assert!(Uscc::parse("  91330100799655058b ").is_ok());
    }

    #[test]
    fn bad_characters_are_named_by_position() {
        // I, O, Z, S and V are not in the alphabet.
        assert_eq!(Uscc::parse("91330100799655O58B"), Err(UsccError::BadCharacter { position: 15, found: 'O' }));
        assert_eq!(Uscc::parse("9133010079965505８B"), Err(UsccError::BadCharacter { position: 17, found: '８' }));
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert_eq!(Uscc::parse("91330100799655058"), Err(UsccError::WrongLength(17)));
        assert_eq!(Uscc::parse("91330100799655058BB"), Err(UsccError::WrongLength(19)));
        assert_eq!(Uscc::parse(""), Err(UsccError::WrongLength(0)));
    }

    #[test]
    fn organisation_code_check_is_a_separate_signal() {
        let code = Uscc::parse("91110000600037341L").unwrap();
        assert!(code.organisation_code_checks());
        assert_eq!(Uscc::organisation_check_digit("60003734"), Some('1'));
        assert_eq!(code.division(), "110000");
    }

    proptest! {
        /// Any single substituted character in a valid code is caught.
        #[test]
        fn any_single_substitution_is_caught(pos in 0usize..18, sym in 0usize..31) {
            let good = "91330100799655058B";
            let mut bytes = good.as_bytes().to_vec();
            prop_assume!(bytes[pos] != ALPHABET[sym]);
            bytes[pos] = ALPHABET[sym];
            let bad = String::from_utf8(bytes).unwrap();
            prop_assert!(Uscc::parse(&bad).is_err());
        }

        /// Completing any 17 characters gives a code that parses.
        #[test]
        fn completed_codes_parse(body in proptest::collection::vec(0usize..31, 17)) {
            let first: String = body.iter().map(|&i| ALPHABET[i] as char).collect();
            let code = Uscc::complete(&first).unwrap();
            prop_assert_eq!(Uscc::parse(code.as_str()).unwrap(), code);
        }
    }
}

//! Money as integer fen (分). Prices arrive as yuan with at most two decimals ("12.5",
//! "1,250.00", "¥3"); they become exact fen by parsing the digits, never through a float,
//! so 0.1 + 0.2 yuan is 30 fen and not 29.

use serde::{Deserialize, Serialize};

use crate::messages::Msg;
use crate::msg;

/// An amount in fen. Negative prices make no sense in a catalogue, so the parser refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// The largest price we accept: 10 bn yuan, far above any listing, far below i64 overflow.
pub const MAX_FEN: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    TooManyDecimals,
    Negative,
    TooLarge,
}

impl MoneyError {
    /// What to tell the person who typed the amount.
    pub fn msg(&self) -> Msg {
        match self {
            Self::NotANumber => msg!("money_not_a_number"),
            Self::TooManyDecimals => msg!("money_decimals"),
            Self::Negative => msg!("money_negative"),
            Self::TooLarge => msg!("money_too_large"),
        }
    }
}

impl std::fmt::Display for MoneyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::messages::domain().render(crate::Lang::En, &self.msg()))
    }
}

impl std::error::Error for MoneyError {}

impl Fen {
    /// Parses yuan: optional ¥/￥ sign, optional thousands commas, up to two decimals.
    pub fn parse_yuan(input: &str) -> Result<Fen, MoneyError> {
        let s = input.trim().trim_start_matches(['¥', '￥']).trim();
        let s = s.strip_suffix('元').unwrap_or(s).trim();
        if s.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let s: String = s.chars().filter(|&c| c != ',').collect();
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s.as_str(), ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(MoneyError::NotANumber);
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        if int.len() > 12 {
            return Err(MoneyError::TooLarge);
        }
        let yuan: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| MoneyError::NotANumber)? };
        let mut fen_part: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| MoneyError::NotANumber)? };
        if frac.len() == 1 {
            fen_part *= 10;
        }
        let total = yuan * 100 + fen_part;
        if total > MAX_FEN {
            return Err(MoneyError::TooLarge);
        }
        Ok(Fen(total))
    }

    /// Yuan with exactly as many decimals as needed ("12", "12.5", "12.05"), which is what
    /// an export writes so that import reads the same amount back.
    pub fn to_yuan_string(self) -> String {
        let (y, f) = (self.0 / 100, self.0 % 100);
        match f {
            0 => y.to_string(),
            f if f % 10 == 0 => format!("{y}.{}", f / 10),
            f => format!("{y}.{f:02}"),
        }
    }
}

/// Fen as yuan with two decimals and digits grouped by thousands, as a price or a total
/// reads on a page or in a stamped formula ("19,444.75").
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let whole = (fen.unsigned_abs() / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen.unsigned_abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_becomes_exact_fen() {
        assert_eq!(Fen::parse_yuan("12.5"), Ok(Fen(1250)));
        assert_eq!(Fen::parse_yuan("0.07"), Ok(Fen(7)));
        assert_eq!(Fen::parse_yuan("¥1,250.00"), Ok(Fen(125000)));
        assert_eq!(Fen::parse_yuan("3元"), Ok(Fen(300)));
        assert_eq!(Fen::parse_yuan(".5"), Ok(Fen(50)));
    }

    #[test]
    fn bad_amounts_are_refused() {
        assert_eq!(Fen::parse_yuan("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Fen::parse_yuan("-1"), Err(MoneyError::Negative));
        assert_eq!(Fen::parse_yuan("abc"), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan(""), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("1e5"), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("99999999999999"), Err(MoneyError::TooLarge));
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips(fen in 0i64..MAX_FEN) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).to_yuan_string()), Ok(Fen(fen)));
        }
    }
}

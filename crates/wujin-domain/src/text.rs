//! Cleaning of text as people type it into spreadsheets: full-width letters and digits
//! (which Chinese input methods produce) folded to half-width, surrounding space trimmed,
//! lists split on the separators people actually use.

/// Folds full-width letters and digits (Ａ, ８) and the ideographic space to their
/// half-width forms and trims. Chinese punctuation (，：（）) is left alone: it belongs to
/// the prose, and folding it would change what people wrote.
pub fn fold(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Splits a list cell on ；, ;, 、, ，or , and drops empty items. Items are folded.
pub fn split_list(input: &str) -> Vec<String> {
    input.split(['；', ';', '、', ',', '，']).map(fold).filter(|s| !s.is_empty()).collect()
}

/// The number of characters (not bytes), which is what a length limit means to a person.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_is_folded() {
        assert_eq!(fold("　ＧＢ　２９６０６ "), "GB 29606");
        assert_eq!(fold("位于象珠镇，专业从事保温杯。"), "位于象珠镇，专业从事保温杯。");
        assert_eq!(fold("永康市１号"), "永康市1号");
    }

    #[test]
    fn lists_split_on_every_separator() {
        assert_eq!(split_list("ISO 9001；CCC、CE, UL;；"), vec!["ISO 9001", "CCC", "CE", "UL"]);
    }
}

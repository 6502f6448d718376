//! Words: how wujin cuts Chinese (and English) text into terms, the same way at index and
//! at query time.
//!
//! jieba's default dictionary splits the cluster's own words (角磨机, 焖烧杯, 压铸模具 …), so
//! every category name, alias and process name from the taxonomy is added to it. A word is
//! indexed whole and, so that a search for a part of it finds it, with the parts of its own
//! best segmentation, again and again down to two characters: 真空保温杯 cuts into 真空 +
//! 保温杯, and 保温杯 into 保温 + 杯, so 保温杯 and 保温 find it. A part that only overlaps
//! the cut is not a term: 紧固件 cuts into 紧固 + 件, so 固件 (firmware) does not find a
//! fastener, nor 钢门 a 不锈钢门. (jieba's own search mode offers every dictionary word
//! inside a longer one, and so would.) HMM is off on both sides so the terms always line up;
//! ASCII is lower-cased.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};

use jieba_rs::Jieba;
use wujin_domain::Taxonomy;

/// The shared segmenter and synonym table; building it costs tens of milliseconds, so it is
/// built once per process.
pub struct Words {
    jieba: Jieba,
    /// term -> the synonym group it belongs to (index into `groups`).
    synonym_of: HashMap<String, usize>,
    groups: Vec<Vec<String>>,
    /// Synonyms the index holds as one term (a query can look them up directly), worked
    /// out once here rather than by cutting every synonym of every query word again.
    whole: HashSet<String>,
    /// Words around a need that say nothing about it (想, 找, 的 …), from `data/stopwords.txt`.
    stop: HashSet<String>,
    /// Units of measure written in Latin letters (v, w, kw, ml, mm …, lower-cased), from the
    /// taxonomy's measures: a run of digits keeps the unit that follows it when a word of
    /// letters and digits is cut ("18vbms" -> 18v + bms).
    units: Vec<String>,
    /// The parts of each word cut so far (see [`Words::parts`]), byte ranges within the
    /// word: a catalogue repeats its words, and the segmentation is the costly step of
    /// indexing, so each word is cut once. Emptied when it grows past [`MAX_CUTS`].
    cuts: RwLock<HashMap<String, Parts>>,
}

/// The byte ranges of a word's parts.
type Parts = Arc<[(usize, usize)]>;

/// The most words whose parts are remembered.
const MAX_CUTS: usize = 100_000;

const STOPWORDS: &str = include_str!("../data/stopwords.txt");

/// The log of the sum of jieba's default dictionary frequencies (about 60 million): the
/// per-piece cost of a segmentation, so fewer, likelier pieces win, as in jieba's own.
const LOG_TOTAL: f64 = 17.91;

fn is_term(word: &str) -> bool {
    word.chars().any(|c| c.is_alphanumeric())
}

impl Words {
    pub fn shared() -> Arc<Words> {
        static WORDS: OnceLock<Arc<Words>> = OnceLock::new();
        WORDS.get_or_init(|| Arc::new(Words::from_taxonomy(Taxonomy::get()))).clone()
    }

    pub fn from_taxonomy(t: &Taxonomy) -> Words {
        let mut jieba = Jieba::new();
        let mut groups: Vec<Vec<String>> = vec![];
        let mut add_group = |names: Vec<&str>, jieba: &mut Jieba| {
            let mut group = vec![];
            for n in names {
                let n = n.trim().to_lowercase();
                if n.is_empty() {
                    continue;
                }
                // A high frequency keeps the word whole in jieba's segmentation.
                if !n.is_ascii() {
                    jieba.add_word(&n, Some(50_000), None);
                }
                if !group.contains(&n) {
                    group.push(n);
                }
            }
            if group.len() > 1 {
                groups.push(group);
            }
        };
        for c in &t.categories {
            let mut names = vec![c.entry.zh.as_str(), c.entry.en.as_str()];
            names.extend(c.entry.aliases.iter().map(String::as_str));
            add_group(names, &mut jieba);
        }
        for p in &t.processes {
            let mut names = vec![p.zh.as_str()];
            names.extend(p.aliases.iter().map(String::as_str));
            add_group(names, &mut jieba);
        }
        for word in ["304不锈钢", "316不锈钢", "201不锈钢", "铝合金", "锌合金", "不锈钢"] {
            jieba.add_word(word, Some(50_000), None);
        }
        let mut synonym_of = HashMap::new();
        for (i, g) in groups.iter().enumerate() {
            for term in g {
                synonym_of.entry(term.clone()).or_insert(i);
            }
        }
        let stop = STOPWORDS
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect();
        let mut units: Vec<String> = t
            .measures
            .iter()
            .flat_map(|m| std::iter::once(&m.entry.code).chain(&m.entry.aliases))
            .filter(|u| u.chars().all(|c| c.is_ascii_alphabetic()))
            .map(|u| u.to_ascii_lowercase())
            .collect();
        // Longest first, so kw is taken before w.
        units.sort_by_key(|u| std::cmp::Reverse(u.len()));
        units.dedup();
        let mut words =
            Words { jieba, synonym_of, groups, stop, units, whole: HashSet::new(), cuts: RwLock::default() };
        words.whole = words.groups.iter().flatten().filter(|t| words.terms(t).len() == 1).cloned().collect();
        words
    }

    /// The terms of `text`: each word of its segmentation, then the parts of that word's
    /// own best segmentation (see the module's notes), lower-cased, without spaces and
    /// punctuation, with their byte offsets.
    pub fn terms_with_offsets(&self, text: &str) -> Vec<(String, usize, usize)> {
        let mut out = vec![];
        // jieba cuts a decimal at its point (1.5KW -> 1 . 5KW); put it back together, so
        // that 1.5KW never reads as 5KW.
        let mut words: Vec<(usize, usize)> = vec![];
        for t in self.jieba.cut(text, false) {
            let joins = |w: &(usize, usize)| {
                let before = &text[w.0..w.1];
                w.1 == t.byte_start
                    && ((before.ends_with('.') && before.len() > 1 && t.word.starts_with(|c: char| c.is_ascii_digit()))
                        || (t.word == "." && before.ends_with(|c: char| c.is_ascii_digit())))
                    && before.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            };
            match words.last_mut() {
                Some(w) if joins(w) => w.1 = t.byte_end,
                _ => words.push((t.byte_start, t.byte_end)),
            }
        }
        for (start, end) in words {
            // A point that joined nothing ("第1.") is no part of the word.
            let word = text[start..end].trim_end_matches('.');
            if !is_term(word) {
                continue;
            }
            self.parts(word, start, &mut out);
            out.push((word.to_lowercase(), start, start + word.len()));
        }
        out
    }

    /// The parts of `word` (at byte `at` of the text) of two characters or more, from its
    /// best segmentation without itself, and theirs in turn.
    fn parts(&self, word: &str, at: usize, out: &mut Vec<(String, usize, usize)>) {
        if word.is_ascii() {
            self.letter_digit_parts(word, at, out);
            return;
        }
        let known = self.cuts.read().unwrap_or_else(|p| p.into_inner()).get(word).cloned();
        let ranges = match known {
            Some(r) => r,
            None => {
                let mut found = vec![];
                self.cut_parts(word, 0, &mut found);
                let r: Parts = found.into();
                let mut cuts = self.cuts.write().unwrap_or_else(|p| p.into_inner());
                if cuts.len() >= MAX_CUTS {
                    cuts.clear();
                }
                cuts.insert(word.to_string(), r.clone());
                r
            }
        };
        out.extend(ranges.iter().map(|&(s, e)| (word[s..e].to_lowercase(), at + s, at + e)));
    }

    /// The parts of a word of Latin letters and digits: its runs of letters, and numbers
    /// with the unit that follows them, each of two characters or more. "18VBMS" cuts into
    /// 18v + bms, so "BMS" finds a "18VBMS保护板"; "ADC12" gives adc, and stays findable
    /// whole. A word of one run (304, bms, 18v) has no parts.
    fn letter_digit_parts(&self, word: &str, at: usize, out: &mut Vec<(String, usize, usize)>) {
        let bytes = word.as_bytes();
        // 0 digits (with a decimal point between digits), 1 letters, 2 anything else.
        let class = |i: usize| match bytes[i] {
            b if b.is_ascii_digit() => 0,
            b'.' if i > 0 && i + 1 < bytes.len() && bytes[i - 1].is_ascii_digit() && bytes[i + 1].is_ascii_digit() => 0,
            b if b.is_ascii_alphabetic() => 1,
            _ => 2,
        };
        // Runs of digits and of letters: (start, end, class).
        let mut runs: Vec<(usize, usize, u8)> = vec![];
        let mut start = 0;
        for i in 1..=bytes.len() {
            if i == bytes.len() || class(i) != class(i - 1) {
                let c = class(start);
                if c != 2 {
                    runs.push((start, i, c));
                }
                start = i;
            }
        }
        let mut pieces: Vec<(usize, usize)> = vec![];
        let mut i = 0;
        while i < runs.len() {
            let (s, e, c) = runs[i];
            let unit = match runs.get(i + 1) {
                Some(&(ls, le, 1)) if c == 0 && ls == e => {
                    let letters = word[ls..le].to_ascii_lowercase();
                    self.units.iter().find(|u| letters.starts_with(u.as_str())).map(|u| (ls + u.len(), le))
                }
                _ => None,
            };
            match unit {
                Some((end, le)) => {
                    pieces.push((s, end));
                    if end < le {
                        pieces.push((end, le));
                    }
                    i += 2;
                }
                None => {
                    pieces.push((s, e));
                    i += 1;
                }
            }
        }
        if pieces.len() < 2 {
            return;
        }
        // A bare number alone (the 12 of ADC12) would find every "12小时": only pieces with
        // letters are terms.
        for (s, e) in pieces.into_iter().filter(|&(s, e)| e - s >= 2 && bytes[s..e].iter().any(u8::is_ascii_alphabetic))
        {
            out.push((word[s..e].to_ascii_lowercase(), at + s, at + e));
        }
    }

    /// [`Words::parts`] worked out: byte ranges within the word being cut (`at` is where
    /// `word` starts in it).
    fn cut_parts(&self, word: &str, at: usize, out: &mut Vec<(usize, usize)>) {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        let n = chars.len();
        if n < 3 || word.is_ascii() {
            return;
        }
        let byte = |i: usize| if i == n { word.len() } else { chars[i].0 };
        // The most probable cut into dictionary words and single characters, as jieba's own
        // segmentation scores it (each piece its log frequency less the log of the total),
        // never the whole word as one piece.
        let score = |piece: &str| (self.jieba.suggest_freq(piece) as f64).ln() - LOG_TOTAL;
        let mut best: Vec<(f64, usize)> = vec![(f64::NEG_INFINITY, 0); n + 1];
        best[0] = (0.0, 0);
        for end in 1..=n {
            for start in 0..end {
                if (start, end) == (0, n) || best[start].0 == f64::NEG_INFINITY {
                    continue;
                }
                let piece = &word[byte(start)..byte(end)];
                if end - start > 1 && !self.jieba.has_word(piece) {
                    continue;
                }
                let s = best[start].0 + score(piece);
                if s > best[end].0 {
                    best[end] = (s, start);
                }
            }
        }
        let mut end = n;
        let mut pieces = vec![];
        while end > 0 {
            let start = best[end].1;
            pieces.push((start, end));
            end = start;
        }
        for (start, end) in pieces.into_iter().rev() {
            if end - start >= 2 {
                let piece = &word[byte(start)..byte(end)];
                self.cut_parts(piece, at + byte(start), out);
                out.push((at + byte(start), at + byte(end)));
            }
        }
    }

    /// The distinct terms of `text`, in order of first appearance.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for (t, _, _) in self.terms_with_offsets(text) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// The terms of a query: [`Words::terms`] without the words that only wrap a need
    /// ("想找个", "的"). If nothing else is left the wrapping words are all there is, and
    /// they are kept.
    pub fn query_terms(&self, text: &str) -> Vec<String> {
        let all = self.terms(text);
        let kept: Vec<String> = all.iter().filter(|t| !self.stop.contains(t.as_str())).cloned().collect();
        if kept.is_empty() { all } else { kept }
    }

    /// Synonyms of `term` that the index holds as one term.
    pub fn whole_synonyms(&self, term: &str) -> impl Iterator<Item = &str> {
        self.synonyms(term).into_iter().filter(|s| self.whole.contains(*s))
    }

    /// Other names of the same thing (保温杯 -> 真空杯, 保温壶 …), not including `term`.
    pub fn synonyms(&self, term: &str) -> Vec<&str> {
        match self.synonym_of.get(term) {
            Some(&g) => self.groups[g].iter().filter(|s| *s != term).map(String::as_str).collect(),
            None => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_words_stay_whole_and_sub_words_are_findable() {
        let w = Words::shared();
        let terms = w.terms("304不锈钢真空保温杯 500ml");
        for expected in ["保温杯", "304不锈钢"] {
            assert!(terms.iter().any(|t| t == expected), "{expected} in {terms:?}");
        }
        let terms = w.terms("铝合金压铸件");
        assert!(terms.iter().any(|t| t == "压铸"), "{terms:?}");
        for word in ["角磨机", "焖烧杯", "平衡车", "绿篱机", "激光切割", "数控加工"] {
            assert!(w.terms(&format!("专业生产{word}")).iter().any(|t| t == word), "{word} stays whole");
        }
    }

    #[test]
    fn a_part_counts_only_where_the_word_cuts_into_it() {
        let w = Words::shared();
        let has = |text: &str, term: &str| w.terms(text).iter().any(|t| t == term);
        assert!(has("真空保温杯", "保温杯") && has("真空保温杯", "真空"), "{:?}", w.terms("真空保温杯"));
        assert!(has("不锈钢紧固件", "紧固件") && has("不锈钢紧固件", "紧固"));
        assert!(!has("不锈钢紧固件", "固件"), "固件 is not a part of 紧固件: {:?}", w.terms("不锈钢紧固件"));
        assert!(!has("不锈钢门", "钢门"), "{:?}", w.terms("不锈钢门"));
    }

    #[test]
    fn letters_and_digits_run_together_are_found_apart_and_whole() {
        let w = Words::shared();
        let terms = w.terms("18VBMS保护板");
        for expected in ["18vbms", "18v", "bms"] {
            assert!(terms.iter().any(|t| t == expected), "{expected} in {terms:?}");
        }
        let terms = w.terms("ADC12铝合金压铸");
        assert!(terms.contains(&"adc12".to_string()) && terms.contains(&"adc".to_string()), "{terms:?}");
        let terms = w.terms("2KW电机");
        assert!(
            terms.contains(&"2kw".to_string()) && !terms.contains(&"kw".to_string()),
            "a size stays one: {terms:?}"
        );
        assert_eq!(w.terms("304"), vec!["304"]);
        assert_eq!(w.terms("500ml"), vec!["500ml"]);
        let terms = w.terms("1.5KW");
        assert!(!terms.iter().any(|t| t == "5kw"), "a decimal stays whole: {terms:?}");
    }

    #[test]
    fn ascii_is_lower_cased_and_punctuation_dropped() {
        let w = Words::shared();
        assert_eq!(w.terms("Cordless DRILL，20V！"), vec!["cordless", "drill", "20v"]);
    }

    #[test]
    fn a_spoken_need_keeps_only_what_is_needed() {
        let w = Words::shared();
        let terms = w.query_terms("想找个做焖烧杯外观设计的工作室");
        assert!(terms.contains(&"焖烧杯".to_string()) && terms.contains(&"外观设计".to_string()), "{terms:?}");
        for filler in ["想", "找", "个", "的", "做"] {
            assert!(!terms.iter().any(|t| t == filler), "{filler} dropped from {terms:?}");
        }
        assert_eq!(w.query_terms("looking for a cordless drill"), vec!["cordless", "drill"]);
    }

    #[test]
    fn synonyms_come_from_the_taxonomy_aliases() {
        let w = Words::shared();
        let s = w.synonyms("保温杯");
        assert!(s.contains(&"真空杯") && s.contains(&"vacuum cup"), "{s:?}");
        assert!(w.synonyms("绿篱机").contains(&"修枝机"));
        assert!(w.synonyms("不存在的词").is_empty());
    }
}

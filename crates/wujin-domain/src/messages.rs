//! Message catalogues: every sentence a person reads, by key, in Chinese and English.
//!
//! Code names a message (`msg!("title_length", MAX_TITLE)`) and a catalogue file holds its
//! words, so a translator edits one TOML file and never a Rust string, and the two languages
//! cannot drift apart message by message. Each crate that speaks to people has its own
//! catalogue compiled into it; this crate's, `data/messages.toml`, holds the rules a record
//! must meet. `{0}`, `{1}` … in a message are filled from the arguments in order.
//!
//! Arguments are values (numbers, codes, what the person typed), or other messages of the
//! same catalogue ([`Arg::Key`]) when the words differ by language (a state's name).

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::Lang;

/// One message in both languages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub zh: String,
    pub en: String,
}

/// A catalogue parsed from TOML tables `[key] zh = "…" en = "…"`.
#[derive(Debug)]
pub struct Catalogue {
    entries: HashMap<String, Entry>,
}

/// A message to be said: which one, and the values for its places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<Arg>,
}

/// A value for one `{n}` of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is in both languages.
    Text(String),
    /// Another message of the same catalogue, in the same language.
    Key(&'static str),
    /// A name the data holds in both languages (a taxonomy entry).
    Words { zh: String, en: String },
}

/// What `msg!` accepts as an argument: anything printable, or an [`Arg`].
pub trait IntoArg {
    fn into_arg(self) -> Arg;
}

impl<T: Display> IntoArg for T {
    fn into_arg(self) -> Arg {
        Arg::Text(self.to_string())
    }
}

impl IntoArg for Arg {
    fn into_arg(self) -> Arg {
        self
    }
}

/// `msg!("key", a, b)`: the message `key` with `{0}` = a and `{1}` = b. The key is written
/// as a literal so the catalogue tests can find every key the code uses.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $arg:expr)* $(,)?) => {
        $crate::messages::Msg { key: $key, args: vec![$($crate::messages::IntoArg::into_arg($arg)),*] }
    };
}

impl Msg {
    /// A message whose key is chosen at run time from a closed set (a state's name); such
    /// keys are checked by tests that walk the set, since no literal names them.
    pub fn key(key: &'static str) -> Msg {
        Msg { key, args: vec![] }
    }
}

impl Catalogue {
    /// Parses a catalogue; a malformed one is a build mistake, caught by its crate's tests.
    pub fn parse(source: &str) -> Result<Catalogue, toml::de::Error> {
        Ok(Catalogue { entries: toml::from_str(source)? })
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The message `key` in `lang` with its places filled; the key itself when the catalogue
    /// lacks it (the tests keep that from shipping).
    pub fn text(&self, lang: Lang, key: &str, args: &[Arg]) -> String {
        let Some(e) = self.entries.get(key) else { return key.to_string() };
        let template = match lang {
            Lang::Zh => &e.zh,
            Lang::En => &e.en,
        };
        // One pass over the template, so a value that itself reads "{1}" (people type
        // anything) stays as typed instead of being filled in turn.
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let place = after.find('}').and_then(|close| Some((after[..close].parse::<usize>().ok()?, close)));
            match place.and_then(|(n, close)| Some((args.get(n)?, close))) {
                Some((arg, close)) => {
                    match (arg, lang) {
                        (Arg::Text(t), _) => out.push_str(t),
                        (Arg::Key(k), _) => out.push_str(&self.text(lang, k, &[])),
                        (Arg::Words { zh, .. }, Lang::Zh) => out.push_str(zh),
                        (Arg::Words { en, .. }, Lang::En) => out.push_str(en),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub fn render(&self, lang: Lang, m: &Msg) -> String {
        self.text(lang, m.key, &m.args)
    }

    /// What is wrong with the catalogue itself: an empty text, or a place (`{1}`) used in one
    /// language and not the other. Empty when all is well.
    pub fn faults(&self) -> Vec<String> {
        let mut out = vec![];
        for (key, e) in &self.entries {
            if e.zh.trim().is_empty() || e.en.trim().is_empty() {
                out.push(format!("{key}: empty text"));
            }
            let (zh, en) = (places(&e.zh), places(&e.en));
            if zh != en {
                out.push(format!("{key}: places differ: zh {zh:?}, en {en:?}"));
            } else if zh.iter().enumerate().any(|(i, n)| i != *n) {
                out.push(format!("{key}: places skip a number: {zh:?}"));
            }
        }
        out.sort();
        out
    }
}

/// The `{n}` places a text uses, in order of n.
pub fn places(text: &str) -> Vec<usize> {
    let mut found: Vec<usize> =
        text.split('{').skip(1).filter_map(|rest| rest.split_once('}').and_then(|(n, _)| n.parse().ok())).collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// Every key `source` names as an argument, `Arg::Key("key")`: these have no places.
pub fn key_args_in_source(source: &str) -> Vec<&str> {
    source.split("Arg::Key(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect()
}

/// Every `msg!` call in `source` with its key and the number of arguments it passes, for
/// tests that hold each call to its catalogue entry. Arguments are the pieces between the
/// commas at the call's own depth; a trailing comma starts none.
pub fn calls_in_source(source: &str) -> Vec<(&str, usize)> {
    let mut out = vec![];
    for rest in source.split("msg!(\"").skip(1) {
        let Some((key, after)) = rest.split_once('"') else { continue };
        let (mut depth, mut args, mut in_str, mut escaped, mut pending) = (0i32, 0usize, false, false, false);
        for c in after.chars() {
            if in_str {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_str = false,
                    _ => {}
                }
                continue;
            }
            if depth == 0 && c == ',' {
                pending = true;
                continue;
            }
            if depth == 0 && matches!(c, ')' | ']' | '}') {
                break;
            }
            if pending && !c.is_whitespace() {
                args += 1;
                pending = false;
            }
            match c {
                '"' => in_str = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        out.push((key, args));
    }
    out
}

/// This crate's catalogue: the words of the rules in `data/messages.toml`.
pub fn domain() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| {
        Catalogue::parse(include_str!("../data/messages.toml")).unwrap_or_else(|e| panic!("data/messages.toml: {e}"))
    })
}

/// A domain message in both languages, for errors that carry both.
pub fn both(m: &Msg) -> (String, String) {
    (domain().render(Lang::Zh, m), domain().render(Lang::En, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_filled_in_order_and_keys_in_the_same_language() {
        let c = Catalogue::parse(
            "[wrong]\nzh = \"{1}：{0}\"\nen = \"{0}: {1}\"\n[draft]\nzh = \"草稿\"\nen = \"a draft\"\n",
        )
        .unwrap();
        let m = msg!("wrong", Arg::Key("draft"), 7);
        assert_eq!(c.render(Lang::Zh, &m), "7：草稿");
        assert_eq!(c.render(Lang::En, &m), "a draft: 7");
        assert_eq!(c.text(Lang::En, "missing", &[]), "missing");
        assert!(c.faults().is_empty());
        // What a person typed is shown as typed, even when it looks like a place.
        assert_eq!(c.render(Lang::En, &msg!("wrong", "{1}", "x")), "{1}: x");
        assert_eq!(c.render(Lang::En, &msg!("wrong", "a")), "a: {1}", "a place without a value stays visible");
    }

    #[test]
    fn faults_name_a_place_missing_in_one_language() {
        let c = Catalogue::parse("[a]\nzh = \"{0}个\"\nen = \"items\"\n").unwrap();
        assert_eq!(c.faults(), vec!["a: places differ: zh [0], en []".to_string()]);
    }

    #[test]
    fn calls_are_found_with_their_argument_counts() {
        let src = r#"x(msg!("a")); y(msg!("b", f(1, 2), "s,)", [3, 4]),); msg!("c", n,)"#;
        assert_eq!(calls_in_source(src), vec![("a", 0), ("b", 3), ("c", 1)]);
    }

    /// Every message the domain's code names is in its catalogue, in both languages, with
    /// as many places as the call passes values.
    #[test]
    fn every_message_the_domain_says_is_in_its_catalogue() {
        let c = domain();
        assert_eq!(c.faults(), Vec::<String>::new());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            for (key, args) in calls_in_source(&source) {
                if path.ends_with("messages.rs") {
                    continue; // this module's own examples
                }
                let e = c.get(key).unwrap_or_else(|| panic!("{key} (in {path:?}) is not in data/messages.toml"));
                assert_eq!(places(&e.zh).len(), args, "{key} in {path:?}: places vs arguments");
                seen += 1;
            }
            for key in key_args_in_source(&source) {
                if !path.ends_with("messages.rs") {
                    let e = c.get(key).unwrap_or_else(|| panic!("{key} (in {path:?}) is not in data/messages.toml"));
                    assert!(places(&e.zh).is_empty(), "{key} is used as an argument and takes none");
                }
            }
        }
        assert!(seen > 40, "only {seen} messages found");
    }
}

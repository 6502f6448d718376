//! The server's message catalogue: every sentence the API, the pages and the command line
//! say to a person, in Chinese and English, from the TOML files under `messages/` (compiled
//! into the binary). Code names a message by key (`msg!("limit_range", MAX_LIMIT)`, or
//! `t("key")` in a template); it holds no text of its own. The rules of a record say their
//! words through the domain's own catalogue (`wujin_domain::messages`).

use std::sync::OnceLock;

use wujin_domain::Lang;
use wujin_domain::messages::{Arg, Catalogue, Msg};

/// The catalogue's files: what pages show, what the API answers, what the command line prints.
pub const SOURCES: [(&str, &str); 3] = [
    ("messages/pages.toml", include_str!("../messages/pages.toml")),
    ("messages/api.toml", include_str!("../messages/api.toml")),
    ("messages/cli.toml", include_str!("../messages/cli.toml")),
];

/// The catalogue, parsed once from all its files (a key given in two files fails the parse,
/// which the tests catch).
pub fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| {
        let all: String = SOURCES.iter().map(|(_, s)| format!("{s}\n")).collect();
        Catalogue::parse(&all).unwrap_or_else(|e| panic!("the message files parse (checked by a test): {e}"))
    })
}

/// The message `key` in `lang` with `{0}`, `{1}` … filled from `args`; the key itself when the
/// catalogue lacks it (the tests keep that from shipping).
pub fn text(lang: Lang, key: &str, args: &[String]) -> String {
    let args: Vec<Arg> = args.iter().cloned().map(Arg::Text).collect();
    catalogue().text(lang, key, &args)
}

/// A message of this catalogue in `lang`.
pub fn say(lang: Lang, m: &Msg) -> String {
    catalogue().render(lang, m)
}

/// A message of this catalogue in both languages (Chinese, English), for records that carry both.
pub fn both(m: &Msg) -> (String, String) {
    (say(Lang::Zh, m), say(Lang::En, m))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use wujin_domain::messages::{calls_in_source, key_args_in_source, places};

    use super::*;

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_file_parses_and_no_key_is_in_two() {
        let mut seen = std::collections::HashMap::new();
        for (name, source) in SOURCES {
            let c = Catalogue::parse(source).unwrap_or_else(|e| panic!("{name}: {e}"));
            for key in c.keys() {
                if let Some(other) = seen.insert(key.to_string(), name) {
                    panic!("{key} is in {other} and {name}");
                }
            }
        }
        assert_eq!(catalogue().faults(), Vec::<String>::new());
    }

    /// Every message the server's code names (`msg!` and `Arg::Key`, in the API, the pages and
    /// the command line) is in the catalogue in both languages, with as many places as the code
    /// passes values.
    #[test]
    fn every_message_the_server_says_is_in_its_catalogue() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![];
        rust_files(&root.join("src"), &mut files);
        rust_files(&root.join("tests"), &mut files);
        let mut seen = 0;
        for path in files {
            if path.ends_with("messages.rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (key, args) in calls_in_source(&source) {
                let e = catalogue().get(key).unwrap_or_else(|| panic!("{key} (in {path:?}) is not in messages/"));
                assert_eq!(places(&e.zh).len(), args, "{key} in {path:?}: places vs arguments");
                seen += 1;
            }
            for key in key_args_in_source(&source) {
                let e = catalogue().get(key).unwrap_or_else(|| panic!("{key} (in {path:?}) is not in messages/"));
                assert!(places(&e.zh).is_empty(), "{key} is used as an argument and takes none");
            }
        }
        assert!(seen > 50, "only {seen} messages found");
    }

    #[test]
    fn arguments_fill_their_places() {
        assert_eq!(text(Lang::En, "results_count", &["12".into()]), "12 firms found");
        assert_eq!(text(Lang::Zh, "family_providers", &["7".into()]), "7 家服务商");
        assert_eq!(text(Lang::Zh, "no such key", &[]), "no such key");
    }
}

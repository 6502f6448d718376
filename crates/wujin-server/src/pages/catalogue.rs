//! The message catalogue: every string a page shows, by key, in Chinese and English, read
//! from `pages/messages.toml` (compiled into the binary). Code never holds page text.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use wujin_domain::Lang;

#[derive(Deserialize)]
pub struct Message {
    pub zh: String,
    pub en: String,
}

pub const SOURCE: &str = include_str!("../../pages/messages.toml");

/// The catalogue, parsed once.
pub fn messages() -> &'static HashMap<String, Message> {
    static M: OnceLock<HashMap<String, Message>> = OnceLock::new();
    M.get_or_init(|| toml::from_str(SOURCE).expect("pages/messages.toml is checked by a test"))
}

/// The message `key` in `lang` with `{0}`, `{1}` … filled from `args`; the key itself when
/// the catalogue lacks it (a test keeps that from shipping).
pub fn text(lang: Lang, key: &str, args: &[String]) -> String {
    let Some(m) = messages().get(key) else { return key.to_string() };
    let mut out = match lang {
        Lang::Zh => m.zh.clone(),
        Lang::En => m.en.clone(),
    };
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_a_template_uses_is_in_both_languages() {
        let m = messages();
        let templates = [
            include_str!("../../pages/templates/base.html"),
            include_str!("../../pages/templates/home.html"),
            include_str!("../../pages/templates/search.html"),
            include_str!("../../pages/templates/search_form.html"),
            include_str!("../../pages/templates/message.html"),
            include_str!("../../pages/templates/field.html"),
            include_str!("../../pages/templates/login.html"),
            include_str!("../../pages/templates/register.html"),
            include_str!("../../pages/templates/org.html"),
            include_str!("../../pages/templates/offer.html"),
            include_str!("../../pages/templates/demands.html"),
            include_str!("../../pages/templates/demand_new.html"),
            include_str!("../../pages/templates/demand.html"),
            include_str!("../../pages/templates/quotes.html"),
            include_str!("../../pages/templates/inbox.html"),
            include_str!("../../pages/templates/tokens.html"),
            include_str!("../../pages/templates/members.html"),
            include_str!("../../pages/templates/overview.html"),
        ];
        let mut used = vec![];
        for t in templates {
            for part in t.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                // t("state_" ~ s): a key made from a value; those are listed in DYNAMIC.
                if !key.ends_with('_') {
                    used.push(key.to_string());
                }
            }
            // Keys handed to the field template: label="…", hint="…".
            for marker in [", label=\"", ", hint=\""] {
                for part in t.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !key.is_empty() {
                        used.push(key.to_string());
                    }
                }
            }
        }
        // Keys chosen in code (facet labels, kinds, reasons) are listed where they are used.
        used.extend(super::super::search::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::demands::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::mine::KEYS.iter().map(|k| k.to_string()));
        used.extend(
            [
                "chart_orgs_by_sector",
                "chart_offers_by_sector",
                "chart_orgs_by_town",
                "chart_offers_by_town",
                "chart_providers_by_family",
                "officers_only",
                "forbidden_title",
            ]
            .map(String::from),
        );
        assert!(used.len() > 20, "{used:?}");
        for key in used {
            let msg = m.get(&key).unwrap_or_else(|| panic!("{key} is not in messages.toml"));
            assert!(!msg.zh.is_empty() && !msg.en.is_empty(), "{key}");
        }
    }

    #[test]
    fn arguments_fill_their_places() {
        assert_eq!(text(Lang::En, "results_count", &["12".into()]), "12 matching offers");
        assert_eq!(text(Lang::Zh, "family_providers", &["7".into()]), "7 家服务商");
        assert_eq!(text(Lang::Zh, "no such key", &[]), "no such key");
    }
}

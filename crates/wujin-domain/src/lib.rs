//! wujin's domain: the organisations and offers of an industrial cluster, the taxonomy they
//! are described in, and the rules a record must meet before it may be stored.
//!
//! Nothing here does I/O. The store, the importer and the HTTP API all validate through the
//! same functions, so a rule (a credit-code check, a price limit, a name length) is written
//! once and holds on every path a record can take in.

pub mod account;
pub mod accreditation;
pub mod capacity;
pub mod certificate;
pub mod declaration;
pub mod demand;
pub mod disclosure;
pub mod evidence;
pub mod messages;
pub mod money;
pub mod offer;
pub mod org;
pub mod pool;
pub mod quantity;
pub mod report;
pub mod sheet;
pub mod standard;
pub mod supervision;
pub mod target;
pub mod taxonomy;
pub mod testing;
pub mod text;
pub mod tie;
pub mod uscc;

pub use money::Fen;
pub use offer::{OfferRecord, PriceRange};
pub use org::{Contact, OrgKind, OrgRecord, SizeClass};
pub use taxonomy::{OfferKind, Taxonomy};
pub use uscc::Uscc;

/// The language of a message or display name. Chinese first: it is the cluster's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads `zh`, `zh-CN`, `en`, `en-US`, or an `Accept-Language` header value; anything
    /// else is Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        for part in tag.split(',') {
            let t = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if t.starts_with("en") {
                return Lang::En;
            }
            if t.starts_with("zh") {
                return Lang::Zh;
            }
        }
        Lang::Zh
    }
}

/// A rule broken by one field of one record, in words for people in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's English key (`uscc`, `price_min`), which is also the API field name.
    pub field: &'static str,
    /// What was given, cut to 80 characters so a report stays readable.
    pub value: String,
    /// A stable machine-readable code (`invalid_uscc`, `unknown_town`, `too_long`, …).
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl FieldError {
    /// The rule `code` broken by `value` in `field`, said by the domain catalogue's `msg`.
    pub fn new(field: &'static str, value: &str, code: &'static str, msg: messages::Msg) -> Self {
        let mut v: String = value.chars().take(80).collect();
        if value.chars().count() > 80 {
            v.push('…');
        }
        let (zh, en) = messages::both(&msg);
        FieldError { field, value: v, code, zh, en }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

//! The standards library: editions of standards, how they replace each other, and how a
//! number as people write it finds its edition.
//!
//! A standard's number names its issuer, its number and its year: GB/T 29606-2013. The same
//! number with another year is another edition; an edition replaces older ones and is
//! replaced by a newer one, which makes an edition chain. A number written without its
//! year means the edition in force. The library is a value: the store holds it, the server
//! loads it, and checks here never read anything themselves.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::supervision::coded;
use crate::taxonomy::compact_standard;
use crate::{FieldError, Lang, Taxonomy, msg};

coded!(
    /// What kind of standard an issuer's prefix makes it.
    StandardKind {
        Mandatory = "gb", "强制性国家标准", "Mandatory national standard";
        Recommended = "gbt", "推荐性国家标准", "Recommended national standard";
        Industry = "industry", "行业标准", "Industry standard";
        Group = "group", "团体标准", "Group standard";
        International = "international", "国际标准", "International standard";
    }
);

coded!(
    /// Where an edition stands.
    StandardStatus {
        Current = "current", "现行", "In force";
        Upcoming = "upcoming", "即将实施", "Published, not yet in force";
        Withdrawn = "withdrawn", "废止", "Withdrawn";
    }
);

/// One edition of a standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    /// With its year: "GB/T 29606-2013".
    pub number: String,
    pub title_zh: String,
    pub title_en: String,
    pub status: StandardStatus,
    pub published: Option<Date>,
    /// The day it applies from.
    pub implemented: Option<Date>,
    /// The edition that replaces this one.
    pub replaced_by: Option<String>,
    /// Category codes it applies to.
    pub categories: Vec<String>,
}

impl Edition {
    /// The number without its year: "GB/T 29606".
    pub fn base(&self) -> &str {
        split_year(&self.number).0
    }

    pub fn year(&self) -> Option<u16> {
        split_year(&self.number).1
    }

    pub fn kind(&self) -> StandardKind {
        kind_of(&self.number)
    }

    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.title_en.is_empty() => &self.title_en,
            _ => &self.title_zh,
        }
    }
}

/// A number split into what comes before its year and the year ("GB 4806.9-2023" ->
/// ("GB 4806.9", 2023)); a number without a four-digit year has none.
pub fn split_year(number: &str) -> (&str, Option<u16>) {
    match number.rsplit_once('-') {
        Some((base, y)) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => (base, y.parse().ok()),
        _ => (number, None),
    }
}

/// The kind of standard a number's issuer makes it: GB mandatory, GB/T recommended, T/…
/// a group standard, ISO and IEC international, any other issuer (QB/T, GA, JB/T …) an
/// industry standard.
pub fn kind_of(number: &str) -> StandardKind {
    let issuer: String = number.chars().take_while(|c| !c.is_ascii_digit() && *c != ' ').collect();
    match issuer.as_str() {
        "GB" => StandardKind::Mandatory,
        "GB/T" | "GB/Z" => StandardKind::Recommended,
        i if i.starts_with("T/") => StandardKind::Group,
        i if i.starts_with("ISO") || i.starts_with("IEC") => StandardKind::International,
        _ => StandardKind::Industry,
    }
}

/// Every edition the platform knows, by number and by base.
#[derive(Debug, Clone, Default)]
pub struct Library {
    editions: Vec<Edition>,
    by_number: HashMap<String, usize>,
    by_base: HashMap<String, Vec<usize>>,
}

impl Library {
    pub fn new(editions: Vec<Edition>) -> Library {
        let mut lib = Library { editions, ..Default::default() };
        for (i, e) in lib.editions.iter().enumerate() {
            lib.by_number.insert(compact_standard(&e.number), i);
            lib.by_base.entry(compact_standard(e.base())).or_default().push(i);
        }
        // Newest edition first in each chain.
        for list in lib.by_base.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(lib.editions[i].year()));
        }
        lib
    }

    pub fn editions(&self) -> &[Edition] {
        &self.editions
    }

    /// The edition a number names, in any spacing: the exact edition when it has a year,
    /// else the one in force (or, with none in force, the newest).
    pub fn resolve(&self, text: &str) -> Option<&Edition> {
        let compact = compact_standard(text);
        if let Some(&i) = self.by_number.get(&compact) {
            return Some(&self.editions[i]);
        }
        let (_, year) = split_year(&compact);
        if year.is_some() {
            return None;
        }
        let chain = self.by_base.get(&compact)?;
        let current = chain.iter().find(|&&i| self.editions[i].status == StandardStatus::Current);
        current.or(chain.first()).map(|&i| &self.editions[i])
    }

    /// A cited number pinned to an edition: a number without its year that the library
    /// knows becomes the edition it reads as now, the one in force ("GB/T 29606" ->
    /// "GB/T 29606-2013", and the new edition once an admin's update puts it in force). Any
    /// other number is left as written, for the offer's own check: an edition with its year,
    /// or a number the library does not know (an unverified citation).
    pub fn pin(&self, cited: &str) -> String {
        let compact = compact_standard(cited);
        match self.resolve(cited) {
            Some(e) if split_year(&compact).1.is_none() => e.number.clone(),
            _ => cited.to_string(),
        }
    }

    /// An offer row's standards cell with each number pinned by [`Library::pin`], so that the
    /// row's check (which knows only the compiled seed) keeps the edition the stored
    /// library chose.
    pub fn pin_cells(&self, cells: &mut crate::sheet::Cells) {
        if let Some(v) = cells.0.get_mut("standards") {
            let pinned: Vec<String> = crate::text::split_list(v).iter().map(|s| self.pin(s)).collect();
            *v = pinned.join("; ");
        }
    }

    /// Every edition of the standard a number names, newest first.
    pub fn chain(&self, text: &str) -> Vec<&Edition> {
        let compact = compact_standard(text);
        let base = split_year(&compact).0.to_string();
        self.by_base.get(&base).map(|c| c.iter().map(|&i| &self.editions[i]).collect()).unwrap_or_default()
    }

    /// The library a new platform starts with: the taxonomy's standards with their years,
    /// and the editions they replaced where the cluster's documents name them.
    pub fn seed() -> Vec<Edition> {
        let t = Taxonomy::get();
        let day =
            |y: i32, m: u8, d: u8| time::Month::try_from(m).ok().and_then(|m| Date::from_calendar_date(y, m, d).ok());
        // (edition, the edition it replaced, the day it applies from).
        let replaced: [(&str, &str, Option<Date>); 3] = [
            ("GB 4806.9-2023", "GB 4806.9-2016", day(2024, 9, 6)),
            ("GB 17565-2022", "GB 17565-2007", day(2024, 1, 1)),
            ("GB 17761-2024", "GB 17761-2018", day(2025, 9, 1)),
        ];
        // A number without its year (GB/T 7722) names no edition: offers citing it stay
        // unverified citations.
        let mut out: Vec<Edition> = t
            .standards
            .iter()
            .filter(|s| split_year(&s.number).1.is_some())
            .map(|s| {
                let categories: Vec<String> = t
                    .categories
                    .iter()
                    .filter(|c| c.standards.iter().any(|n| n == &s.number))
                    .map(|c| c.entry.code.clone())
                    .collect();
                Edition {
                    number: s.number.clone(),
                    title_zh: s.zh.clone(),
                    title_en: s.en.clone(),
                    status: StandardStatus::Current,
                    published: None,
                    implemented: replaced.iter().find(|r| r.0 == s.number).and_then(|r| r.2),
                    replaced_by: None,
                    categories,
                }
            })
            .collect();
        for (new, old, _) in replaced {
            let Some(n) = out.iter().find(|e| e.number == new).cloned() else { continue };
            if out.iter().any(|e| e.number == old) {
                continue;
            }
            out.push(Edition {
                number: old.to_string(),
                status: StandardStatus::Withdrawn,
                implemented: None,
                replaced_by: Some(new.to_string()),
                ..n
            });
        }
        out
    }
}

/// Checks an edition as an admin or an import gives it: a number with a four-digit year,
/// titles, a replacing edition that is another edition of a number, known categories.
pub fn check_edition(e: &Edition) -> Result<(), Vec<FieldError>> {
    let mut errs = vec![];
    let t = Taxonomy::get();
    let normal = crate::sheet::normalise_standard(&e.number);
    if normal.as_deref() != Some(e.number.as_str()) || split_year(&e.number).1.is_none() {
        errs.push(FieldError::new("number", &e.number, "invalid", msg!("standard_number_year")));
    }
    if e.title_zh.trim().is_empty() || e.title_zh.chars().count() > 200 {
        errs.push(FieldError::new("title_zh", &e.title_zh, "required", msg!("standard_title")));
    }
    if e.title_en.chars().count() > 300 {
        errs.push(FieldError::new("title_en", &e.title_en, "too_long", msg!("standard_title")));
    }
    if let Some(by) = &e.replaced_by
        && (split_year(by).1.is_none() || by == &e.number)
    {
        errs.push(FieldError::new("replaced_by", by, "invalid", msg!("standard_replaced_by")));
    }
    for c in &e.categories {
        if t.category(c).is_none() {
            errs.push(FieldError::new("categories", c, "unknown", msg!("unknown_value", "categories", c)));
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// The columns of a standards sheet (`wujin import standards`), in the order an export
/// writes them. `replaces` and `categories` hold lists separated by ； or ;.
pub const STANDARD_COLUMNS: &[crate::sheet::Column] = &[
    crate::sheet::col("number", "标准号", true, 60),
    crate::sheet::col("title_zh", "中文名称", true, 200),
    crate::sheet::col("title_en", "英文名称", false, 300),
    crate::sheet::col("status", "状态", false, 20),
    crate::sheet::col("published", "发布日期", false, 10),
    crate::sheet::col("implemented", "实施日期", false, 10),
    crate::sheet::col("replaced_by", "被代替为", false, 60),
    crate::sheet::col("replaces", "代替", false, 300),
    crate::sheet::col("categories", "适用类目", false, 1000),
];

/// One row of a standards sheet, checked: the edition and the older editions it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardRow {
    pub edition: Edition,
    pub replaces: Vec<String>,
}

/// A number as a sheet or a write names an edition: with its year, in any spelling. A bare
/// number is refused, not resolved: a write names the edition it changes.
pub fn edition_number(raw: &str) -> Option<String> {
    split_year(&compact_standard(raw)).1?;
    crate::sheet::normalise_standard(raw).filter(|n| split_year(n).1.is_some())
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split(['；', ';']).map(str::trim).filter(|s| !s.is_empty())
}

/// Reads a row of a standards sheet. The status is a code or its name in either language
/// (现行, current …); categories are codes or names.
pub fn standard_from_cells(cells: &crate::sheet::Cells) -> Result<StandardRow, Vec<FieldError>> {
    let mut c = crate::sheet::Check::new(cells, STANDARD_COLUMNS);
    let t = Taxonomy::get();
    let number = c.text("number").and_then(|v| {
        let n = edition_number(v);
        if n.is_none() {
            c.fail("number", v, "invalid", msg!("standard_number_year"));
        }
        n
    });
    let status = match c.text("status").map(str::trim).filter(|v| !v.is_empty()) {
        None => StandardStatus::Current,
        Some(v) => match StandardStatus::ALL
            .iter()
            .copied()
            .find(|s| s.code() == v || s.name(Lang::Zh) == v || s.name(Lang::En).eq_ignore_ascii_case(v))
        {
            Some(s) => s,
            None => {
                c.fail("status", v, "unknown", msg!("unknown_value", "status", v));
                StandardStatus::Current
            }
        },
    };
    let day = |c: &mut crate::sheet::Check, key: &'static str| {
        c.text(key).map(str::trim).filter(|v| !v.is_empty()).and_then(|v| {
            let d = crate::tie::parse_date(v);
            if d.is_none() {
                c.fail(key, v, "invalid_date", msg!("supervision_date"));
            }
            d
        })
    };
    let published = day(&mut c, "published");
    let implemented = day(&mut c, "implemented");
    let replaced_by = c.text("replaced_by").map(str::trim).filter(|v| !v.is_empty()).and_then(|v| {
        let n = edition_number(v);
        if n.is_none() {
            c.fail("replaced_by", v, "invalid", msg!("standard_replaced_by"));
        }
        n
    });
    let mut replaces = vec![];
    for v in c.text("replaces").map(list).into_iter().flatten() {
        match edition_number(v) {
            Some(n) if !replaces.contains(&n) => replaces.push(n),
            Some(_) => {}
            None => c.fail("replaces", v, "invalid", msg!("standard_number_year")),
        }
    }
    let mut categories = vec![];
    for v in c.text("categories").map(list).into_iter().flatten() {
        match t.category(v) {
            Some(cat) if !categories.contains(&cat.entry.code) => categories.push(cat.entry.code.clone()),
            Some(_) => {}
            None => c.fail("categories", v, "unknown", msg!("unknown_value", "categories", v)),
        }
    }
    let edition = Edition {
        number: number.unwrap_or_default(),
        title_zh: c.text("title_zh").unwrap_or_default().trim().to_string(),
        title_en: c.text("title_en").unwrap_or_default().trim().to_string(),
        status,
        published,
        implemented,
        replaced_by,
        categories,
    };
    if c.errors.is_empty()
        && let Err(errs) = check_edition(&edition)
    {
        c.errors.extend(errs);
    }
    if c.errors.is_empty() { Ok(StandardRow { edition, replaces }) } else { Err(c.errors) }
}

/// The problem of a row replacing an edition neither the library nor an earlier row holds.
pub fn unknown_replaced(number: &str) -> FieldError {
    FieldError::new("replaces", number, "unknown", msg!("standard_replaces_unknown", number))
}

/// An edition's cells in [`STANDARD_COLUMNS`] order, as an import reads them back.
pub fn standard_to_row(e: &Edition) -> Vec<String> {
    vec![
        e.number.clone(),
        e.title_zh.clone(),
        e.title_en.clone(),
        e.status.code().to_string(),
        e.published.map(|d| d.to_string()).unwrap_or_default(),
        e.implemented.map(|d| d.to_string()).unwrap_or_default(),
        e.replaced_by.clone().unwrap_or_default(),
        String::new(),
        e.categories.join("；"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib() -> Library {
        Library::new(Library::seed())
    }

    #[test]
    fn numbers_as_people_write_them_find_their_edition() {
        let l = lib();
        for (written, edition) in [
            ("GB/T 29606-2013", "GB/T 29606-2013"),
            ("GB/T29606-2013", "GB/T 29606-2013"),
            ("gb/t 29606", "GB/T 29606-2013"),
            ("GBT29606", "GB/T 29606-2013"),
            ("GB-T 29606-2013", "GB/T 29606-2013"),
            ("GB／T 29606—2013", "GB/T 29606-2013"),
            ("ＧＢ／Ｔ２９６０６", "GB/T 29606-2013"),
            ("GB 4806.9", "GB 4806.9-2023"),
            ("GB4806.9-2016", "GB 4806.9-2016"),
            ("gb 17565", "GB 17565-2022"),
            ("GB 17565-2007", "GB 17565-2007"),
            ("GB-17565-2022", "GB 17565-2022"),
            ("GA/T73", "GA/T 73-2015"),
            ("GAT 73-2015", "GA/T 73-2015"),
        ] {
            assert_eq!(l.resolve(written).map(|e| e.number.as_str()), Some(edition), "{written}");
        }
        assert!(l.resolve("GB/T 29606-2099").is_none(), "an edition nobody published");
        assert!(l.resolve("GB/T 7722").is_none(), "a number the library does not hold");
    }

    #[test]
    fn an_edition_chain_runs_newest_first_and_a_bare_number_means_the_one_in_force() {
        let l = lib();
        let chain: Vec<&str> = l.chain("GB 17565").iter().map(|e| e.number.as_str()).collect();
        assert_eq!(chain, ["GB 17565-2022", "GB 17565-2007"]);
        let old = l.resolve("GB 17565-2007").unwrap();
        assert_eq!(old.status, StandardStatus::Withdrawn);
        assert_eq!(old.replaced_by.as_deref(), Some("GB 17565-2022"));
        assert_eq!(l.chain("GB 17565-2007").len(), 2, "any edition finds the chain");
        assert_eq!(
            l.resolve("GB 17565-2022").unwrap().implemented,
            Date::from_calendar_date(2024, time::Month::January, 1).ok()
        );
    }

    #[test]
    fn a_bare_number_is_pinned_by_the_stored_library_not_the_compiled_seed() {
        // An admin publishes GB/T 29606-2030 and puts it in force; the 2013 edition is replaced.
        let mut editions = Library::seed();
        for e in editions.iter_mut().filter(|e| e.number == "GB/T 29606-2013") {
            e.status = StandardStatus::Withdrawn;
            e.replaced_by = Some("GB/T 29606-2030".into());
        }
        let mut new = editions.iter().find(|e| e.number == "GB/T 29606-2013").unwrap().clone();
        new.number = "GB/T 29606-2030".into();
        new.status = StandardStatus::Current;
        new.replaced_by = None;
        editions.push(new);
        // And adds a standard the seed never had.
        let mut other = editions[0].clone();
        other.number = "QB/T 4049-2010".into();
        other.replaced_by = None;
        other.status = StandardStatus::Current;
        editions.push(other);
        let l = Library::new(editions);
        assert_eq!(l.pin("GB/T 29606"), "GB/T 29606-2030", "the edition in force now");
        assert_eq!(l.pin("GBT29606-2013"), "GBT29606-2013", "a year written is kept for the row's check");
        assert_eq!(l.pin("QB/T 4049"), "QB/T 4049-2010", "a standard added without a release");
        assert_eq!(l.pin("GB/T 7722"), "GB/T 7722", "an unknown number stays an unverified citation");
        let mut cells =
            crate::sheet::Cells::from_pairs([("standards", Some("GB/T 29606；QB/T 4049、GB/T 7722".into()))]);
        l.pin_cells(&mut cells);
        assert_eq!(cells.0["standards"], "GB/T 29606-2030; QB/T 4049-2010; GB/T 7722");
    }

    #[test]
    fn an_issuer_makes_the_kind() {
        assert_eq!(kind_of("GB 4806.9-2023"), StandardKind::Mandatory);
        assert_eq!(kind_of("GB/T 29606-2013"), StandardKind::Recommended);
        assert_eq!(kind_of("QB/T 4049-2010"), StandardKind::Industry);
        assert_eq!(kind_of("GA 374-2019"), StandardKind::Industry);
        assert_eq!(kind_of("T/ZZB 0001-2015"), StandardKind::Group);
        assert_eq!(kind_of("ISO 9001-2015"), StandardKind::International);
    }

    #[test]
    fn every_seeded_edition_passes_the_checks_and_the_seed_keeps_its_categories() {
        for e in Library::seed() {
            assert_eq!(check_edition(&e), Ok(()), "{}", e.number);
        }
        let l = lib();
        assert!(l.resolve("GB/T 29606").unwrap().categories.iter().any(|c| c.starts_with("cups")));
    }
}

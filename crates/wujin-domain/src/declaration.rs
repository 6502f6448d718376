//! A declaration of conformance: a firm states that one of its offers meets one edition of a
//! standard, and proves it with a test report (its number, the lab that issued it, the day,
//! how long it holds, and the report's file).
//!
//! Only an edition the library knows can be declared: a citation the library cannot place
//! (GB/T 7722 without a year, a number it has never heard of) stays an unverified citation
//! on the offer and never counts as evidence. The checks here read nothing themselves: the
//! library and the offer's citations come in as values.

use std::collections::HashMap;

use time::Date;

use crate::standard::{Library, StandardStatus, split_year};
use crate::taxonomy::compact_standard;
use crate::tie::parse_date;
use crate::{FieldError, msg};

/// The longest report number kept (real ones are under 30 characters).
pub const MAX_REPORT_NO: usize = 60;
/// The longest lab name kept.
pub const MAX_LAB_NAME: usize = 100;
/// How far ahead a report may say it holds: ten years.
pub const MAX_VALID_YEARS: i32 = 10;

/// Who issued the report: a lab on the platform, or one known only by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lab {
    Org(i64),
    Named(String),
}

/// A declaration as a firm gives it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The edition, with its year, as the library spells it.
    pub standard: String,
    pub report_no: String,
    pub lab: Lab,
    pub issued_on: Date,
    /// The last day the report counts; none when it does not lapse.
    pub valid_until: Option<Date>,
}

/// Whether `edition` belongs to the same standard as one of `cited` (any edition of it):
/// an offer may declare a newer edition of what it cites, which is how it re-declares.
pub fn cites(cited: &[String], edition: &str) -> bool {
    let base = |s: &str| split_year(&compact_standard(s)).0.to_string();
    let want = base(edition);
    cited.iter().any(|c| base(c) == want)
}

/// Checks the fields of a declaration (`standard`, `report_no`, `lab_org_id` or `lab_name`,
/// `issued_on`, `valid_until`) for an offer citing `cited`, on `today`. Every broken rule is
/// returned, each naming its field.
pub fn check_declaration(
    library: &Library,
    cited: &[String],
    fields: &HashMap<String, String>,
    today: Date,
) -> Result<Declared, Vec<FieldError>> {
    let mut errs = vec![];
    let get = |k: &str| fields.get(k).map(|v| v.trim()).unwrap_or("");
    let raw = get("standard");
    let standard = match library.resolve(raw) {
        _ if raw.is_empty() => {
            errs.push(FieldError::new("standard", raw, "required", msg!("declaration_standard_required")));
            None
        }
        None => {
            errs.push(FieldError::new("standard", raw, "unknown_standard", msg!("declaration_standard_unknown", raw)));
            None
        }
        Some(e) if e.status == StandardStatus::Withdrawn => {
            let by = e.replaced_by.clone().unwrap_or_default();
            errs.push(FieldError::new(
                "standard",
                raw,
                "withdrawn",
                msg!("declaration_standard_withdrawn", &e.number, by),
            ));
            None
        }
        Some(e) if !cites(cited, &e.number) => {
            errs.push(FieldError::new("standard", raw, "not_cited", msg!("declaration_not_cited", &e.number)));
            None
        }
        Some(e) => Some(e.number.clone()),
    };
    let report_no = get("report_no");
    if report_no.is_empty() || report_no.chars().count() > MAX_REPORT_NO || report_no.chars().any(char::is_control) {
        errs.push(FieldError::new("report_no", report_no, "invalid", msg!("declaration_report_no", MAX_REPORT_NO)));
    }
    let lab = match (get("lab_org_id"), get("lab_name")) {
        ("", "") => {
            errs.push(FieldError::new("lab_name", "", "required", msg!("declaration_lab_required")));
            None
        }
        ("", name) if name.chars().count() > MAX_LAB_NAME || name.chars().any(char::is_control) => {
            errs.push(FieldError::new("lab_name", name, "too_long", msg!("declaration_lab_name", MAX_LAB_NAME)));
            None
        }
        ("", name) => Some(Lab::Named(name.to_string())),
        (id, _) => match id.parse::<i64>() {
            Ok(n) if n > 0 => Some(Lab::Org(n)),
            _ => {
                errs.push(FieldError::new("lab_org_id", id, "invalid_id", msg!("declaration_lab_id")));
                None
            }
        },
    };
    let issued_on = match parse_date(get("issued_on")) {
        Some(d) if d <= today => Some(d),
        Some(d) => {
            errs.push(FieldError::new("issued_on", &d.to_string(), "in_future", msg!("declaration_issued_future")));
            None
        }
        None => {
            errs.push(FieldError::new("issued_on", get("issued_on"), "invalid_date", msg!("declaration_date")));
            None
        }
    };
    let valid_until = match get("valid_until") {
        "" => None,
        v => match parse_date(v) {
            Some(d) if d < today => {
                errs.push(FieldError::new("valid_until", v, "expired", msg!("declaration_expired", d.to_string())));
                None
            }
            Some(d) if issued_on.is_some_and(|i| d <= i) => {
                errs.push(FieldError::new("valid_until", v, "before_issue", msg!("declaration_until_before")));
                None
            }
            Some(d) if d.year() > today.year() + MAX_VALID_YEARS => {
                errs.push(FieldError::new("valid_until", v, "too_far", msg!("declaration_until_far", MAX_VALID_YEARS)));
                None
            }
            Some(d) => Some(d),
            None => {
                errs.push(FieldError::new("valid_until", v, "invalid_date", msg!("declaration_date")));
                None
            }
        },
    };
    match (standard, lab, issued_on) {
        (Some(standard), Some(lab), Some(issued_on)) if errs.is_empty() => {
            Ok(Declared { standard, report_no: report_no.to_string(), lab, issued_on, valid_until })
        }
        _ => Err(errs),
    }
}

/// Whether a declaration counts on `today`: its report has not lapsed.
pub fn in_force(valid_until: Option<Date>, today: Date) -> bool {
    valid_until.is_none_or(|d| d >= today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn lib() -> Library {
        Library::new(Library::seed())
    }

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const TODAY: Date = date!(2026 - 11 - 30);

    #[test]
    fn a_declaration_pins_the_edition_a_bare_number_means() {
        let cited = vec!["GB/T 29606-2013".to_string()];
        let f = fields(&[
            ("standard", "GBT29606"),
            ("report_no", "WT2026-0815"),
            ("lab_name", "浙江省永康市质量技术监督检测中心"),
            ("issued_on", "2026/8/15"),
            ("valid_until", "2027-08-14"),
        ]);
        let d = check_declaration(&lib(), &cited, &f, TODAY).unwrap();
        assert_eq!(d.standard, "GB/T 29606-2013");
        assert_eq!(d.lab, Lab::Named("浙江省永康市质量技术监督检测中心".into()));
        assert_eq!(d.valid_until, Some(date!(2027 - 08 - 14)));
    }

    #[test]
    fn a_newer_edition_of_a_cited_standard_may_be_declared_and_a_withdrawn_one_not() {
        let cited = vec!["GB 17565-2007".to_string()];
        let base = [("report_no", "R-1"), ("lab_org_id", "7"), ("issued_on", "2026-01-05")];
        let mut f = fields(&base);
        f.insert("standard".into(), "GB 17565-2022".into());
        assert_eq!(check_declaration(&lib(), &cited, &f, TODAY).unwrap().lab, Lab::Org(7));
        f.insert("standard".into(), "GB 17565-2007".into());
        let errs = check_declaration(&lib(), &cited, &f, TODAY).unwrap_err();
        assert_eq!((errs[0].field, errs[0].code), ("standard", "withdrawn"));
        assert!(errs[0].zh.contains("GB 17565-2022"), "{}", errs[0].zh);
    }

    #[test]
    fn every_broken_rule_names_its_field() {
        let cited = vec!["GB/T 29606-2013".to_string()];
        let f = fields(&[
            ("standard", "GB/T 7722"),
            ("report_no", ""),
            ("lab_org_id", "x"),
            ("issued_on", "2027-01-01"),
            ("valid_until", "2026-11-29"),
        ]);
        let errs = check_declaration(&lib(), &cited, &f, TODAY).unwrap_err();
        let named: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(named, ["standard", "report_no", "lab_org_id", "issued_on", "valid_until"]);
        let f = fields(&[
            ("standard", "GB 4806.9-2023"),
            ("report_no", "A"),
            ("lab_name", "某检测"),
            ("issued_on", "2026-01-01"),
        ]);
        let errs = check_declaration(&lib(), &cited, &f, TODAY).unwrap_err();
        assert_eq!((errs[0].field, errs[0].code), ("standard", "not_cited"));
    }

    #[test]
    fn a_report_counts_through_its_last_day() {
        assert!(in_force(Some(TODAY), TODAY));
        assert!(!in_force(Some(date!(2026 - 11 - 29)), TODAY));
        assert!(in_force(None, TODAY));
    }
}

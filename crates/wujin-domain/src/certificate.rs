//! A certificate a firm holds (ISO 9001, CCC, 高新技术企业 …) as a record: the taxonomy's
//! code and, when the firm gives them, the certificate's number, its issuer and its last day.
//!
//! A certificate past its last day stays on the record (the firm renews it by giving a new
//! day) but stops counting: search and matching read only those in force
//! ([`in_force_codes`]), and a daily sweep in the store tells the owners 60, 30 and 7 days
//! ahead and writes the outbox row that makes the index drop a lapsed one.
//!
//! In a sheet's cell a certificate is written `代码@YYYY-MM-DD` (`ISO9001@2027-05-01`); the
//! API also takes objects with the number and the issuer.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::messages::Arg;
use crate::tie::parse_date;
use crate::{FieldError, msg};

/// The longest certificate number taken (certification bodies' numbers run to about 30).
pub const NUMBER_MAX: usize = 64;
/// The longest issuer name taken.
pub const ISSUER_MAX: usize = 100;

/// One certificate on an organisation's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCertificate {
    /// The taxonomy's code (`ISO 9001`, `CCC`, `HNTE` …).
    pub code: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    /// Its last day; none when the firm did not say (it then counts until changed).
    pub valid_until: Option<Date>,
}

impl HeldCertificate {
    /// A certificate known by its code only.
    pub fn code(code: impl Into<String>) -> Self {
        HeldCertificate { code: code.into(), number: None, issuer: None, valid_until: None }
    }

    /// Whether it counts on `today`: it has no last day, or that day has not passed.
    pub fn in_force(&self, today: Date) -> bool {
        crate::declaration::in_force(self.valid_until, today)
    }

    /// As a sheet's cell writes it: the code, then `@` and the last day when there is one.
    pub fn cell(&self) -> String {
        match self.valid_until {
            Some(d) => format!("{}@{d}", self.code),
            None => self.code.clone(),
        }
    }
}

/// The codes of the certificates in `held` that count on `today`.
pub fn in_force_codes(held: &[HeldCertificate], today: Date) -> Vec<String> {
    held.iter().filter(|c| c.in_force(today)).map(|c| c.code.clone()).collect()
}

/// A cell's item split at its `@`: the certificate as written, and the day as written.
pub fn split_item(item: &str) -> (&str, Option<&str>) {
    match item.split_once(['@', '＠']) {
        Some((code, day)) => (code.trim(), Some(day.trim())),
        None => (item.trim(), None),
    }
}

/// The last day an item gives (`2027-05-01`, `2027/5/1`, `2027年5月1日`), if it reads as one.
pub fn parse_until(text: &str) -> Option<Date> {
    parse_date(text)
}

/// Gives the held certificate `written` names (as the taxonomy reads it) its number and
/// issuer, each checked: non-empty text within its bound, without control characters. An
/// error is the field `certificates`, naming the certificate and what is wrong.
pub fn attach(
    held: &mut [HeldCertificate],
    written: &str,
    number: Option<&str>,
    issuer: Option<&str>,
) -> Result<(), FieldError> {
    let t = crate::Taxonomy::get();
    let (code, _) = split_item(written);
    let Some(code) = t.certificate(code).map(|e| e.code.clone()) else { return Ok(()) };
    let checked = |value: Option<&str>, what: &'static str, max: usize| match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => Err(FieldError::new(
            "certificates",
            v,
            "invalid_certificate",
            msg!("certificate_text", code.as_str(), Arg::Key(what), max),
        )),
        Some(v) => Ok(Some(v.to_string())),
    };
    let number = checked(number, "what_certificate_number", NUMBER_MAX)?;
    let issuer = checked(issuer, "what_certificate_issuer", ISSUER_MAX)?;
    if let Some(c) = held.iter_mut().find(|c| c.code == code) {
        c.number = number;
        c.issuer = issuer;
    }
    Ok(())
}

/// The stored and wire form: an object with the code and whatever else is known.
#[derive(Serialize, Deserialize)]
struct Wire {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
}

/// Records stored before certificates had days were their bare codes; both read back.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Code(String),
    Record(Wire),
}

impl Serialize for HeldCertificate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            code: self.code.clone(),
            number: self.number.clone(),
            issuer: self.issuer.clone(),
            valid_until: self.valid_until.map(|d| d.to_string()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for HeldCertificate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Stored::deserialize(d)? {
            Stored::Code(code) => HeldCertificate::code(code),
            Stored::Record(w) => HeldCertificate {
                code: w.code,
                number: w.number,
                issuer: w.issuer,
                valid_until: match w.valid_until {
                    Some(t) => Some(parse_date(&t).ok_or_else(|| serde::de::Error::custom("a day is YYYY-MM-DD"))?),
                    None => None,
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_certificate_counts_through_its_last_day_and_not_after() {
        let c = HeldCertificate { valid_until: Some(date!(2027 - 05 - 01)), ..HeldCertificate::code("ISO 9001") };
        assert!(c.in_force(date!(2027 - 05 - 01)));
        assert!(!c.in_force(date!(2027 - 05 - 02)));
        assert!(HeldCertificate::code("CCC").in_force(date!(2099 - 01 - 01)), "no day given: it counts");
        let held = [c, HeldCertificate::code("CCC")];
        assert_eq!(in_force_codes(&held, date!(2027 - 06 - 01)), ["CCC"]);
    }

    #[test]
    fn cells_split_at_the_at_sign_in_either_width() {
        assert_eq!(split_item(" ISO9001@2027-05-01 "), ("ISO9001", Some("2027-05-01")));
        assert_eq!(split_item("CCC＠2026/12/31"), ("CCC", Some("2026/12/31")));
        assert_eq!(split_item("LFGB"), ("LFGB", None));
        assert_eq!(parse_until("2026年12月31日"), Some(date!(2026 - 12 - 31)));
        assert_eq!(parse_until("2026-02-30"), None);
    }

    #[test]
    fn stored_bare_codes_and_records_both_read_back() {
        let held: Vec<HeldCertificate> = serde_json::from_str(
            r#"["ISO 9001", {"code": "CCC", "number": "2024011111111111", "valid_until": "2027-01-31"}]"#,
        )
        .unwrap();
        assert_eq!(held[0], HeldCertificate::code("ISO 9001"));
        assert_eq!(held[1].valid_until, Some(date!(2027 - 01 - 31)));
        let again: Vec<HeldCertificate> = serde_json::from_str(&serde_json::to_string(&held).unwrap()).unwrap();
        assert_eq!(again, held);
        assert_eq!(serde_json::to_string(&held[0]).unwrap(), r#"{"code":"ISO 9001"}"#);
        assert_eq!(held[1].cell(), "CCC@2027-01-31");
    }

    #[test]
    fn numbers_and_issuers_are_bounded_text_attached_to_the_certificate_named() {
        let mut held = vec![HeldCertificate::code("ISO 9001"), HeldCertificate::code("CCC")];
        attach(&mut held, "ISO9001@2027-05-01", Some(" 00124Q31234R0M "), Some("中国质量认证中心")).unwrap();
        assert_eq!(held[0].number.as_deref(), Some("00124Q31234R0M"));
        assert_eq!(held[0].issuer.as_deref(), Some("中国质量认证中心"));
        assert_eq!(held[1], HeldCertificate::code("CCC"), "the others are untouched");
        let e = attach(&mut held, "CCC", Some(&"9".repeat(65)), None).unwrap_err();
        assert_eq!((e.field, e.code), ("certificates", "invalid_certificate"));
        assert!(e.zh.contains("CCC") && e.en.contains("64"), "{} / {}", e.zh, e.en);
        assert!(attach(&mut held, "CCC", Some("a\u{7}b"), None).is_err(), "control characters");
    }
}

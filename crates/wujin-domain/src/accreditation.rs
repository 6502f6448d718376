//! A lab's accreditation: its CMA certificate (检验检测机构资质认定, required to issue
//! reports with legal standing in China) or its CNAS accreditation (the national
//! accreditation of laboratories). A lab declares which of its test items fall within its
//! scope; that stays "declared" until a platform admin has checked the certificate's number
//! and document, and only then does the platform call the scope verified.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::supervision::coded;
use crate::{FieldError, Lang, msg};

coded!(
    /// Which accreditation a certificate is.
    Scheme {
        Cma = "CMA", "CMA 资质认定", "CMA (inspection body qualification)";
        Cnas = "CNAS", "CNAS 认可", "CNAS accreditation";
    }
);

coded!(
    /// Where a submitted certificate stands.
    AccreditationState {
        Submitted = "submitted", "待核验", "Awaiting check";
        Verified = "verified", "已核验", "Verified";
        Rejected = "rejected", "未通过核验", "Not verified";
    }
);

/// A certificate as a lab submits it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accreditation {
    pub scheme: Scheme,
    /// CMA: the certificate's 12 digits. CNAS: the laboratory number, `L` and its digits.
    pub number: String,
    /// The certificate's last day, when it has one.
    pub valid_until: Option<Date>,
}

impl Accreditation {
    /// Whether it still holds on `today`.
    pub fn in_force(&self, today: Date) -> bool {
        self.valid_until.is_none_or(|d| d >= today)
    }
}

/// How a test item's scope reads to a buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Within the scope of an accreditation the platform has checked and that is in force.
    Verified,
    /// Within the scope as the lab says; nobody has checked the certificate yet.
    Declared,
    /// Outside the lab's accredited scope.
    Outside,
}

impl Scope {
    /// An item the lab puts in scope is verified when the lab holds a checked certificate in
    /// force.
    pub fn of(in_scope: bool, lab_verified: bool) -> Scope {
        match (in_scope, lab_verified) {
            (false, _) => Scope::Outside,
            (true, true) => Scope::Verified,
            (true, false) => Scope::Declared,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Scope::Verified => "verified",
            Scope::Declared => "declared",
            Scope::Outside => "outside",
        }
    }
}

/// The certificate number as written, folded: full-width characters and spaces away, a
/// leading "CNAS" dropped, letters upper-cased ("CNAS L 0390" -> "L0390").
fn folded(raw: &str) -> String {
    let t: String = crate::text::fold(raw).chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    t.strip_prefix("CNAS").map(str::to_string).unwrap_or(t)
}

/// Checks a submitted certificate: a known scheme, a number of its form, and a last day not
/// already past. Every broken field is named.
pub fn check_accreditation(
    scheme: &str,
    number: &str,
    valid_until: Option<&str>,
    today: Date,
) -> Result<Accreditation, Vec<FieldError>> {
    let mut errs = vec![];
    let scheme = Scheme::from_code(&scheme.trim().to_uppercase());
    if scheme.is_none() {
        errs.push(FieldError::new("scheme", "", "unknown_value", msg!("accreditation_scheme")));
    }
    let n = folded(number);
    let good = match scheme {
        Some(Scheme::Cma) => n.len() == 12 && n.bytes().all(|b| b.is_ascii_digit()),
        Some(Scheme::Cnas) => {
            n.len() >= 5 && n.len() <= 6 && n.starts_with('L') && n[1..].bytes().all(|b| b.is_ascii_digit())
        }
        None => true,
    };
    if !good {
        let shown: String = number.chars().take(30).collect();
        errs.push(FieldError::new("number", &shown, "invalid", msg!("accreditation_number")));
    }
    let until = match valid_until.map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match crate::tie::parse_date(v) {
            Some(d) if d >= today => Some(d),
            Some(_) => {
                errs.push(FieldError::new("valid_until", v, "expired", msg!("accreditation_expired")));
                None
            }
            None => {
                errs.push(FieldError::new("valid_until", v, "invalid_date", msg!("accreditation_date")));
                None
            }
        },
    };
    match scheme {
        Some(scheme) if errs.is_empty() => Ok(Accreditation { scheme, number: n, valid_until: until }),
        _ => Err(errs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 30);

    #[test]
    fn numbers_are_read_as_certificates_write_them() {
        let ok = |s: &str, n: &str| check_accreditation(s, n, None, TODAY).map(|a| a.number);
        assert_eq!(ok("CNAS", "CNAS L0390").unwrap(), "L0390");
        assert_eq!(ok("cnas", "ｌ１２３４５").unwrap(), "L12345");
        assert_eq!(ok("CMA", "1611 1205 0123").unwrap(), "161112050123");
        assert!(ok("CMA", "16111205012").is_err(), "eleven digits");
        assert!(ok("CNAS", "L12").is_err(), "too short for a laboratory number");
        assert!(ok("CNAS", "I0390").is_err(), "an inspection body's number is no laboratory's");
    }

    #[test]
    fn every_broken_field_is_named() {
        let errs = check_accreditation("ISO", "x", Some("2020-01-01"), TODAY).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["scheme", "valid_until"]);
        let errs = check_accreditation("CMA", "abc", Some("soon"), TODAY).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["number", "valid_until"]);
    }

    #[test]
    fn a_scope_is_verified_only_by_a_checked_certificate() {
        assert_eq!(Scope::of(true, true), Scope::Verified);
        assert_eq!(Scope::of(true, false), Scope::Declared);
        assert_eq!(Scope::of(false, true), Scope::Outside);
        let a = Accreditation { scheme: Scheme::Cnas, number: "L0390".into(), valid_until: Some(TODAY) };
        assert!(a.in_force(TODAY) && !a.in_force(date!(2026 - 12 - 01)));
    }
}

//! Labs' test items and the bookings firms make of them.
//!
//! A test item belongs to a lab's testing service offer: one edition of a standard, the item
//! tested (保温效能), optionally the clause that defines it, the method, the sample needed,
//! the price, the turnaround and whether the item is within the lab's CMA/CNAS scope as the
//! lab declares it (a platform admin's check of the certificate makes it verified). Each
//! item has a weekly capacity: how many bookings of it the lab confirms for one week.
//!
//! A booking is one firm's request for one or more items of one lab: requested, then
//! confirmed with a date or declined; then the sample is received, tested, and the report
//! issued. Either side may cancel before testing starts.

use crate::standard::{Library, StandardStatus};
use crate::supervision::coded;
use serde::{Deserialize, Serialize};

use crate::{FieldError, Lang, msg};

/// The longest item name, method and sample description kept.
pub const MAX_NAME: usize = 60;
pub const MAX_TEXT: usize = 200;
/// The longest turnaround, in days.
pub const MAX_TURNAROUND: i64 = 180;
/// The most bookings of one item a lab may take a week.
pub const MAX_WEEKLY: i64 = 1000;
/// The most items one booking names, and samples it sends.
pub const MAX_ITEMS: usize = 20;
pub const MAX_SAMPLES: i64 = 1000;

/// A test item as a lab lists it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestItem {
    /// The edition, with its year, as the library spells it.
    pub standard: String,
    pub name: String,
    /// The clause of the standard that defines the item (5.3), when the lab gives it.
    pub clause: Option<String>,
    pub method: String,
    pub sample: String,
    pub price_fen: i64,
    pub turnaround_days: i64,
    /// Within the lab's CMA/CNAS scope, as the lab declares it.
    pub in_scope: bool,
    pub weekly_capacity: i64,
}

/// A test item as it comes in, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub standard: String,
    pub name: String,
    pub clause: Option<String>,
    pub method: String,
    pub sample: String,
    pub price_fen: Option<i64>,
    pub turnaround_days: Option<i64>,
    pub in_scope: bool,
    pub weekly_capacity: Option<i64>,
}

fn text_ok(v: &str, max: usize, required: bool) -> bool {
    (!required || !v.trim().is_empty()) && v.chars().count() <= max && !v.chars().any(char::is_control)
}

/// Checks a test item against the library: an edition it holds and has not withdrawn.
pub fn check_item(library: &Library, i: &ItemInput) -> Result<TestItem, Vec<FieldError>> {
    let mut errs = vec![];
    let standard = match library.resolve(&i.standard) {
        Some(e) if e.status != StandardStatus::Withdrawn => Some(e.number.clone()),
        Some(e) => {
            let by = e.replaced_by.clone().unwrap_or_default();
            errs.push(FieldError::new(
                "standard",
                &i.standard,
                "withdrawn",
                msg!("declaration_standard_withdrawn", &e.number, by),
            ));
            None
        }
        None => {
            errs.push(FieldError::new(
                "standard",
                &i.standard,
                "unknown_standard",
                msg!("declaration_standard_unknown", &i.standard),
            ));
            None
        }
    };
    if !text_ok(&i.name, MAX_NAME, true) {
        errs.push(FieldError::new("name", &i.name, "invalid", msg!("test_item_name", MAX_NAME)));
    }
    let clause = i.clause.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if clause.is_some_and(|c| c.len() > 20 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')) {
        errs.push(FieldError::new("clause", clause.unwrap_or(""), "invalid", msg!("test_item_clause")));
    }
    for (field, v) in [("method", &i.method), ("sample", &i.sample)] {
        if !text_ok(v, MAX_TEXT, false) {
            errs.push(FieldError::new(field, v, "too_long", msg!("test_item_text", MAX_TEXT)));
        }
    }
    let price = i.price_fen.filter(|p| (1..=10_000_000_000).contains(p));
    if price.is_none() {
        let v = i.price_fen.map(|p| p.to_string()).unwrap_or_default();
        errs.push(FieldError::new("price_fen", &v, "out_of_range", msg!("test_item_price")));
    }
    let days = i.turnaround_days.filter(|d| (1..=MAX_TURNAROUND).contains(d));
    if days.is_none() {
        let v = i.turnaround_days.map(|p| p.to_string()).unwrap_or_default();
        errs.push(FieldError::new("turnaround_days", &v, "out_of_range", msg!("test_item_days", MAX_TURNAROUND)));
    }
    let weekly = i.weekly_capacity.filter(|w| (1..=MAX_WEEKLY).contains(w));
    if weekly.is_none() {
        let v = i.weekly_capacity.map(|p| p.to_string()).unwrap_or_default();
        errs.push(FieldError::new("weekly_capacity", &v, "out_of_range", msg!("test_item_weekly", MAX_WEEKLY)));
    }
    match (standard, price, days, weekly) {
        (Some(standard), Some(price_fen), Some(turnaround_days), Some(weekly_capacity)) if errs.is_empty() => {
            Ok(TestItem {
                standard,
                name: i.name.trim().to_string(),
                clause: clause.map(String::from),
                method: i.method.trim().to_string(),
                sample: i.sample.trim().to_string(),
                price_fen,
                turnaround_days,
                in_scope: i.in_scope,
                weekly_capacity,
            })
        }
        _ => Err(errs),
    }
}

coded!(
    /// Where a test booking stands.
    TestState {
        Requested = "requested", "待确认", "Requested";
        Confirmed = "confirmed", "已确认", "Confirmed";
        Declined = "declined", "已拒绝", "Declined";
        Received = "received", "已收样", "Sample received";
        Testing = "testing", "检测中", "Testing";
        Reported = "reported", "已出报告", "Report issued";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
);

/// A step of a test booking and who takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStep {
    /// The lab confirms (with a date) or declines a request.
    Confirm,
    Decline,
    /// The lab has the sample, starts testing, issues the report.
    Receive,
    Start,
    Issue,
    /// Either side, before testing starts.
    Cancel,
}

impl TestStep {
    pub fn from_code(code: &str) -> Option<TestStep> {
        Some(match code {
            "confirm" => TestStep::Confirm,
            "decline" => TestStep::Decline,
            "receive" => TestStep::Receive,
            "start" => TestStep::Start,
            "issue" => TestStep::Issue,
            "cancel" => TestStep::Cancel,
            _ => return None,
        })
    }
}

/// The state `step` takes a booking in `state` to, when `lab` (the lab's side) or the
/// requester may take it there; None when the step is not theirs or not now.
pub fn test_transition(state: TestState, step: TestStep, lab: bool) -> Option<TestState> {
    use TestState::*;
    use TestStep::*;
    match (step, lab, state) {
        (Confirm, true, Requested) => Some(Confirmed),
        (Decline, true, Requested) => Some(Declined),
        (Receive, true, Confirmed) => Some(Received),
        (Start, true, Received) => Some(Testing),
        (Issue, true, Testing) => Some(Reported),
        (Cancel, _, Requested | Confirmed | Received) => Some(Cancelled),
        _ => None,
    }
}

/// The Monday of the week `day` falls in: a lab's capacity is counted per week.
pub fn week_of(day: time::Date) -> time::Date {
    day - time::Duration::days(day.weekday().number_days_from_monday() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> ItemInput {
        ItemInput {
            standard: "GB/T 29606".into(),
            name: "保温效能".into(),
            clause: None,
            method: "按标准规定的方法".into(),
            sample: "3 只".into(),
            price_fen: Some(60_000),
            turnaround_days: Some(7),
            in_scope: true,
            weekly_capacity: Some(10),
        }
    }

    #[test]
    fn an_item_pins_its_edition_and_every_broken_rule_names_its_field() {
        let lib = Library::new(Library::seed());
        assert_eq!(check_item(&lib, &input()).unwrap().standard, "GB/T 29606-2013");
        let bad = ItemInput {
            standard: "GB 17565-2007".into(),
            name: " ".into(),
            clause: Some("5.3; drop".into()),
            price_fen: Some(0),
            turnaround_days: Some(400),
            weekly_capacity: None,
            ..input()
        };
        let fields: Vec<&str> = check_item(&lib, &bad).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["standard", "name", "clause", "price_fen", "turnaround_days", "weekly_capacity"]);
    }

    #[test]
    fn each_side_takes_only_its_own_steps_in_order() {
        use TestState::*;
        use TestStep::*;
        assert_eq!(test_transition(Requested, Confirm, true), Some(Confirmed));
        assert_eq!(test_transition(Requested, Confirm, false), None, "the requester does not confirm");
        assert_eq!(test_transition(Confirmed, Issue, true), None, "no report before testing");
        assert_eq!(test_transition(Testing, Cancel, false), None, "too late to cancel");
        assert_eq!(test_transition(Received, Cancel, false), Some(Cancelled));
        assert_eq!(test_transition(Testing, Issue, true), Some(Reported));
    }

    #[test]
    fn capacity_weeks_start_on_monday() {
        assert_eq!(week_of(date!(2026 - 12 - 06)), date!(2026 - 11 - 30));
        assert_eq!(week_of(date!(2026 - 11 - 30)), date!(2026 - 11 - 30));
    }
}

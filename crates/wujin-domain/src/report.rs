//! A firm's monthly self-report to the pilot office: revenue, export revenue, employees,
//! R&D spend and spend on outside services by family. The figures are the firm's own; the
//! office sees only sums, medians and counts under [`crate::disclosure`].
//!
//! A report for month M is due on the 15th of M+1; firms that have not filed are reminded on
//! the 5th and again on the 14th. Those days are computed here, without a clock, so the store
//! and its tests hand in the day.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::money::{Fen, MAX_FEN};
use crate::sheet::{Cells, Check, Column, col};
use crate::{FieldError, Uscc, msg};

/// The service families a report breaks outside-service spend into, with the report column
/// each is read from. The taxonomy's families, in its order (a test holds the two together).
pub const SERVICE_FAMILIES: [(&str, &str); 9] = [
    ("rd_design", "services_rd_design"),
    ("consulting_standards", "services_consulting_standards"),
    ("info_marketing", "services_info_marketing"),
    ("supply_procurement", "services_supply_procurement"),
    ("testing", "services_testing"),
    ("finance", "services_finance"),
    ("incubation", "services_incubation"),
    ("logistics", "services_logistics"),
    ("training", "services_training"),
];

/// The columns of `wujin import reports`, the report form and the API body. Money is in
/// yuan with at most two decimals (stored as fen).
pub const REPORT_COLUMNS: &[Column] = &[
    col("uscc", "统一社会信用代码", true, 18),
    col("month", "月份", true, 10),
    col("revenue", "营业收入(元)", true, 20),
    col("export_revenue", "出口收入(元)", false, 20),
    col("employees", "从业人数", true, 8),
    col("rnd", "研发投入(元)", false, 20),
    col("services_rd_design", "研发设计服务支出(元)", false, 20),
    col("services_consulting_standards", "咨询标准服务支出(元)", false, 20),
    col("services_info_marketing", "信息营销服务支出(元)", false, 20),
    col("services_supply_procurement", "供应采购服务支出(元)", false, 20),
    col("services_testing", "检验检测服务支出(元)", false, 20),
    col("services_finance", "金融服务支出(元)", false, 20),
    col("services_incubation", "创业孵化服务支出(元)", false, 20),
    col("services_logistics", "物流配送服务支出(元)", false, 20),
    col("services_training", "人才培训服务支出(元)", false, 20),
];

/// The most employees a report may state.
pub const MAX_EMPLOYEES: i64 = 1_000_000;
/// The earliest month a report may be for.
pub const FIRST_YEAR: i32 = 2000;

/// A calendar month, ordered, counted from year 0 so that adding months is arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    pub fn new(year: i32, month: u8) -> Option<Month> {
        ((1..=12).contains(&month) && (FIRST_YEAR..=2200).contains(&year))
            .then(|| Month(year * 12 + i32::from(month) - 1))
    }

    /// The month a day falls in.
    pub fn of(day: Date) -> Month {
        Month(day.year() * 12 + i32::from(u8::from(day.month())) - 1)
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1 to 12.
    pub fn number(self) -> u8 {
        (self.0.rem_euclid(12) + 1) as u8
    }

    /// The month `n` months later (earlier for negative `n`).
    pub fn plus(self, n: i32) -> Month {
        Month(self.0 + n)
    }

    /// Months from `self` to `later` (negative when `later` is earlier).
    pub fn until(self, later: Month) -> i32 {
        later.0 - self.0
    }

    /// Day `d` of this month (clamped to the month's length).
    pub fn day(self, d: u8) -> Date {
        let m = time::Month::try_from(self.number()).expect("1 to 12");
        let last = m.length(self.year());
        Date::from_calendar_date(self.year(), m, d.clamp(1, last)).expect("a day of the month")
    }

    /// The day a report for this month is due: the 15th of the next month.
    pub fn due(self) -> Date {
        self.plus(1).day(15)
    }

    /// Reads "2026-03", "2026/3", "2026.03", "2026年3月" or "202603".
    pub fn parse(text: &str) -> Option<Month> {
        let t = text.trim().trim_end_matches('月');
        let (y, m) = match t.split_once(['-', '/', '.', '年']) {
            Some((y, m)) => (y.trim(), m.trim()),
            None if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) => t.split_at(4),
            None => return None,
        };
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).ok_or_else(|| serde::de::Error::custom("a month as YYYY-MM"))
    }
}

/// Which reminder a day calls for, for the month before it: the first from the 5th, the
/// second from the 14th until the report is due (a server that was down on the day catches
/// up, and never sends the first after the second's day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reminder {
    First,
    Second,
}

impl Reminder {
    pub fn code(self) -> &'static str {
        match self {
            Reminder::First => "first",
            Reminder::Second => "second",
        }
    }

    /// The reminder due on `today`, with the month it is for.
    pub fn due_on(today: Date) -> Option<(Month, Reminder)> {
        let month = Month::of(today).plus(-1);
        match today.day() {
            5..=13 => Some((month, Reminder::First)),
            14..=15 => Some((month, Reminder::Second)),
            _ => None,
        }
    }
}

/// What a firm reports for a month. Money in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Figures {
    pub revenue: Fen,
    pub export_revenue: Fen,
    pub employees: i64,
    pub rnd: Fen,
    /// Spend on outside services, one per [`SERVICE_FAMILIES`] entry, in its order.
    pub services: [Fen; 9],
}

impl Figures {
    /// Spend on all outside services.
    pub fn services_total(&self) -> i64 {
        self.services.iter().map(|f| f.0).sum()
    }

    /// The spend on a family by its code.
    pub fn service(&self, family: &str) -> Option<Fen> {
        SERVICE_FAMILIES.iter().position(|(f, _)| *f == family).map(|i| self.services[i])
    }
}

/// One row of reports: whose, for which month, and the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub uscc: Uscc,
    pub month: Month,
    pub figures: Figures,
}

/// Checks one report row. `today` bounds the month: a report is for a month that has ended.
pub fn report_from_cells(cells: &Cells, today: Date) -> Result<ReportRecord, Vec<FieldError>> {
    let mut c = Check::new(cells, REPORT_COLUMNS);
    let uscc = c.text("uscc").and_then(|v| match Uscc::parse(v) {
        Ok(u) => Some(u),
        Err(e) => {
            c.fail("uscc", v, "invalid_uscc", e.msg());
            None
        }
    });
    let month = c.text("month").and_then(|v| {
        let m = Month::parse(v);
        match m {
            None => c.fail("month", v, "invalid_month", msg!("report_month", FIRST_YEAR)),
            Some(m) if m >= Month::of(today) => {
                c.fail("month", v, "month_not_ended", msg!("report_month_not_ended", m.to_string()))
            }
            Some(_) => {}
        }
        m.filter(|m| *m < Month::of(today))
    });
    let money = |c: &mut Check, key: &'static str| -> Option<Fen> {
        let v = c.text(key)?;
        match Fen::parse_yuan(v) {
            Ok(f) if f.0 <= MAX_FEN => Some(f),
            Ok(_) => {
                c.fail(key, v, "out_of_range", msg!("money_too_large"));
                None
            }
            Err(e) => {
                c.fail(key, v, "invalid_money", e.msg());
                None
            }
        }
    };
    let revenue = money(&mut c, "revenue");
    let export_revenue = money(&mut c, "export_revenue").unwrap_or(Fen(0));
    let rnd = money(&mut c, "rnd").unwrap_or(Fen(0));
    let mut services = [Fen(0); 9];
    for (i, (_, key)) in SERVICE_FAMILIES.iter().enumerate() {
        services[i] = money(&mut c, key).unwrap_or(Fen(0));
    }
    let employees = c.int("employees", 0..=MAX_EMPLOYEES);
    if let Some(revenue) = revenue
        && export_revenue > revenue
    {
        c.fail(
            "export_revenue",
            &export_revenue.to_yuan_string(),
            "export_over_revenue",
            msg!("report_export_over_revenue"),
        );
    }
    match (uscc, month, revenue, employees) {
        (Some(uscc), Some(month), Some(revenue), Some(employees)) if c.errors.is_empty() => {
            Ok(ReportRecord { uscc, month, figures: Figures { revenue, export_revenue, employees, rnd, services } })
        }
        _ => Err(c.errors),
    }
}

/// The cells of a stored report, in [`REPORT_COLUMNS`] order (an export row, a form's values).
pub fn report_to_row(r: &ReportRecord) -> Vec<String> {
    let f = &r.figures;
    let mut row = vec![
        r.uscc.to_string(),
        r.month.to_string(),
        f.revenue.to_yuan_string(),
        f.export_revenue.to_yuan_string(),
        f.employees.to_string(),
        f.rnd.to_yuan_string(),
    ];
    row.extend(f.services.iter().map(|s| s.to_yuan_string()));
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Taxonomy;

    fn day(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn months_read_the_ways_offices_write_them() {
        let march = Month::new(2026, 3).unwrap();
        for text in ["2026-03", "2026-3", "2026/03", "2026.3", "2026年3月", "202603", " 2026-03 "] {
            assert_eq!(Month::parse(text), Some(march), "{text}");
        }
        for text in ["2026-13", "2026-00", "26-03", "2026", "1999-12", "2026-03-01", "三月", ""] {
            assert_eq!(Month::parse(text), None, "{text}");
        }
        assert_eq!(march.to_string(), "2026-03");
        assert_eq!(Month::new(2026, 12).unwrap().plus(1).to_string(), "2027-01");
        assert_eq!(Month::new(2026, 1).unwrap().plus(-1).to_string(), "2025-12");
        assert_eq!(march.until(Month::new(2027, 2).unwrap()), 11);
    }

    #[test]
    fn a_report_is_due_on_the_fifteenth_and_reminded_on_the_fifth_and_fourteenth() {
        let dec = Month::new(2026, 12).unwrap();
        assert_eq!(dec.due(), day(2027, 1, 15));
        assert_eq!(Reminder::due_on(day(2027, 1, 4)), None);
        assert_eq!(Reminder::due_on(day(2027, 1, 5)), Some((dec, Reminder::First)));
        assert_eq!(Reminder::due_on(day(2027, 1, 13)), Some((dec, Reminder::First)));
        assert_eq!(Reminder::due_on(day(2027, 1, 14)), Some((dec, Reminder::Second)));
        assert_eq!(Reminder::due_on(day(2027, 1, 15)), Some((dec, Reminder::Second)));
        assert_eq!(Reminder::due_on(day(2027, 1, 16)), None, "after the due day the report is overdue");
    }

    #[test]
    fn the_report_families_are_the_taxonomys_service_families() {
        let t = Taxonomy::get();
        let codes: Vec<&str> = t.families.iter().map(|f| f.entry.code.as_str()).collect();
        let ours: Vec<&str> = SERVICE_FAMILIES.iter().map(|(f, _)| *f).collect();
        assert_eq!(codes, ours);
        for (_, key) in SERVICE_FAMILIES {
            assert!(REPORT_COLUMNS.iter().any(|c| c.key == key), "{key} is a column");
        }
    }

    fn cells(pairs: &[(&'static str, &str)]) -> Cells {
        Cells::from_pairs(pairs.iter().map(|(k, v)| (*k, Some(v.to_string()))))
    }

    fn uscc() -> String {
        Uscc::complete("91330784MA2D8K9G2").unwrap().to_string()
    }

    #[test]
    fn a_good_row_becomes_fen_and_a_bad_one_names_every_broken_cell() {
        let today = day(2026, 11, 30);
        let u = uscc();
        let good = cells(&[
            ("uscc", &u),
            ("month", "2026年10月"),
            ("revenue", "1,250,000.50"),
            ("export_revenue", "300000"),
            ("employees", "48"),
            ("services_testing", "8000"),
        ]);
        let r = report_from_cells(&good, today).expect("a good row");
        assert_eq!(r.month.to_string(), "2026-10");
        assert_eq!(r.figures.revenue, Fen(125_000_050));
        assert_eq!(r.figures.service("testing"), Some(Fen(800_000)));
        assert_eq!(r.figures.services_total(), 800_000);
        assert_eq!(r.figures.rnd, Fen(0));
        let bad = cells(&[
            ("uscc", &u),
            ("month", "2026-11"),
            ("revenue", "100"),
            ("export_revenue", "-5"),
            ("employees", "many"),
        ]);
        let errs = report_from_cells(&bad, today).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["month", "export_revenue", "employees"], "{errs:?}");
        assert_eq!(errs[0].code, "month_not_ended");
        let over = cells(&[
            ("uscc", &u),
            ("month", "2026-09"),
            ("revenue", "100"),
            ("export_revenue", "101"),
            ("employees", "3"),
        ]);
        let errs = report_from_cells(&over, today).unwrap_err();
        assert_eq!(errs[0].code, "export_over_revenue");
        let missing = report_from_cells(&cells(&[("uscc", &u)]), today).unwrap_err();
        let fields: Vec<&str> = missing.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["month", "revenue", "employees"]);
    }

    #[test]
    fn a_row_written_out_reads_back_the_same() {
        let today = day(2026, 11, 30);
        let u = uscc();
        let r = report_from_cells(
            &cells(&[("uscc", &u), ("month", "2026-01"), ("revenue", "99.99"), ("employees", "7"), ("rnd", "12")]),
            today,
        )
        .unwrap();
        let row = report_to_row(&r);
        let back =
            report_from_cells(&Cells::from_pairs(REPORT_COLUMNS.iter().zip(row).map(|(c, v)| (c.key, Some(v)))), today)
                .unwrap();
        assert_eq!(back, r);
    }
}

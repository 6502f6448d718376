//! Supply ties: who supplies whom with which input, as a firm declares it, an engagement
//! shows it or the pilot office surveys it.
//!
//! A tie is a business secret of its two sides. What each viewer may see of it is decided
//! here, once ([`disclosure`]); the graph built from ties (wujin-chain) and every answer drawn
//! from it go through that rule.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::demand::Refused;
use crate::messages::Arg;
use crate::sheet::{Cells, Check, Column, col};
use crate::{FieldError, Taxonomy, Uscc, msg};

/// The columns of `wujin import ties`: English keys (also the API's fields) and Chinese
/// headers. A row names its supplier either by credit code (a firm in the registry) or by
/// name and region (a supplier outside the cluster).
pub const TIE_COLUMNS: &[Column] = &[
    col("supplier_uscc", "供应商统一社会信用代码", false, 18),
    col("supplier_name", "供应商名称", false, 100),
    col("region", "地区", false, 60),
    col("customer_uscc", "客户统一社会信用代码", true, 18),
    col("input", "投入品类", true, 60),
    col("share", "占比", false, 8),
    col("buffer_weeks", "库存周数", false, 8),
    col("since", "起始日期", false, 10),
    col("until", "结束日期", false, 10),
];

/// Who supplies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Supplier {
    /// A firm in the registry.
    Member { uscc: Uscc },
    /// A supplier outside the cluster (宁波某不锈钢厂, 浙江 宁波): a node of the graph that
    /// nobody in wujin speaks for.
    Outside { name: String, region: String },
}

/// Weeks of an input a customer holds in stock, to a tenth of a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BufferWeeks(u16);

impl BufferWeeks {
    /// The most a buffer may say: two years.
    pub const MAX_TENTHS: u16 = 1040;

    pub fn from_tenths(tenths: u16) -> Option<BufferWeeks> {
        (tenths <= Self::MAX_TENTHS).then_some(BufferWeeks(tenths))
    }

    pub fn tenths(self) -> u16 {
        self.0
    }

    pub fn weeks(self) -> f32 {
        f32::from(self.0) / 10.0
    }

    /// "3", "2.5", "2.5周": weeks with at most one decimal.
    pub fn parse(text: &str) -> Option<BufferWeeks> {
        let t = text.trim().trim_end_matches(['周', 'w', 'W']).trim();
        let (whole, tenth) = match t.split_once('.') {
            Some((w, f)) if f.len() == 1 => (w, f),
            Some(_) => return None,
            None => (t, "0"),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !tenth.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let tenths = whole.parse::<u32>().ok()? * 10 + tenth.parse::<u32>().ok()?;
        BufferWeeks::from_tenths(u16::try_from(tenths).ok()?)
    }
}

impl std::fmt::Display for BufferWeeks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 % 10 {
            0 => write!(f, "{}", self.0 / 10),
            d => write!(f, "{}.{d}", self.0 / 10),
        }
    }
}

/// A tie as it may be stored: its input is a category of the taxonomy, its supplier is not
/// its customer, its dates are in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieRecord {
    pub supplier: Supplier,
    pub customer: Uscc,
    /// A category code from the taxonomy (its chain stage is the tie's).
    pub input: String,
    /// The percentage of this input the supplier delivers, 1 to 100.
    pub share: Option<u8>,
    pub buffer_weeks: Option<BufferWeeks>,
    /// Since when (the day it was declared, when not said).
    pub since: Option<Date>,
    /// Until when, if it ends.
    pub until: Option<Date>,
}

/// A date as people write it in a sheet: 2024-03-01, 2024/3/1 or 2024年3月1日.
pub fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let (y, m, d) = (y.parse::<i32>().ok()?, m.parse::<u8>().ok()?, d.parse::<u8>().ok()?);
    if !(1900..=2200).contains(&y) {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// "35", "35%" or "35％": a share of 1 to 100 per cent.
fn parse_share(text: &str) -> Option<u8> {
    let n: u8 = text.trim().trim_end_matches(['%', '％']).trim().parse().ok()?;
    (1..=100).contains(&n).then_some(n)
}

/// The category a tie's input names: a category by code, name or alias, or a process (抛光,
/// 水胀) as the capacity category of that process, since a firm buying polishing writes
/// the process, not "抛光产能".
pub fn input_category<'t>(t: &'t Taxonomy, name: &str) -> Option<&'t str> {
    if let Some(c) = t.category(name) {
        return Some(&c.entry.code);
    }
    let process = t.process(name)?;
    t.categories.iter().find(|c| c.process.as_deref() == Some(process.code.as_str())).map(|c| c.entry.code.as_str())
}

/// Reads and checks one row (of an import, or an API body turned into cells); every broken
/// cell is reported at once.
pub fn tie_from_cells(cells: &Cells) -> Result<TieRecord, Vec<FieldError>> {
    let t = Taxonomy::get();
    let mut c = Check::new(cells, TIE_COLUMNS);
    let uscc = |c: &mut Check, key: &'static str| {
        c.text(key).and_then(|v| match Uscc::parse(v) {
            Ok(u) => Some(u),
            Err(e) => {
                c.fail(key, v, "invalid_uscc", e.msg());
                None
            }
        })
    };
    let customer = uscc(&mut c, "customer_uscc");
    let supplier = match (c.text("supplier_uscc"), c.text("supplier_name"), c.text("region")) {
        (Some(_), Some(name), _) => {
            c.fail("supplier_name", name, "supplier_twice", msg!("tie_supplier_twice"));
            None
        }
        (Some(_), None, _) => uscc(&mut c, "supplier_uscc").map(|uscc| Supplier::Member { uscc }),
        (None, Some(name), Some(region)) => {
            Some(Supplier::Outside { name: name.trim().to_string(), region: region.trim().to_string() })
        }
        (None, Some(_), None) => {
            c.fail("region", "", "required", msg!("tie_region_required"));
            None
        }
        (None, None, _) => {
            c.fail("supplier_uscc", "", "required", msg!("tie_supplier_required"));
            None
        }
    };
    if let (Some(Supplier::Member { uscc }), Some(customer)) = (&supplier, &customer)
        && uscc == customer
    {
        c.fail("supplier_uscc", uscc.as_str(), "self_tie", msg!("tie_self"));
    }
    let input = c.text("input").and_then(|v| {
        let found = input_category(t, v).map(|code| code.to_string());
        if found.is_none() {
            c.unknown_near("input", v, Arg::Key("what_category"), t.categories.iter().map(|x| &x.entry));
        }
        found
    });
    let share = c.text("share").and_then(|v| {
        let s = parse_share(v);
        if s.is_none() {
            c.fail("share", v, "out_of_range", msg!("tie_share"));
        }
        s
    });
    let buffer_weeks = c.text("buffer_weeks").and_then(|v| {
        let b = BufferWeeks::parse(v);
        if b.is_none() {
            c.fail("buffer_weeks", v, "out_of_range", msg!("tie_buffer", BufferWeeks::MAX_TENTHS / 10));
        }
        b
    });
    let date = |c: &mut Check, key: &'static str| {
        c.text(key).and_then(|v| {
            let d = parse_date(v);
            if d.is_none() {
                c.fail(key, v, "invalid_date", msg!("date_form", v));
            }
            d
        })
    };
    let since = date(&mut c, "since");
    let until = date(&mut c, "until");
    if let (Some(s), Some(u)) = (since, until)
        && u < s
    {
        c.fail("until", &u.to_string(), "until_before_since", msg!("tie_until_before_since"));
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(TieRecord {
        supplier: supplier.expect("checked"),
        customer: customer.expect("checked"),
        input: input.expect("checked"),
        share,
        buffer_weeks,
        since,
        until,
    })
}

/// The problem of a row whose credit code (in `field`) names no firm of the registry.
pub fn unregistered(field: &'static str, code: &str) -> FieldError {
    FieldError::new(field, code, "unknown_org", msg!("tie_org_not_registered", code))
}

/// Where a tie came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieSource {
    /// Declared by one of its two firms.
    Declared,
    /// A completed engagement between the two: confirmed by the work itself.
    Engagement,
    /// Imported by an operator, such as the pilot office's survey.
    Operator,
    /// A group-purchase pool allocated the firm a quantity from the pool's named supplier.
    Pool,
}

/// A tie's place in its life. Only [`TieState::Declared`] and [`TieState::Confirmed`] ties
/// are in the graph; the others stay in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieState {
    Declared,
    Confirmed,
    Rejected,
    Ended,
}

impl TieState {
    pub fn in_graph(self) -> bool {
        matches!(self, TieState::Declared | TieState::Confirmed)
    }

    pub fn code(self) -> &'static str {
        match self {
            TieState::Declared => "declared",
            TieState::Confirmed => "confirmed",
            TieState::Rejected => "rejected",
            TieState::Ended => "ended",
        }
    }

    pub fn from_code(code: &str) -> Option<TieState> {
        [TieState::Declared, TieState::Confirmed, TieState::Rejected, TieState::Ended]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A side of a tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Supplier,
    Customer,
}

/// What one side does to a tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieAction {
    /// The other side says it is true.
    Confirm,
    /// The other side says it is not.
    Reject,
    /// Either side says it has ended.
    End,
    /// Either side says it is still true (fresh evidence).
    Reaffirm,
}

/// The state after `by` does `action` to a tie in `state` that `declared_by` declared (None:
/// it came from an engagement or an operator, so neither side declared it).
pub fn transition(
    state: TieState,
    action: TieAction,
    by: Side,
    declared_by: Option<Side>,
) -> Result<TieState, Refused> {
    use TieAction as A;
    use TieState as S;
    let refused = |code, m| Err(Refused::new(code, m));
    match (state, action) {
        (S::Rejected | S::Ended, _) => refused("tie_closed", msg!("tie_closed")),
        (S::Declared, A::Confirm | A::Reject) if declared_by == Some(by) => {
            refused("own_declaration", msg!("tie_other_side"))
        }
        (S::Declared, A::Confirm) => Ok(S::Confirmed),
        (S::Declared, A::Reject) => Ok(S::Rejected),
        (S::Confirmed, A::Confirm) => refused("already_confirmed", msg!("tie_already_confirmed")),
        (S::Confirmed, A::Reject) => refused("already_confirmed", msg!("tie_reject_confirmed")),
        (_, A::End) => Ok(S::Ended),
        (s, A::Reaffirm) => Ok(s),
    }
}

/// How long a tie's last evidence stays fresh: supply links churn with a half-life of about
/// 13 months.
pub const FRESH_MONTHS: u8 = 13;

/// A tie whose last evidence is older than [`FRESH_MONTHS`] months on `today` is stale: it
/// still counts as a supplier, and every answer flags it.
pub fn is_stale(last_evidence: Date, today: Date) -> bool {
    last_evidence < months_before(today, FRESH_MONTHS)
}

/// The same day `months` calendar months earlier (the month's last day when it is shorter).
fn months_before(day: Date, months: u8) -> Date {
    let total = day.year() * 12 + i32::from(u8::from(day.month())) - 1 - i32::from(months);
    let (year, month) = (total.div_euclid(12), Month::try_from((total.rem_euclid(12) + 1) as u8).expect("1..=12"));
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, day.day().min(last)).expect("a day that exists")
}

/// Who is looking at a tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// One of the tie's two firms.
    Party,
    /// Another firm, or a visitor.
    Outsider,
    /// The pilot office.
    Officer,
}

/// What a viewer may see of one tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// The tie is listed, with the firm at the other end named.
    pub named: bool,
    /// Its terms: share and buffer weeks.
    pub terms: bool,
}

/// The rule for one tie. Its two firms see it whole. Anyone else sees it named only when
/// the firm to be named chose to be visible: `public` ("公开我的供应关系") for firms, and
/// for the office `helps` ("让试点办帮我找替代供应商"). Terms stay between the two firms.
/// Everything else reaches others only as counts, under [`crate::disclosure`]'s small-cell
/// rule.
pub fn disclosure(viewer: Viewer, public: bool, helps: bool) -> Disclosure {
    match viewer {
        Viewer::Party => Disclosure { named: true, terms: true },
        Viewer::Outsider => Disclosure { named: public, terms: false },
        Viewer::Officer => Disclosure { named: helps, terms: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const A: &str = "91330784MA2DXXXX1B";
    const B: &str = "91330100799655058B";

    fn cells(pairs: &[(&'static str, &str)]) -> Cells {
        Cells::from_pairs(pairs.iter().map(|(k, v)| (*k, Some(v.to_string()))))
    }

    fn valid_uscc() -> String {
        B.to_string()
    }

    #[test]
    fn a_row_with_an_outside_supplier_reads_share_buffer_and_dates() {
        let customer = valid_uscc();
        let r = tie_from_cells(&cells(&[
            ("supplier_name", "宁波某不锈钢厂"),
            ("region", "浙江 宁波"),
            ("customer_uscc", &customer),
            ("input", "304不锈钢"),
            ("share", "60%"),
            ("buffer_weeks", "2.5"),
            ("since", "2023/3/1"),
        ]))
        .unwrap();
        assert_eq!(r.supplier, Supplier::Outside { name: "宁波某不锈钢厂".into(), region: "浙江 宁波".into() });
        assert_eq!(r.input, "materials.stainless_coil");
        assert_eq!(r.share, Some(60));
        assert_eq!(r.buffer_weeks.map(|b| b.to_string()), Some("2.5".into()));
        assert_eq!(r.since, Some(date!(2023 - 03 - 01)));
        assert_eq!(r.until, None);
    }

    #[test]
    fn every_broken_cell_of_a_tie_row_is_named() {
        let errors = tie_from_cells(&cells(&[
            ("supplier_name", "某厂"),
            ("customer_uscc", A),
            ("input", "没有这个品类"),
            ("share", "120"),
            ("buffer_weeks", "2.55"),
            ("since", "2024-02-30"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        for f in ["region", "customer_uscc", "input", "share", "buffer_weeks", "since"] {
            assert!(fields.contains(&f), "{f} not named in {fields:?}");
        }
    }

    #[test]
    fn a_firm_cannot_supply_itself_and_a_tie_cannot_end_before_it_began() {
        let me = valid_uscc();
        let errors = tie_from_cells(&cells(&[
            ("supplier_uscc", &me),
            ("customer_uscc", &me),
            ("input", "cap.polishing"),
            ("since", "2024-05-01"),
            ("until", "2024-04-30"),
        ]))
        .unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["self_tie", "until_before_since"]);
        let none = tie_from_cells(&cells(&[("customer_uscc", &me), ("input", "cap.polishing")])).unwrap_err();
        assert_eq!(none[0].field, "supplier_uscc");
    }

    #[test]
    fn only_the_other_side_confirms_or_rejects_and_either_ends() {
        use Side::*;
        use TieAction::*;
        let d = TieState::Declared;
        assert_eq!(transition(d, Confirm, Supplier, Some(Customer)), Ok(TieState::Confirmed));
        assert_eq!(transition(d, Confirm, Customer, Some(Customer)).unwrap_err().code, "own_declaration");
        assert_eq!(transition(d, Reject, Supplier, Some(Customer)), Ok(TieState::Rejected));
        assert_eq!(
            transition(TieState::Confirmed, Reject, Supplier, Some(Customer)).unwrap_err().code,
            "already_confirmed"
        );
        assert_eq!(transition(TieState::Confirmed, End, Supplier, Some(Customer)), Ok(TieState::Ended));
        assert_eq!(transition(d, End, Customer, Some(Customer)), Ok(TieState::Ended));
        assert_eq!(transition(TieState::Confirmed, Reaffirm, Customer, None), Ok(TieState::Confirmed));
        for closed in [TieState::Rejected, TieState::Ended] {
            assert!(!closed.in_graph());
            for a in [Confirm, Reject, End, Reaffirm] {
                assert_eq!(transition(closed, a, Supplier, Some(Customer)).unwrap_err().code, "tie_closed");
            }
        }
    }

    #[test]
    fn a_tie_goes_stale_thirteen_calendar_months_after_its_last_evidence() {
        let today = date!(2026 - 11 - 29);
        assert!(!is_stale(date!(2025 - 10 - 29), today));
        assert!(is_stale(date!(2025 - 10 - 28), today));
        // From the last day of a long month back to a short one.
        assert_eq!(months_before(date!(2025 - 03 - 31), 13), date!(2024 - 02 - 29));
        assert_eq!(months_before(date!(2026 - 01 - 15), 13), date!(2024 - 12 - 15));
    }

    #[test]
    fn terms_stay_between_the_two_firms_and_names_need_consent() {
        for (public, helps) in [(false, false), (true, false), (false, true), (true, true)] {
            assert_eq!(disclosure(Viewer::Party, public, helps), Disclosure { named: true, terms: true });
            let outsider = disclosure(Viewer::Outsider, public, helps);
            assert_eq!(outsider, Disclosure { named: public, terms: false });
            let officer = disclosure(Viewer::Officer, public, helps);
            assert_eq!(officer, Disclosure { named: helps, terms: false });
        }
    }

    #[test]
    fn buffers_and_dates_read_as_people_write_them() {
        assert_eq!(BufferWeeks::parse("3").map(BufferWeeks::tenths), Some(30));
        assert_eq!(BufferWeeks::parse("0.5周").map(BufferWeeks::tenths), Some(5));
        assert_eq!(BufferWeeks::parse("105"), None);
        assert_eq!(BufferWeeks::parse("-1"), None);
        assert_eq!(BufferWeeks::parse("1."), None);
        assert_eq!(parse_date("2024年3月1日"), Some(date!(2024 - 03 - 01)));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("03/01/2024"), None);
    }

    #[test]
    fn an_input_may_be_named_by_its_process() {
        let t = Taxonomy::get();
        assert_eq!(input_category(t, "抛光"), Some("cap.polishing"));
        assert_eq!(input_category(t, "水胀成型"), Some("cap.hydroforming"));
        assert_eq!(input_category(t, "杯盖"), Some("parts.flask_lid"));
        assert_eq!(input_category(t, "没有这个"), None);
    }
}

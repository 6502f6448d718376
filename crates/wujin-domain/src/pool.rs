//! Group purchase (集采): many firms pool the same material need to reach a better price
//! tier, at a price pegged to a published series by a formula that is stamped on every
//! commitment. This module holds the rules: price series and their values, a pool's terms,
//! the unit price a pool's total earns, and how a binding supply cap is shared out. It does
//! no I/O; the store closes a pool in one transaction by calling [`settle`] and [`allocate`].
//!
//! Money is integer fen throughout. A unit price is computed exactly (as a fraction) and
//! rounded half up to the fen once; a firm's total is then that unit price × its quantity,
//! so every firm pays the same unit price and the totals add up to what the table shows.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::supervision::{coded, codes, date, one_of, text};
use crate::{FieldError, Lang, Taxonomy, msg};

coded!(
    /// How often a series is published.
    Frequency {
        Daily = "daily", "日", "Daily";
        Weekly = "weekly", "周", "Weekly";
        Monthly = "monthly", "月", "Monthly";
    }
);

coded!(
    /// What a series' values are: a price in yuan per unit (ADC12 铝锭 元/吨), or an index in
    /// points (中国·永康五金指数), which prices only against a base price on a base date.
    SeriesKind {
        Money = "money", "价格", "Price";
        Index = "index", "指数", "Index";
    }
);

coded!(
    /// How quantity tiers discount. All-units: the tier the total reaches discounts every
    /// unit. Cumulative: each unit is priced by the tier its place in the total falls in
    /// (like tax brackets), and everyone pays the same blended unit price.
    TierMode {
        AllUnits = "all_units", "全量阶梯", "All units";
        Cumulative = "cumulative", "累进阶梯", "Cumulative";
    }
);

coded!(
    /// Where a pool stands. Allocated, failed and cancelled are final.
    PoolState {
        Open = "open", "征集中", "Open";
        Allocated = "allocated", "已成团", "Allocated";
        Failed = "failed", "未成团", "Failed";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
);

/// The most tiers a pool may have.
pub const MAX_TIERS: usize = 10;
/// The largest quantity, lot, minimum or cap (in the pool's unit).
pub const MAX_QUANTITY: i64 = 1_000_000_000;
/// The largest price, fee or base price, in fen (a hundred million yuan).
pub const MAX_FEN: i64 = 10_000_000_000;
/// The largest series value, in thousandths (a billion).
pub const MAX_VALUE_MILLI: i64 = 1_000_000_000_000;
/// Basis points in one whole: a discount of 350 is 3.5 %.
pub const WHOLE_BP: i64 = 10_000;

/// A price series as it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRecord {
    /// ADC12, YK-HWI, SS304-CR …: capitals, digits, `-`, `_` and `.`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The unit the values are in, as people write it: 元/吨, 点.
    pub unit: String,
    pub kind: SeriesKind,
    /// Who publishes it.
    pub source: String,
    pub frequency: Frequency,
}

/// What a series is sent as, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct SeriesInput<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub unit: &'a str,
    pub kind: &'a str,
    pub source: &'a str,
    pub frequency: &'a str,
}

/// Checks a series; every broken field is named.
pub fn check_series(s: &SeriesInput) -> Result<SeriesRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let code = s.code.trim().to_string();
    let good_code = (2..=40).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-_.".contains(c));
    if !good_code {
        errors.push(FieldError::new("code", &code, "invalid_code", msg!("series_code")));
    }
    let name_zh = text(&mut errors, "name_zh", s.name_zh, 60, true);
    let name_en = text(&mut errors, "name_en", s.name_en, 100, true);
    let unit = text(&mut errors, "unit", s.unit, 20, true);
    let source = text(&mut errors, "source", s.source, 100, true);
    let kind =
        one_of(&mut errors, "kind", s.kind, SeriesKind::from_code(s.kind), &codes(SeriesKind::ALL, SeriesKind::code));
    let frequency = one_of(
        &mut errors,
        "frequency",
        s.frequency,
        Frequency::from_code(s.frequency),
        &codes(Frequency::ALL, Frequency::code),
    );
    match (kind, frequency) {
        (Some(kind), Some(frequency)) if errors.is_empty() => {
            Ok(SeriesRecord { code, name_zh, name_en, unit, kind, source, frequency })
        }
        _ => Err(errors),
    }
}

/// A series value as written (`20150.5`, `102.35`) in thousandths, exactly; None unless it
/// is a positive number of at most three decimals and at most [`MAX_VALUE_MILLI`].
pub fn parse_value(text: &str) -> Option<i64> {
    let t = text.trim().replace([',', '，'], "");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 3 {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) || whole.len() > 13 {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = format!("{frac:0<3}").parse().ok()?;
    let v = w.checked_mul(1000)?.checked_add(f)?;
    (v > 0 && v <= MAX_VALUE_MILLI).then_some(v)
}

/// A value in thousandths as people read it: `20150.5`, `102.35`, `100`.
pub fn show_value(milli: i64) -> String {
    let (w, f) = (milli / 1000, milli % 1000);
    if f == 0 {
        return w.to_string();
    }
    let frac = format!("{f:03}");
    format!("{w}.{}", frac.trim_end_matches('0'))
}

/// Days in stamps as people write them (2026-11-27), read back by the same parser as input.
mod day {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        crate::tie::parse_date(&text).ok_or_else(|| serde::de::Error::custom("a day is YYYY-MM-DD"))
    }
}

/// The columns of a price sheet (`wujin import prices`): one value of one series per row.
/// The series' own fields may be given on any of its rows; they create the series when the
/// store does not know its code yet, and update it when they are given again.
pub const PRICE_COLUMNS: &[crate::sheet::Column] = &[
    crate::sheet::col("code", "代码", true, 40),
    crate::sheet::col("date", "日期", true, 10),
    crate::sheet::col("value", "数值", true, 20),
    crate::sheet::col("name_zh", "名称", false, 60),
    crate::sheet::col("name_en", "英文名称", false, 100),
    crate::sheet::col("unit", "单位", false, 20),
    crate::sheet::col("kind", "类型", false, 10),
    crate::sheet::col("source", "来源", false, 100),
    crate::sheet::col("frequency", "频率", false, 10),
];

/// One row of a price sheet, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    pub code: String,
    pub date: Date,
    pub value_milli: i64,
    /// The series' fields, when the row gives them (all of them, or none).
    pub series: Option<SeriesRecord>,
}

/// Checks a row of a price sheet; every broken cell is named.
pub fn price_from_cells(cells: &crate::sheet::Cells) -> Result<PriceRow, Vec<FieldError>> {
    let mut c = crate::sheet::Check::new(cells, PRICE_COLUMNS);
    let code = c.text("code").unwrap_or_default().trim().to_string();
    let date = c.text("date").and_then(|v| {
        let d = crate::tie::parse_date(v);
        if d.is_none() {
            c.fail("date", v, "invalid_date", msg!("supervision_date"));
        }
        d
    });
    let value = c.text("value").and_then(|v| {
        let parsed = parse_value(v);
        if parsed.is_none() {
            c.fail("value", v, "out_of_range", msg!("series_value_form"));
        }
        parsed
    });
    let fields = ["name_zh", "name_en", "unit", "kind", "source", "frequency"];
    let given: Vec<&str> = fields.iter().copied().filter(|k| c.text(k).is_some()).collect();
    let series = if given.is_empty() {
        if !(2..=40).contains(&code.len()) {
            c.fail("code", &code, "invalid_code", msg!("series_code"));
        }
        None
    } else {
        let get = |k: &str| c.text(k).unwrap_or_default();
        let input = SeriesInput {
            code: &code,
            name_zh: get("name_zh"),
            name_en: get("name_en"),
            unit: get("unit"),
            kind: get("kind"),
            source: get("source"),
            frequency: get("frequency"),
        };
        match check_series(&input) {
            Ok(r) => Some(r),
            Err(errs) => {
                c.errors.extend(errs);
                None
            }
        }
    };
    match (date, value) {
        (Some(date), Some(value_milli)) if c.errors.is_empty() => Ok(PriceRow { code, date, value_milli, series }),
        _ => Err(c.errors),
    }
}

/// A sheet's row names a series the store does not know and no row of the sheet describes.
pub fn undescribed(code: &str) -> FieldError {
    FieldError::new("code", code, "unknown_series", msg!("series_undescribed"))
}

/// A price sheet row as an export writes it, in [`PRICE_COLUMNS`] order.
pub fn price_to_row(s: &SeriesRecord, date: Date, value_milli: i64) -> Vec<String> {
    vec![
        s.code.clone(),
        date.to_string(),
        show_value(value_milli),
        s.name_zh.clone(),
        s.name_en.clone(),
        s.unit.clone(),
        s.kind.code().to_string(),
        s.source.clone(),
        s.frequency.code().to_string(),
    ]
}

/// A value in thousandths with its whole part grouped, as a page or a formula reads it:
/// `20,150.5`.
pub fn grouped_value(milli: i64) -> String {
    let plain = show_value(milli);
    let (whole, frac) =
        plain.split_once('.').map(|(w, f)| (w.to_string(), format!(".{f}"))).unwrap_or((plain, String::new()));
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + frac.len());
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out + &frac
}

/// A quantity tier: from `min_quantity` (in the pool's unit) on, `discount_bp` off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub min_quantity: i64,
    pub discount_bp: i64,
}

/// What a pool's unit price is pegged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pricing {
    /// A series in money per unit: `value × (1 − discount) + fee`.
    Quoted { series: i64 },
    /// An index in points: `base price × (value ÷ value on the base date) × (1 − discount) +
    /// fee`.
    Indexed {
        series: i64,
        base_price_fen: i64,
        #[serde(with = "day")]
        base_date: Date,
    },
    /// A fixed price: `price × (1 − discount) + fee`.
    Fixed { price_fen: i64 },
}

impl Pricing {
    pub fn series(&self) -> Option<i64> {
        match *self {
            Pricing::Quoted { series } | Pricing::Indexed { series, .. } => Some(series),
            Pricing::Fixed { .. } => None,
        }
    }
}

/// A pool's terms, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRecord {
    /// What is bought, in words ("ADC12 铝锭 国标").
    pub spec: String,
    /// A category code of the taxonomy.
    pub category: String,
    /// A unit code of the taxonomy (t, kg, pcs …).
    pub unit: String,
    /// Quantities are whole lots of this many units.
    pub lot_size: i64,
    pub tier_mode: TierMode,
    /// Ascending by quantity, discounts not falling.
    pub tiers: Vec<Tier>,
    pub pricing: Pricing,
    pub fee_fen: i64,
    /// The day whose series value prices the pool; None: the day it closes.
    pub settlement_date: Option<Date>,
    /// Commitments close at this instant (epoch ms).
    pub deadline_ms: i64,
    /// Below this committed total the pool fails and every commitment is released.
    pub min_total: i64,
    /// The most the supplier will deliver; None for no cap.
    pub cap: Option<i64>,
    pub delivery_from: Date,
    pub delivery_to: Date,
    /// The firm that delivers, when the pool names one.
    pub supplier_org: Option<i64>,
}

/// A pool as it is sent, before it is checked. The caller has resolved the series (if any)
/// to its kind, since whether a base price is needed depends on it.
#[derive(Debug, Clone, Default)]
pub struct PoolInput<'a> {
    pub spec: &'a str,
    pub category: &'a str,
    pub unit: &'a str,
    pub lot_size: i64,
    pub tier_mode: Option<&'a str>,
    pub tiers: Vec<Tier>,
    /// The series and its kind, when the pool is pegged to one.
    pub series: Option<(i64, SeriesKind)>,
    pub base_price_fen: Option<i64>,
    pub base_date: Option<&'a str>,
    pub fixed_price_fen: Option<i64>,
    pub fee_fen: i64,
    pub settlement_date: Option<&'a str>,
    pub deadline_ms: i64,
    pub min_total: i64,
    pub cap: Option<i64>,
    pub delivery_from: &'a str,
    pub delivery_to: &'a str,
    pub supplier_org: Option<i64>,
}

/// A tier's field as a JSON pointer (`tiers/1/discount_bp`); at most [`MAX_TIERS`] are read.
fn tier_field(i: usize, discount: bool) -> &'static str {
    const MIN: [&str; MAX_TIERS] = [
        "tiers/0/min_quantity",
        "tiers/1/min_quantity",
        "tiers/2/min_quantity",
        "tiers/3/min_quantity",
        "tiers/4/min_quantity",
        "tiers/5/min_quantity",
        "tiers/6/min_quantity",
        "tiers/7/min_quantity",
        "tiers/8/min_quantity",
        "tiers/9/min_quantity",
    ];
    const OFF: [&str; MAX_TIERS] = [
        "tiers/0/discount_bp",
        "tiers/1/discount_bp",
        "tiers/2/discount_bp",
        "tiers/3/discount_bp",
        "tiers/4/discount_bp",
        "tiers/5/discount_bp",
        "tiers/6/discount_bp",
        "tiers/7/discount_bp",
        "tiers/8/discount_bp",
        "tiers/9/discount_bp",
    ];
    if discount { OFF[i] } else { MIN[i] }
}

fn range(errors: &mut Vec<FieldError>, field: &'static str, v: i64, min: i64, max: i64) -> i64 {
    if !(min..=max).contains(&v) {
        errors.push(FieldError::new(field, &v.to_string(), "out_of_range", msg!("pool_range", min, max)));
    }
    v
}

/// Checks a pool's terms at `now_ms` (the deadline must lie ahead); every broken field is
/// named, tiers by their place (`tiers/1/discount_bp`).
pub fn check_pool(p: &PoolInput, now_ms: i64) -> Result<PoolRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let tax = Taxonomy::get();
    let spec = text(&mut errors, "spec", p.spec, 200, true);
    let category = match tax.category(p.category) {
        Some(c) => c.entry.code.clone(),
        None => {
            errors.push(FieldError::new("category", p.category, "unknown_category", msg!("pool_category")));
            String::new()
        }
    };
    let unit = match tax.unit(p.unit) {
        Some(u) => u.code.clone(),
        None => {
            errors.push(FieldError::new("unit", p.unit, "unknown_unit", msg!("pool_unit")));
            String::new()
        }
    };
    let lot_size = range(&mut errors, "lot_size", p.lot_size, 1, MAX_QUANTITY);
    let tier_mode = match p.tier_mode {
        None => Some(TierMode::AllUnits),
        Some(m) => one_of(&mut errors, "tier_mode", m, TierMode::from_code(m), &codes(TierMode::ALL, TierMode::code)),
    };
    if p.tiers.len() > MAX_TIERS {
        errors.push(FieldError::new("tiers", &p.tiers.len().to_string(), "too_many", msg!("pool_tiers", MAX_TIERS)));
    }
    let mut last: Option<Tier> = None;
    for (i, t) in p.tiers.iter().take(MAX_TIERS).enumerate() {
        let at = |f: &str| -> &'static str { tier_field(i, f == "discount_bp") };
        if !(1..=MAX_QUANTITY).contains(&t.min_quantity) {
            let v = t.min_quantity.to_string();
            errors.push(FieldError::new(at("min_quantity"), &v, "out_of_range", msg!("pool_range", 1, MAX_QUANTITY)));
        }
        if !(1..WHOLE_BP).contains(&t.discount_bp) {
            let v = t.discount_bp.to_string();
            errors.push(FieldError::new(at("discount_bp"), &v, "out_of_range", msg!("pool_range", 1, WHOLE_BP - 1)));
        }
        if let Some(l) = last
            && (t.min_quantity <= l.min_quantity || t.discount_bp < l.discount_bp)
        {
            errors.push(FieldError::new(
                at("min_quantity"),
                &t.min_quantity.to_string(),
                "out_of_order",
                msg!("pool_tier_order"),
            ));
        }
        last = Some(*t);
    }
    let fee_fen = range(&mut errors, "fee_fen", p.fee_fen, 0, MAX_FEN);
    let pricing = match (p.series, p.fixed_price_fen) {
        (Some(_), Some(_)) | (None, None) => {
            errors.push(FieldError::new("series_id", "", "one_of", msg!("pool_pricing")));
            None
        }
        (None, Some(price)) => {
            if p.base_price_fen.is_some() || p.base_date.is_some() {
                errors.push(FieldError::new("base_price_fen", "", "not_allowed", msg!("pool_base_only_index")));
            }
            Some(Pricing::Fixed { price_fen: range(&mut errors, "fixed_price_fen", price, 1, MAX_FEN) })
        }
        (Some((series, SeriesKind::Money)), None) => {
            if p.base_price_fen.is_some() || p.base_date.is_some() {
                errors.push(FieldError::new("base_price_fen", "", "not_allowed", msg!("pool_base_only_index")));
            }
            Some(Pricing::Quoted { series })
        }
        (Some((series, SeriesKind::Index)), None) => match (p.base_price_fen, p.base_date) {
            (Some(price), Some(day)) => {
                let base_price_fen = range(&mut errors, "base_price_fen", price, 1, MAX_FEN);
                date(&mut errors, "base_date", day).map(|base_date| Pricing::Indexed {
                    series,
                    base_price_fen,
                    base_date,
                })
            }
            (None, _) => {
                errors.push(FieldError::new("base_price_fen", "", "required", msg!("pool_base_needed")));
                None
            }
            (_, None) => {
                errors.push(FieldError::new("base_date", "", "required", msg!("pool_base_needed")));
                None
            }
        },
    };
    let settlement_date = p
        .settlement_date
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|d| date(&mut errors, "settlement_date", d));
    if p.deadline_ms <= now_ms {
        errors.push(FieldError::new("deadline", "", "in_the_past", msg!("pool_deadline_ahead")));
    }
    let min_total = range(&mut errors, "min_total", p.min_total, 0, MAX_QUANTITY);
    let cap = p.cap.map(|c| range(&mut errors, "cap", c, lot_size.max(1), MAX_QUANTITY));
    if let Some(c) = cap
        && c < min_total
    {
        errors.push(FieldError::new("cap", &c.to_string(), "below_minimum", msg!("pool_cap_below_min")));
    }
    let delivery_from = date(&mut errors, "delivery_from", p.delivery_from);
    let delivery_to = date(&mut errors, "delivery_to", p.delivery_to);
    if let (Some(f), Some(t)) = (delivery_from, delivery_to)
        && t < f
    {
        errors.push(FieldError::new("delivery_to", p.delivery_to, "before_start", msg!("pool_delivery_order")));
    }
    if let Some(s) = p.supplier_org
        && s < 1
    {
        errors.push(FieldError::new("supplier_org", &s.to_string(), "out_of_range", msg!("pool_range", 1, i64::MAX)));
    }
    match (tier_mode, pricing, delivery_from, delivery_to) {
        (Some(tier_mode), Some(pricing), Some(delivery_from), Some(delivery_to)) if errors.is_empty() => {
            Ok(PoolRecord {
                spec,
                category,
                unit,
                lot_size,
                tier_mode,
                tiers: p.tiers.clone(),
                pricing,
                fee_fen,
                settlement_date,
                deadline_ms: p.deadline_ms,
                min_total,
                cap,
                delivery_from,
                delivery_to,
                supplier_org: p.supplier_org,
            })
        }
        _ => Err(errors),
    }
}

/// Checks a commitment's quantity against the pool: whole lots, within bounds. Zero is a
/// withdrawal, said by its own route, so it is refused here.
pub fn check_quantity(quantity: i64, lot_size: i64) -> Result<i64, FieldError> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(FieldError::new(
            "quantity",
            &quantity.to_string(),
            "out_of_range",
            msg!("pool_range", 1, MAX_QUANTITY),
        ));
    }
    if quantity % lot_size != 0 {
        return Err(FieldError::new(
            "quantity",
            &quantity.to_string(),
            "not_whole_lots",
            msg!("pool_whole_lots", lot_size),
        ));
    }
    Ok(quantity)
}

/// The index of the highest tier `total` reaches, if any.
pub fn tier_reached(tiers: &[Tier], total: i64) -> Option<usize> {
    tiers.iter().rposition(|t| total >= t.min_quantity)
}

/// The series values a price is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The value used: the latest on or before the settlement day.
    pub value_milli: i64,
    #[serde(with = "day")]
    pub day: Date,
    /// For an index: its value on (or last before) the base date.
    pub base_value_milli: Option<i64>,
}

/// A pool's price as it was computed, stamped on every commitment: what went in, and what
/// came out, so that anyone can redo the sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub pricing: Pricing,
    pub reading: Option<Reading>,
    pub tier_mode: TierMode,
    /// The allocated total the tier was decided on.
    pub total: i64,
    /// The tier reached (its index), if any.
    pub tier: Option<usize>,
    /// The discount applied, in basis points: the tier's for all-units; for cumulative, the
    /// blended one rounded to a basis point, for reading only (the price is exact).
    pub discount_bp: i64,
    pub fee_fen: i64,
    /// Rounded half up to the fen once.
    pub unit_price_fen: i64,
    /// Whether the settlement day is still ahead (the price will be recomputed then).
    pub provisional: bool,
}

/// Rounds `num / den` (both ≥ 0, den > 0) half up.
fn half_up(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

/// The price before any discount, as a fraction of fen: (numerator, denominator).
fn list_price(pricing: &Pricing, reading: Option<&Reading>) -> Option<(i128, i128)> {
    match (*pricing, reading) {
        (Pricing::Fixed { price_fen }, _) => Some((price_fen as i128, 1)),
        // A value in thousandths of a yuan is a hundredth of it in fen: milli / 10 fen.
        (Pricing::Quoted { .. }, Some(r)) => Some((r.value_milli as i128, 10)),
        (Pricing::Indexed { base_price_fen, .. }, Some(r)) => {
            let base = r.base_value_milli.filter(|b| *b > 0)?;
            Some((base_price_fen as i128 * r.value_milli as i128, base as i128))
        }
        _ => None,
    }
}

/// The unit price a pool's `total` earns under `pricing` with the series `reading`; None
/// when the pool is pegged to a series that has no value to read yet.
pub fn settle(
    pricing: &Pricing,
    reading: Option<Reading>,
    tier_mode: TierMode,
    tiers: &[Tier],
    fee_fen: i64,
    total: i64,
    provisional: bool,
) -> Option<Stamp> {
    let (num, den) = list_price(pricing, reading.as_ref())?;
    let tier = tier_reached(tiers, total);
    let (keep_num, keep_den, discount_bp) = match (tier_mode, tier) {
        (_, None) => (WHOLE_BP as i128, WHOLE_BP as i128, 0),
        (TierMode::AllUnits, Some(i)) => {
            let d = tiers[i].discount_bp;
            ((WHOLE_BP - d) as i128, WHOLE_BP as i128, d)
        }
        (TierMode::Cumulative, Some(_)) => {
            // Each band of the total (the part above a threshold, up to the next) at its
            // tier's discount; the part below the first threshold at none.
            let mut kept: i128 = 0;
            let mut below = total;
            for t in tiers.iter().rev() {
                if below > t.min_quantity {
                    kept += (below - t.min_quantity) as i128 * (WHOLE_BP - t.discount_bp) as i128;
                    below = t.min_quantity;
                }
            }
            kept += below as i128 * WHOLE_BP as i128;
            let whole = total as i128 * WHOLE_BP as i128;
            let blended = half_up((whole - kept) * WHOLE_BP as i128, whole) as i64;
            (kept, whole, blended)
        }
    };
    let unit = half_up(num * keep_num, den * keep_den) as i64 + fee_fen;
    Some(Stamp {
        pricing: *pricing,
        reading,
        tier_mode,
        total,
        tier,
        discount_bp,
        fee_fen,
        unit_price_fen: unit,
        provisional,
    })
}

pub use crate::money::yuan;

/// A basis-point discount as a percentage: 350 → "3.5%".
pub fn percent(bp: i64) -> String {
    let whole = bp / 100;
    let frac = format!("{:02}", bp % 100);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{whole}%") } else { format!("{whole}.{frac}%") }
}

impl Stamp {
    /// The formula with the numbers that went in, in `lang`: what a firm reads next to its
    /// price, enough to redo the sum.
    pub fn formula(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let discount = percent(self.discount_bp);
        let fee = yuan(self.fee_fen);
        let unit = yuan(self.unit_price_fen);
        let read = |r: &Reading| grouped_value(r.value_milli);
        match (self.pricing, self.reading) {
            (Pricing::Fixed { price_fen }, _) => {
                format!("{} × (1 − {discount}) + {fee} = {unit}", yuan(price_fen))
            }
            (Pricing::Quoted { .. }, Some(r)) => {
                let on = if zh { format!("（{} 值）", r.day) } else { format!(" (value of {})", r.day) };
                format!("{}{on} × (1 − {discount}) + {fee} = {unit}", read(&r))
            }
            (Pricing::Indexed { base_price_fen, base_date, .. }, Some(r)) => {
                let base = r.base_value_milli.map(grouped_value).unwrap_or_default();
                let on =
                    if zh { format!("（{} / {base_date}）", r.day) } else { format!(" ({} / {base_date})", r.day) };
                format!("{} × ({} ÷ {base}){on} × (1 − {discount}) + {fee} = {unit}", yuan(base_price_fen), read(&r))
            }
            _ => unit,
        }
    }
}

/// One firm's commitment as allocation reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub org: i64,
    pub quantity: i64,
    /// When the firm first committed (epoch ms): earlier commitments get leftover lots
    /// first among equal remainders.
    pub first_at: i64,
}

/// Shares a binding `cap` out among `commitments` (each a whole number of `lot` units).
/// Each firm first gets its pro-rata share rounded down to whole lots. The lots left go one
/// at a time, round after round, in a stated order — the largest cut-off remainder first,
/// then the earliest first commitment, then the lowest organisation id — to firms that
/// still have room. Nobody gets more than they committed and the sum never passes the cap;
/// what is left is less than one lot, or everyone is full. Without a cap, or when the
/// commitments fit under it, everyone gets what they committed.
pub fn allocate(commitments: &[Committed], cap: Option<i64>, lot: i64) -> Vec<i64> {
    let total: i64 = commitments.iter().map(|c| c.quantity).sum();
    let cap = match cap {
        Some(c) if c < total => c,
        _ => return commitments.iter().map(|c| c.quantity).collect(),
    };
    let lot = lot.max(1);
    let (cap128, total128, lot128) = (cap as i128, total as i128, lot as i128);
    let mut out = Vec::with_capacity(commitments.len());
    let mut remainders = Vec::with_capacity(commitments.len());
    for (i, c) in commitments.iter().enumerate() {
        let exact = c.quantity as i128 * cap128; // the share × total
        let lots = exact / (total128 * lot128);
        let share = (lots * lot128) as i64;
        out.push(share.min(c.quantity));
        remainders.push((exact - lots * lot128 * total128, i));
    }
    remainders.sort_by(|a, b| {
        let (ca, cb) = (&commitments[a.1], &commitments[b.1]);
        b.0.cmp(&a.0).then(ca.first_at.cmp(&cb.first_at)).then(ca.org.cmp(&cb.org))
    });
    let mut left = cap - out.iter().sum::<i64>();
    loop {
        let mut gave = false;
        for &(_, i) in &remainders {
            if left < lot {
                return out;
            }
            if out[i] + lot <= commitments[i].quantity {
                out[i] += lot;
                left -= lot;
                gave = true;
            }
        }
        if !gave {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn tiers() -> Vec<Tier> {
        vec![Tier { min_quantity: 50, discount_bp: 200 }, Tier { min_quantity: 200, discount_bp: 350 }]
    }

    fn adc12(value_yuan: i64) -> Option<Reading> {
        Some(Reading { value_milli: value_yuan * 1000, day: date!(2026 - 11 - 27), base_value_milli: None })
    }

    #[test]
    fn an_all_units_tier_discounts_every_unit_and_rounds_once() {
        let quoted = Pricing::Quoted { series: 1 };
        // 20,150 元/吨 × (1 − 3.5 %) = 19,444.75 元/吨 exactly; + 12 元 fee.
        let s = settle(&quoted, adc12(20_150), TierMode::AllUnits, &tiers(), 1200, 240, false).unwrap();
        assert_eq!((s.tier, s.discount_bp, s.unit_price_fen), (Some(1), 350, 1_944_475 + 1200));
        // Below the first tier, no discount.
        let s = settle(&quoted, adc12(20_150), TierMode::AllUnits, &tiers(), 0, 49, false).unwrap();
        assert_eq!((s.tier, s.unit_price_fen), (None, 2_015_000));
        // Half a fen rounds up: 0.333 元 × 0.98 = 0.32634 元 → 32.634 fen → 33 fen.
        let tiny = Some(Reading { value_milli: 333, day: date!(2026 - 11 - 27), base_value_milli: None });
        assert_eq!(settle(&quoted, tiny, TierMode::AllUnits, &tiers(), 0, 60, false).unwrap().unit_price_fen, 33);
        let half = Some(Reading { value_milli: 125, day: date!(2026 - 11 - 27), base_value_milli: None });
        // 0.125 元 = 12.5 fen → 13.
        assert_eq!(settle(&quoted, half, TierMode::AllUnits, &[], 0, 1, false).unwrap().unit_price_fen, 13);
    }

    #[test]
    fn a_cumulative_tier_prices_each_band_and_everyone_pays_the_blend() {
        let fixed = Pricing::Fixed { price_fen: 10_000 };
        // 250 t: 50 at full, 150 at −2 %, 50 at −3.5 % → (50×10000 + 150×9800 + 50×9650)/250
        // = 9,810 fen.
        let s = settle(&fixed, None, TierMode::Cumulative, &tiers(), 0, 250, false).unwrap();
        assert_eq!(s.unit_price_fen, 9_810);
        assert_eq!(s.discount_bp, 190);
        // Exactly at a threshold nothing is above it yet.
        let s = settle(&fixed, None, TierMode::Cumulative, &tiers(), 0, 50, false).unwrap();
        assert_eq!(s.unit_price_fen, 10_000);
    }

    #[test]
    fn an_index_prices_against_its_base() {
        let indexed = Pricing::Indexed { series: 2, base_price_fen: 1_000_000, base_date: date!(2026 - 01 - 05) };
        // 10,000 元 × (104.5 ÷ 100) × (1 − 2 %) = 10,241 元.
        let r = Reading { value_milli: 104_500, day: date!(2026 - 11 - 23), base_value_milli: Some(100_000) };
        let s = settle(&indexed, Some(r), TierMode::AllUnits, &tiers(), 0, 60, true).unwrap();
        assert_eq!(s.unit_price_fen, 1_024_100);
        assert!(s.provisional);
        assert_eq!(
            s.formula(Lang::En),
            "10,000.00 × (104.5 ÷ 100) (2026-11-23 / 2026-01-05) × (1 − 2%) + 0.00 = 10,241.00"
        );
        // Without a value there is no price yet.
        assert_eq!(settle(&indexed, None, TierMode::AllUnits, &tiers(), 0, 60, false), None);
    }

    #[test]
    fn values_are_read_exactly_and_shown_as_written() {
        assert_eq!(parse_value("20150.5"), Some(20_150_500));
        assert_eq!(parse_value("20,150"), Some(20_150_000));
        assert_eq!(parse_value("102.345"), Some(102_345));
        for bad in ["", "-3", "0", "1.2345", "1e5", "abc", ".5", "99999999999999"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
        assert_eq!(show_value(20_150_500), "20150.5");
        assert_eq!(show_value(100_000), "100");
        assert_eq!(grouped_value(20_150_500), "20,150.5");
        assert_eq!(grouped_value(999_000), "999");
        assert_eq!(yuan(1_944_475), "19,444.75");
        assert_eq!(percent(350), "3.5%");
    }

    #[test]
    fn a_price_sheet_row_creates_its_series_or_names_each_bad_cell() {
        let cells = |pairs: &[(&'static str, &str)]| {
            crate::sheet::Cells::from_pairs(pairs.iter().map(|(k, v)| (*k, Some(v.to_string()))))
        };
        let full = cells(&[
            ("code", "ADC12"),
            ("date", "2026-11-23"),
            ("value", "20,150"),
            ("name_zh", "ADC12 铝合金锭"),
            ("name_en", "ADC12 ingot"),
            ("unit", "元/吨"),
            ("kind", "money"),
            ("source", "长江有色"),
            ("frequency", "weekly"),
        ]);
        let row = price_from_cells(&full).unwrap();
        assert_eq!((row.value_milli, row.series.map(|s| s.kind)), (20_150_000, Some(SeriesKind::Money)));
        let bare = price_from_cells(&cells(&[("code", "ADC12"), ("date", "2026-11-30"), ("value", "20200")])).unwrap();
        assert_eq!(bare.series, None);
        let bad =
            price_from_cells(&cells(&[("code", "ADC12"), ("date", "2026-13-01"), ("value", "-1"), ("kind", "stock")]))
                .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
        for f in ["date", "value", "kind", "name_zh"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let back = price_to_row(&price_from_cells(&full).unwrap().series.unwrap(), date!(2026 - 11 - 23), 20_150_000);
        assert_eq!(back[2], "20150");
    }

    #[test]
    fn a_pool_names_every_broken_term() {
        let p = PoolInput {
            spec: "",
            category: "materials.nothing",
            unit: "t",
            lot_size: 5,
            tiers: vec![Tier { min_quantity: 200, discount_bp: 350 }, Tier { min_quantity: 50, discount_bp: 200 }],
            series: Some((1, SeriesKind::Index)),
            deadline_ms: 10,
            delivery_from: "2027-01-10",
            delivery_to: "2027-01-01",
            cap: Some(10),
            min_total: 100,
            ..Default::default()
        };
        let errs = check_pool(&p, 1_000).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        for f in ["spec", "category", "tiers/1/min_quantity", "base_price_fen", "deadline", "cap", "delivery_to"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert_eq!(check_quantity(12, 5).unwrap_err().code, "not_whole_lots");
        assert_eq!(check_quantity(15, 5), Ok(15));
    }

    #[test]
    fn a_binding_cap_is_shared_pro_rata_in_lots_with_remainders_in_order() {
        let c = |org, quantity, first_at| Committed { org, quantity, first_at };
        // 100 + 60 + 40 = 200 against a cap of 150, lots of 10: shares 75, 45, 30 → 70, 40,
        // 30; 10 left goes to the largest remainder (5 each for the first two: the earlier
        // first commitment wins).
        let got = allocate(&[c(1, 100, 20), c(2, 60, 10), c(3, 40, 30)], Some(150), 10);
        assert_eq!(got, vec![70, 50, 30]);
        // Under the cap, everyone gets all.
        assert_eq!(allocate(&[c(1, 100, 0), c(2, 60, 0)], Some(500), 10), vec![100, 60]);
        assert_eq!(allocate(&[c(1, 100, 0)], None, 10), vec![100]);
    }

    proptest! {
        #[test]
        fn allocation_never_passes_the_cap_nor_what_anyone_committed(
            lot in 1i64..20,
            lots in proptest::collection::vec((1i64..200, 0i64..1000), 1..30),
            cap_share in 0.0f64..1.2,
        ) {
            let commitments: Vec<Committed> = lots
                .iter()
                .enumerate()
                .map(|(i, (n, at))| Committed { org: i as i64 + 1, quantity: n * lot, first_at: *at })
                .collect();
            let total: i64 = commitments.iter().map(|c| c.quantity).sum();
            let cap = ((total as f64 * cap_share) as i64).max(lot);
            let got = allocate(&commitments, Some(cap), lot);
            let sum: i64 = got.iter().sum();
            prop_assert!(sum <= cap.max(0).min(total) || (total <= cap && sum == total));
            for (g, c) in got.iter().zip(&commitments) {
                prop_assert!(*g >= 0 && *g <= c.quantity);
                prop_assert_eq!(g % lot, 0);
            }
            let everyone_full = got.iter().zip(&commitments).all(|(g, c)| *g == c.quantity);
            prop_assert!(everyone_full || cap - sum < lot, "left {} with a lot of {}", cap - sum, lot);
            // The same pool allocates the same way, whatever order the rows come in.
            let mut reversed = commitments.clone();
            reversed.reverse();
            let mut again = allocate(&reversed, Some(cap), lot);
            again.reverse();
            prop_assert_eq!(again, got);
        }
    }
}

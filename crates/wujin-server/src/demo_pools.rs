//! The demo's group purchase: two years of weekly price series (the 中国·永康五金指数 composite
//! in points around 100, ADC12 aluminium alloy ingot around 20,000 元/吨 and 304 stainless
//! cold-rolled coil around 14,000 元/吨), and three pools — one open with commitments, one
//! closed and allocated under a binding cap, one failed below its minimum.
//!
//! The series move smoothly (two slow waves and a gentle drift, computed, not drawn at
//! random), so the demo looks the same on every machine and nobody mistakes it for data.

use time::{Date, Duration, Weekday};
use wujin_domain::pool::{PoolInput, SeriesInput, Tier, check_pool, check_series};
use wujin_store::Store;

use crate::cli::Failure;
use crate::demo_people::fail;

/// The series: code, names, unit, kind, source, and the level it moves around (thousandths).
const SERIES: [(&str, &str, &str, &str, &str, &str, i64); 3] = [
    (
        "YK-HWI",
        "中国·永康五金指数（价格指数）",
        "China Yongkang hardware price index",
        "点",
        "index",
        "中国科技五金城",
        100_000,
    ),
    ("ADC12", "ADC12 铝合金锭", "ADC12 aluminium alloy ingot", "元/吨", "money", "长江有色金属现货", 20_000_000),
    (
        "SS304-CR",
        "304 不锈钢冷轧卷（2.0mm）",
        "304 stainless cold-rolled coil (2.0 mm)",
        "元/吨",
        "money",
        "无锡不锈钢现货",
        14_000_000,
    ),
];

/// The Mondays of the last two years, oldest first, ending on the last one on or before
/// `today`.
fn mondays(today: Date) -> Vec<Date> {
    let back = today.weekday().number_days_from_monday() as i64;
    let last = today - Duration::days(back);
    (0..104).rev().map(|w| last - Duration::weeks(w)).filter(|d| d.weekday() == Weekday::Monday).collect()
}

/// A plausible weekly value around `level` in week `w` (thousandths, rounded to the unit's
/// usual precision: a tenth of a point, ten yuan).
fn value(level: i64, w: usize, index: bool) -> i64 {
    let t = w as f64;
    let swing = 0.035 * (t / 9.0).sin() + 0.012 * (t / 2.7).sin() + 0.0004 * t;
    let v = level as f64 * (1.0 + swing);
    let step = if index { 100.0 } else { 10_000.0 };
    ((v / step).round() * step) as i64
}

/// Writes the series and the pools. `admin` publishes the series; `flask` (its owner
/// `buyer`) and `caster` (its owner `caster_p`) organise and commit; `others` are more
/// firms that commit (acting through `admin`).
pub async fn load(
    store: &Store,
    admin: i64,
    (flask, buyer): (i64, i64),
    (caster, caster_p): (i64, i64),
    others: &[i64],
) -> Result<(), Failure> {
    let s = store;
    let today = wujin_store::ties::today();
    let actor = format!("account:{admin}");
    let mut ids = vec![];
    for (code, zh, en, unit, kind, source, level) in SERIES {
        let input = SeriesInput { code, name_zh: zh, name_en: en, unit, kind, source, frequency: "weekly" };
        let record = check_series(&input).map_err(|e| fail(format!("{e:?}")))?;
        let written = s.put_series(&record, true, &actor).await.map_err(fail)?.ok_or_else(|| fail("series"))?;
        let id = match written {
            wujin_store::prices::SeriesWrite::Created(x) | wujin_store::prices::SeriesWrite::Updated(x) => x.id,
        };
        let values: Vec<(Date, i64)> =
            mondays(today).into_iter().enumerate().map(|(w, d)| (d, value(level, w, kind == "index"))).collect();
        s.put_values(id, &values, &actor).await.map_err(fail)?;
        ids.push(id);
    }
    let (_index, adc12, ss304) = (ids[0], ids[1], ids[2]);
    let now = wujin_store::now_ms();
    const DAY: i64 = 86_400_000;
    let day = |n: i64| (today + Duration::days(n)).to_string();
    let tiers = vec![Tier { min_quantity: 50, discount_bp: 200 }, Tier { min_quantity: 200, discount_bp: 350 }];
    let pool = |spec: &'static str, category: &'static str, series: i64, deadline_ms: i64| PoolInput {
        spec,
        category,
        unit: "t",
        lot_size: 5,
        tiers: tiers.clone(),
        series: Some((series, wujin_domain::pool::SeriesKind::Money)),
        fee_fen: 3000,
        deadline_ms,
        min_total: 50,
        ..Default::default()
    };
    let (from, to) = (day(20), day(45));

    // Open: ADC12 for the die-casters, organised by the caster, the flask maker in too.
    let mut open = pool("ADC12 铝锭 国标 GB/T 8733", "materials.aluminium_ingot", adc12, now + 9 * DAY);
    (open.delivery_from, open.delivery_to, open.cap) = (&from, &to, Some(400));
    let open = check_pool(&open, now).map_err(|e| fail(format!("{e:?}")))?;
    let open = s.create_pool(caster, caster_p, &open).await.map_err(fail)?.id;
    s.commit_to_pool(open, caster, caster_p, 60).await.map_err(fail)?;
    s.commit_to_pool(open, flask, buyer, 25).await.map_err(fail)?;
    if let Some(&other) = others.first() {
        s.commit_to_pool(open, other, admin, 40).await.map_err(fail)?;
    }

    // Allocated: 304 coil for the cup makers, a cap of 200 t binding, priced on the close.
    let mut done = pool("304 不锈钢冷轧卷 2.0mm", "materials.stainless_coil", ss304, now + DAY);
    (done.delivery_from, done.delivery_to, done.cap, done.tier_mode) = (&from, &to, Some(200), Some("cumulative"));
    let done = check_pool(&done, now).map_err(|e| fail(format!("{e:?}")))?;
    let done = s.create_pool(flask, buyer, &done).await.map_err(fail)?.id;
    s.commit_to_pool(done, flask, buyer, 120).await.map_err(fail)?;
    for (n, &other) in others.iter().enumerate() {
        s.commit_to_pool(done, other, admin, 35 + 10 * n as i64).await.map_err(fail)?;
    }
    s.backdate_pool(done, now - 1).await.map_err(fail)?;
    s.close_pool(done, now, today).await.map_err(fail)?;

    // Failed: a small aluminium pool that did not reach its minimum.
    let mut failed = pool("ADC12 铝锭 小批量拼单", "materials.aluminium_ingot", adc12, now + DAY);
    (failed.delivery_from, failed.delivery_to, failed.min_total) = (&from, &to, 100);
    let failed = check_pool(&failed, now).map_err(|e| fail(format!("{e:?}")))?;
    let failed = s.create_pool(caster, caster_p, &failed).await.map_err(fail)?.id;
    s.commit_to_pool(failed, caster, caster_p, 20).await.map_err(fail)?;
    s.backdate_pool(failed, now - 1).await.map_err(fail)?;
    s.close_pool(failed, now, today).await.map_err(fail)?;
    Ok(())
}

/// Capacity processes of the demo's machines: category, the machine's name and process.
const MACHINES: [(&str, &str, &str); 10] = [
    ("cap.die_casting", "压铸岛", "压铸 800 T"),
    ("cap.stamping", "冲压线", "冲压 315 T"),
    ("cap.deep_drawing", "拉伸机", "拉伸 200 T"),
    ("cap.vacuum_evacuation", "抽真空线", "真空杯抽真空 8 工位"),
    ("cap.laser_welding", "激光焊机", "激光焊 2 kW"),
    ("cap.injection_moulding", "注塑机", "注塑 380 T"),
    ("cap.cnc_machining", "加工中心", "CNC 立式加工中心"),
    ("cap.polishing", "抛光线", "自动抛光 6 轴"),
    ("cap.spray_coating", "喷涂线", "静电喷涂"),
    ("cap.heat_treatment", "热处理炉", "网带炉 热处理"),
];

/// Thirty-two machines of the firms offering that capacity (the die-caster's first): six
/// firms' for each of the first three processes, so that the office's idle-capacity figures
/// pass the small-cell rule there, and two firms' for each of the other seven; with open
/// hours, setup times, maintenance, and the cup maker's bookings in every state.
pub async fn load_machines(
    store: &Store,
    (flask, buyer): (i64, i64),
    (caster, caster_p): (i64, i64),
) -> Result<(), Failure> {
    use wujin_domain::capacity::{BookingState, HOLD_MS, block, check_machine};
    use wujin_store::capacity::{Booked, BookingRequest};
    let s = store;
    let day_shift: Vec<String> =
        ["08:00-20:00", "08:00-20:00", "08:00-20:00", "08:00-20:00", "08:00-20:00", "08:00-12:00", ""]
            .map(String::from)
            .to_vec();
    let round_the_clock: Vec<String> = vec!["00:00-24:00".into(); 6].into_iter().chain([String::new()]).collect();
    let mut machines = vec![];
    for (n, (category, name, process)) in MACHINES.iter().enumerate() {
        let f = wujin_store::orgs::OrgFilter { categories: Some(vec![category.to_string()]), ..Default::default() };
        let per = if n < 3 { 6 } else { 2 };
        let (orgs, _) = s.list_orgs(&f, None, per as i64 + 2).await.map_err(fail)?;
        let mut owners: Vec<i64> = orgs.iter().map(|o| o.id).filter(|o| *o != flask && *o != caster).collect();
        if n == 0 {
            owners.insert(0, caster);
        }
        for (k, org) in owners.into_iter().take(per).enumerate() {
            let hours = if n % 3 == 0 { &round_the_clock } else { &day_shift };
            let record = check_machine(&format!("{name} {}号", k + 1), process, hours, 30 * (n as i64 % 3), None)
                .map_err(|e| fail(format!("{e:?}")))?;
            let by = if org == caster { caster_p } else { buyer };
            // Offered under the firm's capacity offer of that process, when it has one: the
            // search then finds it by its free windows.
            let of = wujin_store::offers::OfferFilter {
                org_id: Some(org),
                categories: Some(vec![category.to_string()]),
                ..Default::default()
            };
            let offer = s.list_offers(&of, None, 1).await.map_err(fail)?.0.first().map(|o| o.id);
            machines.push((s.create_machine(org, offer, by, &record).await.map_err(fail)?, org == caster));
        }
    }
    // The cup maker's bookings on the die-caster's machine and a few others, next week.
    let monday = {
        let today = wujin_store::ties::today();
        let mut d = today + Duration::days(1);
        while d.weekday() != Weekday::Monday {
            d += Duration::days(1);
        }
        let t = d.with_hms(0, 0, 0).map_err(fail)?.assume_offset(time::UtcOffset::from_hms(8, 0, 0).map_err(fail)?);
        (t.unix_timestamp_nanos() / 1_000_000) as i64
    };
    const HOUR: i64 = 3_600_000;
    let plan: [(usize, i64, i64, Option<BookingState>); 6] = [
        (0, 8, 6, Some(BookingState::Confirmed)),
        (0, 24 + 9, 4, None),
        (0, 48 + 10, 3, Some(BookingState::Declined)),
        (0, 72 + 8, 8, Some(BookingState::Cancelled)),
        (2, 8, 10, Some(BookingState::Confirmed)),
        (4, 24 + 13, 5, None),
    ];
    for (i, from_h, hours, then) in plan {
        let Some((m, _)) = machines.get(i) else { continue };
        let start = monday + from_h * HOUR;
        let end = start + hours * HOUR;
        let r = BookingRequest {
            machine_id: m.id,
            org_id: flask,
            by: buyer,
            start_ms: start,
            end_ms: end,
            block_end_ms: block(&m.record.calendar, start, end).1,
            quantity: Some(2000),
            material: "ADC12".into(),
            notes: "杯盖外壳，模具自带".into(),
        };
        let Booked::Done(b) = s.request_booking(&r, HOLD_MS).await.map_err(fail)? else { continue };
        let who = if m.org_id == caster { caster_p } else { buyer };
        match then {
            Some(BookingState::Cancelled) => {
                s.move_booking(b.id, BookingState::Requested, BookingState::Cancelled, Some("订单推迟"), buyer)
                    .await
                    .map_err(fail)?;
            }
            Some(to) => {
                s.move_booking(b.id, BookingState::Requested, to, None, who).await.map_err(fail)?;
            }
            None => {}
        }
    }
    // Steady work for the other firms' machines over the next eight weeks, booked by each
    // other: most weekdays a confirmed run of four to eight hours from 08:00, so that the
    // office sees machines neither idle nor full.
    for (i, (m, of_caster)) in machines.iter().enumerate() {
        let requester = machines[(i + 1) % machines.len()].0.org_id;
        // The demo people's firms stay out of it: their inboxes tell their own stories.
        if *of_caster || requester == m.org_id || requester == caster || requester == flask {
            continue;
        }
        for week in 0..8_i64 {
            for day in 0..5_i64 {
                let roll = (i as i64 * 31 + week * 7 + day * 3) % 9;
                if roll < 3 {
                    continue;
                }
                let start = monday + (week * 7 + day) * 24 * HOUR + 8 * HOUR;
                let end = start + (roll - 1) * HOUR;
                let r = BookingRequest {
                    machine_id: m.id,
                    org_id: requester,
                    by: buyer,
                    start_ms: start,
                    end_ms: end,
                    block_end_ms: block(&m.record.calendar, start, end).1,
                    quantity: None,
                    material: String::new(),
                    notes: String::new(),
                };
                if let Booked::Done(b) = s.request_booking(&r, HOLD_MS).await.map_err(fail)? {
                    s.move_booking(b.id, BookingState::Requested, BookingState::Confirmed, None, buyer)
                        .await
                        .map_err(fail)?;
                }
            }
        }
    }
    if let Some((m, _)) = machines.first() {
        s.add_maintenance(m.id, monday + 4 * 24 * HOUR, monday + 4 * 24 * HOUR + 8 * HOUR, "模具保养", caster_p)
            .await
            .map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_series_are_two_years_of_mondays_moving_a_few_per_cent() {
        let today = time::macros::date!(2026 - 11 - 30);
        let weeks = mondays(today);
        assert_eq!(weeks.len(), 104);
        assert_eq!(weeks.last(), Some(&today));
        let values: Vec<i64> = (0..104).map(|w| value(20_000_000, w, false)).collect();
        let (lo, hi) = (values.iter().min().unwrap(), values.iter().max().unwrap());
        assert!(*lo > 18_500_000 && *hi < 22_000_000, "{lo}..{hi}");
        assert!(values.iter().all(|v| v % 10_000 == 0), "whole ten yuan");
    }
}

//! The cluster's idle machine capacity, as the office's page and API show it: the store's
//! machines with their calendars and bookings in, [`wujin_insight::idle`]'s grids out.
//!
//! A machine's week counts its open hours (its calendar) and its free hours (open, less
//! maintenance, less the blocks of standing bookings with their setup time): the same
//! windows a firm sees on the machine's page. A machine counts under the process of the
//! capacity offer it is offered under, or else the process its own description names.

use time::{Date, Duration, Weekday};
use wujin_domain::capacity::{Calendar, free_windows};
use wujin_domain::{Lang, Taxonomy};
use wujin_insight::idle::{Grid, MachineWeek, grid};
use wujin_store::capacity::MachineTime;
use wujin_store::{Store, StoreError};

/// The most weeks the office looks ahead: as far as the search index knows free windows.
pub const MAX_WEEKS: usize = 12;
/// Weeks shown unless asked.
pub const DEFAULT_WEEKS: usize = 8;
/// The most machines read (the cluster has hundreds; this bounds a request's work).
pub const MAX_MACHINES: i64 = 20_000;

const DAY_MS: i64 = 86_400_000;
const CST_MS: i64 = 8 * 3_600_000;

/// The Monday of `day`'s week.
pub fn monday_of(day: Date) -> Date {
    day - Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

/// Local midnight of `day` in the cluster, as epoch ms.
fn start_of(day: Date) -> i64 {
    (day.midnight().assume_utc().unix_timestamp() * 1000) - CST_MS
}

/// The taxonomy process a machine counts under ("" when none is known).
pub fn process_of(t: &MachineTime) -> String {
    let tax = Taxonomy::get();
    if let Some(p) = t.category.as_deref().and_then(|c| tax.category(c)).and_then(|c| c.process.clone()) {
        return p;
    }
    let words = wujin_match::Words::shared().terms(&format!("{} {}", t.machine.record.process, t.machine.record.name));
    words.iter().find_map(|w| tax.process(w)).map(|p| p.code.clone()).unwrap_or_default()
}

fn minutes(windows: &[(i64, i64)]) -> i64 {
    windows.iter().map(|w| (w.1 - w.0) / 60_000).sum()
}

/// Each machine's weeks from `first` (a Monday), `n` of them, with the column each falls in
/// named by `column(week index, machine)`.
fn weeks_of(
    times: &[MachineTime],
    first: Date,
    n: usize,
    column: impl Fn(usize, &MachineTime) -> String,
) -> Vec<MachineWeek> {
    let mut out = vec![];
    for t in times {
        let process = process_of(t);
        let cal = &t.machine.record.calendar;
        let open_only = Calendar { maintenance: vec![], ..cal.clone() };
        for w in 0..n {
            let from = start_of(first) + w as i64 * 7 * DAY_MS;
            let to = from + 7 * DAY_MS;
            out.push(MachineWeek {
                org: t.machine.org_id,
                machine: t.machine.id,
                process: process.clone(),
                column: column(w, t),
                open_minutes: minutes(&free_windows(&open_only, &[], from, to)),
                idle_minutes: minutes(&free_windows(cal, &t.blocks, from, to)),
            });
        }
    }
    out
}

/// The office's two grids: free hours per process week by week from `first` (a Monday),
/// and per process and town in week `week` (a Monday among them).
pub struct IdleView {
    pub weeks: Vec<Date>,
    pub week: Date,
    pub by_week: Grid,
    pub by_town: Grid,
}

pub async fn idle(store: &Store, first: Date, n: usize, week: Date) -> Result<IdleView, StoreError> {
    let weeks: Vec<Date> = (0..n).map(|w| first + Duration::weeks(w as i64)).collect();
    let from = start_of(first);
    let to = from + n as i64 * 7 * DAY_MS;
    let times = store.all_machine_times(from, to, wujin_store::now_ms(), MAX_MACHINES).await?;
    let labels: Vec<String> = weeks.iter().map(Date::to_string).collect();
    let by_week = grid(&weeks_of(&times, first, n, |w, _| labels[w].clone()), &labels);
    let town = |t: &MachineTime| t.town.clone().unwrap_or_default();
    let mut towns: Vec<String> = times.iter().map(town).collect();
    // Known towns in code order, the unknown one last.
    towns.sort_by_key(|t| (t.is_empty(), t.clone()));
    towns.dedup();
    let by_town = grid(&weeks_of(&times, week, 1, |_, t| town(t)), &towns);
    Ok(IdleView { weeks, week, by_week, by_town })
}

/// A process's name ("其他" / "Other" for none known).
pub fn process_name(code: &str, lang: Lang) -> String {
    match Taxonomy::get().process(code) {
        Some(p) if !code.is_empty() => p.name(lang).to_string(),
        _ => crate::pages::catalogue::text(lang, "group_unplaced", &[]),
    }
}

/// A town's name (the unplaced group for none).
pub fn town_name(code: &str, lang: Lang) -> String {
    match Taxonomy::get().town(code) {
        Some(t) if !code.is_empty() => t.name(lang).to_string(),
        _ => crate::pages::catalogue::text(lang, "group_unplaced", &[]),
    }
}

/// Reads the weeks asked for: `weeks` (1 to 12, 8 unless given) from this week's Monday,
/// and `week` (any day of one of them; this week unless given).
pub fn params(lang: Lang, p: &crate::api::params::Params) -> Result<(Date, usize, Date), crate::api::error::ApiError> {
    use wujin_domain::msg;
    let first = monday_of(wujin_store::ties::today());
    let n = match p.get("weeks").map(str::trim).filter(|v| !v.is_empty()) {
        None => DEFAULT_WEEKS,
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=MAX_WEEKS).contains(n)).ok_or_else(|| {
            crate::api::error::ApiError::bad(lang, "out_of_range", "weeks", msg!("whole_range", "weeks", 1, MAX_WEEKS))
        })?,
    };
    let week = match p.get("week").map(str::trim).filter(|v| !v.is_empty()) {
        None => first,
        Some(v) => {
            let bad = || {
                crate::api::error::ApiError::bad(lang, "out_of_range", "week", msg!("idle_week", first.to_string(), n))
            };
            let day = wujin_domain::tie::parse_date(v).ok_or_else(bad)?;
            let monday = monday_of(day);
            if monday < first || monday >= first + Duration::weeks(n as i64) {
                return Err(bad());
            }
            monday
        }
    };
    debug_assert_eq!(first.weekday(), Weekday::Monday);
    Ok((first, n, week))
}

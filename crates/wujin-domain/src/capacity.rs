//! Shared capacity (共享产能): a machine's calendar and the one booking engine. A machine is
//! open some hours on each weekday (in the cluster's time, UTC+8, which has no summer time),
//! has maintenance windows, and needs setup time after each booking before the next may
//! start. A booking occupies its machine from its start to its end plus the setup time: two
//! bookings clash when those blocks overlap. The store enforces that no two standing
//! bookings (requested or confirmed) of a machine clash; this module says whether a
//! requested window fits the calendar, what is free, and how a booking's state may change.
//!
//! Labs' weekly test capacity (the standards issue) books through the same engine.

use serde::{Deserialize, Serialize};

use crate::supervision::coded;
use crate::{FieldError, Lang, msg};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// The cluster's offset from UTC.
const CST: i64 = 8 * HOUR;
/// How long a request holds its window while the provider has not answered.
pub const HOLD_MS: i64 = 48 * HOUR;
/// The longest booking: two weeks.
pub const MAX_MINUTES: i64 = 14 * 24 * 60;
/// Bookings are whole quarters of an hour, from a quarter hour on.
pub const STEP_MINUTES: i64 = 15;

coded!(
    /// Where a booking stands. Requested and confirmed bookings hold their window.
    BookingState {
        Requested = "requested", "待确认", "Requested";
        Confirmed = "confirmed", "已确认", "Confirmed";
        Declined = "declined", "已拒绝", "Declined";
        Cancelled = "cancelled", "已取消", "Cancelled";
        Expired = "expired", "已过期", "Expired";
    }
);

impl BookingState {
    /// Whether the booking holds its window.
    pub fn standing(self) -> bool {
        matches!(self, BookingState::Requested | BookingState::Confirmed)
    }
}

/// Open hours of one weekday, in minutes from the local midnight: `[from, to)`; `to` may be
/// 1440 (open until midnight, so a booking may run on into the next day if that day opens
/// at 00:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub from: u16,
    pub to: u16,
}

/// A machine's calendar: open hours Monday first (None: closed), setup time, the notice the
/// requester must give to cancel, and maintenance windows (epoch ms, `[from, to)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub open: [Option<Hours>; 7],
    pub setup_minutes: i64,
    pub notice_hours: i64,
    #[serde(default)]
    pub maintenance: Vec<(i64, i64)>,
}

/// A machine as it is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineRecord {
    pub name: String,
    /// The process and its size, as the shop floor says it: 压铸 800 T.
    pub process: String,
    pub calendar: Calendar,
}

/// Why a window does not fit a machine's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misfit {
    /// Not whole quarters of an hour, or longer than two weeks.
    Length,
    /// It starts in the past.
    Past,
    /// Some of it falls outside the open hours.
    Closed,
    /// It overlaps a maintenance window.
    Maintenance,
}

impl Misfit {
    pub fn error(self) -> FieldError {
        match self {
            Misfit::Length => FieldError::new("hours", "", "out_of_range", msg!("booking_length", MAX_MINUTES / 60)),
            Misfit::Past => FieldError::new("start", "", "in_the_past", msg!("booking_past")),
            Misfit::Closed => FieldError::new("start", "", "closed", msg!("booking_closed")),
            Misfit::Maintenance => FieldError::new("start", "", "maintenance", msg!("booking_maintenance")),
        }
    }
}

/// Whether `[a0, a1)` and `[b0, b1)` overlap.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The local day index (days since the epoch, UTC+8) and minute of an instant.
fn local(ms: i64) -> (i64, i64) {
    let l = ms + CST;
    (l.div_euclid(DAY), l.rem_euclid(DAY) / MINUTE)
}

/// Monday = 0 for a local day index (1970-01-01 was a Thursday).
fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// The open periods of the local days that `[from, to)` touches, as instants.
fn open_periods(cal: &Calendar, from: i64, to: i64) -> Vec<(i64, i64)> {
    let (first, _) = local(from);
    let (last, _) = local(to);
    let mut out: Vec<(i64, i64)> = vec![];
    for day in first..=last {
        if let Some(h) = cal.open[weekday(day)] {
            let start = day * DAY - CST + h.from as i64 * MINUTE;
            let end = day * DAY - CST + h.to as i64 * MINUTE;
            // A period open until midnight joins the next one open from midnight.
            match out.last_mut() {
                Some(prev) if prev.1 == start => prev.1 = end,
                _ => out.push((start, end)),
            }
        }
    }
    out
}

/// Whether a booking of `minutes` from `start` fits the machine's calendar at `now`: whole
/// quarter hours, not in the past, inside one stretch of open hours, clear of maintenance.
pub fn fits(cal: &Calendar, start: i64, minutes: i64, now: i64) -> Result<(i64, i64), Misfit> {
    if !(STEP_MINUTES..=MAX_MINUTES).contains(&minutes)
        || minutes % STEP_MINUTES != 0
        || local(start).1 % STEP_MINUTES != 0
        || start % MINUTE != 0
    {
        return Err(Misfit::Length);
    }
    if start < now {
        return Err(Misfit::Past);
    }
    let end = start + minutes * MINUTE;
    if !open_periods(cal, start, end).iter().any(|p| p.0 <= start && end <= p.1) {
        return Err(Misfit::Closed);
    }
    if cal.maintenance.iter().any(|m| overlaps(*m, (start, end))) {
        return Err(Misfit::Maintenance);
    }
    Ok((start, end))
}

/// The block a booking holds: from its start to its end plus the setup time.
pub fn block(cal: &Calendar, start: i64, end: i64) -> (i64, i64) {
    (start, end + cal.setup_minutes * MINUTE)
}

/// The free windows of a machine within `[from, to)`: open hours, less maintenance, less the
/// blocks of standing bookings (each with its setup time). A window is where a booking could
/// start and run without clashing (setup is needed after a booking, so a window ends before
/// the next block starts less this booking's own setup time).
pub fn free_windows(cal: &Calendar, blocks: &[(i64, i64)], from: i64, to: i64) -> Vec<(i64, i64)> {
    let setup = cal.setup_minutes * MINUTE;
    let mut taken: Vec<(i64, i64)> = blocks.iter().map(|b| (b.0 - setup, b.1)).collect();
    taken.extend(cal.maintenance.iter().copied());
    taken.sort_unstable();
    let mut out = vec![];
    for (p0, p1) in open_periods(cal, from, to) {
        let mut cursor = p0.max(from);
        let end = p1.min(to);
        for t in &taken {
            if !overlaps(*t, (cursor, end)) {
                continue;
            }
            if t.0 > cursor {
                out.push((cursor, t.0.min(end)));
            }
            cursor = cursor.max(t.1);
        }
        if cursor < end {
            out.push((cursor, end));
        }
    }
    out
}

/// How far ahead the search index knows machines' free windows: twelve weeks.
pub const HORIZON_MS: i64 = 12 * 7 * DAY;

/// A capacity search's "free between these dates for at least this long in one window".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FreeAsk {
    /// Epoch ms, `[from, to)`.
    pub from: i64,
    pub to: i64,
    pub minutes: i64,
}

impl FreeAsk {
    /// Whether the free window `w` leaves at least the asked time inside `[from, to)`.
    pub fn admits(&self, w: (i64, i64)) -> bool {
        w.1.min(self.to) - w.0.max(self.from) >= self.minutes * MINUTE
    }
}

/// Who acts on a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The firm that asked for the time.
    Requester,
    /// The firm whose machine it is.
    Provider,
}

/// What someone does to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingAction {
    Confirm,
    Decline,
    Cancel,
}

/// Why a booking cannot take that step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingRefusal {
    /// The other side's step (a requester confirming).
    NotYours,
    /// Not from this state (confirming a cancelled booking; a request past its hold).
    State,
    /// The requester is inside the machine's notice before the start.
    Notice,
    /// The booking has started.
    Started,
}

impl BookingRefusal {
    pub fn code(self) -> &'static str {
        match self {
            BookingRefusal::NotYours => "not_your_step",
            BookingRefusal::State => "wrong_state",
            BookingRefusal::Notice => "inside_notice",
            BookingRefusal::Started => "started",
        }
    }

    pub fn message(self, lang: Lang) -> String {
        let m = match self {
            BookingRefusal::NotYours => msg!("booking_not_yours"),
            BookingRefusal::State => msg!("booking_wrong_state"),
            BookingRefusal::Notice => msg!("booking_notice"),
            BookingRefusal::Started => msg!("booking_started"),
        };
        crate::messages::domain().render(lang, &m)
    }
}

/// The one rule for a booking's state. The provider confirms or declines a request (while
/// its hold lasts) and may cancel before the start, with a reason; the requester may cancel
/// until the machine's notice before the start (`notice_hours`, 24 by default).
#[allow(clippy::too_many_arguments)]
pub fn booking_transition(
    state: BookingState,
    action: BookingAction,
    side: Side,
    now: i64,
    start: i64,
    hold_until: i64,
    notice_hours: i64,
) -> Result<BookingState, BookingRefusal> {
    use BookingAction::*;
    use BookingState::*;
    if now >= start {
        return Err(BookingRefusal::Started);
    }
    match (action, side, state) {
        (Confirm | Decline, Side::Requester, _) => Err(BookingRefusal::NotYours),
        (Confirm | Decline, Side::Provider, Requested) if now >= hold_until => Err(BookingRefusal::State),
        (Confirm, Side::Provider, Requested) => Ok(Confirmed),
        (Decline, Side::Provider, Requested) => Ok(Declined),
        (Cancel, Side::Requester, Requested | Confirmed) if now > start - notice_hours * HOUR => {
            Err(BookingRefusal::Notice)
        }
        (Cancel, _, Requested | Confirmed) => Ok(Cancelled),
        _ => Err(BookingRefusal::State),
    }
}

/// Open hours that do not read as `08:00-20:00` on quarter hours, or end before they start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadHours;

/// Parses open hours as people write them: `08:00-20:00`, `0:00-24:00`; empty or `closed`
/// (休息) for a closed day.
pub fn parse_hours(text: &str) -> Result<Option<Hours>, BadHours> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("closed") || t == "休息" {
        return Ok(None);
    }
    let (a, b) = t.split_once(['-', '–', '~']).ok_or(BadHours)?;
    let minutes = |s: &str| -> Result<u16, BadHours> {
        let (h, m) = s.trim().split_once([':', '：']).ok_or(BadHours)?;
        let (h, m) = (h.trim().parse::<u16>().map_err(|_| BadHours)?, m.trim().parse::<u16>().map_err(|_| BadHours)?);
        if m >= 60 || h > 24 || (h == 24 && m > 0) || m % STEP_MINUTES as u16 != 0 {
            return Err(BadHours);
        }
        Ok(h * 60 + m)
    };
    let (from, to) = (minutes(a)?, minutes(b)?);
    if from >= to {
        return Err(BadHours);
    }
    Ok(Some(Hours { from, to }))
}

/// Open hours as [`parse_hours`] reads them back.
pub fn show_hours(h: Option<Hours>) -> String {
    match h {
        None => "closed".into(),
        Some(h) => format!("{:02}:{:02}-{:02}:{:02}", h.from / 60, h.from % 60, h.to / 60, h.to % 60),
    }
}

/// Checks a machine as it is offered: a name, a process, open hours for each of the seven
/// weekdays (Monday first), setup minutes (0 to 24 h) and the cancellation notice (0 to 14
/// days, 24 h unless said).
pub fn check_machine(
    name: &str,
    process: &str,
    open: &[String],
    setup_minutes: i64,
    notice_hours: Option<i64>,
) -> Result<MachineRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let name = crate::supervision::text(&mut errors, "name", name, 60, true);
    let process = crate::supervision::text(&mut errors, "process", process, 60, true);
    let mut hours = [None; 7];
    if open.len() != 7 {
        errors.push(FieldError::new("open_hours", &open.len().to_string(), "out_of_range", msg!("machine_week")));
    }
    for (i, h) in open.iter().take(7).enumerate() {
        match parse_hours(h) {
            Ok(x) => hours[i] = x,
            Err(BadHours) => errors.push(FieldError::new("open_hours", h, "invalid_hours", msg!("machine_hours"))),
        }
    }
    if hours.iter().all(Option::is_none) && open.len() == 7 {
        errors.push(FieldError::new("open_hours", "", "never_open", msg!("machine_never_open")));
    }
    if !(0..=24 * 60).contains(&setup_minutes) || setup_minutes % STEP_MINUTES != 0 {
        errors.push(FieldError::new(
            "setup_minutes",
            &setup_minutes.to_string(),
            "out_of_range",
            msg!("machine_setup"),
        ));
    }
    let notice_hours = notice_hours.unwrap_or(24);
    if !(0..=14 * 24).contains(&notice_hours) {
        errors.push(FieldError::new("notice_hours", &notice_hours.to_string(), "out_of_range", msg!("machine_notice")));
    }
    if errors.is_empty() {
        Ok(MachineRecord {
            name,
            process,
            calendar: Calendar { open: hours, setup_minutes, notice_hours, maintenance: vec![] },
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30 00:00 in the cluster (a Monday), as an instant.
    const MONDAY: i64 = 1_795_996_800_000 - CST;

    fn at(day: i64, h: i64, m: i64) -> i64 {
        MONDAY + day * DAY + h * HOUR + m * MINUTE
    }

    fn weekdays_8_to_20() -> Calendar {
        let h = Some(Hours { from: 8 * 60, to: 20 * 60 });
        Calendar { open: [h, h, h, h, h, None, None], setup_minutes: 30, notice_hours: 24, maintenance: vec![] }
    }

    #[test]
    fn a_free_window_answers_an_ask_only_with_enough_time_inside_the_dates() {
        let ask = FreeAsk { from: at(0, 0, 0), to: at(2, 0, 0), minutes: 8 * 60 };
        assert!(ask.admits((at(0, 8, 0), at(0, 20, 0))), "twelve free hours on Monday");
        assert!(!ask.admits((at(0, 14, 0), at(0, 20, 0))), "six hours are not eight");
        // Long enough, but most of it after the dates asked.
        assert!(!ask.admits((at(1, 18, 0), at(2, 20, 0))));
        assert!(ask.admits((at(1, 16, 0), at(2, 20, 0))), "exactly eight hours before the end");
        assert!(!ask.admits((at(3, 8, 0), at(3, 20, 0))), "outside the dates");
    }

    #[test]
    fn the_week_starts_on_monday_in_the_cluster() {
        assert_eq!(weekday(local(at(0, 0, 0)).0), 0);
        assert_eq!(weekday(local(at(5, 12, 0)).0), 5);
        // 23:00 UTC on Sunday is already Monday 07:00 in Yongkang.
        assert_eq!(local(at(0, 7, 0)).1, 7 * 60);
    }

    #[test]
    fn a_booking_fits_inside_open_hours_clear_of_maintenance() {
        let mut cal = weekdays_8_to_20();
        assert_eq!(fits(&cal, at(0, 8, 0), 12 * 60, 0), Ok((at(0, 8, 0), at(0, 20, 0))));
        assert_eq!(fits(&cal, at(0, 7, 45), 60, 0), Err(Misfit::Closed));
        assert_eq!(fits(&cal, at(0, 19, 0), 120, 0), Err(Misfit::Closed), "past closing");
        assert_eq!(fits(&cal, at(5, 9, 0), 60, 0), Err(Misfit::Closed), "Saturday");
        assert_eq!(fits(&cal, at(0, 9, 10), 60, 0), Err(Misfit::Length), "quarter hours");
        assert_eq!(fits(&cal, at(0, 9, 0), 60, at(1, 0, 0)), Err(Misfit::Past));
        cal.maintenance.push((at(1, 12, 0), at(1, 14, 0)));
        assert_eq!(fits(&cal, at(1, 13, 0), 60, 0), Err(Misfit::Maintenance));
        assert!(fits(&cal, at(1, 14, 0), 60, 0).is_ok(), "right after maintenance");
    }

    #[test]
    fn a_machine_open_round_the_clock_takes_a_booking_across_midnight() {
        let all = Some(Hours { from: 0, to: 24 * 60 });
        let cal = Calendar {
            open: [all, all, None, None, None, None, None],
            setup_minutes: 0,
            notice_hours: 24,
            maintenance: vec![],
        };
        assert!(fits(&cal, at(0, 22, 0), 4 * 60, 0).is_ok(), "Monday 22:00 to Tuesday 02:00");
        assert_eq!(fits(&cal, at(1, 22, 0), 4 * 60, 0), Err(Misfit::Closed), "Wednesday is closed");
    }

    #[test]
    fn free_windows_leave_room_for_setup_on_both_sides() {
        let cal = weekdays_8_to_20();
        // One booking 10:00–12:00 holds until 12:30; a booking before it must end by 09:30.
        let free = free_windows(&cal, &[block(&cal, at(0, 10, 0), at(0, 12, 0))], at(0, 0, 0), at(1, 0, 0));
        assert_eq!(free, vec![(at(0, 8, 0), at(0, 9, 30)), (at(0, 12, 30), at(0, 20, 0))]);
        // Back to back: a block ending at 12:30 and one starting there do not clash.
        assert!(!overlaps(block(&cal, at(0, 10, 0), at(0, 12, 0)), block(&cal, at(0, 12, 30), at(0, 13, 0))));
        assert!(overlaps(block(&cal, at(0, 10, 0), at(0, 12, 0)), block(&cal, at(0, 12, 15), at(0, 13, 0))));
    }

    #[test]
    fn each_side_takes_only_its_own_steps() {
        use BookingAction::*;
        use BookingState::*;
        let (start, hold) = (at(3, 9, 0), at(2, 9, 0));
        let t = |s, a, side, now| booking_transition(s, a, side, now, start, hold, 24);
        assert_eq!(t(Requested, Confirm, Side::Provider, at(0, 9, 0)), Ok(Confirmed));
        assert_eq!(t(Requested, Confirm, Side::Requester, at(0, 9, 0)), Err(BookingRefusal::NotYours));
        assert_eq!(t(Requested, Confirm, Side::Provider, at(2, 10, 0)), Err(BookingRefusal::State), "past its hold");
        assert_eq!(t(Confirmed, Cancel, Side::Requester, at(1, 9, 0)), Ok(Cancelled));
        assert_eq!(t(Confirmed, Cancel, Side::Requester, at(2, 10, 0)), Err(BookingRefusal::Notice));
        assert_eq!(
            t(Confirmed, Cancel, Side::Provider, at(2, 10, 0)),
            Ok(Cancelled),
            "the provider may, with a reason"
        );
        assert_eq!(t(Confirmed, Cancel, Side::Provider, at(3, 9, 0)), Err(BookingRefusal::Started));
        assert_eq!(t(Declined, Confirm, Side::Provider, at(0, 9, 0)), Err(BookingRefusal::State));
    }

    #[test]
    fn open_hours_read_as_people_write_them() {
        assert_eq!(parse_hours("08:00-20:00"), Ok(Some(Hours { from: 480, to: 1200 })));
        assert_eq!(parse_hours("0:00–24:00"), Ok(Some(Hours { from: 0, to: 1440 })));
        assert_eq!(parse_hours("休息"), Ok(None));
        for bad in ["20:00-08:00", "8-20", "08:10-20:00", "25:00-26:00"] {
            assert_eq!(parse_hours(bad), Err(BadHours), "{bad}");
        }
        assert_eq!(show_hours(parse_hours("08:00-20:00").unwrap()), "08:00-20:00");
        let week: Vec<String> =
            ["08:00-20:00"; 5].iter().map(|s| s.to_string()).chain(["".into(), "".into()]).collect();
        assert!(check_machine("800T 压铸岛", "压铸 800 T", &week, 30, None).is_ok());
        let errs = check_machine("", "压铸", &week[..3], 7, Some(-1)).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "open_hours", "setup_minutes", "notice_hours"]);
    }
}

//! Supervision to closure (督查 → 问题清单 → 整改 → 销号): the pilot office's tasks, the
//! inspections it makes, the problems they find, and the rules a problem's life follows.
//!
//! A problem is rectified by its responsible unit and closed by the office, never by the
//! unit itself: [`problem_transition`] is the only way a state changes, and it takes who acts
//! as a value so the rule holds on every path (API, pages, import).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::demand::Refused;
use crate::tie::parse_date;
use crate::{FieldError, Lang, msg};

/// The item of the 431 plan a task serves: the four service integrations, the three kinds of
/// collaboration and the one optimisation of the cluster's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanItem {
    RdDesign,
    ConsultingStandards,
    InfoMarketing,
    SupplyProcurement,
    VerticalChain,
    DigitalFusion,
    CrossSector,
    Structure,
}

impl PlanItem {
    pub const ALL: [PlanItem; 8] = [
        PlanItem::RdDesign,
        PlanItem::ConsultingStandards,
        PlanItem::InfoMarketing,
        PlanItem::SupplyProcurement,
        PlanItem::VerticalChain,
        PlanItem::DigitalFusion,
        PlanItem::CrossSector,
        PlanItem::Structure,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PlanItem::RdDesign => "rd_design",
            PlanItem::ConsultingStandards => "consulting_standards",
            PlanItem::InfoMarketing => "info_marketing",
            PlanItem::SupplyProcurement => "supply_procurement",
            PlanItem::VerticalChain => "vertical_chain",
            PlanItem::DigitalFusion => "digital_fusion",
            PlanItem::CrossSector => "cross_sector",
            PlanItem::Structure => "structure",
        }
    }

    pub fn from_code(code: &str) -> Option<PlanItem> {
        PlanItem::ALL.into_iter().find(|p| p.code() == code.trim())
    }

    pub fn name(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            PlanItem::RdDesign => ("研发设计服务融合", "R&D and design integration"),
            PlanItem::ConsultingStandards => ("咨询标准服务融合", "Consulting and standards integration"),
            PlanItem::InfoMarketing => ("信息营销服务融合", "Information and marketing integration"),
            PlanItem::SupplyProcurement => ("供应采购服务融合", "Supply and procurement integration"),
            PlanItem::VerticalChain => ("产业链纵向协同", "Vertical chain collaboration"),
            PlanItem::DigitalFusion => ("数字化融合协同", "Digital fusion"),
            PlanItem::CrossSector => ("跨界融合协同", "Cross-sector collaboration"),
            PlanItem::Structure => ("产业结构优化", "Structure of the cluster"),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The plan item that fills a gap in a service family: the family's own integration,
    /// testing under standards, logistics under procurement, the rest (incubation, finance,
    /// training) under the cluster's structure.
    pub fn for_family(family: &str) -> PlanItem {
        match family {
            "rd_design" => PlanItem::RdDesign,
            "consulting_standards" | "testing" => PlanItem::ConsultingStandards,
            "info_marketing" => PlanItem::InfoMarketing,
            "supply_procurement" | "logistics" => PlanItem::SupplyProcurement,
            _ => PlanItem::Structure,
        }
    }
}

macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];

            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code,)+ }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|s| s.code() == code.trim())
            }

            pub fn name(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$v, Lang::Zh) => $zh, ($name::$v, Lang::En) => $en,)+
                }
            }
        }
    };
}
pub(crate) use coded;

coded!(
    /// Where a pilot task stands.
    TaskStatus {
        NotStarted = "not_started", "未启动", "Not started";
        InProgress = "in_progress", "推进中", "In progress";
        Done = "done", "已完成", "Done";
        Suspended = "suspended", "暂缓", "Suspended";
    }
);

coded!(
    /// How grave a problem is; graver ones are listed first among equally late ones.
    Severity {
        Critical = "critical", "严重", "Critical";
        Serious = "serious", "较重", "Serious";
        General = "general", "一般", "General";
    }
);

coded!(
    /// A problem's place in its life. Reopening sends a problem back to rectification.
    ProblemState {
        /// Found; the responsible unit rectifies it (整改中).
        Open = "open", "整改中", "Being rectified";
        /// The unit says it is rectified; the office verifies (待核查).
        Submitted = "submitted", "待核查", "Awaiting verification";
        /// Verified and closed by the office (已销号).
        Closed = "closed", "已销号", "Closed";
    }
);

/// What someone does to a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemAction {
    /// The responsible unit reports the rectification done.
    Submit,
    /// The office verifies and closes it (销号).
    Close,
    /// The office sends it back: not rectified after all, or found again.
    Reopen,
}

impl ProblemAction {
    pub fn code(self) -> &'static str {
        match self {
            ProblemAction::Submit => "submit",
            ProblemAction::Close => "close",
            ProblemAction::Reopen => "reopen",
        }
    }

    pub fn from_code(code: &str) -> Option<ProblemAction> {
        [ProblemAction::Submit, ProblemAction::Close, ProblemAction::Reopen].into_iter().find(|a| a.code() == code)
    }
}

/// Who acts on a problem, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// An officer of the pilot office (or a platform admin).
    pub officer: bool,
    /// A member of the problem's responsible unit.
    pub responsible: bool,
}

/// The state after `actor` does `action` to a problem in `state`. The responsible unit
/// submits; only an officer who is not of the responsible unit verifies, closes or reopens,
/// so nobody closes their own problem, a department's officers included.
pub fn problem_transition(state: ProblemState, action: ProblemAction, actor: Actor) -> Result<ProblemState, Refused> {
    use ProblemAction as A;
    use ProblemState as S;
    match action {
        A::Submit if !actor.responsible => Err(Refused::new("not_responsible", msg!("problem_submit_responsible"))),
        A::Close | A::Reopen if actor.responsible => Err(Refused::new("own_problem", msg!("problem_own_close"))),
        A::Close | A::Reopen if !actor.officer => Err(Refused::new("not_officer", msg!("problem_office_only"))),
        _ => match (state, action) {
            (S::Open, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Close) => Ok(S::Closed),
            (S::Submitted | S::Closed, A::Reopen) => Ok(S::Open),
            _ => Err(Refused::new("wrong_state", msg!("problem_wrong_state", state.code(), action.code()))),
        },
    }
}

/// Which reminder a problem's responsible unit is due on a day: a week before the deadline,
/// the day before, and once it is overdue. Each is sent once per deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeadlineReminder {
    Week,
    Day,
    Overdue,
}

impl DeadlineReminder {
    pub fn code(self) -> &'static str {
        match self {
            DeadlineReminder::Week => "week",
            DeadlineReminder::Day => "day",
            DeadlineReminder::Overdue => "overdue",
        }
    }

    /// The stage reached on `today` for `deadline`: none more than 7 days ahead.
    pub fn due_on(deadline: Date, today: Date) -> Option<DeadlineReminder> {
        let days = (deadline - today).whole_days();
        match days {
            d if d < 0 => Some(DeadlineReminder::Overdue),
            0 | 1 => Some(DeadlineReminder::Day),
            2..=7 => Some(DeadlineReminder::Week),
            _ => None,
        }
    }
}

/// The longest description, measure or note, in characters.
pub const MAX_TEXT: usize = 2000;
/// The longest title.
pub const MAX_TITLE: usize = 100;
/// The most milestones a task has.
pub const MAX_MILESTONES: usize = 20;

/// A milestone of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub title: String,
    pub due: Date,
    pub done: bool,
}

/// A pilot task as it may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub title: String,
    pub plan_item: PlanItem,
    /// The responsible unit: an organisation on the platform (a firm, a provider or a
    /// government department).
    pub responsible_org: i64,
    /// The person who answers for it.
    pub owner: String,
    pub due: Date,
    pub milestones: Vec<Milestone>,
    pub status: TaskStatus,
    /// The service family and town of the gap it was made from, if any.
    pub gap: Option<String>,
}

/// A problem as it is raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemRecord {
    pub description: String,
    pub severity: Severity,
    pub responsible_org: i64,
    /// The rectification deadline (整改时限).
    pub deadline: Date,
    pub inspection_id: Option<i64>,
}

/// An inspection as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionRecord {
    pub date: Date,
    /// Who inspected (names, or a team).
    pub inspectors: String,
    /// What or where was inspected.
    pub subject: String,
    pub note: String,
}

pub(crate) fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let v = value.trim();
    let n = v.chars().count();
    if (required && n == 0) || n > max {
        errors.push(FieldError::new(field, v, "out_of_range", msg!("supervision_text", max)));
    }
    v.to_string()
}

pub(crate) fn date(errors: &mut Vec<FieldError>, field: &'static str, value: &str) -> Option<Date> {
    let d = parse_date(value);
    if d.is_none() {
        errors.push(FieldError::new(field, value, "invalid_date", msg!("supervision_date")));
    }
    d
}

pub(crate) fn one_of<T>(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    found: Option<T>,
    all: &str,
) -> Option<T> {
    if found.is_none() {
        errors.push(FieldError::new(field, value, "unknown_value", msg!("supervision_code", all)));
    }
    found
}

pub(crate) fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> String {
    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
}

/// A milestone as it is sent.
#[derive(Debug, Clone, Default)]
pub struct MilestoneInput<'a> {
    pub title: &'a str,
    pub due: &'a str,
    pub done: bool,
}

/// What a task is sent as, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct TaskInput<'a> {
    pub title: &'a str,
    pub plan_item: &'a str,
    pub responsible_org: i64,
    pub owner: &'a str,
    pub due: &'a str,
    pub milestones: Vec<MilestoneInput<'a>>,
    pub status: Option<&'a str>,
    pub gap: Option<&'a str>,
}

/// Checks a task; every broken field is reported. Whether the responsible organisation
/// exists is the store's to say.
pub fn check_task(t: &TaskInput) -> Result<TaskRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let title = text(&mut errors, "title", t.title, MAX_TITLE, true);
    let plan_item = one_of(
        &mut errors,
        "plan_item",
        t.plan_item,
        PlanItem::from_code(t.plan_item),
        &codes(&PlanItem::ALL, PlanItem::code),
    );
    let owner = text(&mut errors, "owner", t.owner, 40, true);
    let due = date(&mut errors, "due", t.due);
    let status = match t.status {
        None => Some(TaskStatus::NotStarted),
        Some(s) => {
            one_of(&mut errors, "status", s, TaskStatus::from_code(s), &codes(TaskStatus::ALL, TaskStatus::code))
        }
    };
    if t.responsible_org < 1 {
        errors.push(FieldError::new(
            "responsible_org",
            &t.responsible_org.to_string(),
            "out_of_range",
            msg!("supervision_unit"),
        ));
    }
    if t.milestones.len() > MAX_MILESTONES {
        errors.push(FieldError::new(
            "milestones",
            &t.milestones.len().to_string(),
            "too_many",
            msg!("supervision_milestones", MAX_MILESTONES),
        ));
    }
    let mut milestones = vec![];
    for m in t.milestones.iter().take(MAX_MILESTONES) {
        let title = text(&mut errors, "milestones", m.title, MAX_TITLE, true);
        if let Some(due) = date(&mut errors, "milestones", m.due) {
            milestones.push(Milestone { title, due, done: m.done });
        }
    }
    milestones.sort_by_key(|m| m.due);
    let gap = t.gap.map(str::trim).filter(|g| !g.is_empty()).map(|g| g.chars().take(60).collect());
    match (plan_item, due, status) {
        (Some(plan_item), Some(due), Some(status)) if errors.is_empty() => {
            Ok(TaskRecord { title, plan_item, responsible_org: t.responsible_org, owner, due, milestones, status, gap })
        }
        _ => Err(errors),
    }
}

/// Checks a problem as it is raised; the deadline may not be before `today`.
pub fn check_problem(
    description: &str,
    severity: &str,
    responsible_org: i64,
    deadline: &str,
    inspection_id: Option<i64>,
    today: Date,
) -> Result<ProblemRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let description = text(&mut errors, "description", description, MAX_TEXT, true);
    let sev =
        one_of(&mut errors, "severity", severity, Severity::from_code(severity), &codes(Severity::ALL, Severity::code));
    let d = date(&mut errors, "deadline", deadline);
    if let Some(d) = d
        && d < today
    {
        errors.push(FieldError::new("deadline", deadline, "out_of_range", msg!("supervision_deadline_past")));
    }
    if responsible_org < 1 {
        errors.push(FieldError::new(
            "responsible_org",
            &responsible_org.to_string(),
            "out_of_range",
            msg!("supervision_unit"),
        ));
    }
    match (sev, d) {
        (Some(severity), Some(deadline)) if errors.is_empty() => {
            Ok(ProblemRecord { description, severity, responsible_org, deadline, inspection_id })
        }
        _ => Err(errors),
    }
}

/// Checks an inspection: a date not in the future, who inspected and what.
pub fn check_inspection(
    date_text: &str,
    inspectors: &str,
    subject: &str,
    note: &str,
    today: Date,
) -> Result<InspectionRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let d = date(&mut errors, "date", date_text);
    if let Some(d) = d
        && d > today
    {
        errors.push(FieldError::new("date", date_text, "out_of_range", msg!("supervision_date_future")));
    }
    let inspectors = text(&mut errors, "inspectors", inspectors, 200, true);
    let subject = text(&mut errors, "subject", subject, MAX_TITLE, true);
    let note = text(&mut errors, "note", note, MAX_TEXT, false);
    match d {
        Some(date) if errors.is_empty() => Ok(InspectionRecord { date, inspectors, subject, note }),
        _ => Err(errors),
    }
}

/// The columns of the problem ledger as officials keep it (问题清单 / 整改台账).
pub const LEDGER_COLUMNS: [(&str, &str); 7] = [
    ("序号", "No."),
    ("问题描述", "Problem"),
    ("责任单位", "Responsible unit"),
    ("整改措施", "Measures"),
    ("整改时限", "Deadline"),
    ("整改进展", "Progress"),
    ("是否销号", "Closed"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const UNIT: Actor = Actor { officer: false, responsible: true };
    const OFFICE: Actor = Actor { officer: true, responsible: false };
    const DEPARTMENT_OFFICER: Actor = Actor { officer: true, responsible: true };
    const STRANGER: Actor = Actor { officer: false, responsible: false };

    #[test]
    fn the_unit_rectifies_and_only_the_office_closes() {
        use ProblemAction as A;
        use ProblemState as S;
        assert_eq!(problem_transition(S::Open, A::Submit, UNIT).unwrap(), S::Submitted);
        assert_eq!(problem_transition(S::Submitted, A::Close, OFFICE).unwrap(), S::Closed);
        assert_eq!(problem_transition(S::Submitted, A::Reopen, OFFICE).unwrap(), S::Open);
        assert_eq!(problem_transition(S::Closed, A::Reopen, OFFICE).unwrap(), S::Open);
        assert_eq!(problem_transition(S::Submitted, A::Close, UNIT).unwrap_err().code, "own_problem");
        assert_eq!(problem_transition(S::Submitted, A::Close, DEPARTMENT_OFFICER).unwrap_err().code, "own_problem");
        assert_eq!(problem_transition(S::Submitted, A::Close, STRANGER).unwrap_err().code, "not_officer");
        assert_eq!(problem_transition(S::Open, A::Submit, OFFICE).unwrap_err().code, "not_responsible");
        assert_eq!(problem_transition(S::Open, A::Close, OFFICE).unwrap_err().code, "wrong_state");
        assert_eq!(problem_transition(S::Closed, A::Submit, UNIT).unwrap_err().code, "wrong_state");
    }

    #[test]
    fn reminders_come_a_week_before_the_day_before_and_once_overdue() {
        let deadline = date!(2026 - 12 - 20);
        let on = |d| DeadlineReminder::due_on(deadline, d);
        assert_eq!(on(date!(2026 - 12 - 12)), None);
        assert_eq!(on(date!(2026 - 12 - 13)), Some(DeadlineReminder::Week));
        assert_eq!(on(date!(2026 - 12 - 18)), Some(DeadlineReminder::Week));
        assert_eq!(on(date!(2026 - 12 - 19)), Some(DeadlineReminder::Day));
        assert_eq!(on(date!(2026 - 12 - 20)), Some(DeadlineReminder::Day));
        assert_eq!(on(date!(2026 - 12 - 21)), Some(DeadlineReminder::Overdue));
    }

    #[test]
    fn a_task_and_a_problem_name_every_broken_field() {
        let fields = |e: Vec<FieldError>| e.iter().map(|e| e.field).collect::<Vec<_>>();
        let t = TaskInput {
            title: "培育检测服务机构",
            plan_item: "consulting_standards",
            responsible_org: 3,
            owner: "王科长",
            due: "2027-06-30",
            milestones: vec![
                MilestoneInput { title: "引进一家实验室", due: "2027-03-31", done: false },
                MilestoneInput { title: "出台扶持办法", due: "2027-01-15", done: true },
            ],
            ..Default::default()
        };
        let ok = check_task(&t).unwrap();
        assert_eq!(ok.status, TaskStatus::NotStarted);
        assert_eq!(ok.milestones[0].title, "出台扶持办法", "milestones in date order");
        let bad = TaskInput { title: "", plan_item: "x", owner: "", due: "明年", status: Some("late"), ..t };
        assert_eq!(fields(check_task(&bad).unwrap_err()), ["title", "plan_item", "owner", "due", "status"]);
        let today = date!(2026 - 11 - 30);
        assert!(check_problem("消防通道堵塞", "serious", 5, "2026-12-31", None, today).is_ok());
        assert_eq!(
            fields(check_problem(" ", "grave", 0, "2026-11-01", None, today).unwrap_err()),
            ["description", "severity", "deadline", "responsible_org"]
        );
        assert_eq!(fields(check_inspection("2026-12-01", "", "x", "", today).unwrap_err()), ["date", "inspectors"]);
    }

    #[test]
    fn a_gap_becomes_a_task_under_the_plan_item_that_fills_it() {
        assert_eq!(PlanItem::for_family("testing"), PlanItem::ConsultingStandards);
        assert_eq!(PlanItem::for_family("logistics"), PlanItem::SupplyProcurement);
        assert_eq!(PlanItem::for_family("incubation"), PlanItem::Structure);
        for p in PlanItem::ALL {
            assert_eq!(PlanItem::from_code(p.code()), Some(p));
        }
    }
}

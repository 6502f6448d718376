//! The life of a demand (an RFQ or a service request) and of the responses to it, as one
//! state machine that every path (API, pages, command line) goes through.
//!
//! A demand is drafted, published (open until its deadline), closed at the deadline, awarded
//! to one or several responders, carried out, completed and rated; the buyer may cancel it
//! before the award. A response may be revised or withdrawn until the deadline. What may be
//! read of a response is decided here too: sealed bids are the promise the platform makes,
//! so the rule lives next to the states it depends on, not in a handler.
//!
//! Time is passed in (milliseconds since the epoch), never read here, so the rules can be
//! tested at any instant.

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::messages::{Arg, Msg};
use crate::msg;

/// Where a demand stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandState {
    Draft,
    Open,
    Closed,
    Awarded,
    InProgress,
    Completed,
    Rated,
    Cancelled,
}

impl DemandState {
    pub fn code(self) -> &'static str {
        match self {
            DemandState::Draft => "draft",
            DemandState::Open => "open",
            DemandState::Closed => "closed",
            DemandState::Awarded => "awarded",
            DemandState::InProgress => "in_progress",
            DemandState::Completed => "completed",
            DemandState::Rated => "rated",
            DemandState::Cancelled => "cancelled",
        }
    }

    /// No further transition leaves this state.
    pub fn is_final(self) -> bool {
        matches!(self, DemandState::Rated | DemandState::Cancelled)
    }
}

/// Why a buyer cancelled a demand. The providers who responded read it in their inbox, and
/// the pilot office counts `NoSuitableProvider` among the cluster's service gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    NoSuitableProvider,
    NeedChanged,
    PriceTooHigh,
    Duplicate,
    Other,
}

impl CancelReason {
    pub const ALL: [CancelReason; 5] = [
        CancelReason::NoSuitableProvider,
        CancelReason::NeedChanged,
        CancelReason::PriceTooHigh,
        CancelReason::Duplicate,
        CancelReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::NoSuitableProvider => "no_suitable_provider",
            Self::NeedChanged => "need_changed",
            Self::PriceTooHigh => "price_too_high",
            Self::Duplicate => "duplicate",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// The reason in words, in `lang` ("需求有变", "the need changed").
    pub fn name(self, lang: Lang) -> String {
        crate::messages::domain().render(lang, &Msg { key: self.key(), args: vec![] })
    }

    /// The catalogue key of the reason's words (`cancel_reason_need_changed`).
    pub fn key(self) -> &'static str {
        match self {
            Self::NoSuitableProvider => "cancel_reason_no_suitable_provider",
            Self::NeedChanged => "cancel_reason_need_changed",
            Self::PriceTooHigh => "cancel_reason_price_too_high",
            Self::Duplicate => "cancel_reason_duplicate",
            Self::Other => "cancel_reason_other",
        }
    }
}

/// The longest note a buyer adds to a cancellation, in characters.
pub const MAX_CANCEL_NOTE: usize = 200;

/// A cancellation as the buyer gives it: a reason, and optionally a few words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub reason: CancelReason,
    /// Trimmed, at most [`MAX_CANCEL_NOTE`] characters; None when left empty.
    pub note: Option<String>,
}

impl Cancellation {
    /// Checks the note's length; an empty note is none.
    pub fn new(reason: CancelReason, note: Option<&str>) -> Result<Cancellation, crate::FieldError> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note
            && n.chars().count() > MAX_CANCEL_NOTE
        {
            return Err(crate::FieldError::new(
                "reason_text",
                n,
                "too_long",
                msg!("cancel_note_long", MAX_CANCEL_NOTE),
            ));
        }
        Ok(Cancellation { reason, note: note.map(str::to_string) })
    }
}

/// What someone asks of a demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandAction {
    /// Change the draft's content.
    Edit,
    Publish,
    /// The deadline has passed: responses are unsealed for the buyer.
    Close,
    Award,
    Start,
    Complete,
    Rate,
    Cancel,
}

/// A transition refused, with the reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Stable, machine-readable.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Refused {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl Refused {
    /// The refusal `code`, said by the domain catalogue's `msg`.
    pub fn new(code: &'static str, msg: Msg) -> Refused {
        let (zh, en) = crate::messages::both(&msg);
        Refused { code, zh, en }
    }
}

fn refused(code: &'static str, msg: Msg) -> Refused {
    Refused::new(code, msg)
}

/// The clock a transition is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub now_ms: i64,
    /// The demand's deadline for responses.
    pub deadline_ms: i64,
}

impl Moment {
    pub fn before_deadline(self) -> bool {
        self.now_ms < self.deadline_ms
    }
}

/// The state `action` leads to from `state` at `at`, or why it may not happen.
pub fn transition(state: DemandState, action: DemandAction, at: Moment) -> Result<DemandState, Refused> {
    use DemandAction as A;
    use DemandState as S;
    let wrong = || refused("wrong_state", msg!("demand_wrong_state", state.arg(), action.arg()));
    match (state, action) {
        (S::Draft, A::Edit) => Ok(S::Draft),
        (S::Draft, A::Publish) if at.before_deadline() => Ok(S::Open),
        (S::Draft, A::Publish) => Err(refused("deadline_passed", msg!("publish_after_deadline"))),
        (S::Open, A::Close) if !at.before_deadline() => Ok(S::Closed),
        (S::Open, A::Close) => Err(refused("before_deadline", msg!("close_before_deadline"))),
        (S::Open, A::Award) if at.before_deadline() => Err(refused("before_deadline", msg!("award_before_deadline"))),
        (S::Closed, A::Award) => Ok(S::Awarded),
        (S::Awarded, A::Start) => Ok(S::InProgress),
        (S::InProgress, A::Complete) => Ok(S::Completed),
        (S::Completed, A::Rate) => Ok(S::Rated),
        (S::Draft | S::Open | S::Closed, A::Cancel) => Ok(S::Cancelled),
        _ => Err(wrong()),
    }
}

impl DemandState {
    /// The state's name as a message argument (`state_open` … in the domain catalogue).
    pub fn arg(self) -> Arg {
        Arg::Key(match self {
            DemandState::Draft => "state_draft",
            DemandState::Open => "state_open",
            DemandState::Closed => "state_closed",
            DemandState::Awarded => "state_awarded",
            DemandState::InProgress => "state_in_progress",
            DemandState::Completed => "state_completed",
            DemandState::Rated => "state_rated",
            DemandState::Cancelled => "state_cancelled",
        })
    }
}

impl DemandAction {
    pub const ALL: [DemandAction; 8] = [
        DemandAction::Edit,
        DemandAction::Publish,
        DemandAction::Close,
        DemandAction::Award,
        DemandAction::Start,
        DemandAction::Complete,
        DemandAction::Rate,
        DemandAction::Cancel,
    ];

    /// The action's name as a message argument (`action_edit` … in the domain catalogue).
    pub fn arg(self) -> Arg {
        Arg::Key(match self {
            DemandAction::Edit => "action_edit",
            DemandAction::Publish => "action_publish",
            DemandAction::Close => "action_close",
            DemandAction::Award => "action_award",
            DemandAction::Start => "action_start",
            DemandAction::Complete => "action_complete",
            DemandAction::Rate => "action_rate",
            DemandAction::Cancel => "action_cancel",
        })
    }
}

/// Whether a provider may still submit, revise or withdraw a response.
pub fn responses_accepted(state: DemandState, at: Moment) -> Result<(), Refused> {
    match state {
        DemandState::Open if at.before_deadline() => Ok(()),
        DemandState::Open | DemandState::Closed => Err(deadline_passed()),
        _ => Err(refused("not_open", msg!("responses_not_open", state.arg()))),
    }
}

/// The refusal of a response write that reached the store after the deadline closed the
/// demand (the store's guard, not the clock read here, found it closed).
pub fn deadline_passed() -> Refused {
    refused("deadline_passed", msg!("responses_after_deadline"))
}

/// Whether the buyer may still invite providers: to a draft, or to an open demand before
/// its deadline (an invitation after it could not be answered).
pub fn invitations_accepted(state: DemandState, at: Moment) -> Result<(), Refused> {
    match state {
        DemandState::Draft => Ok(()),
        DemandState::Open if at.before_deadline() => Ok(()),
        _ => Err(refused("wrong_state", msg!("invitations_closed"))),
    }
}

/// Who is looking at a response, relative to the demand and the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    /// A member of the organisation that wrote the response.
    Author,
    /// A member of the organisation that posted the demand.
    Buyer,
    /// Anybody else: other providers, government officers, platform admins, the public.
    Other,
}

/// Whether `reader` may read the content of a response (price, terms, notes). The author
/// always may; the buyer once the deadline has passed and the demand was published; nobody
/// else ever. Counts and aggregates are not content and are decided elsewhere.
pub fn may_read_response(reader: Reader, state: DemandState, at: Moment) -> bool {
    match reader {
        Reader::Author => true,
        Reader::Buyer => state != DemandState::Draft && !at.before_deadline(),
        Reader::Other => false,
    }
}

/// How the engagements of an awarded demand stand, as the store counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// A provider has started or some side has marked its work done.
    pub started: bool,
    /// Every engagement is completed (both sides marked it done).
    pub all_completed: bool,
    /// Every engagement is rated by both sides.
    pub all_rated: bool,
}

/// The state an awarded demand moves to as its engagements move: in progress once work has
/// begun on any of them, completed when all are, rated when both sides of all have rated.
/// Each step goes through `transition`, so this rule cannot skip one.
pub fn follow_engagements(state: DemandState, p: Progress) -> DemandState {
    // Engagements exist only after the deadline, so any moment past it will do.
    let at = Moment { now_ms: 1, deadline_ms: 0 };
    let mut s = state;
    for (due, action) in [
        (p.started || p.all_completed, DemandAction::Start),
        (p.all_completed, DemandAction::Complete),
        (p.all_completed && p.all_rated, DemandAction::Rate),
    ] {
        if due && let Ok(next) = transition(s, action, at) {
            s = next;
        }
    }
    s
}

/// Who may see a published demand: providers that match it, or only those invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Invited,
}

impl DemandState {
    pub const ALL: [DemandState; 8] = [
        DemandState::Draft,
        DemandState::Open,
        DemandState::Closed,
        DemandState::Awarded,
        DemandState::InProgress,
        DemandState::Completed,
        DemandState::Rated,
        DemandState::Cancelled,
    ];

    pub fn from_code(code: &str) -> Option<DemandState> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

pub const MAX_TITLE: usize = 100;
pub const MAX_NEED: usize = 5000;
pub const MAX_LIST: usize = 10;

/// The content of a demand as its buyer writes it, checked: a title, what is needed, goods
/// (a category) or a service (a family), quantity and unit, a budget in fen, the standards
/// and certificates required, the deadline for responses, the delivery town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandContent {
    pub title: String,
    pub need: String,
    pub family: Option<String>,
    pub category: Option<String>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub budget_fen: Option<i64>,
    pub standards: Vec<String>,
    pub certificates: Vec<String>,
    pub deadline_ms: i64,
    pub town: Option<String>,
    pub visibility: Visibility,
}

impl DemandContent {
    /// Every rule a demand's content must meet, each failure naming its field. Codes are
    /// resolved against the taxonomy (names in either language are accepted).
    pub fn check(mut self) -> Result<DemandContent, Vec<crate::FieldError>> {
        use crate::FieldError as E;
        let t = crate::Taxonomy::get();
        let mut errs = vec![];
        self.title = self.title.trim().to_string();
        let n = self.title.chars().count();
        if n == 0 || n > MAX_TITLE {
            errs.push(E::new("title", &self.title, "invalid_length", msg!("title_length", MAX_TITLE)));
        }
        if self.need.chars().count() > MAX_NEED {
            errs.push(E::new("need", "", "too_long", msg!("need_length", MAX_NEED)));
        }
        if let Some(f) = &self.family {
            match t.family(f) {
                Some(x) => self.family = Some(x.entry.code.clone()),
                None => {
                    errs.push(E::new("family", f, "unknown_family", msg!("unknown_value", Arg::Key("what_family"), f)))
                }
            }
        }
        if let Some(c) = &self.category {
            match t.category(c) {
                Some(x) => self.category = Some(x.entry.code.clone()),
                None => errs.push(E::new(
                    "category",
                    c,
                    "unknown_category",
                    msg!("unknown_value", Arg::Key("what_category"), c),
                )),
            }
        }
        if let Some(town) = &self.town {
            match t.town(town) {
                Some(x) => self.town = Some(x.code.clone()),
                None => {
                    errs.push(E::new("town", town, "unknown_town", msg!("unknown_value", Arg::Key("what_town"), town)))
                }
            }
        }
        if self.quantity.is_some_and(|q| q <= 0) {
            errs.push(E::new("quantity", "", "invalid_quantity", msg!("quantity_positive")));
        }
        if self.budget_fen.is_some_and(|b| b < 0) {
            errs.push(E::new("budget_fen", "", "invalid_budget", msg!("budget_negative")));
        }
        if let Some(u) = &self.unit {
            match t.unit(u) {
                Some(x) => self.unit = Some(x.code.clone()),
                None => errs.push(E::new("unit", u, "unknown_unit", msg!("unknown_value", Arg::Key("what_unit"), u))),
            }
        }
        for (field, list) in [("standards", &mut self.standards), ("certificates", &mut self.certificates)] {
            if list.len() > MAX_LIST {
                errs.push(E::new(field, "", "too_many", msg!("list_items", MAX_LIST)));
                continue;
            }
            for v in list.iter_mut() {
                let known = if field == "standards" {
                    crate::sheet::normalise_standard(v)
                } else {
                    t.certificate(v).map(|c| c.code.clone())
                };
                match known {
                    Some(k) => *v = k,
                    None => errs.push(E::new(field, v, "unknown_value", msg!("not_recognised", &v))),
                }
            }
        }
        if errs.is_empty() { Ok(self) } else { Err(errs) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DemandAction as A;
    use DemandState as S;
    use proptest::prelude::*;

    const DEADLINE: i64 = 1_000_000;

    fn before() -> Moment {
        Moment { now_ms: DEADLINE - 1, deadline_ms: DEADLINE }
    }
    fn after() -> Moment {
        Moment { now_ms: DEADLINE, deadline_ms: DEADLINE }
    }

    #[test]
    fn the_whole_life_of_a_demand() {
        let mut s = S::Draft;
        for (action, at, next) in [
            (A::Edit, before(), S::Draft),
            (A::Publish, before(), S::Open),
            (A::Close, after(), S::Closed),
            (A::Award, after(), S::Awarded),
            (A::Start, after(), S::InProgress),
            (A::Complete, after(), S::Completed),
            (A::Rate, after(), S::Rated),
        ] {
            s = transition(s, action, at).unwrap();
            assert_eq!(s, next);
        }
        assert!(s.is_final());
    }

    /// State and action names are chosen at run time, so no literal names their keys: every
    /// pair is said here, and a key missing from the catalogue would show as itself.
    #[test]
    fn every_state_and_action_has_words_in_both_languages() {
        for s in S::ALL {
            for a in A::ALL {
                let (zh, en) = crate::messages::both(&msg!("demand_wrong_state", s.arg(), a.arg()));
                for text in [&zh, &en] {
                    assert!(!text.contains("state_") && !text.contains("action_"), "{text}");
                }
            }
        }
        for k in crate::OfferKind::ALL {
            let (zh, en) = crate::messages::both(&msg!("kind_mismatch", "x", k.arg()));
            assert!(!zh.contains("kind_") && !en.contains("kind_"), "{zh} / {en}");
        }
    }

    #[test]
    fn refusals_say_why() {
        let e = transition(S::Draft, A::Publish, after()).unwrap_err();
        assert_eq!(e.code, "deadline_passed");
        assert!(e.message(Lang::Zh).contains("截止时间"));
        let e = transition(S::Open, A::Close, before()).unwrap_err();
        assert!(e.message(Lang::En).contains("sealed"));
        let e = transition(S::Open, A::Award, before()).unwrap_err();
        assert_eq!(e.code, "before_deadline");
        let e = transition(S::Awarded, A::Cancel, after()).unwrap_err();
        assert_eq!((e.code, e.message(Lang::Zh).contains("已定标")), ("wrong_state", true));
        let e = transition(S::Open, A::Edit, before()).unwrap_err();
        assert!(e.message(Lang::En).contains("editing is not possible"), "{e}");
        for s in [S::Draft, S::Open, S::Closed] {
            assert_eq!(transition(s, A::Cancel, after()), Ok(S::Cancelled));
        }
    }

    #[test]
    fn invitations_are_taken_by_drafts_and_open_demands_before_the_deadline() {
        assert!(invitations_accepted(S::Draft, after()).is_ok());
        assert!(invitations_accepted(S::Open, before()).is_ok());
        for (s, at) in [(S::Open, after()), (S::Closed, after()), (S::Awarded, after()), (S::Cancelled, before())] {
            assert_eq!(invitations_accepted(s, at).unwrap_err().code, "wrong_state", "{s:?}");
        }
    }

    #[test]
    fn responses_are_taken_only_while_open_and_before_the_deadline() {
        assert!(responses_accepted(S::Open, before()).is_ok());
        assert_eq!(responses_accepted(S::Open, after()).unwrap_err().code, "deadline_passed");
        assert_eq!(responses_accepted(S::Draft, before()).unwrap_err().code, "not_open");
        assert_eq!(responses_accepted(S::Cancelled, before()).unwrap_err().code, "not_open");
    }

    #[test]
    fn an_awarded_demand_follows_its_engagements() {
        let p = |started, all_completed, all_rated| Progress { started, all_completed, all_rated };
        assert_eq!(follow_engagements(S::Awarded, p(false, false, false)), S::Awarded);
        assert_eq!(follow_engagements(S::Awarded, p(true, false, false)), S::InProgress);
        assert_eq!(follow_engagements(S::Awarded, p(false, true, false)), S::Completed, "done without a start");
        assert_eq!(follow_engagements(S::InProgress, p(true, true, true)), S::Rated);
        assert_eq!(follow_engagements(S::Awarded, p(false, false, true)), S::Awarded, "no rating before completion");
        for s in [S::Draft, S::Open, S::Closed, S::Cancelled] {
            assert_eq!(follow_engagements(s, p(true, true, true)), s, "only an awarded demand follows");
        }
    }

    fn action() -> impl Strategy<Value = A> {
        prop_oneof![
            Just(A::Edit),
            Just(A::Publish),
            Just(A::Close),
            Just(A::Award),
            Just(A::Start),
            Just(A::Complete),
            Just(A::Rate),
            Just(A::Cancel),
        ]
    }

    proptest! {
        /// Any sequence of actions at any times, moving forward: every state reached is one
        /// the life cycle allows after the steps taken, responses are taken only while open
        /// and before the deadline, and a response is never readable by its buyer before the
        /// deadline, nor ever by anybody else.
        #[test]
        fn no_sequence_breaks_the_rules(steps in proptest::collection::vec((action(), 0i64..400_000), 0..40)) {
            let mut s = S::Draft;
            let mut now = DEADLINE - 2_000_000;
            let mut published_before_deadline = false;
            for (a, dt) in steps {
                now += dt;
                let at = Moment { now_ms: now, deadline_ms: DEADLINE };
                let before = s;
                if let Ok(next) = transition(s, a, at) {
                    s = next;
                }
                if before == S::Draft && s == S::Open {
                    published_before_deadline = now < DEADLINE;
                    prop_assert!(published_before_deadline);
                }
                // Unsealed states are reached only after the deadline.
                if matches!(s, S::Closed | S::Awarded | S::InProgress | S::Completed | S::Rated) {
                    prop_assert!(now >= DEADLINE && published_before_deadline, "{s:?} at {now}");
                }
                prop_assert!(!before.is_final() || s == before, "left a final state");
                prop_assert!(!may_read_response(Reader::Other, s, at));
                if may_read_response(Reader::Buyer, s, at) {
                    prop_assert!(now >= DEADLINE);
                }
                if responses_accepted(s, at).is_ok() {
                    prop_assert!(s == S::Open && now < DEADLINE);
                }
            }
        }
    }
}

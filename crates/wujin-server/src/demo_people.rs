//! The demo's people: a vacuum-flask maker that buys, a design house, a testing lab and a
//! die-caster that respond, an officer of the pilot office and a platform admin, with the
//! maker's demands in every state of their life (draft, open, open by invitation, closed,
//! awarded, in progress, completed, rated, cancelled) and responses submitted, withdrawn,
//! won and lost. Every step goes through the store's ordinary writes, so the history is one
//! the platform could have written itself; only deadlines are moved into the past, as time
//! would have. Written only into demo databases (`wujin serve --demo` on an empty one).

use wujin_domain::account::Role;
use wujin_domain::demand::{CancelReason, Cancellation, DemandContent, DemandState, Visibility};
use wujin_store::Store;
use wujin_store::demands::AwardLine;
use wujin_store::engagements::Side;
use wujin_store::orgs::OrgFilter;
use wujin_store::responses::{Created, Terms};

use crate::cli::{Failure, msg};
use crate::messages::say;
use wujin_domain::messages::Msg;
use wujin_domain::{Lang, msg};

/// The one password of every demo account.
pub const PASSWORD: &str = "wujin-demo";

/// A demo account: its login, what it is for, and the organisation it acts for.
pub struct DemoPerson {
    pub login: &'static str,
    /// What the login is for, as a key of the message catalogue.
    pub role: &'static str,
    /// The organisation it acts for.
    pub org: Option<String>,
}

const DAY: i64 = 24 * 3600 * 1000;

pub(crate) fn fail(e: impl std::fmt::Display) -> Failure {
    msg(format!("demo accounts: {e}"))
}

/// The first organisation with an offer in `category` (a category, or with `group` a
/// top-level category or service family), other than those in `not`.
async fn org_offering(store: &Store, category: &str, not: &[i64]) -> Result<i64, Failure> {
    let f = match category.strip_prefix("group:") {
        Some(g) => OrgFilter { group: Some(g.to_string()), ..Default::default() },
        None => OrgFilter { categories: Some(vec![category.to_string()]), ..Default::default() },
    };
    let (orgs, _) = store.list_orgs(&f, None, 10).await.map_err(fail)?;
    orgs.into_iter()
        .find(|o| !not.contains(&o.id))
        .map(|o| o.id)
        .ok_or_else(|| fail(format!("the demo cluster has no organisation offering {category}")))
}

async fn account(store: &Store, login: &str, name: &str, hash: &str) -> Result<i64, Failure> {
    store.create_account(login, name, hash).await.map_err(fail)?.ok_or_else(|| fail(format!("{login} exists")))
}

fn content(title: &str, need: &str, deadline_ms: i64) -> DemandContent {
    DemandContent {
        title: title.into(),
        need: need.into(),
        family: None,
        category: None,
        quantity: None,
        unit: None,
        budget_fen: None,
        standards: vec![],
        certificates: vec![],
        deadline_ms,
        town: None,
        visibility: Visibility::Public,
    }
}

fn terms(price_fen: i64, basis: &str, lead: i64, notes: &str) -> Terms {
    Terms { price_fen, basis: basis.into(), lead_time_days: lead, valid_days: 30, notes: notes.into() }
}

/// Whether the demo accounts are in this database.
pub async fn present(store: &Store) -> Result<bool, Failure> {
    Ok(store.account_by_login(LOGINS[0]).await.map_err(fail)?.is_some())
}

const LOGINS: [&str; 6] = [
    "flask@demo.wujin.cn",
    "design@demo.wujin.cn",
    "lab@demo.wujin.cn",
    "casting@demo.wujin.cn",
    "officer@demo.wujin.cn",
    "admin@demo.wujin.cn",
];

/// The firm the demo's buyer works for (the first vacuum-cup maker), with its monthly
/// reports whether or not the draw of reporting firms took it; its id.
pub async fn flask_reports(store: &Store) -> Result<i64, Failure> {
    let flask = org_offering(store, "cups.vacuum_cup", &[]).await?;
    if store.reports_of(flask).await.map_err(fail)?.is_empty() {
        let org = store.org(flask).await.map_err(fail)?.ok_or_else(|| fail("the flask maker is gone"))?;
        let last = wujin_domain::report::Month::of(wujin_store::ties::today()).plus(-1);
        let reports = wujin_demo::reports::series(&org.record, wujin_demo::DEFAULT_SEED, last);
        let ids = [(org.record.uscc.to_string(), (flask, None))].into_iter().collect();
        let rows = crate::cli::demo_report_rows(reports, &ids);
        store.load_dated_reports(&rows, "wujin demo").await.map_err(fail)?;
    }
    Ok(flask)
}

/// Writes the demo accounts and their demands.
pub async fn load(store: &Store) -> Result<(), Failure> {
    let flask = flask_reports(store).await?;
    // The office's view of the last year: searches that found little, for its service gaps.
    crate::cli::load_demo_searches(store, wujin_demo::DEFAULT_SEED).await?;
    let design = org_offering(store, "svc.industrial_design", &[flask]).await?;
    // A rival for the design demand: another firm of the R&D and design family.
    let design2 = org_offering(store, "group:rd_design", &[flask, design]).await?;
    let lab = org_offering(store, "group:testing", &[flask]).await?;
    let caster = org_offering(store, "cap.die_casting", &[flask]).await?;
    let hash = crate::api::accounts::hash_password_now(PASSWORD).map_err(fail)?;
    let [l_flask, l_design, l_lab, l_caster, l_officer, l_admin] = LOGINS;
    let buyer = account(store, l_flask, "王经理（保温杯厂）", &hash).await?;
    let designer = account(store, l_design, "李设计师", &hash).await?;
    let tester = account(store, l_lab, "陈工（检测实验室）", &hash).await?;
    let caster_p = account(store, l_caster, "周厂长（压铸厂）", &hash).await?;
    let officer = account(store, l_officer, "试点办 赵科长", &hash).await?;
    let admin = account(store, l_admin, "平台管理员", &hash).await?;
    let rival = account(store, "rival-design@demo.wujin.cn", "另一家设计公司", &hash).await?;
    for (org, who) in [(flask, buyer), (design, designer), (lab, tester), (caster, caster_p), (design2, rival)] {
        store.set_member(org, who, Role::Owner, who).await.map_err(fail)?;
    }
    store.make_officer(officer).await.map_err(fail)?;
    store.make_platform_admin(admin).await.map_err(fail)?;

    let now = wujin_store::now_ms();
    let s = store;
    // Helpers over the store's ordinary writes.
    let draft = |c: DemandContent| async move {
        let c = c.check().map_err(|e| fail(format!("{:?}", e.first().map(|e| &e.field))))?;
        s.create_demand(flask, buyer, &c, &[]).await.map_err(fail)?.saved().ok_or_else(|| fail("no draft saved"))
    };
    let publish = |id: i64| async move {
        s.move_demand(id, 1, DemandState::Draft, DemandState::Open, "publish", buyer).await.map_err(fail)
    };
    let respond = |id: i64, org: i64, by: i64, t: Terms| async move {
        match s.create_response(id, org, by, &t).await.map_err(fail)? {
            Created::Done(r) => Ok(r),
            other => Err(fail(format!("response to {id}: {other:?}"))),
        }
    };
    let close = |id: i64| async move {
        s.backdate_deadline(id, now - DAY).await.map_err(fail)?;
        s.close_if_due(id, now).await.map_err(fail)
    };

    // Draft: an exterior design still being written.
    let mut c = content("焖烧杯新款外观设计", "容量 500ml，面向年轻用户，需提供三套方案与手板。", now + 30 * DAY);
    c.family = Some("rd_design".into());
    draft(c).await?;

    // Open to all: die-cast lids, with the die-caster's sealed quote.
    let mut c = content("铝合金压铸杯盖外壳 5000 件", "ADC12 铝合金，表面喷砂阳极氧化，附图纸。", now + 14 * DAY);
    (c.category, c.quantity, c.unit) = (Some("parts.casting".into()), Some(5000), Some("piece".into()));
    let open = draft(c).await?.id;
    publish(open).await?;
    respond(open, caster, caster_p, terms(1850, "unit", 25, "含税含运，模具费另计")).await?;

    // Open by invitation: testing, the lab invited and answering.
    let mut c = content("304 不锈钢保温杯 GB/T 29606 检测", "一批 20 只样品，需出具 CMA 报告。", now + 10 * DAY);
    (c.family, c.standards, c.visibility) = (Some("testing".into()), vec!["GB/T 29606".into()], Visibility::Invited);
    let invited = draft(c).await?.id;
    s.invite(invited, &[lab], buyer).await.map_err(fail)?;
    publish(invited).await?;
    respond(invited, lab, tester, terms(380000, "lump_sum", 7, "含 CMA 报告，7 个工作日")).await?;

    // Closed: two design houses answered, the buyer may now compare them.
    let mut c = content("保温杯 2027 春季款外观设计", "两款杯型，含 CMF 方案。", now + DAY);
    c.family = Some("rd_design".into());
    let closed = draft(c).await?.id;
    publish(closed).await?;
    respond(closed, design, designer, terms(4_500_000, "lump_sum", 30, "三轮修改以内")).await?;
    respond(closed, design2, rival, terms(3_800_000, "lump_sum", 40, "")).await?;
    close(closed).await?;

    // Awarded, in progress, completed and rated: die-cast parts and design work.
    let mut steps = vec![];
    for (title, quantity) in [
        ("压铸杯底座 3000 件", 3000),
        ("压铸手柄 8000 件", 8000),
        ("压铸壶盖 2000 件", 2000),
        ("压铸杯盖 6000 件", 6000),
    ] {
        let mut c = content(title, "ADC12，附图纸。", now + DAY);
        (c.category, c.quantity, c.unit) = (Some("parts.casting".into()), Some(quantity), Some("piece".into()));
        let id = draft(c).await?.id;
        publish(id).await?;
        let r = respond(id, caster, caster_p, terms(1600, "unit", 20, "含税")).await?;
        close(id).await?;
        let line = AwardLine { response_id: r, quantity: Some(quantity) };
        let e = match s.award_demand(id, 2, DemandState::Closed, &[line], buyer).await.map_err(fail)? {
            wujin_store::demands::Awarded::Done(e) => e[0],
            other => return Err(fail(format!("award {id}: {other:?}"))),
        };
        steps.push(e);
    }
    s.start(steps[1], caster_p).await.map_err(fail)?;
    for &e in &steps[2..] {
        s.mark_done(e, Side::Provider, caster_p).await.map_err(fail)?;
        s.mark_done(e, Side::Buyer, buyer).await.map_err(fail)?;
    }
    s.rate(steps[3], flask, caster, 5, "交期准时，质量稳定", buyer).await.map_err(fail)?;
    s.rate(steps[3], caster, flask, 5, "图纸清楚，付款及时", caster_p).await.map_err(fail)?;

    // A response withdrawn, and a demand cancelled.
    let mut c = content("保温杯激光打标 10000 只", "Logo 打标，两种字体。", now + 20 * DAY);
    c.quantity = Some(10000);
    let withdrawn = draft(c).await?.id;
    publish(withdrawn).await?;
    let r = respond(withdrawn, caster, caster_p, terms(30, "unit", 5, "")).await?;
    s.change_response(r, 1, None, caster_p).await.map_err(fail)?;
    let cancelled = draft(content("展会样品包装设计", "已改由内部完成。", now + 20 * DAY)).await?.id;
    publish(cancelled).await?;
    let why =
        Cancellation::new(CancelReason::NeedChanged, Some("样品包装改由公司内部设计。")).map_err(|e| fail(e.en))?;
    s.cancel_demand(cancelled, 2, DemandState::Open, &why, buyer).await.map_err(fail)?;

    // The office's supervision: departments, tasks and inspections with their problems.
    let second = account(store, "supervisor@demo.wujin.cn", "经信局 钱科长", &hash).await?;
    store.make_officer(second).await.map_err(fail)?;
    Box::pin(crate::demo_supervision::load(store, officer, second, flask, caster, buyer, caster_p)).await?;

    // Group purchase: price series and pools, with two more cup makers committing.
    let mut others = vec![];
    for category in ["cups.vacuum_cup", "cups.vacuum_flask"] {
        let mut not = vec![flask, caster];
        not.extend(&others);
        if let Ok(o) = org_offering(store, category, &not).await {
            others.push(o);
        }
    }
    Box::pin(crate::demo_pools::load(store, admin, (flask, buyer), (caster, caster_p), &others)).await?;
    Box::pin(crate::demo_pools::load_machines(store, (flask, buyer), (caster, caster_p))).await?;
    // Standards: the cup maker's offers declared with the demo lab's reports.
    Box::pin(crate::demo_declarations::load(store, (flask, buyer), lab)).await?;
    Box::pin(crate::demo_declarations::load_lab(store, (lab, tester), (flask, buyer))).await?;
    Box::pin(crate::demo_declarations::load_replacement(store, admin)).await?;

    Ok(())
}

/// What each demo login is for.
const ROLES: [&str; 6] = [
    "demo_role_buyer",
    "demo_role_design",
    "demo_role_lab",
    "demo_role_caster",
    "demo_role_officer",
    "demo_role_admin",
];

/// The demo people in this database, with the organisation each acts for.
pub async fn people(store: &Store) -> Result<Vec<DemoPerson>, Failure> {
    let mut out = vec![];
    for (login, role) in LOGINS.into_iter().zip(ROLES) {
        let Some(a) = store.account_by_login(login).await.map_err(fail)? else { continue };
        let org = store.memberships(a.id).await.map_err(fail)?.into_iter().next().map(|m| m.org_name);
        out.push(DemoPerson { login, role, org });
    }
    Ok(out)
}

/// How to sign in as each demo person, for the console.
pub fn how_to_sign_in(people: &[DemoPerson], lang: Lang) -> String {
    let mut out = format!("{}\n", say(lang, &msg!("demo_accounts", PASSWORD)));
    for p in people {
        let what = say(lang, &Msg::key(p.role));
        let org = p.org.as_deref().map(|o| format!(" — {o}")).unwrap_or_default();
        out.push_str(&format!("  {:<24} {what}{org}\n", p.login));
    }
    out
}

//! Who may do what to a demand and its responses, and to a firm's supply ties: every role
//! against every endpoint that touches one, each cell on a fresh demand in the state the
//! endpoint needs, on both engines. The expected table is written out below, one row per endpoint, so a change in
//! who may do what shows up as a changed row in review.
//!
//! A cell is the status the caller gets; for reading responses, `+` after it means the
//! invited provider's quote (its price) was in the answer and `-` that it was not.

mod common;

use axum::http::StatusCode;
use common::{Person, quote, send_to};
use serde_json::{Value, json};
use wujin_domain::account::Role;
use wujin_domain::demand::{DemandContent, DemandState, Visibility};
use wujin_server::api::AppState;
use wujin_store::demands::{AwardLine, Awarded};
use wujin_store::engagements::Side;
use wujin_store::responses::{Created, Terms};
use wujin_store::{Store, both_backends};

/// The roles, in the order of the table's columns.
const ROLES: [&str; 8] = [
    "anonymous",
    "buyer member",
    "buyer admin",
    "invited provider",
    "uninvited provider",
    "competitor",
    "officer",
    "platform admin",
];

/// The quote of the invited provider, the one every read looks for.
const PRICE: i64 = 1850;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Stage {
    Draft,
    /// Published, nobody has responded yet.
    Fresh,
    /// Published, the invited provider and the competitor have responded.
    Open,
    /// Past the deadline, closed.
    Closed,
    Awarded,
    /// Both sides marked the work done.
    Completed,
}

struct World {
    app: AppState,
    /// The buyer organisation, and the providers: invited, uninvited, competitor (invited too).
    a: i64,
    p: i64,
    u: i64,
    c: i64,
    owner: i64,
    p_owner: i64,
    c_owner: i64,
    people: Vec<Option<Person>>,
}

struct Scene {
    demand: i64,
    /// The first outbox sequence the scene wrote.
    first_seq: i64,
    response: Option<i64>,
    engagement: Option<i64>,
}

impl World {
    async fn new(s: &Store) -> World {
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 4).await.unwrap();
        let (a, p, u, c) = (orgs[0].id, orgs[1].id, orgs[2].id, orgs[3].id);
        let owner = common::owner(s, "owner@a.example.cn", Some(a)).await;
        let member = common::sign_up(s, "member@a.example.cn").await;
        s.set_member(a, member.id, Role::Member, owner.id).await.unwrap();
        let admin = common::sign_up(s, "admin@a.example.cn").await;
        s.set_member(a, admin.id, Role::Admin, owner.id).await.unwrap();
        let invited = common::owner(s, "sales@p.example.cn", Some(p)).await;
        let uninvited = common::owner(s, "sales@u.example.cn", Some(u)).await;
        let rival = common::owner(s, "sales@c.example.cn", Some(c)).await;
        let officer = common::sign_up(s, "officer@gov.example.cn").await;
        s.make_officer(officer.id).await.unwrap();
        let padmin = common::sign_up(s, "root@wujin.example.cn").await;
        s.make_platform_admin(padmin.id).await.unwrap();
        World {
            app: common::with_index(s).await,
            a,
            p,
            u,
            c,
            owner: owner.id,
            p_owner: invited.id,
            c_owner: rival.id,
            people: vec![
                None,
                Some(member),
                Some(admin),
                Some(invited),
                Some(uninvited),
                Some(rival),
                Some(officer),
                Some(padmin),
            ],
        }
    }

    /// A new demand of the buyer, invited-only (P and C invited) unless `public`, at `stage`,
    /// requiring `standards`.
    async fn scene_requiring(&self, stage: Stage, public: bool, standards: Vec<String>) -> Scene {
        let s = &self.app.store;
        let c = DemandContent {
            title: "铝合金压铸外壳".into(),
            need: "ADC12".into(),
            family: None,
            category: Some("parts.casting".into()),
            quantity: Some(5000),
            unit: None,
            budget_fen: None,
            standards,
            certificates: vec![],
            deadline_ms: wujin_store::now_ms() + 86_400_000,
            town: None,
            visibility: if public { Visibility::Public } else { Visibility::Invited },
        };
        let first_seq = s.outbox_max_seq().await.unwrap() + 1;
        let demand = s.create_demand(self.a, self.owner, &c, &[]).await.unwrap().saved().unwrap().id;
        let mut scene = Scene { demand, first_seq, response: None, engagement: None };
        if stage == Stage::Draft {
            return scene;
        }
        s.invite(demand, &[self.p, self.c], self.owner).await.unwrap();
        s.move_demand(demand, 1, DemandState::Draft, DemandState::Open, "publish", self.owner).await.unwrap();
        if stage == Stage::Fresh {
            return scene;
        }
        let terms = |price| Terms {
            price_fen: price,
            basis: "unit".into(),
            lead_time_days: 20,
            valid_days: 30,
            notes: String::new(),
        };
        let Created::Done(r) = s.create_response(demand, self.p, self.p_owner, &terms(PRICE)).await.unwrap() else {
            panic!()
        };
        s.create_response(demand, self.c, self.c_owner, &terms(1790)).await.unwrap();
        scene.response = Some(r);
        if stage == Stage::Open {
            return scene;
        }
        s.backdate_deadline(demand, wujin_store::now_ms() - 1000).await.unwrap();
        s.close_if_due(demand, wujin_store::now_ms()).await.unwrap();
        if stage == Stage::Closed {
            return scene;
        }
        let line = AwardLine { response_id: r, quantity: Some(5000) };
        let Awarded::Done(e) = s.award_demand(demand, 2, DemandState::Closed, &[line], self.owner).await.unwrap()
        else {
            panic!()
        };
        scene.engagement = Some(e[0]);
        if stage == Stage::Completed {
            s.mark_done(e[0], Side::Buyer, self.owner).await.unwrap();
            s.mark_done(e[0], Side::Provider, self.p_owner).await.unwrap();
        }
        scene
    }

    /// An offer of the invited provider citing GB 4806.9 (food-contact metal), declared with
    /// a report; the declaration's id.
    async fn declaration(&self) -> i64 {
        let p = self.people[3].as_ref().unwrap();
        let body =
            json!({"title": "304 不锈钢锅具", "category": "cookware.stainless_pot", "standards": ["GB 4806.9-2023"]});
        let r = send_to(&self.app, "POST", &format!("/api/v1/orgs/{}/offers", self.p), Some(body), &p.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let offer = r.body["id"].as_i64().unwrap();
        let d = wujin_domain::declaration::Declared {
            standard: "GB 4806.9-2023".into(),
            report_no: "FC-2026-001".into(),
            lab: wujin_domain::declaration::Lab::Named("某检测所".into()),
            issued_on: wujin_store::ties::today(),
            valid_until: None,
        };
        let file = wujin_store::files::NewFile { name: "r.pdf", mime: "application/pdf", bytes: b"%PDF-1.4\n%%EOF\n" };
        self.app.store.declare(self.p, offer, &d, file, self.p_owner).await.unwrap().id
    }

    /// A test item of the invited provider (a lab), under a new testing service offer.
    async fn test_item(&self) -> i64 {
        let lab = self.people[3].as_ref().unwrap();
        let body = json!({"title": "保温杯检测", "category": "svc.product_testing", "standards": ["GB/T 29606-2013"]});
        let r = send_to(&self.app, "POST", &format!("/api/v1/orgs/{}/offers", self.p), Some(body), &lab.h()).await;
        let offer = r.body["id"].as_i64().unwrap();
        let item = json!({"standard": "GB/T 29606-2013", "name": "保温效能", "price_fen": 60000, "turnaround_days": 7,
            "weekly_capacity": 100});
        let r = send_to(&self.app, "POST", &format!("/api/v1/offers/{offer}/test-items"), Some(item), &lab.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_i64().unwrap()
    }

    /// A machine of the invited provider, open round the clock.
    async fn machine(&self) -> i64 {
        let week: Vec<String> = vec!["00:00-24:00".into(); 7];
        let m = wujin_domain::capacity::check_machine("压铸岛", "压铸 800 T", &week, 0, None).unwrap();
        self.app.store.create_machine(self.p, None, self.p_owner, &m).await.unwrap().id
    }

    /// An hour of its own for each cell, some days ahead.
    fn slot(&self, cell: usize) -> i64 {
        let day = 86_400_000;
        (wujin_store::now_ms() / day + 3) * day + cell as i64 * 3_600_000
    }

    /// A request of the buyer on a new machine of the invited provider.
    async fn booking(&self, cell: usize) -> i64 {
        let machine = self.machine().await;
        let start = self.slot(cell);
        let r = wujin_store::capacity::BookingRequest {
            machine_id: machine,
            org_id: self.a,
            by: self.owner,
            start_ms: start,
            end_ms: start + 3_600_000,
            block_end_ms: start + 3_600_000,
            quantity: None,
            material: String::new(),
            notes: String::new(),
        };
        match self.app.store.request_booking(&r, wujin_domain::capacity::HOLD_MS).await.unwrap() {
            wujin_store::capacity::Booked::Done(b) => b.id,
            other => panic!("{other:?}"),
        }
    }

    /// A pool the buyer organises, at a fixed price, open for a week.
    async fn pool(&self) -> i64 {
        let today = wujin_store::ties::today();
        let day = |n: i64| (today + time::Duration::days(n)).to_string();
        let (from, to) = (day(10), day(20));
        let input = wujin_domain::pool::PoolInput {
            spec: "304 不锈钢冷轧卷",
            category: "materials.stainless_coil",
            unit: "t",
            lot_size: 10,
            fixed_price_fen: Some(1_400_000),
            deadline_ms: wujin_store::now_ms() + 7 * 86_400_000,
            delivery_from: &from,
            delivery_to: &to,
            ..Default::default()
        };
        let record = wujin_domain::pool::check_pool(&input, wujin_store::now_ms()).unwrap();
        self.app.store.create_pool(self.a, self.owner, &record).await.unwrap().id
    }

    /// A tie the buyer declared, naming the invited provider as its supplier of an input of
    /// its own for this cell (a tie said again would be the same tie).
    async fn declared_tie(&self, cell: usize) -> i64 {
        const INPUTS: [&str; 8] = [
            "parts.motor",
            "parts.battery_pack",
            "parts.charger",
            "parts.controller",
            "parts.bearing",
            "parts.gear",
            "parts.fastener",
            "parts.spring",
        ];
        let new = wujin_store::ties::NewTie {
            supplier: wujin_store::ties::SupplierRef::Org(self.p),
            customer_org_id: self.a,
            input: INPUTS[cell].into(),
            share: None,
            buffer_weeks: None,
            since: None,
            until: None,
            source: wujin_domain::tie::TieSource::Declared,
            declared_by: Some(wujin_domain::tie::Side::Customer),
        };
        let tie = self.app.store.declare_tie(&new, "test", wujin_store::ties::today()).await.unwrap();
        if tie.state != wujin_domain::tie::TieState::Declared {
            // Confirmed by an earlier cell: end it, so this cell meets a fresh declaration.
            self.app
                .store
                .act_on_tie(tie.id, self.a, wujin_domain::tie::TieAction::End, None, "test", wujin_store::ties::today())
                .await
                .unwrap();
            return self.app.store.declare_tie(&new, "test", wujin_store::ties::today()).await.unwrap().id;
        }
        tie.id
    }

    /// The organisation a role answers for (its own, or the invited provider's when it has none).
    fn org_of(&self, role: usize) -> i64 {
        match role {
            1 | 2 => self.a,
            4 => self.u,
            5 => self.c,
            _ => self.p,
        }
    }
}

/// One row of the table: an endpoint, the stage it needs, and the call.
struct Row {
    name: &'static str,
    stage: Stage,
    public: bool,
    expected: [&'static str; 8],
}

fn rows() -> Vec<Row> {
    let row = |name, stage, public, expected| Row { name, stage, public, expected };
    use Stage::*;
    vec![
        //                                                          anon   member  admin   invited  uninv  rival   officer padmin
        row("GET demand", Open, false, ["401", "200", "200", "200", "404", "200", "404", "404"]),
        row("GET public demand", Open, true, ["401", "200", "200", "200", "200", "200", "200", "200"]),
        row("PATCH draft", Draft, false, ["401", "200", "200", "404", "404", "404", "404", "404"]),
        row("publish", Draft, false, ["401", "403", "200", "404", "404", "404", "404", "404"]),
        row("cancel", Open, false, ["401", "403", "200", "404", "404", "404", "404", "404"]),
        row("invite", Open, false, ["401", "403", "201", "404", "404", "404", "404", "404"]),
        row("GET invitations", Open, false, ["401", "200", "200", "404", "404", "404", "404", "404"]),
        row("GET suggestions", Open, false, ["401", "200", "200", "404", "404", "404", "404", "404"]),
        row("respond", Fresh, false, ["401", "403", "403", "201", "404", "201", "404", "404"]),
        row("respond to public", Fresh, true, ["401", "403", "403", "201", "201", "201", "403", "403"]),
        row("GET responses before deadline", Open, false, ["401", "200-", "200-", "200+", "404", "200-", "404", "404"]),
        row(
            "GET responses after deadline",
            Closed,
            false,
            ["401", "200+", "200+", "200+", "404", "200-", "404", "404"],
        ),
        row(
            "GET public responses after deadline",
            Closed,
            true,
            ["401", "200+", "200+", "200+", "200-", "200-", "200-", "200-"],
        ),
        row("revise response", Open, false, ["401", "404", "404", "200", "404", "404", "404", "404"]),
        row("withdraw response", Open, false, ["401", "404", "404", "204", "404", "404", "404", "404"]),
        row("award", Closed, false, ["401", "403", "201", "404", "404", "404", "404", "404"]),
        row("GET engagement", Awarded, false, ["401", "200", "200", "200", "404", "404", "404", "404"]),
        row("start engagement", Awarded, false, ["401", "403", "403", "200", "404", "404", "404", "404"]),
        row("complete engagement", Awarded, false, ["401", "403", "200", "200", "404", "404", "404", "404"]),
        row("rate engagement", Completed, false, ["401", "403", "201", "201", "404", "404", "404", "404"]),
        row("GET audit of the buyer", Open, false, ["401", "403", "200", "403", "403", "403", "403", "403"]),
        row("GET demand overview", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        row("GET chain map", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        // The change feed shows a demand to exactly those whose GET of it answers (`+`).
        row("demand in the change feed", Open, false, ["200-", "200+", "200+", "200+", "200-", "200+", "200-", "200-"]),
        row(
            "public demand in the change feed",
            Open,
            true,
            ["200-", "200+", "200+", "200+", "200+", "200+", "200+", "200+"],
        ),
        row("upload to the buyer's catalogue", Open, false, ["401", "403", "201", "403", "403", "403", "403", "403"]),
        row("export offers", Open, false, ["200", "200", "200", "200", "200", "200", "200", "200"]),
        // A webhook delivers a demand to exactly those whose GET of it answers (`+`).
        row("demand through a webhook", Open, false, ["401", "201+", "201+", "201+", "201-", "201+", "201-", "201-"]),
        row(
            "public demand through a webhook",
            Open,
            true,
            ["401", "201+", "201+", "201+", "201+", "201+", "201+", "201+"],
        ),
        // A subscription is its owner's alone (the buyer's admin made this one).
        row("GET the buyer admin's webhook", Open, false, ["401", "404", "200", "404", "404", "404", "404", "404"]),
        // A supply tie is its two firms' alone: the buyer declared it, naming the invited
        // provider as its supplier; only the provider may confirm it, either side may end it
        // (its owners and admins), and nobody else learns it exists.
        row("GET the buyer's ties", Open, false, ["401", "200", "200", "403", "403", "403", "403", "403"]),
        row("declare a tie for the buyer", Open, false, ["401", "403", "201", "403", "403", "403", "403", "403"]),
        row("confirm the buyer's declared tie", Open, false, ["401", "403", "409", "200", "404", "404", "404", "404"]),
        row("end the buyer's tie", Open, false, ["401", "403", "200", "200", "404", "404", "404", "404"]),
        row("GET the buyer's chain settings", Open, false, ["401", "200", "200", "403", "403", "403", "403", "403"]),
        row("set the buyer's chain settings", Open, false, ["401", "403", "200", "403", "403", "403", "403", "403"]),
        // The chain's questions: a firm's own chain, reach and outage for its members; the
        // cluster's outage and single-source counts for the pilot office and platform admins.
        row("GET the buyer's chain", Open, false, ["401", "200", "200", "403", "403", "403", "403", "403"]),
        row("GET reach from the buyer", Open, false, ["401", "200", "200", "403", "403", "403", "403", "403"]),
        row("GET an outage as the buyer", Open, false, ["401", "200", "200", "403", "403", "403", "403", "403"]),
        row("GET an outage as the office", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        // A monthly report is the firm's own: its members read it, its owners and admins file
        // it; the office sees aggregates only.
        row("GET the buyer's reports", Open, false, ["401", "200", "200", "403", "403", "403", "403", "403"]),
        row("file the buyer's report", Open, false, ["401", "403", "201", "403", "403", "403", "403", "403"]),
        row("GET report aggregates", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        row("GET single-sourced inputs", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        row("GET idle capacity", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        // Supervision: the office gives tasks and raises problems; the responsible unit sees
        // its own and rectifies (any member), only the office closes, nobody else learns of them.
        row("give the buyer a task", Open, false, ["401", "403", "403", "403", "403", "403", "201", "201"]),
        row("GET the buyer's task", Open, false, ["401", "200", "200", "404", "404", "404", "200", "200"]),
        row("raise a problem for the buyer", Open, false, ["401", "403", "403", "403", "403", "403", "201", "201"]),
        row("GET the buyer's problem", Open, false, ["401", "200", "200", "404", "404", "404", "200", "200"]),
        row(
            "add a measure to the buyer's problem",
            Open,
            false,
            ["401", "201", "201", "404", "404", "404", "403", "403"],
        ),
        row(
            "close the buyer's rectified problem",
            Open,
            false,
            ["401", "409", "409", "404", "404", "404", "200", "200"],
        ),
        // Group purchase: a firm's owners and admins open pools and commit for it; everyone
        // signed in reads a pool's terms and total; a firm's quantity is its own until the
        // close, and then the organiser's too (`+`: the quantity looked for was in the answer).
        row("open a pool for the buyer", Open, false, ["401", "403", "201", "403", "403", "403", "403", "403"]),
        row("GET the buyer's pool", Open, false, ["401", "200", "200", "200", "200", "200", "200", "200"]),
        row("commit for the buyer to a pool", Open, false, ["401", "403", "200", "403", "403", "403", "403", "403"]),
        row(
            "GET an open pool's commitments",
            Open,
            false,
            ["401", "200+", "200+", "200-", "200-", "200-", "200-", "200-"],
        ),
        row(
            "GET a closed pool's commitments",
            Open,
            false,
            ["401", "200+", "200+", "200-", "200-", "200+", "200-", "200-"],
        ),
        row("publish a price series", Open, false, ["401", "403", "403", "403", "403", "403", "403", "201"]),
        // The standards library: everyone reads it, platform admins change it.
        row("GET a standard", Open, false, ["200", "200", "200", "200", "200", "200", "200", "200"]),
        row("publish a standard's edition", Open, false, ["401", "403", "403", "403", "403", "403", "403", "201"]),
        row("GET a standard's impact", Open, false, ["401", "403", "403", "403", "403", "403", "200", "200"]),
        // Test bookings: a firm's owners and admins book a lab's items for it; only the lab
        // confirms; a booking is its two firms' alone.
        row(
            "book the provider's test for the buyer",
            Open,
            false,
            ["401", "403", "201", "403", "403", "403", "403", "403"],
        ),
        row("confirm the buyer's test booking", Open, false, ["401", "403", "403", "200", "404", "404", "404", "404"]),
        // A lab's certificate: its owners submit it; its document is the lab's and the
        // platform admins'; only a platform admin verifies it.
        row("submit the provider's certificate", Open, false, ["401", "403", "403", "201", "403", "403", "403", "403"]),
        row(
            "GET the provider's certificate document",
            Open,
            false,
            ["401", "404", "404", "200", "404", "404", "404", "200"],
        ),
        row("verify the provider's certificate", Open, false, ["401", "403", "403", "403", "403", "403", "403", "200"]),
        // Only the firm that booked rates the lab, once its report is out.
        row("rate the buyer's reported test", Open, false, ["401", "403", "200", "403", "404", "404", "404", "404"]),
        // Declarations: a firm's owners and admins declare for its offers; the report's file
        // is the firm's, and a buyer's it answered on a demand requiring that standard, once
        // the deadline has passed (404 to anyone else, who may not know of it).
        row("declare for the provider's offer", Open, false, ["401", "403", "403", "201", "403", "403", "403", "403"]),
        row(
            "GET the provider's report before the deadline",
            Open,
            false,
            ["401", "404", "404", "200", "404", "404", "404", "404"],
        ),
        row(
            "GET the provider's report after the deadline",
            Closed,
            false,
            ["401", "200", "200", "200", "404", "404", "404", "404"],
        ),
        // Shared capacity: a firm's owners and admins offer machines and book time for it;
        // everyone signed in reads a machine's week (free or taken, not by whom); only the
        // machine's firm confirms; a booking is its two firms' alone.
        row("offer a machine for the buyer", Open, false, ["401", "403", "201", "403", "403", "403", "403", "403"]),
        row("GET the provider's machine", Open, false, ["401", "200", "200", "200", "200", "200", "200", "200"]),
        row(
            "book the provider's machine for the buyer",
            Open,
            false,
            ["401", "403", "201", "403", "403", "403", "403", "403"],
        ),
        row("confirm the buyer's booking", Open, false, ["401", "403", "403", "200", "404", "404", "404", "404"]),
        row("GET the buyer's bookings", Open, false, ["401", "200+", "200+", "200-", "200-", "200-", "200-", "200-"]),
        // A completed engagement is a tie between the two, seen by both.
        row(
            "engagement tie among the buyer's ties",
            Completed,
            false,
            ["401", "200+", "200+", "403", "403", "403", "403", "403"],
        ),
    ]
}

fn pool_body(org: i64) -> Value {
    let day = |n: i64| (wujin_store::ties::today() + time::Duration::days(n)).to_string();
    json!({"org_id": org, "spec": "ADC12 铝锭", "category": "materials.aluminium_ingot", "unit": "t", "lot_size": 5,
        "fixed_price_fen": 2_000_000, "deadline": day(7), "delivery_from": day(10), "delivery_to": day(20)})
}

async fn call(w: &World, row: &Row, role: usize) -> String {
    // Only the report rows' demands require a standard: a buyer reads a report through a
    // demand of its own that required it.
    let required = if row.name.contains("report") { vec!["GB 4806.9-2023".to_string()] } else { vec![] };
    let sc = w.scene_requiring(row.stage, row.public, required).await;
    let d = sc.demand;
    let h: Vec<(&str, &str)> = w.people[role].as_ref().map(|p| p.h().to_vec()).unwrap_or_default();
    let rid = sc.response.unwrap_or(0);
    let e = sc.engagement.unwrap_or(0);
    let (method, path, body): (&str, String, Option<Value>) = match row.name {
        "GET demand" | "GET public demand" => ("GET", format!("/api/v1/demands/{d}"), None),
        "PATCH draft" => (
            "PATCH",
            format!("/api/v1/demands/{d}"),
            Some(json!({"revision": 1, "title": "改", "deadline": "2099-12-31"})),
        ),
        "publish" => ("POST", format!("/api/v1/demands/{d}/publish"), Some(json!({"revision": 1}))),
        "cancel" => {
            ("POST", format!("/api/v1/demands/{d}/cancel"), Some(json!({"revision": 2, "reason_code": "duplicate"})))
        }
        "invite" => ("POST", format!("/api/v1/demands/{d}/invitations"), Some(json!({"org_ids": [w.u]}))),
        "GET invitations" => ("GET", format!("/api/v1/demands/{d}/invitations"), None),
        "GET suggestions" => ("GET", format!("/api/v1/demands/{d}/suggestions"), None),
        "respond" | "respond to public" => {
            ("POST", format!("/api/v1/demands/{d}/responses"), Some(quote(w.org_of(role), PRICE)))
        }
        "GET responses before deadline" | "GET responses after deadline" | "GET public responses after deadline" => {
            ("GET", format!("/api/v1/demands/{d}/responses"), None)
        }
        "revise response" => {
            let mut q = quote(w.org_of(role), 1700);
            q["org_id"] = Value::Null;
            q["revision"] = json!(1);
            ("PUT", format!("/api/v1/demands/{d}/responses/{rid}"), Some(q))
        }
        "withdraw response" => ("DELETE", format!("/api/v1/demands/{d}/responses/{rid}"), Some(json!({"revision": 1}))),
        "award" => (
            "POST",
            format!("/api/v1/demands/{d}/awards"),
            Some(json!({"revision": 2, "awards": [{"response_id": rid}]})),
        ),
        "GET engagement" => ("GET", format!("/api/v1/engagements/{e}"), None),
        "start engagement" => ("POST", format!("/api/v1/engagements/{e}/start"), None),
        "complete engagement" => ("POST", format!("/api/v1/engagements/{e}/complete"), None),
        "rate engagement" => ("POST", format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 4}))),
        "GET audit of the buyer" => ("GET", format!("/api/v1/audit?org_id={}", w.a), None),
        "GET demand overview" => ("GET", "/api/v1/overview/demands".into(), None),
        "GET chain map" => ("GET", "/api/v1/overview/chain".into(), None),
        "demand in the change feed" | "public demand in the change feed" => {
            // Every page of the feed, looking for this demand.
            let (mut since, mut seen) = (0i64, false);
            loop {
                let r = send_to(&w.app, "GET", &format!("/api/v1/changes?types=demand&since={since}"), None, &h).await;
                if r.status != StatusCode::OK {
                    return r.status.as_u16().to_string();
                }
                seen |= r.body["items"].as_array().unwrap().iter().any(|i| i["id"].as_i64() == Some(d));
                let next = r.body["next"].as_i64().unwrap();
                if next == since {
                    return format!("200{}", if seen { '+' } else { '-' });
                }
                since = next;
            }
        }
        "upload to the buyer's catalogue" => {
            let sheet = "外部编号,标题,类目\nM-1,真空保温杯 500ml,保温杯\n";
            let path = format!("/api/v1/orgs/{}/offers/uploads", w.a);
            return common::upload_to(&w.app, &path, "目录.csv", sheet.as_bytes(), &[], &h)
                .await
                .status
                .as_u16()
                .to_string();
        }
        "export offers" => ("GET", "/api/v1/export/offers".into(), None),
        "demand through a webhook" | "public demand through a webhook" => {
            let app = AppState { webhook_allow_private: true, ..w.app.clone() };
            let rx = common::Receiver::start().await;
            let since = sc.first_seq - 1;
            let body = json!({"url": rx.url, "types": ["demand"], "since": since});
            let r = send_to(&app, "POST", "/api/v1/webhooks", Some(body), &h).await;
            if r.status != StatusCode::CREATED {
                return r.status.as_u16().to_string();
            }
            common::drain(
                &wujin_server::webhooks::Worker::new(app.clone(), wujin_server::webhooks::Sender::new(true)),
                wujin_store::now_ms(),
            )
            .await;
            let seen = rx.got().await.iter().any(|g| g.json()["data"]["id"].as_i64() == Some(d));
            // Gone again, so the next cell's worker does not deliver to it.
            let hook = r.body["webhook"]["id"].as_i64().unwrap();
            send_to(&app, "DELETE", &format!("/api/v1/webhooks/{hook}"), None, &h).await;
            return format!("201{}", if seen { '+' } else { '-' });
        }
        "GET the buyer admin's webhook" => {
            let admin = w.people[2].as_ref().unwrap().h();
            let body = json!({"url": "https://erp.example.cn/hooks/wujin", "types": ["offer"]});
            let r = send_to(&w.app, "POST", "/api/v1/webhooks", Some(body), &admin).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let hook = r.body["webhook"]["id"].as_i64().unwrap();
            let got = send_to(&w.app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &h).await.status;
            send_to(&w.app, "DELETE", &format!("/api/v1/webhooks/{hook}"), None, &admin).await;
            return got.as_u16().to_string();
        }
        "GET the buyer's ties" => ("GET", format!("/api/v1/orgs/{}/ties", w.a), None),
        "engagement tie among the buyer's ties" => {
            let r = send_to(&w.app, "GET", &format!("/api/v1/orgs/{}/ties", w.a), None, &h).await;
            if r.status != StatusCode::OK {
                return r.status.as_u16().to_string();
            }
            let found = r.body["items"].as_array().unwrap().iter().any(|t| {
                t["source"] == "engagement"
                    && t["supplier"]["org_id"].as_i64() == Some(w.p)
                    && t["input"]["code"] == "parts.casting"
            });
            return format!("200{}", if found { '+' } else { '-' });
        }
        "declare a tie for the buyer" => (
            "POST",
            format!("/api/v1/orgs/{}/ties", w.a),
            Some(json!({"supplier_name": format!("宁波某厂{role}"), "region": "浙江 宁波", "input": "304不锈钢"})),
        ),
        "confirm the buyer's declared tie" | "end the buyer's tie" => {
            let tie = w.declared_tie(role).await;
            let verb = if row.name.starts_with("confirm") { "confirm" } else { "end" };
            ("POST", format!("/api/v1/ties/{tie}/{verb}"), None)
        }
        "GET the buyer's chain" => ("GET", format!("/api/v1/orgs/{}/chain?alternatives=false", w.a), None),
        "GET reach from the buyer" => ("GET", format!("/api/v1/orgs/{}/chain/reach?direction=up", w.a), None),
        "GET an outage as the buyer" => ("GET", format!("/api/v1/orgs/{}/chain/outage?stopped={}", w.a, w.p), None),
        "GET an outage as the office" => ("GET", format!("/api/v1/chain/outage?stopped={}", w.p), None),
        "GET single-sourced inputs" => ("GET", "/api/v1/chain/single-source?by=stage".to_string(), None),
        "GET the buyer's chain settings" => ("GET", format!("/api/v1/orgs/{}/chain-settings", w.a), None),
        "set the buyer's chain settings" => {
            ("PUT", format!("/api/v1/orgs/{}/chain-settings", w.a), Some(json!({"public": true, "helps": false})))
        }
        "GET the buyer's reports" => ("GET", format!("/api/v1/orgs/{}/reports", w.a), None),
        "file the buyer's report" => {
            let month = wujin_domain::report::Month::of(wujin_store::ties::today()).plus(-1);
            (
                "PUT",
                format!("/api/v1/orgs/{}/reports/{month}", w.a),
                Some(json!({"revenue_fen": 5_000_000, "employees": 12})),
            )
        }
        "GET report aggregates" => ("GET", "/api/v1/overview/reports?by=town".to_string(), None),
        "GET idle capacity" => ("GET", "/api/v1/overview/capacity?weeks=2".to_string(), None),
        "give the buyer a task" => (
            "POST",
            "/api/v1/tasks".to_string(),
            Some(json!({"title": "建设共享检测平台", "plan_item": "consulting_standards", "responsible_org": w.a,
                "owner": "张主任", "due": (wujin_store::ties::today() + time::Duration::days(90)).to_string()})),
        ),
        "GET the buyer's task" => {
            let due = wujin_store::ties::today() + time::Duration::days(90);
            let t = wujin_domain::supervision::check_task(&wujin_domain::supervision::TaskInput {
                title: "建设共享检测平台",
                plan_item: "consulting_standards",
                responsible_org: w.a,
                owner: "张主任",
                due: &due.to_string(),
                ..Default::default()
            })
            .unwrap();
            let t = w.app.store.create_task(&t, "test").await.unwrap();
            ("GET", format!("/api/v1/tasks/{}", t.id), None)
        }
        "raise a problem for the buyer" => (
            "POST",
            "/api/v1/problems".to_string(),
            Some(json!({"description": "车间通道堆放杂物", "severity": "general", "responsible_org": w.a,
                "deadline": (wujin_store::ties::today() + time::Duration::days(9)).to_string()})),
        ),
        "GET the buyer's problem" | "add a measure to the buyer's problem" | "close the buyer's rectified problem" => {
            let today = wujin_store::ties::today();
            let deadline = (today + time::Duration::days(9)).to_string();
            let record =
                wujin_domain::supervision::check_problem("车间通道堆放杂物", "general", w.a, &deadline, None, today)
                    .unwrap();
            let officer = w.people[6].as_ref().unwrap().id;
            let p = w.app.store.raise_problem(&record, officer).await.unwrap();
            match row.name {
                "GET the buyer's problem" => ("GET", format!("/api/v1/problems/{}", p.id), None),
                "add a measure to the buyer's problem" => {
                    ("POST", format!("/api/v1/problems/{}/measures", p.id), Some(json!({"text": "已清理"})))
                }
                _ => {
                    let submit = wujin_domain::supervision::ProblemAction::Submit;
                    w.app.store.act_on_problem(p.id, submit, "", w.owner, false, None).await.unwrap();
                    ("POST", format!("/api/v1/problems/{}/close", p.id), None)
                }
            }
        }
        "open a pool for the buyer" => ("POST", "/api/v1/pools".to_string(), Some(pool_body(w.a))),
        "GET the buyer's pool" | "commit for the buyer to a pool" => {
            let id = w.pool().await;
            if row.name.starts_with("GET") {
                ("GET", format!("/api/v1/pools/{id}"), None)
            } else {
                ("PUT", format!("/api/v1/pools/{id}/commitment"), Some(json!({"org_id": w.a, "quantity": 10})))
            }
        }
        "GET an open pool's commitments" | "GET a closed pool's commitments" => {
            // The buyer organises; in the open pool the buyer commits, in the closed one the
            // competitor. The cell says whether that quantity was in the answer.
            let id = w.pool().await;
            let open = row.name.contains("open");
            let (org, by) = if open { (w.a, w.owner) } else { (w.c, w.c_owner) };
            w.app.store.commit_to_pool(id, org, by, 20).await.unwrap();
            if !open {
                w.app.store.backdate_pool(id, wujin_store::now_ms() - 1).await.unwrap();
                w.app.store.close_pool(id, wujin_store::now_ms(), wujin_store::ties::today()).await.unwrap();
            }
            let r = send_to(&w.app, "GET", &format!("/api/v1/pools/{id}/commitments"), None, &h).await;
            if r.status != StatusCode::OK {
                return r.status.as_u16().to_string();
            }
            let seen = r.body["items"].as_array().unwrap().iter().any(|i| i["org"]["code"] == org.to_string().as_str());
            return format!("200{}", if seen { '+' } else { '-' });
        }
        "offer a machine for the buyer" => (
            "POST",
            "/api/v1/machines".to_string(),
            Some(json!({"org_id": w.a, "name": "抛光线", "process": "抛光", "open_hours": vec!["08:00-17:00"; 7]})),
        ),
        "GET the provider's machine" | "book the provider's machine for the buyer" => {
            let m = w.machine().await;
            if row.name.starts_with("GET") {
                ("GET", format!("/api/v1/machines/{m}"), None)
            } else {
                let start = wujin_server::api::views::rfc3339(w.slot(role));
                (
                    "POST",
                    format!("/api/v1/machines/{m}/bookings"),
                    Some(json!({"org_id": w.a, "start": start, "hours": 1})),
                )
            }
        }
        "confirm the buyer's booking" | "GET the buyer's bookings" => {
            let b = w.booking(role).await;
            if row.name.starts_with("confirm") {
                ("POST", format!("/api/v1/bookings/{b}/confirm"), None)
            } else {
                let r = send_to(&w.app, "GET", "/api/v1/bookings?side=requested", None, &h).await;
                if r.status != StatusCode::OK {
                    return r.status.as_u16().to_string();
                }
                let seen = r.body["items"].as_array().unwrap().iter().any(|i| i["id"].as_i64() == Some(b));
                return format!("200{}", if seen { '+' } else { '-' });
            }
        }
        "publish a price series" => (
            "POST",
            "/api/v1/price-series".to_string(),
            Some(json!({"code": format!("YK-HWI-{role}"), "name_zh": "五金指数", "name_en": "Hardware index",
                "unit": "点", "kind": "index", "source": "永康", "frequency": "weekly"})),
        ),
        "GET a standard" => ("GET", "/api/v1/standards/GBT29606".to_string(), None),
        "book the provider's test for the buyer" => {
            let item = w.test_item().await;
            let desired = (wujin_store::ties::today() + time::Duration::days(5)).to_string();
            (
                "POST",
                "/api/v1/test-bookings".to_string(),
                Some(json!({"org_id": w.a, "item_ids": [item], "samples": 2, "desired_on": desired})),
            )
        }
        "confirm the buyer's test booking" => {
            let item = w.test_item().await;
            let owner = w.people[2].as_ref().unwrap();
            let desired = (wujin_store::ties::today() + time::Duration::days(5)).to_string();
            let body = json!({"org_id": w.a, "item_ids": [item], "samples": 2, "desired_on": desired.clone()});
            let r = send_to(&w.app, "POST", "/api/v1/test-bookings", Some(body), &owner.h()).await;
            let id = r.body["id"].as_i64().unwrap();
            ("POST", format!("/api/v1/test-bookings/{id}/confirm"), Some(json!({"date": desired})))
        }
        "submit the provider's certificate" => {
            let fields = [("scheme", "CNAS"), ("number", "CNAS L0390")];
            let path = format!("/api/v1/orgs/{}/accreditations", w.p);
            let r = common::upload_to(&w.app, &path, "c.pdf", b"%PDF-1.4\n%%EOF\n", &fields, &h).await;
            return r.status.as_u16().to_string();
        }
        "GET the provider's certificate document" | "verify the provider's certificate" => {
            let today = wujin_store::ties::today();
            let a = wujin_domain::accreditation::check_accreditation("CMA", "161112050123", None, today).unwrap();
            let file =
                wujin_store::files::NewFile { name: "c.pdf", mime: "application/pdf", bytes: b"%PDF-1.4\n%%EOF\n" };
            let id = w.app.store.submit_accreditation(w.p, &a, file, w.p_owner).await.unwrap().id;
            if row.name.starts_with("GET") {
                ("GET", format!("/api/v1/accreditations/{id}/file"), None)
            } else {
                ("POST", format!("/api/v1/accreditations/{id}/verify"), None)
            }
        }
        "rate the buyer's reported test" => {
            use wujin_domain::testing::TestState::{Confirmed, Received, Reported, Requested, Testing};
            let item = w.test_item().await;
            let owner = w.people[2].as_ref().unwrap();
            let day = wujin_store::ties::today() + time::Duration::days(5);
            let body = json!({"org_id": w.a, "item_ids": [item], "samples": 2, "desired_on": day.to_string()});
            let r = send_to(&w.app, "POST", "/api/v1/test-bookings", Some(body), &owner.h()).await;
            let id = r.body["id"].as_i64().unwrap();
            let mut from = Requested;
            for to in [Confirmed, Received, Testing, Reported] {
                let date = (to == Confirmed).then_some(day);
                let file =
                    wujin_store::files::NewFile { name: "r.pdf", mime: "application/pdf", bytes: b"%PDF-1.4\n%%EOF\n" };
                let report = (to == Reported).then_some(("R-1", file));
                w.app.store.step_test(id, from, to, date, None, report, w.p_owner).await.unwrap();
                from = to;
            }
            ("POST", format!("/api/v1/test-bookings/{id}/rate"), Some(json!({"score": 4})))
        }
        "GET a standard's impact" => ("GET", "/api/v1/standards/GB17565-2007/impact".to_string(), None),
        "declare for the provider's offer" => {
            let p = w.people[3].as_ref().unwrap();
            let body =
                json!({"title": "304 不锈钢汤锅", "category": "cookware.stainless_pot", "standards": ["GB 4806.9"]});
            let r = send_to(&w.app, "POST", &format!("/api/v1/orgs/{}/offers", w.p), Some(body), &p.h()).await;
            let offer = r.body["id"].as_i64().unwrap();
            let fields =
                [("standard", "GB 4806.9"), ("report_no", "FC-1"), ("lab_name", "某所"), ("issued_on", "2026-01-05")];
            let path = format!("/api/v1/offers/{offer}/declarations");
            let r = common::upload_to(&w.app, &path, "r.pdf", b"%PDF-1.4\n%%EOF\n", &fields, &h).await;
            return r.status.as_u16().to_string();
        }
        "GET the provider's report before the deadline" | "GET the provider's report after the deadline" => {
            ("GET", format!("/api/v1/declarations/{}/file", w.declaration().await), None)
        }
        "publish a standard's edition" => (
            "PUT",
            "/api/v1/standards/GB%2FT%2029606-2030".to_string(),
            Some(json!({"title_zh": "不锈钢真空杯", "status": "upcoming", "implemented": "2031-01-01"})),
        ),
        other => panic!("no call for {other}"),
    };
    let r = send_to(&w.app, method, &path, body, &h).await;
    let mut cell = r.status.as_u16().to_string();
    if row.name.starts_with("GET") && row.name.contains("responses") && r.status == StatusCode::OK {
        let items = r.body["items"].as_array().unwrap();
        let sees = items.iter().any(|i| i["org_id"].as_i64() == Some(w.p) && i["price_fen"].as_i64() == Some(PRICE));
        cell.push(if sees { '+' } else { '-' });
    }
    cell
}

both_backends! {
    async fn every_role_meets_every_demand_endpoint_as_the_table_says(db) {
        let w = World::new(&db.store).await;
        let mut wrong = vec![];
        for row in rows() {
            for (role, expected) in row.expected.iter().enumerate() {
                let got = call(&w, &row, role).await;
                if got != *expected {
                    wrong.push(format!("{:<38} {:<20} expected {expected:<5} got {got}", row.name, ROLES[role]));
                }
            }
        }
        assert!(wrong.is_empty(), "cells that differ from the table:\n{}", wrong.join("\n"));
    }
}

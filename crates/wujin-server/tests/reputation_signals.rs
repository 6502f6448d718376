//! How a firm deals feeds how it ranks: a rating received, or its credit code verified by an
//! approved claim, reaches the search index through the outbox and shows on the firm's
//! search result as a signal with its figure. Both engines.

mod common;

use common::{owner, send_to};
use wujin_domain::demand::{DemandContent, DemandState, Visibility};
use wujin_store::both_backends;
use wujin_store::demands::{AwardLine, Awarded};
use wujin_store::engagements::Side;
use wujin_store::offers::OfferFilter;
use wujin_store::responses::{Created, Terms};

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The signals on `org`'s result when searching for `text`.
async fn signals_of(
    app: &wujin_server::api::AppState,
    text: &str,
    org: i64,
    who: &common::Person,
) -> Vec<serde_json::Value> {
    wujin_match::follow::catch_up(&app.store, app.index.as_ref().unwrap()).await.unwrap();
    let r = send_to(app, "GET", &format!("/api/v1/search?q={}&limit=100", q(text)), None, &who.h()).await;
    let item = r.body["items"].as_array().unwrap().iter().find(|i| i["org"]["id"].as_i64() == Some(org)).cloned();
    let item = item.unwrap_or_else(|| panic!("{org} not found for {text}: {}", r.body));
    item["explanation"]["signals"].as_array().unwrap().clone()
}

fn named<'a>(signals: &'a [serde_json::Value], name: &str) -> Option<&'a serde_json::Value> {
    signals.iter().find(|s| s["name"] == name)
}

both_backends! {
    async fn ratings_and_verified_codes_reach_the_ranking(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let (buyer_org, provider) = (orgs[0].id, orgs[1].id);
        let buyer = owner(s, "buyer@a.example.cn", Some(buyer_org)).await;
        let seller = owner(s, "sales@b.example.cn", Some(provider)).await;
        let app = common::with_index(s).await;
        let (offers, _) = s.list_offers(&OfferFilter { org_id: Some(provider), ..Default::default() }, None, 1).await.unwrap();
        let title = offers[0].record.title.clone();
        assert!(named(&signals_of(&app, &title, provider, &buyer).await, "rating").is_none(), "not rated yet");

        // One engagement, done and rated 4 by the buyer.
        let c = DemandContent {
            title: title.clone(), need: String::new(), family: None, category: None, quantity: None, unit: None,
            budget_fen: None, standards: vec![], certificates: vec![], deadline_ms: wujin_store::now_ms() + 60_000,
            town: None, visibility: Visibility::Public,
        };
        let d = s.create_demand(buyer_org, buyer.id, &c, &[]).await.unwrap().saved().unwrap().id;
        s.move_demand(d, 1, DemandState::Draft, DemandState::Open, "publish", buyer.id).await.unwrap();
        let t = Terms { price_fen: 100, basis: "unit".into(), lead_time_days: 5, valid_days: 30, notes: String::new() };
        let Created::Done(r) = s.create_response(d, provider, seller.id, &t).await.unwrap() else { panic!() };
        s.backdate_deadline(d, wujin_store::now_ms() - 1000).await.unwrap();
        s.close_if_due(d, wujin_store::now_ms()).await.unwrap();
        let line = AwardLine { response_id: r, quantity: None };
        let Awarded::Done(e) = s.award_demand(d, 2, DemandState::Closed, &[line], buyer.id).await.unwrap() else { panic!() };
        s.mark_done(e[0], Side::Buyer, buyer.id).await.unwrap();
        s.mark_done(e[0], Side::Provider, seller.id).await.unwrap();
        s.rate(e[0], buyer_org, provider, 4, "", buyer.id).await.unwrap();

        let signals = signals_of(&app, &title, provider, &buyer).await;
        let rating = named(&signals, "rating").unwrap_or_else(|| panic!("{signals:?}"));
        assert_eq!((rating["value"].as_u64(), rating["detail"].as_str()), (Some(1), Some("4.0/5")));
        assert!(rating["effect"].as_f64().unwrap() > 0.0, "a 4 lifts, a little");
        assert!(named(&signals, "verified").is_none());

        // A claim approved: the credit code was checked by a person.
        let claimant = common::sign_up(s, "claimant@b.example.cn").await;
        let admin = common::sign_up(s, "root@wujin.example.cn").await;
        s.make_platform_admin(admin.id).await.unwrap();
        let claim = s.create_claim(claimant.id, provider).await.unwrap().unwrap();
        s.decide_claim(claim.id, true, admin.id).await.unwrap();
        assert!(named(&signals_of(&app, &title, provider, &buyer).await, "verified").is_some());
    }
}

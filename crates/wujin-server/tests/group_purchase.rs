//! Group purchase (集采): a firm opens a pool pegged to a price series; firms commit sealed
//! quantities; at the deadline the store closes the pool in one transaction — the cap shared
//! out pro rata in whole lots, the tier decided on the allocated total, the price stamped by
//! its formula — and every firm reads its own quantity and price. Rivals, officers and
//! strangers never read another firm's quantity; the organiser reads them only after the
//! close. A commitment racing the deadline lands before the close or is refused. Both
//! engines.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

/// Four manufacturers of a small demo cluster, each with its owner signed in.
async fn firms(store: &Store, tag: &str, n: usize) -> Vec<(i64, Person)> {
    let cluster = wujin_demo::generate(11, 60);
    let orgs: Vec<_> =
        cluster.orgs.into_iter().filter(|o| o.kind == wujin_domain::OrgKind::Manufacturer).take(n).collect();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole(orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let codes: Vec<String> = orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    let mut out = vec![];
    for (i, code) in codes.iter().enumerate() {
        let id = ids[code].0;
        out.push((id, common::owner(store, &format!("firm{i}@{tag}.example.cn"), Some(id)).await));
    }
    out
}

/// The ADC12 series with a few weekly values, published by a platform admin.
async fn adc12(store: &Store) -> i64 {
    let admin = common::owner(store, "prices@platform.example.cn", None).await;
    store.make_platform_admin(admin.id).await.unwrap();
    let s = send(
        store,
        "POST",
        "/api/v1/price-series",
        Some(json!({"code": "ADC12", "name_zh": "ADC12 铝合金锭", "name_en": "ADC12 aluminium alloy ingot",
            "unit": "元/吨", "kind": "money", "source": "长江有色市场", "frequency": "weekly"})),
        &admin.h(),
    )
    .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    let id = s.body["id"].as_i64().unwrap();
    let today = wujin_store::ties::today();
    let values: Vec<Value> = (0..4)
        .map(
            |w| json!({"date": (today - time::Duration::weeks(3 - w)).to_string(), "value": 20000.0 + 50.0 * w as f64}),
        )
        .collect();
    let r =
        send(store, "POST", &format!("/api/v1/price-series/{id}/values"), Some(json!({"values": values})), &admin.h())
            .await;
    assert_eq!(r.body["written"], 4, "{}", r.body);
    id
}

fn in_days(n: i64) -> String {
    (wujin_store::ties::today() + time::Duration::days(n)).to_string()
}

fn pool_body(org: i64, series: i64) -> Value {
    json!({
        "org_id": org, "spec": "ADC12 铝锭 国标", "category": "materials.aluminium_ingot", "unit": "t", "lot_size": 10,
        "tiers": [{"min_quantity": 50, "discount_bp": 200}, {"min_quantity": 200, "discount_bp": 350}],
        "series_id": series, "fee_fen": 1200, "deadline": in_days(5), "min_total": 50, "cap": 150,
        "delivery_from": in_days(10), "delivery_to": in_days(30),
    })
}

async fn commit(store: &Store, pool: i64, org: i64, who: &Person, quantity: i64) -> common::Reply {
    send(
        store,
        "PUT",
        &format!("/api/v1/pools/{pool}/commitment"),
        Some(json!({"org_id": org, "quantity": quantity})),
        &who.h(),
    )
    .await
}

async fn read(store: &Store, path: &str, who: &Person) -> Value {
    let r = send(store, "GET", path, None, &[("cookie", who.cookie.as_str())]).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

async fn inbox_texts(store: &Store, who: &Person) -> Vec<String> {
    let body = read(store, "/api/v1/inbox?limit=100", who).await;
    body["items"].as_array().unwrap().iter().map(|i| i["text"].as_str().unwrap().to_string()).collect()
}

both_backends! {
    async fn a_pool_closes_with_the_cap_shared_and_the_price_stamped_and_stays_sealed_until_then(db) {
        let s = &db.store;
        let f = firms(s, "pool", 4).await;
        let (organiser, b, c, rival) = (&f[0], &f[1], &f[2], &f[3]);
        let series = adc12(s).await;
        // The rival delivers: each allocation becomes a supply tie from it.
        let mut body = pool_body(organiser.0, series);
        body["supplier_org"] = json!(rival.0);
        let created = send(s, "POST", "/api/v1/pools", Some(body), &organiser.1.h()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_i64().unwrap();
        assert_eq!(created.body["state"], "open");

        assert_eq!(commit(s, id, b.0, &b.1, 100).await.status, StatusCode::OK);
        assert_eq!(commit(s, id, c.0, &c.1, 30).await.status, StatusCode::OK);
        // A revision is a new version; the first stays in the history.
        let revised = commit(s, id, c.0, &c.1, 60).await;
        assert_eq!((revised.body["quantity"].as_i64(), revised.body["version"].as_i64()), (Some(60), Some(2)));
        // Not whole lots, or for a firm one does not manage: refused, naming why.
        let odd = commit(s, id, b.0, &b.1, 15).await;
        common::assert_error(&(odd.status, odd.body), StatusCode::BAD_REQUEST, Some("quantity"));
        assert_eq!(commit(s, id, b.0, &c.1, 10).await.status, StatusCode::FORBIDDEN);

        // Everyone reads the running total and the tier it reaches; nobody another's quantity.
        let officer = common::owner(s, "officer@pool.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        let stranger = common::sign_up(s, "stranger@pool.example.cn").await;
        for who in [&rival.1, &officer, &stranger, &organiser.1] {
            let p = read(s, &format!("/api/v1/pools/{id}"), who).await;
            assert_eq!((p["committed_total"].as_i64(), p["firms"].as_i64()), (Some(160), Some(2)));
            assert_eq!(p["current_tier"], 0);
            assert_eq!(p["mine"], json!([]), "no quantity but one's own");
            let list = read(s, &format!("/api/v1/pools/{id}/commitments"), who).await;
            assert_eq!(list["items"], json!([]), "sealed before the close");
        }
        let own = read(s, &format!("/api/v1/pools/{id}/commitments"), &c.1).await;
        assert_eq!(own["items"].as_array().unwrap().len(), 1);
        assert_eq!(own["items"][0]["versions"].as_array().unwrap().len(), 2, "every version kept");
        let p = read(s, &format!("/api/v1/pools/{id}"), &b.1).await;
        assert_eq!(p["mine"][0]["quantity"], 100);

        // The deadline passes; the store closes the pool.
        s.backdate_pool(id, wujin_store::now_ms() - 1).await.unwrap();
        let closed = s.close_due_pools(wujin_store::now_ms(), wujin_store::ties::today(), 10).await.unwrap();
        assert_eq!(closed, vec![id]);
        let late = commit(s, id, rival.0, &rival.1, 10).await;
        assert_eq!((late.status, late.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("pool_closed")));

        // 100 + 60 against a cap of 150 in lots of 10: 93.75 and 56.25 → 90 and 50, and the
        // lot left goes to the larger remainder (the second firm's 6.25).
        let p = read(s, &format!("/api/v1/pools/{id}"), &b.1).await;
        assert_eq!(p["state"], "allocated");
        assert_eq!(p["allocated_total"], 150);
        // 150 t reaches the first tier: 20,150 元/吨 (the latest value) × 0.98 + 12 元.
        let unit = 2_015_000 * 98 / 100 + 1200;
        assert_eq!(p["price"]["unit_price_fen"].as_i64(), Some(unit));
        assert_eq!(p["price"]["provisional"], false);
        assert_eq!(p["mine"][0]["allocated"], 90);
        assert_eq!(p["mine"][0]["total_fen"].as_i64(), Some(unit * 90));
        let p = read(s, &format!("/api/v1/pools/{id}"), &c.1).await;
        assert_eq!(p["mine"][0]["allocated"], 60);

        // Now the organiser reads each firm's quantity; the rival and the officer still do not.
        let all = read(s, &format!("/api/v1/pools/{id}/commitments"), &organiser.1).await;
        let rows: Vec<(i64, i64)> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["quantity"].as_i64().unwrap(), i["allocated"].as_i64().unwrap()))
            .collect();
        assert_eq!(rows, vec![(100, 90), (60, 60)]);
        for who in [&rival.1, &officer] {
            assert_eq!(read(s, &format!("/api/v1/pools/{id}/commitments"), who).await["items"], json!([]));
        }
        // Each firm's inbox says its quantity and price.
        let price = wujin_domain::pool::yuan(unit);
        assert!(inbox_texts(s, &b.1).await.iter().any(|t| t.contains("分配 90") && t.contains(&price)));
        assert!(inbox_texts(s, &c.1).await.iter().any(|t| t.contains("分配 60")));
        // The named supplier now supplies both firms, confirmed by the allocation.
        let ties = read(s, &format!("/api/v1/orgs/{}/ties", b.0), &b.1).await;
        let from_pool: Vec<&Value> = ties["items"].as_array().unwrap().iter().filter(|t| t["source"] == "pool").collect();
        assert_eq!(from_pool.len(), 1, "{ties}");
        assert_eq!(from_pool[0]["supplier"]["org_id"].as_i64(), Some(rival.0));
        assert_eq!(from_pool[0]["state"], "confirmed");
    }

    async fn a_pool_below_its_minimum_fails_and_an_organiser_cancels_or_extends_once(db) {
        let s = &db.store;
        let f = firms(s, "fail", 3).await;
        let (organiser, b, c) = (&f[0], &f[1], &f[2]);
        let mut body = pool_body(organiser.0, 0);
        body["series_id"] = Value::Null;
        body["fixed_price_fen"] = json!(1_500_000);
        body["min_total"] = json!(100);
        body["cap"] = Value::Null;
        let id = send(s, "POST", "/api/v1/pools", Some(body.clone()), &organiser.1.h()).await.body["id"].as_i64().unwrap();
        commit(s, id, b.0, &b.1, 40).await;
        commit(s, id, c.0, &c.1, 30).await;
        s.backdate_pool(id, wujin_store::now_ms() - 1).await.unwrap();
        s.close_due_pools(wujin_store::now_ms(), wujin_store::ties::today(), 10).await.unwrap();
        let p = read(s, &format!("/api/v1/pools/{id}"), &b.1).await;
        assert_eq!((p["state"].as_str(), p["price"].is_null()), (Some("failed"), true));
        assert!(inbox_texts(s, &c.1).await.iter().any(|t| t.contains("未达到成团量")));

        // Another pool: extended once, to a later deadline; cancelled with a reason; then done.
        let id = send(s, "POST", "/api/v1/pools", Some(body), &organiser.1.h()).await.body["id"].as_i64().unwrap();
        commit(s, id, b.0, &b.1, 40).await;
        let extend = |d: String| json!({"deadline": d});
        let not_mine = send(s, "POST", &format!("/api/v1/pools/{id}/extend"), Some(extend(in_days(9))), &b.1.h()).await;
        assert_eq!(not_mine.status, StatusCode::FORBIDDEN);
        let ok = send(s, "POST", &format!("/api/v1/pools/{id}/extend"), Some(extend(in_days(9))), &organiser.1.h()).await;
        assert_eq!((ok.status, ok.body["extended"].as_bool()), (StatusCode::OK, Some(true)), "{}", ok.body);
        let twice = send(s, "POST", &format!("/api/v1/pools/{id}/extend"), Some(extend(in_days(12))), &organiser.1.h()).await;
        assert_eq!((twice.status, twice.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("pool_not_open")));
        let no_reason = send(s, "POST", &format!("/api/v1/pools/{id}/cancel"), Some(json!({"reason": " "})), &organiser.1.h()).await;
        common::assert_error(&(no_reason.status, no_reason.body), StatusCode::BAD_REQUEST, Some("reason"));
        let cancel = send(s, "POST", &format!("/api/v1/pools/{id}/cancel"), Some(json!({"reason": "供方停产"})), &organiser.1.h()).await;
        assert_eq!(cancel.body["state"], "cancelled", "{}", cancel.body);
        assert!(inbox_texts(s, &b.1).await.iter().any(|t| t.contains("供方停产")));
        assert_eq!(commit(s, id, b.0, &b.1, 50).await.status, StatusCode::CONFLICT);
    }

    async fn commitments_racing_the_deadline_land_before_the_close_or_are_refused(db) {
        let s = db.store.clone();
        let f = firms(&s, "race", 3).await;
        let mut body = pool_body(f[0].0, 0);
        body["series_id"] = Value::Null;
        body["fixed_price_fen"] = json!(1_000_000);
        body["cap"] = Value::Null;
        body["min_total"] = json!(0);
        let id = send(&s, "POST", "/api/v1/pools", Some(body), &f[0].1.h()).await.body["id"].as_i64().unwrap();
        s.backdate_pool(id, wujin_store::now_ms() + 400).await.unwrap();
        let f = Arc::new(f);
        // Two firms revise as fast as they can until refused; each keeps what was accepted.
        let racer = |i: usize| {
            let (s, f) = (s.clone(), f.clone());
            tokio::spawn(async move {
                let mut last = None;
                for n in 1.. {
                    let r = commit(&s, id, f[i].0, &f[i].1, 10 * n).await;
                    match (r.status, r.body["error"]["code"].as_str()) {
                        (StatusCode::OK, _) => last = Some(10 * n),
                        (StatusCode::CONFLICT, Some("pool_closed")) => break,
                        other => panic!("unexpected answer to a commitment: {other:?} {}", r.body),
                    }
                }
                last
            })
        };
        let (one, two) = (racer(1), racer(2));
        let sweep = {
            let s = s.clone();
            tokio::spawn(async move {
                while s.pool_by_id(id).await.unwrap().unwrap().state == wujin_domain::pool::PoolState::Open {
                    s.close_due_pools(wujin_store::now_ms(), wujin_store::ties::today(), 10).await.unwrap();
                }
            })
        };
        let (one, two) = (one.await.unwrap(), two.await.unwrap());
        sweep.await.unwrap();
        assert!(one.is_some() && two.is_some(), "both landed something before the deadline");
        // What each firm was allocated is exactly its last accepted commitment.
        let all = read(&s, &format!("/api/v1/pools/{id}/commitments"), &f[0].1).await;
        let mut got: Vec<(i64, i64)> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["org"]["code"].as_str().unwrap().parse().unwrap(), i["allocated"].as_i64().unwrap()))
            .collect();
        got.sort();
        let mut want = vec![(f[1].0, one.unwrap()), (f[2].0, two.unwrap())];
        want.sort();
        assert_eq!(got, want, "no accepted commitment lost, none counted after the close");
        let close: i64 = sqlx::query_scalar("SELECT id FROM audit WHERE action = 'close' AND entity = 'pool' AND entity_id = $1")
            .bind(id)
            .fetch_one(s.pool())
            .await
            .unwrap();
        let last: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit WHERE entity = 'pool_commitment'")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert!(last < close, "no commitment after the close");
    }

    async fn a_pool_is_refused_field_by_field_and_only_a_firm_or_a_procurement_provider_opens_one(db) {
        let s = &db.store;
        let f = firms(s, "terms", 1).await;
        let series = adc12(s).await;
        let cases = [
            ("tiers", json!([{"min_quantity": 200, "discount_bp": 350}, {"min_quantity": 50, "discount_bp": 200}]), "tiers/1/min_quantity"),
            ("lot_size", json!(0), "lot_size"),
            ("category", json!("materials.unobtainium"), "category"),
            ("base_price_fen", json!(100), "base_price_fen"),
            ("deadline", json!("2020-01-01"), "deadline"),
            ("cap", json!(20), "cap"),
        ];
        for (key, value, field) in cases {
            let mut body = pool_body(f[0].0, series);
            body[key] = value;
            let r = send(s, "POST", "/api/v1/pools", Some(body), &f[0].1.h()).await;
            common::assert_error(&(r.status, r.body), StatusCode::BAD_REQUEST, Some(field));
        }
        let mut body = pool_body(f[0].0, series);
        body["series_id"] = json!(9999);
        assert_eq!(send(s, "POST", "/api/v1/pools", Some(body), &f[0].1.h()).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Someone who does not run the firm, and a signed-up stranger, cannot open a pool.
        let stranger = common::sign_up(s, "nobody@terms.example.cn").await;
        let r = send(s, "POST", "/api/v1/pools", Some(pool_body(f[0].0, series)), &stranger.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Only platform admins publish series.
        let r = send(s, "POST", "/api/v1/price-series", Some(json!({"code": "X1", "name_zh": "x", "name_en": "x",
            "unit": "点", "kind": "index", "source": "x", "frequency": "weekly"})), &f[0].1.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let list = send(s, "GET", "/api/v1/price-series", None, &[]).await;
        assert_eq!(list.body["items"][0]["latest"]["value"].as_f64(), Some(20150.0));
    }

    async fn firms_are_reminded_before_the_deadline_once_and_provisional_prices_settle_on_their_day(db) {
        let s = &db.store;
        let f = firms(s, "remind", 2).await;
        let series = adc12(s).await;
        let mut body = pool_body(f[0].0, series);
        body["settlement_date"] = json!(in_days(20));
        let id = send(s, "POST", "/api/v1/pools", Some(body), &f[0].1.h()).await.body["id"].as_i64().unwrap();
        commit(s, id, f[1].0, &f[1].1, 60).await;
        const HOUR: i64 = 3_600_000;
        let now = wujin_store::now_ms();
        s.backdate_pool(id, now + 60 * HOUR).await.unwrap();
        assert_eq!(s.remind_pools(now).await.unwrap(), 1);
        assert_eq!(s.remind_pools(now).await.unwrap(), 0, "each reminder once");
        s.backdate_pool(id, now + 12 * HOUR).await.unwrap();
        assert_eq!(s.remind_pools(now).await.unwrap(), 1);
        let texts = inbox_texts(s, &f[1].1).await;
        assert!(texts.iter().any(|t| t.contains("3天后截止")) && texts.iter().any(|t| t.contains("明天截止")), "{texts:?}");
        assert!(inbox_texts(s, &f[0].1).await.iter().any(|t| t.contains("明天截止")), "the organiser too");

        // Closed before its settlement day: the price is provisional on the latest value.
        s.backdate_pool(id, now - 1).await.unwrap();
        let today = wujin_store::ties::today();
        s.close_due_pools(now, today, 10).await.unwrap();
        let p = read(s, &format!("/api/v1/pools/{id}"), &f[1].1).await;
        assert_eq!(p["price"]["provisional"], true);
        // A new value comes out before the settlement day; on that day the price is final.
        let settlement = today + time::Duration::days(20);
        let day = (today + time::Duration::days(14)).to_string();
        sqlx::query("INSERT INTO price_values (series_id, day, value_milli) VALUES ($1, $2, 21000000)")
            .bind(series).bind(day).execute(s.pool()).await.unwrap();
        assert_eq!(s.settle_due_pools(today).await.unwrap(), Vec::<i64>::new(), "not before its day");
        assert_eq!(s.settle_due_pools(settlement).await.unwrap(), vec![id]);
        let p = read(s, &format!("/api/v1/pools/{id}"), &f[1].1).await;
        assert_eq!(p["price"]["provisional"], false);
        assert_eq!(p["price"]["unit_price_fen"].as_i64(), Some(2_100_000 * 98 / 100 + 1200));
        assert!(inbox_texts(s, &f[1].1).await.iter().any(|t| t.contains("结算价已确定")));
    }
}

//! Shared capacity (共享产能): a firm offers a machine with its calendar; others book time on
//! it. No double booking, ever: a thousand concurrent requests for overlapping windows leave
//! standing bookings that never overlap (setup time included), every refusal a 409 `clash`
//! naming the window in the way. The edges: back to back with setup time, maintenance, a
//! closed night, a request that expired, a cancellation that frees its window; each side
//! takes only its own steps and both are told. Both engines.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Person, send, send_to};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// A provider with a machine and a requester, each firm with its owner signed in.
async fn world(s: &Store, hours: [&str; 7], setup: i64) -> (i64, (i64, Person), (i64, Person)) {
    common::with_demo(s).await;
    let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
    let provider = (orgs[0].id, common::owner(s, "caster@cap.example.cn", Some(orgs[0].id)).await);
    let requester = (orgs[1].id, common::owner(s, "buyer@cap.example.cn", Some(orgs[1].id)).await);
    let body = json!({"org_id": provider.0, "name": "800T 压铸岛", "process": "压铸 800 T", "open_hours": hours,
        "setup_minutes": setup});
    let r = send(s, "POST", "/api/v1/machines", Some(body), &provider.1.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.body["id"].as_i64().unwrap(), provider, requester)
}

/// The first Monday at least two days ahead.
fn monday_date() -> time::Date {
    let mut d = wujin_store::ties::today() + time::Duration::days(2);
    while d.weekday() != time::Weekday::Monday {
        d += time::Duration::days(1);
    }
    d
}

/// 00:00 in the cluster on [`monday_date`], as epoch ms.
fn next_monday() -> i64 {
    let t = monday_date().with_hms(0, 0, 0).unwrap().assume_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap());
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn at(ms: i64) -> String {
    wujin_server::api::views::rfc3339(ms)
}

async fn book(s: &Store, machine: i64, who: &(i64, Person), start: i64, hours: f64) -> common::Reply {
    let body = json!({"org_id": who.0, "start": at(start), "hours": hours, "material": "ADC12", "quantity": 500});
    send(s, "POST", &format!("/api/v1/machines/{machine}/bookings"), Some(body), &who.1.h()).await
}

async fn step(s: &Store, booking: i64, verb: &str, who: &Person, body: Option<Value>) -> common::Reply {
    send(s, "POST", &format!("/api/v1/bookings/{booking}/{verb}"), body, &who.h()).await
}

const ROUND_THE_CLOCK: [&str; 7] = ["00:00-24:00"; 7];
const WEEKDAYS: [&str; 7] = ["08:00-20:00", "08:00-20:00", "08:00-20:00", "08:00-20:00", "08:00-20:00", "", ""];

both_backends! {
    async fn a_thousand_clashing_requests_leave_no_two_bookings_overlapping(db) {
        let s = db.store.clone();
        let (machine, _, requester) = world(&s, ROUND_THE_CLOCK, 30).await;
        let monday = next_monday();
        let requester = Arc::new(requester);
        // A thousand requests for windows of 1 to 4 hours starting on the quarter hour within
        // three days: most of them clash with each other.
        let mut seed: u64 = 20261130;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as i64
        };
        // A hundred in flight at a time, several times the database connections: the races
        // are between requests, not a queue for the pool longer than its acquire timeout
        // (that refusal, 503 `busy`, has its own test below).
        let in_flight = Arc::new(tokio::sync::Semaphore::new(100));
        let mut tasks = vec![];
        for _ in 0..1000 {
            let start = monday + (next() % (3 * 24 * 4)) * 15 * 60_000;
            let hours = 1.0 + (next() % 13) as f64 * 0.25;
            let (s, requester, in_flight) = (s.clone(), requester.clone(), in_flight.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = in_flight.acquire_owned().await.unwrap();
                book(&s, machine, &requester, start, hours).await
            }));
        }
        let (mut accepted, mut refused) = (0, 0);
        for t in tasks {
            let r = t.await.unwrap();
            match (r.status, r.body["error"]["code"].as_str()) {
                (StatusCode::CREATED, _) => accepted += 1,
                (StatusCode::CONFLICT, Some("clash")) => {
                    let m = r.body["error"]["message"].as_str().unwrap();
                    assert!(m.contains(" 至 ") || m.contains("刚被"), "a refusal names the clash: {m}");
                    refused += 1;
                }
                other => panic!("neither booked nor a clash: {other:?} {}", r.body),
            }
        }
        assert_eq!(accepted + refused, 1000);
        assert!(accepted > 10 && refused > 100, "{accepted} accepted, {refused} refused");
        let standing = s.standing_bookings(machine).await.unwrap();
        assert_eq!(standing.len(), accepted, "every accepted request stands");
        for pair in standing.windows(2) {
            assert!(pair[0].block_end_ms <= pair[1].start_ms, "overlap: {:?} and {:?}", pair[0], pair[1]);
        }
    }

    async fn a_request_that_finds_every_database_connection_busy_is_told_to_retry(db) {
        let s = db.store.clone();
        let (machine, _, requester) = world(&s, ROUND_THE_CLOCK, 30).await;
        // Someone else holds every connection of the pool for longer than its acquire timeout.
        let max = s.pool().options().get_max_connections();
        let mut held = vec![];
        for _ in 0..max {
            held.push(s.pool().acquire().await.unwrap());
        }
        let body = json!({"org_id": requester.0, "start": at(next_monday()), "hours": 1, "quantity": 1});
        let req = axum::http::Request::post(format!("/api/v1/machines/{machine}/bookings"))
            .header("content-type", "application/json")
            .header("cookie", requester.1.cookie.as_str())
            .header("x-csrf-token", requester.1.csrf.as_str())
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let app = wujin_server::api::router_with(wujin_server::api::AppState::new(s.clone()));
        let resp = tower::ServiceExt::oneshot(app, req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers().get("retry-after").map(|v| v.to_str().unwrap()), Some("1"));
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
        let err: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(err["error"]["code"], "busy", "{err}");
        // Once the connections are back, the same request books.
        drop(held);
        let r = book(&s, machine, &requester, next_monday(), 1.0).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    async fn the_edges_of_a_calendar_and_each_side_s_steps(db) {
        let s = &db.store;
        let (machine, provider, requester) = world(s, WEEKDAYS, 30).await;
        let monday = next_monday();
        let first = book(s, machine, &requester, monday + 10 * HOUR, 2.0).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let id = first.body["id"].as_i64().unwrap();
        // Setup time: 12:00 clashes (setup until 12:30), 12:30 is back to back.
        let r = book(s, machine, &requester, monday + 12 * HOUR, 1.0).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("clash")));
        assert!(r.body["error"]["message"].as_str().unwrap().contains("12:30"), "{}", r.body);
        let second = book(s, machine, &requester, monday + 12 * HOUR + HOUR / 2, 1.0).await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
        // Before opening, across the closed night, on Saturday, off the quarter hour.
        for (start, hours) in [(monday + 7 * HOUR, 2.0), (monday + 19 * HOUR, 3.0), (monday + 5 * DAY + 9 * HOUR, 1.0)] {
            let r = book(s, machine, &requester, start, hours).await;
            common::assert_error(&(r.status, r.body.clone()), StatusCode::BAD_REQUEST, Some("start"));
            assert_eq!(r.body["error"]["code"], "closed");
        }
        let r = book(s, machine, &requester, monday + 9 * HOUR + 10 * 60_000, 1.0).await;
        common::assert_error(&(r.status, r.body), StatusCode::BAD_REQUEST, Some("hours"));
        // Maintenance on Tuesday morning.
        let m = json!({"from": at(monday + DAY + 8 * HOUR), "to": at(monday + DAY + 12 * HOUR), "note": "模具保养"});
        let r = send(s, "POST", &format!("/api/v1/machines/{machine}/maintenance"), Some(m.clone()), &requester.1.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "only the machine's firm");
        let r = send(s, "POST", &format!("/api/v1/machines/{machine}/maintenance"), Some(m), &provider.1.h()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r = book(s, machine, &requester, monday + DAY + 11 * HOUR, 2.0).await;
        assert_eq!(r.body["error"]["code"], "maintenance", "{}", r.body);

        // The week as everyone sees it: free windows around the bookings and the maintenance.
        let from = monday_date().to_string();
        let week = send(s, "GET", &format!("/api/v1/machines/{machine}?from={from}"), None, &[("cookie", provider.1.cookie.as_str())]).await;
        assert_eq!(week.status, StatusCode::OK, "{}", week.body);
        assert!(week.body["booked"].as_array().unwrap().len() >= 2, "{}", week.body);
        assert_eq!(week.body["booked_hours"].as_f64(), Some(4.0), "3 hours booked plus two setups");

        // Each side's steps: the requester does not confirm, the provider does.
        let r = step(s, id, "confirm", &requester.1, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = step(s, id, "confirm", &provider.1, None).await;
        assert_eq!(r.body["state"], "confirmed", "{}", r.body);
        let r = step(s, id, "cancel", &provider.1, None).await;
        common::assert_error(&(r.status, r.body), StatusCode::BAD_REQUEST, Some("reason"));
        // The requester cancels the second booking; its window is free again.
        let second = second.body["id"].as_i64().unwrap();
        let r = step(s, second, "cancel", &requester.1, None).await;
        assert_eq!(r.body["state"], "cancelled", "{}", r.body);
        let again = book(s, machine, &requester, monday + 12 * HOUR + HOUR / 2, 1.0).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        // A request whose 48 hours passed unanswered holds nothing: the same window books.
        let stale = again.body["id"].as_i64().unwrap();
        sqlx::query("UPDATE bookings SET hold_until = $1 WHERE id = $2").bind(wujin_store::now_ms() - 1).bind(stale)
            .execute(s.pool()).await.unwrap();
        let r = step(s, stale, "confirm", &provider.1, None).await;
        assert_eq!(r.body["error"]["code"], "wrong_state", "{}", r.body);
        let fresh = book(s, machine, &requester, monday + 12 * HOUR + HOUR / 2, 1.0).await;
        assert_eq!(fresh.status, StatusCode::CREATED, "{}", fresh.body);
        assert_eq!(s.booking(stale).await.unwrap().unwrap().state.code(), "expired");
        // Both sides were told of each step.
        for who in [&provider.1, &requester.1] {
            let inbox = send(s, "GET", "/api/v1/inbox?limit=100", None, &[("cookie", who.cookie.as_str())]).await;
            let texts: Vec<&str> = inbox.body["items"].as_array().unwrap().iter().map(|i| i["text"].as_str().unwrap()).collect();
            for word in ["已确认", "已取消", "过期"] {
                assert!(texts.iter().any(|t| t.contains(word)), "{word} in {texts:?}");
            }
        }
        // A stranger reads neither the booking's steps nor may take them.
        let stranger = common::sign_up(s, "nobody@cap.example.cn").await;
        assert_eq!(step(s, id, "cancel", &stranger, None).await.status, StatusCode::NOT_FOUND);
    }

    async fn a_capacity_search_finds_machines_free_long_enough_and_follows_their_bookings(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let provider = (orgs[0].id, common::owner(s, "cell@cap.example.cn", Some(orgs[0].id)).await);
        let requester = (orgs[1].id, common::owner(s, "rfq@cap.example.cn", Some(orgs[1].id)).await);
        let app = common::with_index(s).await;
        let offer = json!({"title": "1250T 压铸岛 对外开放机时", "category": "压铸产能", "hours_per_week": 60});
        let r = send_to(&app, "POST", &format!("/api/v1/orgs/{}/offers", provider.0), Some(offer), &provider.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let offer = r.body["id"].as_i64().unwrap();
        let day = "08:00-20:00";
        let body = json!({"org_id": provider.0, "offer_id": offer, "name": "1250T 压铸岛", "process": "压铸 1250 T",
            "open_hours": [day, day, day, day, day, "", ""], "setup_minutes": 0});
        let r = send_to(&app, "POST", "/api/v1/machines", Some(body), &provider.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let machine = r.body["id"].as_i64().unwrap();

        // Monday is open twelve hours: free for twelve, not for thirteen.
        let monday = monday_date();
        let found = |hours: u32| {
            let app = app.clone();
            async move {
                wujin_match::follow::catch_up(&app.store, app.index.as_ref().unwrap()).await.unwrap();
                let path = format!("/api/v1/search?q=%E5%8E%8B%E9%93%B8&free_from={monday}&free_to={monday}&free_hours={hours}&limit=100");
                let r = send_to(&app, "GET", &path, None, &[]).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                let items = r.body["items"].as_array().unwrap();
                assert!(items.iter().all(|i| i["offers"].as_array().unwrap().iter().all(|o| o["kind"] == "capacity")));
                items.iter().flat_map(|i| i["offers"].as_array().unwrap().clone()).any(|o| o["id"] == offer)
            }
        };
        assert!(found(12).await, "a machine free all Monday is found");
        assert!(!found(13).await, "Monday has only twelve open hours");

        // A request for the morning takes it: the index follows the booking through the outbox.
        let r = send_to(&app, "POST", &format!("/api/v1/machines/{machine}/bookings"),
            Some(json!({"org_id": requester.0, "start": at(next_monday() + 8 * HOUR), "hours": 6})), &requester.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let booking = r.body["id"].as_i64().unwrap();
        assert!(!found(12).await, "six hours are booked");
        assert!(found(6).await, "the afternoon is still free");
        // Cancelled, the morning is free again.
        let r = send_to(&app, "POST", &format!("/api/v1/bookings/{booking}/cancel"), None, &requester.1.h()).await;
        assert_eq!(r.body["state"], "cancelled", "{}", r.body);
        assert!(found(12).await, "a cancellation frees the window in search too");

        // Each new day, the index reads every machine's twelve weeks again; once a day, however
        // many servers ask.
        let first = s.roll_calendars("2031-01-06").await.unwrap();
        assert!(first >= 1, "the offer with a machine is read again");
        assert_eq!(s.roll_calendars("2031-01-06").await.unwrap(), 0, "the same day rolls once");
        assert_eq!(s.roll_calendars("2031-01-07").await.unwrap(), first);
        assert!(found(12).await);

        // What cannot be asked is a 400 naming the parameter.
        let far = wujin_store::ties::today() + time::Duration::weeks(14);
        for (query, field) in [
            ("free_hours=0".to_string(), "free_hours"),
            ("free_hours=337".to_string(), "free_hours"),
            (format!("free_to={far}"), "free_to"),
            (format!("free_from={monday}&free_to=2020-01-01"), "free_to"),
            ("free_from=next%20week".to_string(), "free_from"),
        ] {
            let r = send_to(&app, "GET", &format!("/api/v1/search?{query}"), None, &[]).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{query}: {}", r.body);
        }
    }

    async fn the_office_sees_idle_hours_per_process_only_where_five_firms_share_them(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 14).await.unwrap();
        let by = common::sign_up(s, "machines@cap.example.cn").await;
        let officer = common::sign_up(s, "office@cap.example.cn").await;
        s.make_officer(officer.id).await.unwrap();
        let day = "08:00-20:00";
        let hours = [day, day, day, day, day, "", ""].map(String::from);
        // Six die-casters, five polishers and two stampers, one machine each, open 60 hours a
        // week.
        let mut casters = vec![];
        for (i, org) in orgs.iter().enumerate().take(13) {
            let process = match i {
                0..6 => "压铸 800 T",
                6..11 => "自动抛光 6 轴",
                _ => "冲压 315 T",
            };
            let r = wujin_domain::capacity::check_machine("机台", process, &hours, 0, None).unwrap();
            let m = s.create_machine(org.id, None, by.id, &r).await.unwrap();
            if i < 6 {
                casters.push(m);
            }
        }
        let get = |path: String| {
            let h = officer.h();
            async move { send(s, "GET", &path, None, &h).await }
        };
        let r = get("/api/v1/overview/capacity?weeks=3".into()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let rows = r.body["by_week"]["rows"].as_array().unwrap().clone();
        let row = |code: &str| rows.iter().find(|x| x["process"]["code"] == code).cloned().unwrap();
        let next = row("die_casting")["cells"][1].clone();
        assert_eq!((next["idle_hours"].as_i64(), next["open_hours"].as_i64(), next["firms"].as_i64()), (Some(360), Some(360), Some(6)));
        assert_eq!(row("stamping")["cells"][1]["hidden"], true, "two firms are not shown");
        // With the week's total shown, the stampers' hours would be the whole less the rest:
        // the smaller other figure (the polishers') is hidden with them.
        assert_eq!(row("polishing")["cells"][1]["hidden"], true, "{}", r.body["by_week"]);
        assert_eq!(r.body["by_week"]["column_totals"][1]["idle_hours"], 780, "thirteen firms together");

        // A booking next week takes its hours (and its setup) out of the casters' free time.
        let monday = next_monday();
        let requester = common::owner(s, "rent@cap.example.cn", Some(orgs[13].id)).await;
        let booked = book(s, casters[0].id, &(orgs[13].id, requester), monday + 8 * HOUR, 5.0).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
        let week = monday_date();
        let r = get(format!("/api/v1/overview/capacity?weeks=3&week={week}")).await;
        let rows = r.body["by_week"]["rows"].as_array().unwrap();
        let casting = rows.iter().find(|x| x["process"]["code"] == "die_casting").unwrap();
        let at = r.body["by_week"]["columns"].as_array().unwrap().iter().position(|c| c["code"] == week.to_string()).unwrap();
        assert_eq!(casting["cells"][at]["idle_hours"], 355, "{}", casting);
        assert_eq!(r.body["week"], week.to_string());
        assert!(!r.body["by_town"]["columns"].as_array().unwrap().is_empty(), "the towns of the firms with machines");

        // Only the office reads it, and only weeks it can show.
        assert_eq!(send(s, "GET", "/api/v1/overview/capacity", None, &by.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(s, "GET", "/api/v1/overview/capacity", None, &[]).await.status, StatusCode::UNAUTHORIZED);
        for (q, field) in [("weeks=0", "weeks"), ("weeks=13", "weeks"), ("week=2020-01-06", "week"), ("week=soon", "week")] {
            let r = get(format!("/api/v1/overview/capacity?{q}")).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{q}: {}", r.body);
        }
    }
}

//! Labs' test items and test bookings as stored. A confirmation counts against each booked
//! item's weekly capacity inside one transaction that holds the items: on PostgreSQL their
//! rows are locked (in id order, so two confirmations never wait on each other in a
//! circle), on SQLite every write transaction already runs alone. No week of an item is
//! ever confirmed past its capacity, however many confirmations race.

use sqlx::Row;
use time::Date;
use wujin_domain::testing::{TestItem, TestState, week_of};

use crate::declarations::base_of;
use crate::files::{NewFile, put_file};
use crate::inbox::{Kind, notify};
use crate::outbox::{Op, Revised, record_current};
use crate::{Backend, Result, Store, StoreError, Tx, now_ms};

/// A stored test item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub id: i64,
    pub org_id: i64,
    pub offer_id: i64,
    pub item: TestItem,
}

/// A stored test booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBooking {
    pub id: i64,
    pub lab_org_id: i64,
    pub org_id: i64,
    pub items: Vec<i64>,
    pub samples: i64,
    pub desired_on: Date,
    pub notes: String,
    pub state: TestState,
    pub confirmed_on: Option<Date>,
    pub reason: Option<String>,
    pub report_no: Option<String>,
    pub report_sha256: Option<String>,
    pub report_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The booking firm's rating of the lab after the report (1 to 5) and its comment.
    pub rating: Option<(i64, String)>,
}

/// What a step on a booking came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stepped {
    Done(Box<TestBooking>),
    /// The booking is no longer in the state the step was decided on.
    Stale,
    /// Confirming would take this item past its capacity for the week.
    Full {
        item: i64,
        week: Date,
        capacity: i64,
    },
}

/// A new booking as checked by the caller.
pub struct NewBooking<'a> {
    pub lab_org_id: i64,
    pub org_id: i64,
    pub items: &'a [i64],
    pub samples: i64,
    pub desired_on: Date,
    pub notes: &'a str,
    pub by: i64,
}

const ITEM: &str = "SELECT id, org_id, offer_id, standard, name, clause, method, sample, price_fen, turnaround_days, \
     in_scope, weekly_capacity FROM test_items";
const BOOKING: &str = "SELECT id, lab_org_id, org_id, samples, desired_on, notes, state, confirmed_on, reason, \
     report_no, report_sha256, report_name, created_at, updated_at, rating, rating_comment FROM test_bookings";

/// How many bookings of an item (`$1`) hold a place in a week (`$2`, its Monday): the count
/// a confirmation is checked against, and the one the lab's capacity shows.
const TAKEN: &str = "SELECT COUNT(*) FROM test_booking_items i JOIN test_bookings b ON b.id = i.booking_id \
     WHERE i.item_id = $1 AND b.week = $2 AND b.state IN ('confirmed', 'received', 'testing', 'reported')";

fn day(v: &str) -> Result<Date> {
    wujin_domain::tie::parse_date(v).ok_or_else(|| StoreError::Corrupt(format!("test booking date {v}")))
}

fn item_of(r: &sqlx::any::AnyRow) -> Result<StoredItem> {
    Ok(StoredItem {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        offer_id: r.try_get(2)?,
        item: TestItem {
            standard: r.try_get(3)?,
            name: r.try_get(4)?,
            clause: r.try_get(5)?,
            method: r.try_get(6)?,
            sample: r.try_get(7)?,
            price_fen: r.try_get(8)?,
            turnaround_days: r.try_get(9)?,
            in_scope: r.try_get::<i64, _>(10)? != 0,
            weekly_capacity: r.try_get(11)?,
        },
    })
}

fn booking_of(r: &sqlx::any::AnyRow) -> Result<TestBooking> {
    let state: String = r.try_get(6)?;
    let confirmed: Option<String> = r.try_get(7)?;
    Ok(TestBooking {
        id: r.try_get(0)?,
        lab_org_id: r.try_get(1)?,
        org_id: r.try_get(2)?,
        items: vec![],
        samples: r.try_get(3)?,
        desired_on: day(&r.try_get::<String, _>(4)?)?,
        notes: r.try_get(5)?,
        state: TestState::from_code(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("test booking state {state}")))?,
        confirmed_on: confirmed.as_deref().map(day).transpose()?,
        reason: r.try_get(8)?,
        report_no: r.try_get(9)?,
        report_sha256: r.try_get(10)?,
        report_name: r.try_get(11)?,
        created_at: r.try_get(12)?,
        updated_at: r.try_get(13)?,
        rating: match r.try_get::<Option<i64>, _>(14)? {
            Some(score) => Some((score, r.try_get::<Option<String>, _>(15)?.unwrap_or_default())),
            None => None,
        },
    })
}

async fn booking_in(tx: &mut Tx, id: i64) -> Result<Option<TestBooking>> {
    let row = sqlx::query(&format!("{BOOKING} WHERE id = $1")).bind(id).fetch_optional(&mut **tx).await?;
    let Some(mut b) = row.as_ref().map(booking_of).transpose()? else { return Ok(None) };
    b.items = sqlx::query_scalar("SELECT item_id FROM test_booking_items WHERE booking_id = $1 ORDER BY item_id")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(Some(b))
}

/// Both firms hear of every step.
async fn tell_both(tx: &mut Tx, b: &TestBooking, event: &str) -> Result<()> {
    let detail = serde_json::json!({"test_booking": b.id, "event": event, "state": b.state.code(),
        "confirmed_on": b.confirmed_on.map(|d| d.to_string()), "reason": b.reason});
    notify(tx, b.org_id, Kind::TestBooking, None, None, &detail).await?;
    notify(tx, b.lab_org_id, Kind::TestBooking, None, None, &detail).await?;
    Ok(())
}

impl Store {
    /// Lists a test item under a lab's testing service offer; the offer reads differently
    /// (its items are searched with it), so it gets an outbox row.
    pub async fn add_test_item(&self, org: i64, offer: i64, item: &TestItem, by: i64) -> Result<StoredItem> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO test_items (org_id, offer_id, standard, base, name, clause, method, sample, price_fen, \
             turnaround_days, in_scope, weekly_capacity, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(org)
        .bind(offer)
        .bind(item.standard.clone())
        .bind(base_of(&item.standard))
        .bind(item.name.clone())
        .bind(item.clause.clone())
        .bind(item.method.clone())
        .bind(item.sample.clone())
        .bind(item.price_fen)
        .bind(item.turnaround_days)
        .bind(item.in_scope as i64)
        .bind(item.weekly_capacity)
        .bind(by)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({"offer": offer, "standard": item.standard, "name": item.name});
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), "create", "test_item", Some(id), &detail)
            .await?;
        record_current(&mut tx, "offer", Revised::Offers, Op::Update, &[offer]).await?;
        tx.commit().await?;
        Ok(StoredItem { id, org_id: org, offer_id: offer, item: item.clone() })
    }

    /// Test items, of one lab or under one offer, by id.
    pub async fn test_items(&self, org: Option<i64>, offer: Option<i64>, limit: i64) -> Result<Vec<StoredItem>> {
        let mut sql = crate::Sql::new(self.backend(), &format!("{ITEM} WHERE 1 = 1"));
        if let Some(o) = org {
            sql.push(" AND org_id = ").bind(o);
        }
        if let Some(o) = offer {
            sql.push(" AND offer_id = ").bind(o);
        }
        sql.push(" ORDER BY id LIMIT ").bind(limit);
        sql.fetch_all(self.pool()).await?.iter().map(item_of).collect()
    }

    /// The test items under any of `offers`, by offer then id: what the search index keeps
    /// of a lab's testing offers.
    pub async fn test_items_of_offers(&self, offers: &[i64]) -> Result<Vec<StoredItem>> {
        if offers.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = crate::Sql::new(self.backend(), &format!("{ITEM} WHERE offer_id IN "));
        sql.bind_list(offers.iter().copied()).push(" ORDER BY offer_id, id");
        sql.fetch_all(self.pool()).await?.iter().map(item_of).collect()
    }

    /// The test items with these ids (those that exist), by id.
    pub async fn test_items_by_ids(&self, ids: &[i64]) -> Result<Vec<StoredItem>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = crate::Sql::new(self.backend(), &format!("{ITEM} WHERE id IN "));
        sql.bind_list(ids.iter().copied()).push(" ORDER BY id");
        sql.fetch_all(self.pool()).await?.iter().map(item_of).collect()
    }

    pub async fn test_item(&self, id: i64) -> Result<Option<StoredItem>> {
        let row = sqlx::query(&format!("{ITEM} WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(item_of).transpose()
    }

    /// Records a booking request; both firms are told.
    pub async fn request_test(&self, n: &NewBooking<'_>) -> Result<TestBooking> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO test_bookings (lab_org_id, org_id, samples, desired_on, notes, state, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $7) RETURNING id",
        )
        .bind(n.lab_org_id)
        .bind(n.org_id)
        .bind(n.samples)
        .bind(n.desired_on.to_string())
        .bind(n.notes.to_string())
        .bind(n.by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for item in n.items {
            sqlx::query("INSERT INTO test_booking_items (booking_id, item_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*item)
                .execute(&mut *tx)
                .await?;
        }
        let b = booking_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        tell_both(&mut tx, &b, "requested").await?;
        let detail = serde_json::json!({"lab": n.lab_org_id, "items": n.items});
        Store::audit_for(
            &mut tx,
            Some(n.org_id),
            &format!("account:{}", n.by),
            "request",
            "test_booking",
            Some(id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    pub async fn test_booking(&self, id: i64) -> Result<Option<TestBooking>> {
        let mut tx = self.pool().begin().await?;
        let b = booking_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(b)
    }

    /// Test bookings these firms made (`lab` false) or that were made of them (`lab` true),
    /// newest first.
    pub async fn test_bookings_of(&self, orgs: &[i64], lab: bool, limit: i64) -> Result<Vec<TestBooking>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let column = if lab { "lab_org_id" } else { "org_id" };
        let mut sql = crate::Sql::new(self.backend(), &format!("{BOOKING} WHERE {column} IN "));
        sql.bind_list(orgs.iter().copied()).push(" ORDER BY id DESC LIMIT ").bind(limit);
        let mut out: Vec<TestBooking> =
            sql.fetch_all(self.pool()).await?.iter().map(booking_of).collect::<Result<_>>()?;
        if out.is_empty() {
            return Ok(out);
        }
        // Their items in one read.
        let mut sql =
            crate::Sql::new(self.backend(), "SELECT booking_id, item_id FROM test_booking_items WHERE booking_id IN ");
        sql.bind_list(out.iter().map(|b| b.id)).push(" ORDER BY booking_id, item_id");
        let mut items: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for (booking, item) in sql.fetch_all_as::<(i64, i64), _>(self.pool()).await? {
            items.entry(booking).or_default().push(item);
        }
        for b in &mut out {
            b.items = items.remove(&b.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// Records the booking firm's rating of the lab (1 to 5, checked by the caller), once,
    /// after the report: false when the booking has no report or was rated already. The lab
    /// is told, and its standing in the search index follows through the outbox.
    pub async fn rate_test(&self, id: i64, score: i64, comment: &str, by: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE test_bookings SET rating = $1, rating_comment = $2, rated_at = $3 \
             WHERE id = $4 AND state = 'reported' AND rating IS NULL",
        )
        .bind(score)
        .bind(comment)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let Some(b) = booking_in(&mut tx, id).await?.filter(|_| n == 1) else { return Ok(false) };
        let detail = serde_json::json!({"score": score});
        Store::audit_for(&mut tx, Some(b.org_id), &format!("account:{by}"), "rate", "test_booking", Some(id), &detail)
            .await?;
        let told = serde_json::json!({"test_booking": id, "event": "rated", "state": b.state.code(), "score": score});
        notify(&mut tx, b.lab_org_id, Kind::TestBooking, None, None, &told).await?;
        crate::outbox::record(&mut tx, "rating", "upsert", &[b.lab_org_id]).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a booking from `from` to `to` (the caller decided with
    /// `wujin_domain::testing::test_transition` that the step is allowed). Confirming names
    /// the date and is refused when any of its items is full that week. Issuing keeps the
    /// report's number and file. Both firms are told.
    #[allow(clippy::too_many_arguments)]
    pub async fn step_test(
        &self,
        id: i64,
        from: TestState,
        to: TestState,
        date: Option<Date>,
        reason: Option<&str>,
        report: Option<(&str, NewFile<'_>)>,
        by: i64,
    ) -> Result<Stepped> {
        let mut tx = self.begin().await?;
        let Some(b) = booking_in(&mut tx, id).await? else { return Ok(Stepped::Stale) };
        if b.state != from {
            return Ok(Stepped::Stale);
        }
        let week = date.map(week_of);
        if to == TestState::Confirmed {
            let week = week.ok_or(StoreError::Unsupported("a confirmation names its date".into()))?;
            if self.backend() == Backend::Postgres {
                let mut sql = crate::Sql::new(Backend::Postgres, "SELECT id FROM test_items WHERE id IN ");
                sql.bind_list(b.items.iter().copied()).push(" ORDER BY id FOR UPDATE");
                sql.fetch_all(&mut *tx).await?;
            }
            for item in &b.items {
                let capacity: i64 = sqlx::query_scalar("SELECT weekly_capacity FROM test_items WHERE id = $1")
                    .bind(*item)
                    .fetch_one(&mut *tx)
                    .await?;
                let taken: i64 =
                    sqlx::query_scalar(TAKEN).bind(*item).bind(week.to_string()).fetch_one(&mut *tx).await?;
                if taken >= capacity {
                    tx.rollback().await?;
                    return Ok(Stepped::Full { item: *item, week, capacity });
                }
            }
        }
        let (report_no, sha, name) = match report {
            Some((no, file)) => (
                Some(no.to_string()),
                Some(put_file(&mut tx, file.bytes, file.mime).await?),
                Some(file.name.to_string()),
            ),
            None => (None, None, None),
        };
        let moved = sqlx::query(
            "UPDATE test_bookings SET state = $3, confirmed_on = COALESCE($4, confirmed_on), week = COALESCE($5, week), \
             reason = COALESCE($6, reason), report_no = COALESCE($7, report_no), \
             report_sha256 = COALESCE($8, report_sha256), report_name = COALESCE($9, report_name), updated_at = $10 \
             WHERE id = $1 AND state = $2",
        )
        .bind(id)
        .bind(from.code())
        .bind(to.code())
        .bind(date.map(|d| d.to_string()))
        .bind(week.map(|d| d.to_string()))
        .bind(reason.map(str::to_string))
        .bind(report_no)
        .bind(sha)
        .bind(name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            return Ok(Stepped::Stale);
        }
        let b = booking_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        tell_both(&mut tx, &b, to.code()).await?;
        let detail = serde_json::json!({"from": from.code(), "to": to.code()});
        Store::audit_for(
            &mut tx,
            Some(b.lab_org_id),
            &format!("account:{by}"),
            to.code(),
            "test_booking",
            Some(id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(Stepped::Done(Box::new(b)))
    }

    /// How many bookings of each of these items stand confirmed for the week of `day`.
    pub async fn confirmed_in_week(&self, item: i64, day: Date) -> Result<i64> {
        Ok(sqlx::query_scalar(TAKEN).bind(item).bind(week_of(day).to_string()).fetch_one(self.pool()).await?)
    }
}

//! Machines and their bookings, as stored: the one booking engine (shared capacity now, labs'
//! test capacity next). No two standing bookings of a machine overlap, setup time included:
//! a request is checked against the standing bookings and inserted in one write transaction
//! (serial on SQLite), and on PostgreSQL the exclusion constraint `bookings_no_overlap`
//! refuses what a concurrent transaction slipped past the check. A request past its hold is
//! expired before the check, so it never keeps a window it no longer holds.

use sqlx::Row;
use wujin_domain::capacity::{BookingState, Calendar, MachineRecord, free_windows};

use crate::inbox::{Kind, notify};
use crate::{Result, Store, StoreError, Tx, now_ms};

/// A stored machine, its calendar with its maintenance windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub offer_id: Option<i64>,
    pub record: MachineRecord,
}

/// A stored booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub machine_id: i64,
    pub machine_name: String,
    /// The machine's firm.
    pub provider_org: i64,
    pub provider_name: String,
    /// The firm that asked for the time.
    pub org_id: i64,
    pub org_name: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// The end plus the machine's setup time: what the booking holds.
    pub block_end_ms: i64,
    pub state: BookingState,
    /// A request holds its window until then unless answered.
    pub hold_until: i64,
    pub quantity: Option<i64>,
    pub material: String,
    pub notes: String,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A booking as it is requested (checked against the calendar by the caller).
#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub machine_id: i64,
    pub org_id: i64,
    pub by: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub block_end_ms: i64,
    pub quantity: Option<i64>,
    pub material: String,
    pub notes: String,
}

/// A machine with what its calendar holds over a stretch of time (see
/// [`Store::all_machine_times`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineTime {
    /// With the maintenance windows in the stretch.
    pub machine: Machine,
    /// Its firm's town code.
    pub town: Option<String>,
    /// The category of the capacity offer it is offered under.
    pub category: Option<String>,
    /// The blocks of standing bookings in the stretch (setup included), by start.
    pub blocks: Vec<(i64, i64)>,
}

/// What a request found.
#[derive(Debug)]
pub enum Booked {
    Done(Booking),
    /// Another standing booking holds (part of) the window: the one in the way, when it
    /// could be read (a concurrent one may have been withdrawn meanwhile).
    Clash(Option<Booking>),
}

const MACHINE: &str = "SELECT m.id, m.org_id, o.name, m.offer_id, m.name, m.process, m.calendar FROM machines m JOIN orgs o ON o.id = m.org_id";

/// [`MACHINE`] with the firm's town and the offer's category after it.
const MACHINE_TIME: &str = "SELECT m.id, m.org_id, o.name, m.offer_id, m.name, m.process, m.calendar, o.town, f.category \
     FROM machines m JOIN orgs o ON o.id = m.org_id LEFT JOIN offers f ON f.id = m.offer_id";

const BOOKING: &str = "SELECT b.id, b.machine_id, m.name, m.org_id, p.name, b.org_id, o.name, b.start_ms, b.end_ms, \
     b.block_end_ms, b.state, b.hold_until, b.quantity, b.material, b.notes, b.reason, b.created_at, b.updated_at \
     FROM bookings b JOIN machines m ON m.id = b.machine_id JOIN orgs p ON p.id = m.org_id JOIN orgs o ON o.id = b.org_id";

fn machine_of(r: &sqlx::any::AnyRow) -> Result<Machine> {
    let calendar: String = r.try_get(6)?;
    Ok(Machine {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        offer_id: r.try_get(3)?,
        record: MachineRecord {
            name: r.try_get(4)?,
            process: r.try_get(5)?,
            calendar: serde_json::from_str::<Calendar>(&calendar)
                .map_err(|_| StoreError::Corrupt("machine calendar".into()))?,
        },
    })
}

fn booking_of(r: &sqlx::any::AnyRow) -> Result<Booking> {
    let state: String = r.try_get(10)?;
    Ok(Booking {
        id: r.try_get(0)?,
        machine_id: r.try_get(1)?,
        machine_name: r.try_get(2)?,
        provider_org: r.try_get(3)?,
        provider_name: r.try_get(4)?,
        org_id: r.try_get(5)?,
        org_name: r.try_get(6)?,
        start_ms: r.try_get(7)?,
        end_ms: r.try_get(8)?,
        block_end_ms: r.try_get(9)?,
        state: BookingState::from_code(&state).ok_or_else(|| StoreError::Corrupt(format!("booking state {state}")))?,
        hold_until: r.try_get(11)?,
        quantity: r.try_get(12)?,
        material: r.try_get(13)?,
        notes: r.try_get(14)?,
        reason: r.try_get(15)?,
        created_at: r.try_get(16)?,
        updated_at: r.try_get(17)?,
    })
}

/// Tells both firms of a booking's step.
async fn tell_both(tx: &mut Tx, b: &Booking, event: &str) -> Result<()> {
    let detail = serde_json::json!({
        "booking": b.id, "machine": b.machine_id, "title": b.machine_name, "event": event, "start": b.start_ms,
        "reason": b.reason,
    });
    notify(tx, b.org_id, Kind::Booking, None, None, &detail).await?;
    if b.provider_org != b.org_id {
        notify(tx, b.provider_org, Kind::Booking, None, None, &detail).await?;
    }
    Ok(())
}

/// Expires the requests of `machine` (or of every machine) whose hold has run out at `now`,
/// telling both sides.
async fn expire(tx: &mut Tx, machine: Option<i64>, now: i64) -> Result<usize> {
    let mut sql = format!("{BOOKING} WHERE b.state = 'requested' AND b.hold_until <= $1");
    if machine.is_some() {
        sql.push_str(" AND b.machine_id = $2");
    }
    let mut q = sqlx::query(&sql).bind(now);
    if let Some(m) = machine {
        q = q.bind(m);
    }
    let stale: Vec<Booking> = q.fetch_all(&mut **tx).await?.iter().map(booking_of).collect::<Result<_>>()?;
    for b in &stale {
        sqlx::query("UPDATE bookings SET state = 'expired', updated_at = $2 WHERE id = $1 AND state = 'requested'")
            .bind(b.id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        tell_both(tx, b, "expired").await?;
        calendar_changed(tx, b.machine_id).await?;
    }
    Ok(stale.len())
}

/// The standing booking of `machine` whose block overlaps `[from, to)`, if any.
async fn clash(tx: &mut Tx, machine: i64, from: i64, to: i64) -> Result<Option<Booking>> {
    let row = sqlx::query(&format!(
        "{BOOKING} WHERE b.machine_id = $1 AND b.state IN ('requested', 'confirmed') AND b.start_ms < $3 \
         AND b.block_end_ms > $2 ORDER BY b.start_ms LIMIT 1"
    ))
    .bind(machine)
    .bind(from)
    .bind(to)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(booking_of).transpose()
}

/// Records, for the search index, that the free windows of `machine`'s capacity offer changed
/// (an internal outbox topic: the change feed does not show it). Nothing when the machine is
/// offered under no offer.
async fn calendar_changed(tx: &mut Tx, machine: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (topic, entity_id, op, at) SELECT 'calendar', offer_id, 'upsert', $2 FROM machines \
         WHERE id = $1 AND offer_id IS NOT NULL",
    )
    .bind(machine)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether PostgreSQL refused an insert because a concurrent booking holds (part of) its
/// window: the exclusion constraint (23P01), or a deadlock between two inserts whose
/// exclusion checks each wait for the other (40P01): PostgreSQL aborts one of them, and that
/// one lost the race just as surely.
fn is_exclusion(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("23P01" | "40P01")))
}

impl Store {
    /// Offers a machine of `org` (optionally under one of its capacity offers).
    pub async fn create_machine(&self, org: i64, offer: Option<i64>, by: i64, m: &MachineRecord) -> Result<Machine> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO machines (org_id, offer_id, name, process, calendar, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(org)
        .bind(offer)
        .bind(m.name.clone())
        .bind(m.process.clone())
        .bind(serde_json::to_string(&Calendar { maintenance: vec![], ..m.calendar.clone() }).unwrap_or_default())
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({"name": m.name, "process": m.process});
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), "create", "machine", Some(id), &detail).await?;
        calendar_changed(&mut tx, id).await?;
        tx.commit().await?;
        self.machine(id).await?.ok_or(StoreError::NotFound)
    }

    /// A machine with its maintenance windows.
    pub async fn machine(&self, id: i64) -> Result<Option<Machine>> {
        let row = sqlx::query(&format!("{MACHINE} WHERE m.id = $1")).bind(id).fetch_optional(self.pool()).await?;
        let Some(mut m) = row.as_ref().map(machine_of).transpose()? else { return Ok(None) };
        let windows =
            sqlx::query("SELECT from_ms, to_ms FROM machine_maintenance WHERE machine_id = $1 ORDER BY from_ms")
                .bind(id)
                .fetch_all(self.pool())
                .await?;
        m.record.calendar.maintenance =
            windows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(m))
    }

    /// Machines, of one firm or all, by id (without maintenance: read one for that).
    pub async fn machines(&self, org: Option<i64>, limit: i64) -> Result<Vec<Machine>> {
        let rows = match org {
            Some(o) => {
                sqlx::query(&format!("{MACHINE} WHERE m.org_id = $1 ORDER BY m.id LIMIT $2"))
                    .bind(o)
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                sqlx::query(&format!("{MACHINE} ORDER BY m.id LIMIT $1")).bind(limit).fetch_all(self.pool()).await?
            }
        };
        rows.iter().map(machine_of).collect()
    }

    /// The machines offered under a capacity offer, by id.
    pub async fn machines_of_offer(&self, offer: i64, limit: i64) -> Result<Vec<Machine>> {
        let rows = sqlx::query(&format!("{MACHINE} WHERE m.offer_id = $1 ORDER BY m.id LIMIT $2"))
            .bind(offer)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(machine_of).collect()
    }

    /// Adds a maintenance window to a machine.
    pub async fn add_maintenance(&self, machine: i64, from: i64, to: i64, note: &str, by: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO machine_maintenance (machine_id, from_ms, to_ms, note) VALUES ($1, $2, $3, $4)")
            .bind(machine)
            .bind(from)
            .bind(to)
            .bind(note.to_string())
            .execute(&mut *tx)
            .await?;
        let org: i64 =
            sqlx::query_scalar("SELECT org_id FROM machines WHERE id = $1").bind(machine).fetch_one(&mut *tx).await?;
        let detail = serde_json::json!({"from": from, "to": to, "note": note});
        Store::audit_for(
            &mut tx,
            Some(org),
            &format!("account:{by}"),
            "maintenance",
            "machine",
            Some(machine),
            &detail,
        )
        .await?;
        calendar_changed(&mut tx, machine).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The blocks (start, end plus setup) of a machine's standing bookings that overlap
    /// `[from, to)`, by start.
    pub async fn standing_blocks(&self, machine: i64, from: i64, to: i64, now: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT start_ms, block_end_ms FROM bookings WHERE machine_id = $1 AND start_ms < $3 AND block_end_ms > $2 \
             AND (state = 'confirmed' OR (state = 'requested' AND hold_until > $4)) ORDER BY start_ms",
        )
        .bind(machine)
        .bind(from)
        .bind(to)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
    }

    /// Requests a booking: it holds its window for `hold_ms` unless the provider answers, and
    /// is refused when a standing booking holds any of it. Both firms are told.
    pub async fn request_booking(&self, r: &BookingRequest, hold_ms: i64) -> Result<Booked> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        expire(&mut tx, Some(r.machine_id), now).await?;
        if let Some(other) = clash(&mut tx, r.machine_id, r.start_ms, r.block_end_ms).await? {
            tx.commit().await?;
            return Ok(Booked::Clash(Some(other)));
        }
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO bookings (machine_id, org_id, start_ms, end_ms, block_end_ms, state, hold_until, quantity, \
             material, notes, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(r.machine_id)
        .bind(r.org_id)
        .bind(r.start_ms)
        .bind(r.end_ms)
        .bind(r.block_end_ms)
        .bind(now + hold_ms)
        .bind(r.quantity)
        .bind(r.material.clone())
        .bind(r.notes.clone())
        .bind(r.by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if is_exclusion(&e) => {
                // A concurrent request took (part of) the window after the check: the
                // constraint refused this one. Read who holds it now.
                tx.rollback().await?;
                let mut tx = self.begin().await?;
                let other = clash(&mut tx, r.machine_id, r.start_ms, r.block_end_ms).await?;
                tx.commit().await?;
                return Ok(Booked::Clash(other));
            }
            Err(e) => return Err(e.into()),
        };
        let b = booking_of(&sqlx::query(&format!("{BOOKING} WHERE b.id = $1")).bind(id).fetch_one(&mut *tx).await?)?;
        tell_both(&mut tx, &b, "requested").await?;
        calendar_changed(&mut tx, r.machine_id).await?;
        let detail = serde_json::json!({"machine": r.machine_id, "start": r.start_ms, "end": r.end_ms});
        Store::audit_for(
            &mut tx,
            Some(r.org_id),
            &format!("account:{}", r.by),
            "request",
            "booking",
            Some(id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(Booked::Done(b))
    }

    pub async fn booking(&self, id: i64) -> Result<Option<Booking>> {
        let row = sqlx::query(&format!("{BOOKING} WHERE b.id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(booking_of).transpose()
    }

    /// Bookings these firms asked for (`provided` false) or that were asked of their
    /// machines (`provided` true), soonest start first, upcoming before past.
    pub async fn bookings_of(&self, orgs: &[i64], provided: bool, limit: i64) -> Result<Vec<Booking>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let column = if provided { "m.org_id" } else { "b.org_id" };
        let mut sql = crate::Sql::new(self.backend(), &format!("{BOOKING} WHERE {column} IN "));
        sql.bind_list(orgs.iter().copied()).push(" ORDER BY b.start_ms DESC LIMIT ").bind(limit);
        sql.fetch_all(self.pool()).await?.iter().map(booking_of).collect()
    }

    /// Every standing booking of a machine, by start (for the overlap scan of the tests and
    /// the benchmark).
    pub async fn standing_bookings(&self, machine: i64) -> Result<Vec<Booking>> {
        let rows = sqlx::query(&format!(
            "{BOOKING} WHERE b.machine_id = $1 AND b.state IN ('requested', 'confirmed') ORDER BY b.start_ms"
        ))
        .bind(machine)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(booking_of).collect()
    }

    /// Moves booking `id` from `from` to `to` (the caller has decided, with
    /// `wujin_domain::capacity::booking_transition`, that the step is allowed); false when it
    /// no longer stands in `from`. Both firms are told; the reason is kept.
    pub async fn move_booking(
        &self,
        id: i64,
        from: BookingState,
        to: BookingState,
        reason: Option<&str>,
        by: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let n = sqlx::query("UPDATE bookings SET state = $3, reason = COALESCE($4, reason), updated_at = $5 WHERE id = $1 AND state = $2")
            .bind(id)
            .bind(from.code())
            .bind(to.code())
            .bind(reason.map(str::to_string))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        let b = booking_of(&sqlx::query(&format!("{BOOKING} WHERE b.id = $1")).bind(id).fetch_one(&mut *tx).await?)?;
        tell_both(&mut tx, &b, to.code()).await?;
        calendar_changed(&mut tx, b.machine_id).await?;
        let detail = serde_json::json!({"from": from.code(), "to": to.code(), "reason": reason});
        Store::audit_for(&mut tx, Some(b.org_id), &format!("account:{by}"), to.code(), "booking", Some(id), &detail)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The free windows within `[from, to)` of the machines offered under each of `offers`
    /// (capacity offers without machines are left out): what the search index keeps of a
    /// capacity offer so that "free for N hours between these dates" is a filter inside the
    /// index query. Three reads for any number of offers.
    pub async fn offer_free_windows(
        &self,
        offers: &[i64],
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<std::collections::HashMap<i64, Vec<(i64, i64)>>> {
        let mut out: std::collections::HashMap<i64, Vec<(i64, i64)>> = std::collections::HashMap::new();
        if offers.is_empty() {
            return Ok(out);
        }
        for t in self.machine_times(Some(offers), from, to, now, i64::MAX).await? {
            let Some(offer) = t.machine.offer_id else { continue };
            let free = free_windows(&t.machine.record.calendar, &t.blocks, from.max(now), to);
            out.entry(offer).or_default().extend(free);
        }
        Ok(out)
    }

    /// Every machine (the first `limit` by id) with its maintenance and standing blocks within
    /// `[from, to)`, its firm's town and its offer's category: what the office's idle
    /// capacity is computed from.
    pub async fn all_machine_times(&self, from: i64, to: i64, now: i64, limit: i64) -> Result<Vec<MachineTime>> {
        self.machine_times(None, from, to, now, limit).await
    }

    /// The machines offered under `offers` (or all of them), with what their calendars hold
    /// within `[from, to)`: three reads for any number of machines.
    async fn machine_times(
        &self,
        offers: Option<&[i64]>,
        from: i64,
        to: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<MachineTime>> {
        let mut sql = crate::Sql::new(self.backend(), &format!("{MACHINE_TIME} WHERE "));
        match offers {
            Some(offers) => sql.push_in_ids("m.offer_id", offers),
            None => sql.push("1 = 1"),
        };
        sql.push(" ORDER BY m.id LIMIT ").bind(limit);
        let rows = sql.fetch_all(self.pool()).await?;
        let mut times: Vec<MachineTime> = rows
            .iter()
            .map(|r| {
                Ok(MachineTime {
                    machine: machine_of(r)?,
                    town: r.try_get(7)?,
                    category: r.try_get(8)?,
                    blocks: vec![],
                })
            })
            .collect::<Result<_>>()?;
        if times.is_empty() {
            return Ok(times);
        }
        let ids: Vec<i64> = times.iter().map(|t| t.machine.id).collect();
        let at: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut sql = crate::Sql::new(
            self.backend(),
            "SELECT machine_id, from_ms, to_ms FROM machine_maintenance WHERE to_ms > ",
        );
        sql.bind(from).push(" AND from_ms < ").bind(to).push(" AND ").push_in_ids("machine_id", &ids);
        for r in sql.fetch_all(self.pool()).await? {
            let i = at[&r.try_get::<i64, _>(0)?];
            times[i].machine.record.calendar.maintenance.push((r.try_get(1)?, r.try_get(2)?));
        }
        let mut sql = crate::Sql::new(
            self.backend(),
            "SELECT machine_id, start_ms, block_end_ms FROM bookings WHERE (state = 'confirmed' OR \
             (state = 'requested' AND hold_until > ",
        );
        sql.bind(now)
            .push(")) AND block_end_ms > ")
            .bind(from)
            .push(" AND start_ms < ")
            .bind(to)
            .push(" AND ")
            .push_in_ids("machine_id", &ids)
            .push(" ORDER BY start_ms");
        for r in sql.fetch_all(self.pool()).await? {
            let i = at[&r.try_get::<i64, _>(0)?];
            times[i].blocks.push((r.try_get(1)?, r.try_get(2)?));
        }
        Ok(times)
    }

    /// Once a local day (`day`, YYYY-MM-DD), records a calendar change for every capacity
    /// offer with machines, so that the search index moves the weeks it keeps on by a day.
    /// Returns how many offers were touched (0 when this day was already rolled: any number
    /// of servers may call it, and only one transaction wins the day).
    pub async fn roll_calendars(&self, day: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let rolled = sqlx::query("UPDATE meta SET value = $1 WHERE key = 'calendar_day' AND value <> $1")
            .bind(day.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let fresh = if rolled == 0 {
            sqlx::query("INSERT INTO meta (key, value) VALUES ('calendar_day', $1) ON CONFLICT (key) DO NOTHING")
                .bind(day.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        } else {
            0
        };
        if rolled + fresh == 0 {
            tx.commit().await?;
            return Ok(0);
        }
        let n = sqlx::query(
            "INSERT INTO outbox (topic, entity_id, op, at) SELECT DISTINCT 'calendar', offer_id, 'upsert', $1 \
             FROM machines WHERE offer_id IS NOT NULL",
        )
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Expires every request whose hold has run out at `now`; returns how many.
    pub async fn expire_bookings(&self, now: i64) -> Result<usize> {
        let mut tx = self.begin().await?;
        let n = expire(&mut tx, None, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}

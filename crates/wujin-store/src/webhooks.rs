//! Webhook subscriptions and their deliveries.
//!
//! A delivery is written before it is sent: the worker reads the outbox after the
//! subscription's cursor, writes the next deliveries and moves the cursor in one
//! transaction, and only then sends them. A crash between sending and recording the answer
//! sends that delivery again with the same message id (at least once); a crash anywhere
//! else loses nothing and repeats nothing. Ordered deliveries go out one at a time in id
//! order; a test event or a manual redelivery has no counter and goes beside the queue.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, Store, Tx, now_ms};

/// Whether a subscription is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookState {
    Active,
    /// Stopped by its owner; resumes where it stopped.
    Paused,
    /// Stopped by the platform (the receiver answered 410, or three days of failure).
    Disabled,
}

impl HookState {
    pub fn code(self) -> &'static str {
        match self {
            HookState::Active => "active",
            HookState::Paused => "paused",
            HookState::Disabled => "disabled",
        }
    }

    pub fn from_code(s: &str) -> Option<HookState> {
        [HookState::Active, HookState::Paused, HookState::Disabled].into_iter().find(|h| h.code() == s)
    }
}

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub account_id: i64,
    pub url: String,
    /// The feed's types it wants (org, offer, demand).
    pub types: Vec<String>,
    /// The language its payloads are written in (zh-CN or en).
    pub lang: String,
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_until`.
    pub previous: Option<(String, i64)>,
    pub state: HookState,
    pub disabled_reason: Option<String>,
    /// The last outbox sequence read into deliveries.
    pub cursor: i64,
    /// Ordered deliveries made so far.
    pub counter: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change its owner makes (and by the platform disabling it).
    pub revision: i64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Given up: the subscription was disabled while it was being retried, or a test event
    /// or redelivery failed.
    Failed,
}

impl DeliveryState {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn from_code(s: &str) -> DeliveryState {
        match s {
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            _ => DeliveryState::Pending,
        }
    }
}

/// One message to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    pub msg_id: String,
    /// The subscription's counter (None: a test event or a redelivery).
    pub counter: Option<i64>,
    /// The outbox sequence it carries (None for a test event).
    pub seq: Option<i64>,
    /// What happened, e.g. `offer.update` or `webhook.test`.
    pub event: String,
    pub body: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub created_at: i64,
    pub next_at: i64,
    pub last_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// A message not yet written: what the worker made from one outbox row.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub msg_id: String,
    pub seq: i64,
    pub event: String,
    /// Builds the body once the delivery's counter is known.
    pub body: serde_json::Value,
}

/// One try at sending a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: i64,
    /// The receiver's status code, if it answered.
    pub status: Option<i64>,
    /// What went wrong before an answer (refused address, timeout, connection).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What the sender decided after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    /// Try again at this time.
    Retry {
        at: i64,
    },
    /// Stop: the delivery failed for good.
    GiveUp,
}

const HOOK_COLUMNS: &str = "id, account_id, url, types, lang, secret, previous_secret, previous_until, state, \
     disabled_reason, cursor, counter, created_at, updated_at, revision";
const DELIVERY_COLUMNS: &str = "id, webhook_id, msg_id, counter, seq, event, body, state, attempts, created_at, \
     next_at, last_at, last_status, last_error";

fn hook(r: &AnyRow) -> Result<Webhook> {
    let types: String = r.try_get(3)?;
    let previous = match (r.try_get::<Option<String>, _>(6)?, r.try_get::<Option<i64>, _>(7)?) {
        (Some(s), Some(until)) => Some((s, until)),
        _ => None,
    };
    let state: String = r.try_get(8)?;
    Ok(Webhook {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        url: r.try_get(2)?,
        types: types.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect(),
        lang: r.try_get(4)?,
        secret: r.try_get(5)?,
        previous,
        state: HookState::from_code(&state).unwrap_or(HookState::Paused),
        disabled_reason: r.try_get(9)?,
        cursor: r.try_get(10)?,
        counter: r.try_get(11)?,
        created_at: r.try_get(12)?,
        updated_at: r.try_get(13)?,
        revision: r.try_get(14)?,
    })
}

fn delivery(r: &AnyRow) -> Result<Delivery> {
    let state: String = r.try_get(7)?;
    Ok(Delivery {
        id: r.try_get(0)?,
        webhook_id: r.try_get(1)?,
        msg_id: r.try_get(2)?,
        counter: r.try_get(3)?,
        seq: r.try_get(4)?,
        event: r.try_get(5)?,
        body: r.try_get(6)?,
        state: DeliveryState::from_code(&state),
        attempts: r.try_get(8)?,
        created_at: r.try_get(9)?,
        next_at: r.try_get(10)?,
        last_at: r.try_get(11)?,
        last_status: r.try_get(12)?,
        last_error: r.try_get(13)?,
    })
}

/// The fields a subscription's owner may change.
#[derive(Debug, Clone, Default)]
pub struct HookEdit {
    pub url: Option<String>,
    pub types: Option<Vec<String>>,
    /// Active or Paused (Disabled is the platform's to set). Making a disabled subscription
    /// active again resumes it where it stopped.
    pub state: Option<HookState>,
    /// The revision the edit was made against, if the owner sent one.
    pub revision: Option<i64>,
}

/// What an edit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookWrite {
    Done(Box<Webhook>),
    /// The subscription is at another revision than the edit was made against.
    Stale {
        current: i64,
    },
    Missing,
}

impl Store {
    /// Makes a subscription for `account`, starting after outbox sequence `cursor`.
    pub async fn create_webhook(
        &self,
        account: i64,
        url: &str,
        types: &[String],
        lang: &str,
        secret: &str,
        cursor: i64,
    ) -> Result<Webhook> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (account_id, url, types, lang, secret, state, cursor, counter, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7, $7) RETURNING id",
        )
        .bind(account)
        .bind(url)
        .bind(types.join(","))
        .bind(lang)
        .bind(secret)
        .bind(cursor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit(
            &mut tx,
            &format!("account:{account}"),
            "create_webhook",
            id,
            &serde_json::json!({"url": url, "types": types}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.webhook(id).await?.expect("just written"))
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>> {
        let r = sqlx::query(&format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(hook).transpose()
    }

    /// The account's subscriptions, oldest first.
    pub async fn webhooks_of(&self, account: i64) -> Result<Vec<Webhook>> {
        let rows = sqlx::query(&format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE account_id = $1 ORDER BY id"))
            .bind(account)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(hook).collect()
    }

    /// Every subscription the worker sends to.
    pub async fn active_webhooks(&self) -> Result<Vec<Webhook>> {
        let rows = sqlx::query(&format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE state = 'active' ORDER BY id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(hook).collect()
    }

    /// Applies an owner's edit.
    pub async fn edit_webhook(&self, id: i64, edit: &HookEdit, actor: i64) -> Result<HookWrite> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let Some(before) = sqlx::query(&format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(HookWrite::Missing);
        };
        let before = hook(&before)?;
        if let Some(r) = edit.revision
            && r != before.revision
        {
            return Ok(HookWrite::Stale { current: before.revision });
        }
        let url = edit.url.clone().unwrap_or(before.url.clone());
        let types = edit.types.clone().unwrap_or(before.types.clone());
        let state = edit.state.unwrap_or(before.state);
        let reason = if state == HookState::Disabled { before.disabled_reason.clone() } else { None };
        let changed = sqlx::query(
            "UPDATE webhooks SET url = $1, types = $2, state = $3, disabled_reason = $4, updated_at = $5, \
             revision = revision + 1 WHERE id = $6 AND revision = $7",
        )
        .bind(&url)
        .bind(types.join(","))
        .bind(state.code())
        .bind(reason)
        .bind(now)
        .bind(id)
        .bind(before.revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            // Another edit (or the worker disabling it) came first.
            return Ok(HookWrite::Stale { current: before.revision + 1 });
        }
        if before.state == HookState::Disabled && state == HookState::Active {
            // Retrying begins afresh: the head of the queue gets a new three days.
            sqlx::query(
                "UPDATE webhook_deliveries SET created_at = $1, next_at = $1 WHERE webhook_id = $2 AND state = 'pending'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            &format!("account:{actor}"),
            "edit_webhook",
            id,
            &serde_json::json!({"url": url, "types": types, "state": state.code()}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.webhook(id).await?.map_or(HookWrite::Missing, |h| HookWrite::Done(Box::new(h))))
    }

    /// Deletes a subscription with its deliveries; false when it was not there.
    pub async fn delete_webhook(&self, id: i64, actor: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1").bind(id).execute(&mut *tx).await?;
        let gone = sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        audit(&mut tx, &format!("account:{actor}"), "delete_webhook", id, &serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(gone == 1)
    }

    /// Replaces the secret; the old one keeps signing until `previous_until`.
    pub async fn rotate_webhook_secret(&self, id: i64, secret: &str, previous_until: i64, actor: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE webhooks SET previous_secret = secret, previous_until = $1, secret = $2, updated_at = $3, \
             revision = revision + 1 WHERE id = $4",
        )
        .bind(previous_until)
        .bind(secret)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, &format!("account:{actor}"), "rotate_webhook_secret", id, &serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The oldest ordered deliveries still to send, in order, at most `limit`.
    pub async fn queue(&self, webhook: i64, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'pending' \
             AND counter IS NOT NULL ORDER BY id LIMIT $2"
        ))
        .bind(webhook)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// Test events and redeliveries due by `now`.
    pub async fn side_deliveries_due(&self, webhook: i64, now: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'pending' \
             AND counter IS NULL AND next_at <= $2 ORDER BY id LIMIT 20"
        ))
        .bind(webhook)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// Writes the next deliveries of a subscription and moves its cursor to `cursor`, if the
    /// cursor still stands at `from` (another worker did not do it first). Each body gets
    /// the delivery's counter as `counter`. False when the cursor had moved.
    pub async fn enqueue_deliveries(
        &self,
        webhook: i64,
        from: i64,
        cursor: i64,
        items: &[NewDelivery],
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let counter: Option<i64> = sqlx::query_scalar("SELECT counter FROM webhooks WHERE id = $1 AND cursor = $2")
            .bind(webhook)
            .bind(from)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(mut counter) = counter else {
            return Ok(false);
        };
        for item in items {
            counter += 1;
            let mut body = item.body.clone();
            body["counter"] = counter.into();
            insert_delivery(
                &mut tx,
                webhook,
                &item.msg_id,
                Some(counter),
                Some(item.seq),
                &item.event,
                &body.to_string(),
                now,
            )
            .await?;
        }
        sqlx::query("UPDATE webhooks SET cursor = $1, counter = $2 WHERE id = $3")
            .bind(cursor)
            .bind(counter)
            .bind(webhook)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Queues a message beside the ordered queue (a test event), to go at once.
    pub async fn enqueue_side(&self, webhook: i64, msg_id: &str, event: &str, body: &str) -> Result<Delivery> {
        let mut tx = self.begin().await?;
        let id = insert_delivery(&mut tx, webhook, msg_id, None, None, event, body, now_ms()).await?;
        tx.commit().await?;
        Ok(self.delivery(id).await?.expect("just written"))
    }

    /// Sends delivery `id` again, beside the queue, with its message id and body.
    pub async fn redeliver(&self, id: i64) -> Result<Option<Delivery>> {
        let Some(d) = self.delivery(id).await? else { return Ok(None) };
        let mut tx = self.begin().await?;
        let id = insert_delivery(&mut tx, d.webhook_id, &d.msg_id, None, d.seq, &d.event, &d.body, now_ms()).await?;
        tx.commit().await?;
        self.delivery(id).await
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<Delivery>> {
        let r = sqlx::query(&format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(delivery).transpose()
    }

    /// A subscription's deliveries, newest first, before id `before` if given.
    pub async fn deliveries(&self, webhook: i64, before: Option<i64>, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ))
        .bind(webhook)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// A delivery's attempts, oldest first.
    pub async fn attempts(&self, delivery: i64) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(
            "SELECT at, status, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id LIMIT 100",
        )
        .bind(delivery)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Attempt {
                    at: r.try_get(0)?,
                    status: r.try_get(1)?,
                    error: r.try_get(2)?,
                    duration_ms: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Records an attempt and what follows from it, in one transaction.
    pub async fn record_attempt(&self, d: &Delivery, attempt: &Attempt, after: &AfterAttempt) -> Result<()> {
        self.record_attempts(&[(d, attempt, after)]).await
    }

    /// Records several attempts in one transaction (a run of deliveries sent one after
    /// another: were the process to die before this commits, they are all sent again, which
    /// at-least-once allows).
    pub async fn record_attempts(&self, outcomes: &[(&Delivery, &Attempt, &AfterAttempt)]) -> Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (d, attempt, after) in outcomes {
            sqlx::query(
                "INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(d.id)
            .bind(attempt.at)
            .bind(attempt.status)
            .bind(&attempt.error)
            .bind(attempt.duration_ms)
            .execute(&mut *tx)
            .await?;
            let (state, next_at) = match after {
                AfterAttempt::Delivered => (DeliveryState::Delivered, d.next_at),
                AfterAttempt::Retry { at } => (DeliveryState::Pending, *at),
                AfterAttempt::GiveUp => (DeliveryState::Failed, d.next_at),
            };
            sqlx::query(
                "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, next_at = $2, last_at = $3, \
                 last_status = $4, last_error = $5 WHERE id = $6",
            )
            .bind(state.code())
            .bind(next_at)
            .bind(attempt.at)
            .bind(attempt.status)
            .bind(&attempt.error)
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets finished deliveries (delivered or given up) written before `cutoff_ms`, with
    /// their attempts: the log keeps what is recent, and pending ones are never touched.
    /// Returns how many went.
    pub async fn prune_deliveries(&self, cutoff_ms: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let old = "SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1";
        sqlx::query(&format!("DELETE FROM webhook_attempts WHERE delivery_id IN ({old})"))
            .bind(cutoff_ms)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1")
            .bind(cutoff_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone)
    }

    /// Disables a subscription (the platform's decision, with its reason) and tells the
    /// owner in the inbox of each firm they own or administer, in one transaction. The
    /// delivery being retried stays pending: making the subscription active again resumes
    /// with it.
    pub async fn disable_webhook(&self, id: i64, reason: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let row: Option<(i64, String)> = sqlx::query_as(
            "UPDATE webhooks SET state = 'disabled', disabled_reason = $1, updated_at = $2, revision = revision + 1 WHERE id = $3 \
             AND state = 'active' RETURNING account_id, url",
        )
        .bind(reason)
        .bind(now_ms())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((account, url)) = row else { return Ok(()) };
        let orgs: Vec<i64> = sqlx::query_scalar(
            "SELECT org_id FROM memberships WHERE account_id = $1 AND role IN ('owner', 'admin') ORDER BY org_id",
        )
        .bind(account)
        .fetch_all(&mut *tx)
        .await?;
        let detail = serde_json::json!({"webhook_id": id, "url": url, "reason": reason});
        for org in orgs {
            crate::inbox::notify(&mut tx, org, crate::inbox::Kind::WebhookDisabled, None, None, &detail).await?;
        }
        audit(&mut tx, "platform", "disable_webhook", id, &detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The audit row of a change to subscription `id`.
async fn audit(tx: &mut Tx, actor: &str, action: &str, id: i64, detail: &serde_json::Value) -> Result<()> {
    Store::audit(tx, actor, action, "webhook", Some(id), detail).await
}

#[allow(clippy::too_many_arguments)]
async fn insert_delivery(
    tx: &mut Tx,
    webhook: i64,
    msg_id: &str,
    counter: Option<i64>,
    seq: Option<i64>,
    event: &str,
    body: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (webhook_id, msg_id, counter, seq, event, body, state, attempts, created_at, next_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) RETURNING id",
    )
    .bind(webhook)
    .bind(msg_id)
    .bind(counter)
    .bind(seq)
    .bind(event)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

//! The delivery worker: follows the outbox for each active subscription as the search index
//! follows it for search, writes the next deliveries before sending them, and sends each
//! subscription's deliveries one at a time in order. A failed delivery holds back the ones
//! after it and is retried on a schedule for up to three days; an answer of 410 Gone, or
//! three days of failure, disables the subscription and tells its owner.
//!
//! Time enters as an argument of [`Worker::tick`], so tests drive three days of retries in
//! a moment; the serving loop passes the wall clock.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use wujin_domain::Lang;
use wujin_store::StoreError;
use wujin_store::webhooks::{AfterAttempt, Attempt, Delivery, NewDelivery, Webhook};

use super::sender::{Message, Sender};
use crate::api::AppState;
use crate::api::auth::{Caller, Via};
use crate::api::changes::{TYPES, views};
use crate::api::views::rfc3339;
use crate::api::webhooks::WebhookPayload;

const SECOND: i64 = 1000;
const HOUR: i64 = 3600 * SECOND;
/// How long a delivery is retried (and holds back the ones after it) before the
/// subscription is disabled.
pub const GIVE_UP_AFTER_MS: i64 = 72 * HOUR;
/// The waits after the 1st, 2nd, … failed attempt; the last repeats.
pub const BACKOFF_MS: [i64; 6] = [5 * SECOND, 5 * 60 * SECOND, 30 * 60 * SECOND, 2 * HOUR, 5 * HOUR, 10 * HOUR];
/// Ordered deliveries written from the outbox at a time.
const BATCH: usize = 100;
/// Outbox rows read at a time when filling a queue.
const SCAN: i64 = 1000;
/// Deliveries one subscription sends in one tick, so one busy receiver cannot starve the
/// rest for long.
const PER_TICK: usize = 200;

/// What follows a failed attempt of an ordered delivery that was first tried at
/// `created_at`, after `attempts` failures in all, at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(i64),
    /// Three days have passed: disable the subscription.
    Disable,
}

pub fn after_failure(created_at: i64, attempts: i64, now: i64) -> AfterFailure {
    let deadline = created_at + GIVE_UP_AFTER_MS;
    if now >= deadline {
        return AfterFailure::Disable;
    }
    let i = (attempts.max(1) - 1).min(BACKOFF_MS.len() as i64 - 1) as usize;
    // The last try falls on the deadline itself rather than past it.
    AfterFailure::RetryAt((now + BACKOFF_MS[i]).min(deadline))
}

/// Why a subscription was disabled, as its owner reads it.
pub const GONE: &str = "gone";
pub const FAILING: &str = "failing";
pub const BEHIND: &str = "behind_retention";

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the changes: {0}")]
    Feed(String),
}

#[derive(Clone)]
pub struct Worker {
    app: AppState,
    sender: Sender,
}

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub attempted: usize,
    pub delivered: usize,
    pub queued: usize,
}

impl Worker {
    pub fn new(app: AppState, sender: Sender) -> Worker {
        Worker { app, sender }
    }

    /// One pass over every active subscription at time `now`: queue what the outbox has
    /// for it and send what is due, side by side. The serving loop ([`Worker::run`]) serves
    /// each subscription in its own task instead; this pass is how tests and tools drive
    /// the worker on a clock of their own.
    pub async fn tick(&self, now: i64) -> Result<Tick, WorkerError> {
        let hooks = self.app.store.active_webhooks().await?;
        let runs = hooks.into_iter().map(|h| self.serve(h, now));
        let mut total = Tick::default();
        for r in futures_util::future::join_all(runs).await {
            let t = r?;
            total.attempted += t.attempted;
            total.delivered += t.delivered;
            total.queued += t.queued;
        }
        Ok(total)
    }

    async fn serve(&self, hook: Webhook, now: i64) -> Result<Tick, WorkerError> {
        let mut t = Tick::default();
        let store = &self.app.store;
        for d in store.side_deliveries_due(hook.id, now).await? {
            let a = self.send(&hook, &d, now).await;
            let ok = delivered(&a);
            let after = if ok { AfterAttempt::Delivered } else { AfterAttempt::GiveUp };
            store.record_attempt(&d, &a, &after).await?;
            t.attempted += 1;
            t.delivered += usize::from(ok);
        }
        let mut hook = hook;
        while t.attempted < PER_TICK {
            let mut queue = store.queue(hook.id, BATCH as i64).await?;
            if queue.is_empty() {
                let Some(queued) = self.fill(&hook, now).await? else { break };
                t.queued += queued;
                match store.webhook(hook.id).await? {
                    Some(h) => hook = h,
                    None => break,
                }
                queue = store.queue(hook.id, BATCH as i64).await?;
                if queue.is_empty() {
                    continue;
                }
            }
            // Send in order, one at a time, until one fails or is not due; the outcomes of
            // the run are recorded together.
            let mut sent: Vec<(Delivery, Attempt, AfterAttempt)> = vec![];
            let mut stopped = None;
            for d in queue {
                if d.next_at > now {
                    break;
                }
                let a = self.send(&hook, &d, now).await;
                t.attempted += 1;
                if delivered(&a) {
                    t.delivered += 1;
                    sent.push((d, a, AfterAttempt::Delivered));
                    continue;
                }
                let gone = a.status == Some(410);
                let (after, disable) = match after_failure(d.created_at, d.attempts + 1, now) {
                    AfterFailure::RetryAt(at) => (AfterAttempt::Retry { at }, gone.then_some(GONE)),
                    AfterFailure::Disable => {
                        (AfterAttempt::Retry { at: now + BACKOFF_MS[0] }, Some(if gone { GONE } else { FAILING }))
                    }
                };
                sent.push((d, a, after));
                stopped = Some(disable);
                break;
            }
            let ran = sent.len();
            let outcomes: Vec<_> = sent.iter().map(|(d, a, after)| (d, a, after)).collect();
            store.record_attempts(&outcomes).await?;
            match stopped {
                // A failure ends this subscription's turn (and perhaps the subscription).
                Some(disable) => {
                    if let Some(reason) = disable {
                        store.disable_webhook(hook.id, reason).await?;
                    }
                    break;
                }
                // The head is not due yet.
                None if ran == 0 => break,
                // On with the rest of the queue, refilled from the outbox when it runs dry.
                None => {}
            }
        }
        Ok(t)
    }

    /// Writes the subscription's next deliveries from the outbox: how many, or None when its
    /// cursor did not move (nothing new, or another worker moved it first).
    async fn fill(&self, hook: &Webhook, now: i64) -> Result<Option<usize>, WorkerError> {
        let store = &self.app.store;
        if hook.cursor < store.outbox_floor().await? {
            // The changes it missed are gone: it must start again from an export.
            store.disable_webhook(hook.id, BEHIND).await?;
            return Ok(None);
        }
        let mut events = store.outbox_after(hook.cursor, SCAN).await?;
        let n = store.settled(hook.cursor, &events).await?;
        events.truncate(n);
        let Some(last) = events.last().map(|e| e.seq) else { return Ok(None) };
        events.retain(|e| hook.types.iter().any(|t| t == &e.topic) && TYPES.contains(&e.topic.as_str()));
        // A batch at a time: the cursor moves to the last change taken, or past everything
        // scanned when all of it was taken.
        let cursor = if events.len() > BATCH {
            events.truncate(BATCH);
            events[BATCH - 1].seq
        } else {
            last
        };
        let lang = Lang::from_tag(&hook.lang);
        // The owner sees what their own GET would show them.
        let owner = Caller {
            account_id: hook.account_id,
            login: String::new(),
            name: String::new(),
            via: Via::Token { scopes: vec![] },
        };
        let changes = views(&self.app, lang, Some(&owner), &events).await.map_err(|e| WorkerError::Feed(e.message))?;
        let items: Vec<NewDelivery> = changes
            .into_iter()
            .map(|c| {
                let event = format!("{}.{}", c.kind, c.op);
                let (msg_id, seq, timestamp) = (format!("msg_wujin_{}_{}", hook.id, c.seq), c.seq, c.at.clone());
                let payload = WebhookPayload {
                    kind: event.clone(),
                    timestamp,
                    subscription_id: hook.id,
                    // Numbered as it is written.
                    counter: None,
                    data: serde_json::to_value(c).unwrap_or_default(),
                };
                NewDelivery { msg_id, seq, body: serde_json::to_value(payload).unwrap_or_default(), event }
            })
            .collect();
        Ok(store.enqueue_deliveries(hook.id, hook.cursor, cursor, &items, now).await?.then_some(items.len()))
    }

    /// Sends one delivery, signed with the secrets valid at `now`.
    async fn send(&self, hook: &Webhook, d: &Delivery, now: i64) -> Attempt {
        let mut secrets = vec![hook.secret.as_str()];
        if let Some((old, until)) = &hook.previous
            && now < *until
        {
            secrets.push(old.as_str());
        }
        let m = Message { url: &hook.url, msg_id: &d.msg_id, body: &d.body, secrets };
        self.sender.send(&m, now).await
    }

    /// Delivers until `stop`: waits for the deployment's worker lock (one node delivers),
    /// then serves each active subscription in a task of its own, so a slow or hanging
    /// receiver (up to the 10 s timeout per attempt) never holds up the others. A
    /// subscription with work is served again at once; one without is looked at again
    /// 200 ms later.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        const POLL: Duration = Duration::from_millis(200);
        let mut lock = None;
        let mut tasks: tokio::task::JoinSet<(i64, Result<Tick, WorkerError>)> = tokio::task::JoinSet::new();
        let mut busy: HashSet<i64> = HashSet::new();
        // Which subscription each task serves, so even a task that panicked frees its own.
        let mut serving: HashMap<tokio::task::Id, i64> = HashMap::new();
        let mut rest_until: HashMap<i64, tokio::time::Instant> = HashMap::new();
        loop {
            let Some(l) = &mut lock else {
                match self.app.store.try_job_lock(wujin_store::jobs::Job::Webhooks).await {
                    Ok(Some(l)) => {
                        tracing::info!("webhook worker: delivering for this deployment");
                        lock = Some(l);
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "webhook worker: taking the lock"),
                }
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
                continue;
            };
            if !l.alive().await {
                tracing::warn!("webhook worker: lost the lock's connection; taking it again");
                // Another node may take over: stop sending (a run cut short is sent again).
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                busy.clear();
                serving.clear();
                lock = None;
                continue;
            }
            let now = tokio::time::Instant::now();
            match self.app.store.active_webhooks().await {
                Ok(hooks) => {
                    rest_until.retain(|id, _| hooks.iter().any(|h| h.id == *id));
                    for h in hooks {
                        if busy.contains(&h.id) || rest_until.get(&h.id).is_some_and(|t| *t > now) {
                            continue;
                        }
                        busy.insert(h.id);
                        let w = self.clone();
                        let id = h.id;
                        let task = tasks.spawn(async move { (id, w.serve(h, wujin_store::now_ms()).await) });
                        serving.insert(task.id(), id);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhook worker: reading the subscriptions"),
            }
            tokio::select! {
                _ = stop.changed() => break,
                Some(done) = tasks.join_next_with_id() => {
                    let (task, result) = match done {
                        Ok((task, (_, result))) => (task, Some(result)),
                        Err(e) => (e.id(), None),
                    };
                    let Some(id) = serving.remove(&task) else { continue };
                    busy.remove(&id);
                    let rest = match result {
                        Some(Ok(t)) if t.attempted + t.queued > 0 => Duration::ZERO,
                        Some(Ok(_)) => POLL,
                        Some(Err(e)) => {
                            tracing::warn!(error = %e, subscription = id, "webhook worker");
                            Duration::from_secs(1)
                        }
                        None => {
                            tracing::error!(subscription = id, "webhook worker: serving a subscription panicked");
                            Duration::from_secs(5)
                        }
                    };
                    rest_until.insert(id, tokio::time::Instant::now() + rest);
                }
                _ = tokio::time::sleep(POLL) => {}
            }
        }
        // A delivery cut short here is sent again after the restart (at least once).
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        if let Some(l) = lock {
            l.release().await;
        }
    }
}

/// Whether the receiver took the delivery (any 2xx).
fn delivered(a: &Attempt) -> bool {
    a.status.is_some_and(|s| (200..300).contains(&s))
}

/// The body of a test event.
pub fn test_body(hook: &Webhook, now: i64) -> serde_json::Value {
    let payload = WebhookPayload {
        kind: "webhook.test".into(),
        timestamp: rfc3339(now),
        subscription_id: hook.id,
        counter: None,
        data: serde_json::json!({"message": "wujin test event"}),
    };
    serde_json::to_value(payload).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_at_three_days() {
        let t0 = 1_000_000;
        assert_eq!(after_failure(t0, 1, t0), AfterFailure::RetryAt(t0 + 5 * SECOND));
        assert_eq!(after_failure(t0, 2, t0 + 5 * SECOND), AfterFailure::RetryAt(t0 + 5 * SECOND + 5 * 60 * SECOND));
        assert_eq!(after_failure(t0, 6, t0 + 20 * HOUR), AfterFailure::RetryAt(t0 + 30 * HOUR));
        assert_eq!(after_failure(t0, 9, t0 + 40 * HOUR), AfterFailure::RetryAt(t0 + 50 * HOUR));
        // Never scheduled past the deadline; at the deadline, disable.
        assert_eq!(after_failure(t0, 12, t0 + 70 * HOUR), AfterFailure::RetryAt(t0 + GIVE_UP_AFTER_MS));
        assert_eq!(after_failure(t0, 13, t0 + GIVE_UP_AFTER_MS), AfterFailure::Disable);
    }
}

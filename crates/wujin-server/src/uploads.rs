//! A firm's catalogue upload between its check and its confirm.
//!
//! The person sees the row report first and writes only when they confirm, so the server
//! holds the checked sheet in between: checked once, written as it was shown, never parsed
//! again from a file the browser would have to send twice. What is held is a draft, not
//! data: it lives in memory, for [`KEEP`], and a restart forgets it (the person uploads
//! again). Memory is bounded by [`MAX_HELD_ROWS`] over all held uploads; the oldest goes
//! first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::transfer::import::CheckedOffers;

/// How long a checked upload waits for its confirm.
pub const KEEP: Duration = Duration::from_secs(60 * 60);
/// The most rows held over all uploads waiting for a confirm.
pub const MAX_HELD_ROWS: usize = 200_000;

/// One checked upload, waiting.
pub struct Held {
    pub org_id: i64,
    pub account_id: i64,
    pub file_name: String,
    pub checked: Arc<CheckedOffers>,
    /// When it was checked, as the wall clock says (shown), and as a monotonic clock (expiry).
    pub checked_at: time::OffsetDateTime,
    since: Instant,
}

impl Held {
    pub fn expires_at(&self) -> time::OffsetDateTime {
        self.checked_at + KEEP
    }
}

#[derive(Default)]
pub struct Uploads {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: i64,
    held: HashMap<i64, Held>,
}

impl Inner {
    fn forget_expired(&mut self) {
        self.held.retain(|_, h| h.since.elapsed() < KEEP);
    }

    fn rows(&self) -> usize {
        self.held.values().map(|h| h.checked.report.rows).sum()
    }
}

impl Uploads {
    /// Holds a checked upload and returns its id. A person's earlier upload for the same
    /// firm is dropped: they confirm what they saw last.
    pub fn hold(&self, org_id: i64, account_id: i64, file_name: String, checked: CheckedOffers) -> i64 {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.forget_expired();
        inner.held.retain(|_, h| !(h.org_id == org_id && h.account_id == account_id));
        let rows = checked.report.rows;
        while !inner.held.is_empty() && inner.rows() + rows > MAX_HELD_ROWS {
            let oldest = inner.held.iter().min_by_key(|(_, h)| h.since).map(|(id, _)| *id);
            if let Some(id) = oldest {
                inner.held.remove(&id);
            }
        }
        inner.next += 1;
        let id = inner.next;
        let held = Held {
            org_id,
            account_id,
            file_name,
            checked: Arc::new(checked),
            checked_at: time::OffsetDateTime::now_utc(),
            since: Instant::now(),
        };
        inner.held.insert(id, held);
        id
    }

    /// The upload `id`, if it is this person's for this firm and has not expired.
    pub fn get(&self, id: i64, org_id: i64, account_id: i64) -> Option<HeldView> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.forget_expired();
        inner.held.get(&id).filter(|h| h.org_id == org_id && h.account_id == account_id).map(HeldView::of)
    }

    /// Takes the upload out, for writing; [`Uploads::put_back`] returns it if the write fails.
    pub fn take(&self, id: i64, org_id: i64, account_id: i64) -> Option<Held> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.forget_expired();
        let mine = inner.held.get(&id).is_some_and(|h| h.org_id == org_id && h.account_id == account_id);
        if mine { inner.held.remove(&id) } else { None }
    }

    pub fn put_back(&self, id: i64, held: Held) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.held.insert(id, held);
    }
}

/// What a reader of a held upload needs, without holding the lock.
pub struct HeldView {
    pub file_name: String,
    pub checked: Arc<CheckedOffers>,
    pub expires_at: time::OffsetDateTime,
}

impl HeldView {
    fn of(h: &Held) -> HeldView {
        HeldView { file_name: h.file_name.clone(), checked: h.checked.clone(), expires_at: h.expires_at() }
    }
}

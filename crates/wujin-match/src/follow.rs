//! Keeping the index in step with the store through its outbox.
//!
//! The follower reads outbox events after the sequence number stored in the index's last
//! commit, reloads the changed offers from the store, and commits them together with the
//! new sequence number. A crash anywhere in between loses nothing: the next run starts from
//! the last number that was committed with its documents, and re-applying an event is
//! harmless (an upsert by offer id).

use std::collections::{BTreeSet, HashMap};

use wujin_store::offers::{Offer, OfferFilter};
use wujin_store::reputation::Reputation;
use wujin_store::{Store, StoreError};

use wujin_domain::capacity::HORIZON_MS;

use crate::index::{MatchError, MatchIndex, OfferDoc, Standing, TestedItem};

/// Events read per round.
const EVENTS: i64 = 2000;

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error(transparent)]
    Index(#[from] MatchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the index keeps of stored offers besides the offers themselves: their firms'
/// standing and capacity offers' free machine windows.
#[derive(Default)]
struct Extras {
    standing: HashMap<i64, Reputation>,
    free: HashMap<i64, Vec<(i64, i64)>>,
    /// Editions each offer is declared to meet with a report in force.
    declared: HashMap<i64, Vec<String>>,
    /// A lab's testing offer's items.
    tests: HashMap<i64, Vec<TestedItem>>,
    /// Certificates the daily sweep lapsed: (organisation, code, last day).
    lapsed: std::collections::HashSet<(i64, String, String)>,
}

/// The index's view of stored offers.
fn docs_of<'a>(offers: &'a [Offer], extras: &'a Extras) -> Vec<OfferDoc<'a>> {
    // A lapsed certificate leaves the index through the daily sweep's outbox row for its
    // organisation (`Store::lapse_certificates`).
    let today = wujin_store::ties::today();
    offers
        .iter()
        .map(|o| OfferDoc {
            offer_id: o.id as u64,
            org_id: o.org_id as u64,
            org_name: &o.org_name,
            town: o.town.as_deref(),
            certificates: o
                .org_certificates
                .iter()
                .filter(|c| c.in_force(today))
                .filter(|c| match c.valid_until {
                    Some(d) => !extras.lapsed.contains(&(o.org_id, c.code.clone(), d.to_string())),
                    None => true,
                })
                .map(|c| c.code.as_str())
                .collect(),
            sectors: &o.org_sectors,
            standing: extras.standing.get(&o.org_id).map(standing_of).unwrap_or_default(),
            record: &o.record,
            free: extras.free.get(&o.id).map(Vec::as_slice).unwrap_or_default(),
            declared: extras.declared.get(&o.id).map(Vec::as_slice).unwrap_or_default(),
            tests: extras.tests.get(&o.id).map(Vec::as_slice).unwrap_or_default(),
        })
        .collect()
}

fn standing_of(r: &Reputation) -> Standing {
    Standing {
        ratings: r.ratings.max(0) as u64,
        rating_avg: r.rating_avg.unwrap_or(0.0) as f32,
        invited: r.invited.max(0) as u64,
        answered: r.answered.max(0) as u64,
        verified: r.verified,
    }
}

/// What the index keeps of `offers` besides themselves, read from the store: their
/// organisations' standing, and the free windows of capacity offers' machines from now to
/// the horizon.
async fn extras_of(store: &Store, offers: &[Offer]) -> Result<Extras, FollowError> {
    let orgs: BTreeSet<i64> = offers.iter().map(|o| o.org_id).collect();
    let orgs: Vec<i64> = orgs.into_iter().collect();
    let mut extras = Extras::default();
    for chunk in orgs.chunks(500) {
        extras.standing.extend(store.reputations(chunk).await?);
    }
    // Only organisations with a dated certificate can have a lapsed one.
    let dated: Vec<i64> = offers
        .iter()
        .filter(|o| o.org_certificates.iter().any(|c| c.valid_until.is_some()))
        .map(|o| o.org_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in dated.chunks(500) {
        extras.lapsed.extend(store.lapsed_certificates(chunk).await?);
    }
    let capacity: Vec<i64> =
        offers.iter().filter(|o| o.record.kind == wujin_domain::OfferKind::Capacity).map(|o| o.id).collect();
    if !capacity.is_empty() {
        let now = wujin_store::now_ms();
        extras.free = store.offer_free_windows(&capacity, now, now + HORIZON_MS, now).await?;
    }
    // A report that lapses leaves the index through the daily sweep's outbox rows
    // (`Store::lapse_declarations`).
    let today = wujin_store::ties::today();
    let ids: Vec<i64> = offers.iter().map(|o| o.id).collect();
    for chunk in ids.chunks(2000) {
        for d in store.declarations_of_offers(chunk).await?.iter().filter(|d| d.in_force(today)) {
            extras.declared.entry(d.offer_id).or_default().push(d.declared.standard.clone());
        }
    }
    // Test items hang under service offers only (a lab's testing services).
    let services: Vec<i64> =
        offers.iter().filter(|o| o.record.kind == wujin_domain::OfferKind::Service).map(|o| o.id).collect();
    for chunk in services.chunks(2000) {
        for i in store.test_items_of_offers(chunk).await? {
            let t = i.item;
            let item = TestedItem { standard: t.standard, name: t.name, clause: t.clause };
            extras.tests.entry(i.offer_id).or_default().push(item);
        }
    }
    Ok(extras)
}

async fn index_offers(store: &Store, index: &MatchIndex, ids: &[i64]) -> Result<(), FollowError> {
    let offers = store.offers_by_ids(ids).await?;
    let found: BTreeSet<i64> = offers.iter().map(|o| o.id).collect();
    for id in ids.iter().filter(|id| !found.contains(id)) {
        index.delete(*id as u64);
    }
    let extras = extras_of(store, &offers).await?;
    index.upsert(&docs_of(&offers, &extras))?;
    Ok(())
}

/// Makes sure the index follows this store from a position the store has: a new index, one
/// built from another database, or one ahead of the store (a database restored from an older
/// backup) is rebuilt. Returns whether it rebuilt.
pub async fn prepare(store: &Store, index: &MatchIndex) -> Result<bool, FollowError> {
    let id = store.store_id().await?;
    let ok = match index.position()? {
        Some((built_from, seq)) => {
            built_from == id && seq <= store.outbox_max_seq().await? && seq >= store.outbox_floor().await?
        }
        None => false,
    };
    if !ok {
        rebuild(store, index, |_, _| {}).await?;
    }
    Ok(!ok)
}

/// Applies every outbox event the index has not seen; returns how many were applied.
pub async fn catch_up(store: &Store, index: &MatchIndex) -> Result<usize, FollowError> {
    let mut store_id = None;
    let mut applied = 0;
    loop {
        let after = index.applied_seq()?;
        let mut events = store.outbox_after(after, EVENTS).await?;
        // A first event past a hole may mean the outbox was pruned past this index (it was
        // stopped longer than the feed's retention): then only a rebuild catches it up.
        if events.first().is_some_and(|e| e.seq > after + 1) && after < store.outbox_floor().await? {
            rebuild(store, index, |_, _| {}).await?;
            continue;
        }
        events.truncate(store.settled(after, &events).await?);
        let Some(last) = events.last().map(|e| e.seq) else { break };
        // Looked up only when there is something to apply: the server calls this several
        // times a second, mostly to find nothing new.
        if store_id.is_none() {
            store_id = Some(store.store_id().await?);
        }
        let mut ids = BTreeSet::new();
        for e in &events {
            match e.topic.as_str() {
                // A capacity offer's machines changed what is free.
                "offer" | "calendar" => {
                    ids.insert(e.entity_id);
                }
                // An organisation's name, town and standing are indexed with each of its offers.
                "org" | "rating" | "reputation" => {
                    let filter = OfferFilter { org_id: Some(e.entity_id), ..Default::default() };
                    let mut cursor = None;
                    loop {
                        let (page, more) = store.list_offers(&filter, cursor, 500).await?;
                        ids.extend(page.iter().map(|o| o.id));
                        cursor = page.last().map(|o| o.id);
                        if !more {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        index_offers(store, index, &ids).await?;
        index.commit_at(store_id.as_deref().unwrap_or_default(), last)?;
        applied += events.len();
    }
    Ok(applied)
}

/// Offers a rebuild adds between commits.
const REBUILD_COMMIT_EVERY: u64 = 100_000;

/// Rebuilds the index from the store; `progress` hears (done, total) after each chunk.
/// Events that arrive during the rebuild are applied by the next [`catch_up`].
pub async fn rebuild(
    store: &Store,
    index: &MatchIndex,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, FollowError> {
    let store_id = store.store_id().await?;
    let seq = store.outbox_max_seq().await?;
    let total = store.count_all(wujin_store::Table::Offers).await? as u64;
    index.clear()?;
    let mut after = 0;
    let mut done = 0;
    loop {
        let offers = store.offers_after(after, 5000).await?;
        let Some(last) = offers.last() else { break };
        after = last.id;
        let extras = extras_of(store, &offers).await?;
        index.add_new(&docs_of(&offers, &extras))?;
        done += offers.len() as u64;
        // A commit now and then lets the writer's pending state go (a million offers held
        // to one commit peaked at 1.4 GiB). It records no position, so a rebuild cut short
        // is done again, never taken for finished.
        if done % REBUILD_COMMIT_EVERY == 0 {
            index.commit()?;
        }
        progress(done, total);
    }
    index.commit_at(&store_id, seq)?;
    Ok(done)
}

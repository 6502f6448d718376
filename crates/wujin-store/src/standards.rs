//! The standards library as stored: one row per edition. Changing an edition is one
//! transaction with what it sets off: when an edition is marked replaced or withdrawn, every
//! firm with an offer citing it hears of it in its inbox, once, naming its offers and the
//! edition that replaces it.

use std::collections::BTreeMap;

use sqlx::Row;
use time::Date;
use wujin_domain::standard::{Edition, StandardStatus, split_year};

use crate::inbox::{Kind, notify};
use crate::{Result, Store, StoreError, Tx, now_ms};

/// A stored edition and its revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEdition {
    pub edition: Edition,
    pub revision: i64,
    pub updated_at: i64,
}

/// What writing an edition did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub created: bool,
    /// Firms told that an edition they cite was replaced or withdrawn.
    pub firms_told: usize,
}

/// The most offers a notice names (it counts the rest).
const OFFERS_NAMED: usize = 20;

const SELECT: &str = "SELECT number, title_zh, title_en, status, published, implemented, replaced_by, categories, \
     revision, updated_at FROM standards";

fn date(v: Option<String>) -> Option<Date> {
    v.and_then(|d| wujin_domain::tie::parse_date(&d))
}

fn edition_of(r: &sqlx::any::AnyRow) -> Result<StoredEdition> {
    let status: String = r.try_get(3)?;
    let categories: String = r.try_get(7)?;
    Ok(StoredEdition {
        edition: Edition {
            number: r.try_get(0)?,
            title_zh: r.try_get(1)?,
            title_en: r.try_get(2)?,
            status: StandardStatus::from_code(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("standard status {status}")))?,
            published: date(r.try_get(4)?),
            implemented: date(r.try_get(5)?),
            replaced_by: r.try_get(6)?,
            categories: serde_json::from_str(&categories)
                .map_err(|_| StoreError::Corrupt("standard categories".into()))?,
        },
        revision: r.try_get(8)?,
        updated_at: r.try_get(9)?,
    })
}

/// An edition's row, inserted; the two ways of meeting a row that is there follow.
macro_rules! insert_edition {
    ($on_conflict:literal) => {
        concat!(
            "INSERT INTO standards (number, base, title_zh, title_en, status, published, implemented, replaced_by, ",
            "categories, revision, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ",
            "ON CONFLICT (number) ",
            $on_conflict
        )
    };
}

/// A write replaces the row.
const UPDATE: &str = insert_edition!(
    "DO UPDATE SET title_zh = excluded.title_zh, title_en = excluded.title_en, status = excluded.status, \
     published = excluded.published, implemented = excluded.implemented, replaced_by = excluded.replaced_by, \
     categories = excluded.categories, revision = excluded.revision, updated_at = excluded.updated_at"
);
/// The seed never touches a row that is there.
const KEEP: &str = insert_edition!("DO NOTHING");

/// The insert of an edition's row at `revision` (`sql`: [`UPDATE`] or [`KEEP`]).
fn insert(
    sql: &'static str,
    e: &Edition,
    revision: i64,
    now: i64,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(sql)
        .bind(e.number.clone())
        .bind(split_year(&e.number).0.to_string())
        .bind(e.title_zh.clone())
        .bind(e.title_en.clone())
        .bind(e.status.code())
        .bind(e.published.map(|d| d.to_string()))
        .bind(e.implemented.map(|d| d.to_string()))
        .bind(e.replaced_by.clone())
        .bind(serde_json::to_string(&e.categories).unwrap_or_else(|_| "[]".into()))
        .bind(revision)
        .bind(now)
}

/// Inserts or replaces an edition's row in the caller's transaction; returns the revision
/// it had before (None for a new one).
async fn write(tx: &mut Tx, e: &Edition, now: i64) -> Result<Option<StoredEdition>> {
    let before = sqlx::query(&format!("{SELECT} WHERE number = $1"))
        .bind(e.number.clone())
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(edition_of)
        .transpose()?;
    let revision = before.as_ref().map(|b| b.revision + 1).unwrap_or(1);
    insert(UPDATE, e, revision, now).execute(&mut **tx).await?;
    Ok(before)
}

/// Whether a change of an edition is news for the firms citing it: it was replaced (or
/// replaced by another edition than before), or withdrawn.
fn is_news(before: Option<&Edition>, after: &Edition) -> bool {
    let replaced =
        after.replaced_by.is_some() && before.and_then(|b| b.replaced_by.as_ref()) != after.replaced_by.as_ref();
    let withdrawn =
        after.status == StandardStatus::Withdrawn && before.is_none_or(|b| b.status != StandardStatus::Withdrawn);
    replaced || withdrawn
}

/// The most labs a notice names.
const LABS_NAMED: i64 = 5;

/// Tells every firm with an offer citing `e`, or a standing declaration on it (once each),
/// that it was replaced or withdrawn: its offers concerned, the edition that replaces it
/// with the day it applies, and the labs whose testing services cite the new edition (where
/// to book the tests for it).
async fn tell_firms(tx: &mut Tx, e: &Edition) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT o.org_id, o.id, o.title FROM offer_standards s JOIN offers o ON o.id = s.offer_id \
         WHERE s.standard = $1 \
         UNION SELECT o.org_id, o.id, o.title FROM declarations d JOIN offers o ON o.id = d.offer_id \
         WHERE d.standard = $1 AND d.withdrawn_at IS NULL ORDER BY 1, 2",
    )
    .bind(e.number.clone())
    .fetch_all(&mut **tx)
    .await?;
    let mut by_org: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for r in &rows {
        by_org.entry(r.try_get(0)?).or_default().push((r.try_get(1)?, r.try_get(2)?));
    }
    let successor = match &e.replaced_by {
        Some(n) => sqlx::query(&format!("{SELECT} WHERE number = $1"))
            .bind(n.clone())
            .fetch_optional(&mut **tx)
            .await?
            .as_ref()
            .map(edition_of)
            .transpose()?,
        None => None,
    };
    let labs: Vec<serde_json::Value> = match &e.replaced_by {
        Some(n) => sqlx::query(
            "SELECT DISTINCT o.org_id, g.name FROM offer_standards s JOIN offers o ON o.id = s.offer_id \
             JOIN orgs g ON g.id = o.org_id WHERE s.standard = $1 AND o.grp = 'testing' ORDER BY o.org_id LIMIT $2",
        )
        .bind(n.clone())
        .bind(LABS_NAMED)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok(serde_json::json!({"id": r.try_get::<i64, _>(0)?, "name": r.try_get::<String, _>(1)?})))
        .collect::<Result<_>>()?,
        None => vec![],
    };
    for (org, offers) in &by_org {
        let named: Vec<serde_json::Value> =
            offers.iter().take(OFFERS_NAMED).map(|(id, title)| serde_json::json!({"id": id, "title": title})).collect();
        let detail = serde_json::json!({
            "standard": e.number, "title": e.title_zh, "status": e.status.code(),
            "replaced_by": e.replaced_by,
            "applies_from": successor.as_ref().and_then(|s| s.edition.implemented).map(|d| d.to_string()),
            "offers": named, "offers_total": offers.len(), "labs": labs,
        });
        notify(tx, *org, Kind::Standard, None, None, &detail).await?;
    }
    Ok(by_org.len())
}

/// A firm whose offers cite an edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citing {
    pub org_id: i64,
    pub org_name: String,
    pub offers: i64,
}

/// Writes an edition and marks the editions it `replaces` as replaced by it, in the caller's
/// transaction, telling the firms that is news for. An edition it replaces must exist.
async fn put_in(tx: &mut Tx, e: &Edition, replaces: &[String], now: i64) -> Result<Written> {
    let before = write(tx, e, now).await?;
    let mut firms_told = 0;
    if is_news(before.as_ref().map(|b| &b.edition), e) {
        firms_told += tell_firms(tx, e).await?;
    }
    for old in replaces.iter().filter(|o| **o != e.number) {
        let row = sqlx::query(&format!("{SELECT} WHERE number = $1"))
            .bind(old.clone())
            .fetch_optional(&mut **tx)
            .await?
            .as_ref()
            .map(edition_of)
            .transpose()?;
        let Some(prior) = row else { return Err(StoreError::NotFound) };
        // Replaced, it stays in force until the new edition applies (when that is later).
        let applies_later = e.implemented.is_some_and(|d| d > crate::ties::today());
        let status = if applies_later { prior.edition.status } else { StandardStatus::Withdrawn };
        let replaced = Edition { replaced_by: Some(e.number.clone()), status, ..prior.edition.clone() };
        write(tx, &replaced, now).await?;
        if is_news(Some(&prior.edition), &replaced) {
            firms_told += tell_firms(tx, &replaced).await?;
        }
    }
    Ok(Written { created: before.is_none(), firms_told })
}

impl Store {
    /// The firms whose offers cite `number` (an edition), most offers first, and how many
    /// firms in all.
    pub async fn firms_citing(&self, number: &str, limit: i64) -> Result<(Vec<Citing>, i64)> {
        let rows = sqlx::query(
            "SELECT o.org_id, g.name, COUNT(*) FROM offer_standards s JOIN offers o ON o.id = s.offer_id \
             JOIN orgs g ON g.id = o.org_id WHERE s.standard = $1 GROUP BY o.org_id, g.name \
             ORDER BY COUNT(*) DESC, o.org_id LIMIT $2",
        )
        .bind(number.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let firms = rows
            .iter()
            .map(|r| Ok(Citing { org_id: r.try_get(0)?, org_name: r.try_get(1)?, offers: r.try_get(2)? }))
            .collect::<Result<Vec<_>>>()?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT o.org_id) FROM offer_standards s JOIN offers o ON o.id = s.offer_id \
             WHERE s.standard = $1",
        )
        .bind(number.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok((firms, total))
    }

    /// Adds the editions a new platform starts with that are not there yet (every time the
    /// store opens: a row an admin changed is never overwritten).
    pub async fn seed_standards(&self, editions: &[Edition]) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        for e in editions {
            insert(KEEP, e, 1, now).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every edition, by number, the newest edition of a standard first.
    pub async fn standards(&self) -> Result<Vec<StoredEdition>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY base, number DESC")).fetch_all(self.pool()).await?;
        rows.iter().map(edition_of).collect()
    }

    /// The library as the checks take it.
    pub async fn library(&self) -> Result<wujin_domain::standard::Library> {
        let editions = self.standards().await?.into_iter().map(|s| s.edition).collect();
        Ok(wujin_domain::standard::Library::new(editions))
    }

    /// Writes an edition (checked by the caller) and marks the editions it `replaces` as
    /// replaced by it, all in one transaction with the notices that sets off. Audited.
    pub async fn put_standard(&self, e: &Edition, replaces: &[String], by: i64) -> Result<Written> {
        let mut tx = self.begin().await?;
        let written = put_in(&mut tx, e, replaces, now_ms()).await?;
        let detail = serde_json::json!({"number": e.number, "status": e.status.code(), "replaces": replaces,
            "firms_told": written.firms_told});
        Store::audit_for(&mut tx, None, &format!("account:{by}"), "put", "standard", None, &detail).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Writes a whole sheet of editions in one transaction (`wujin import standards`): each
    /// as [`Store::put_standard`] writes one, in order, so a row may replace an edition an
    /// earlier row added. Returns (created, updated, firms told).
    pub async fn import_standards(&self, rows: &[(Edition, Vec<String>)], actor: &str) -> Result<(u64, u64, u64)> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let (mut created, mut updated, mut told) = (0, 0, 0);
        for (e, replaces) in rows {
            let w = put_in(&mut tx, e, replaces, now).await?;
            if w.created {
                created += 1;
            } else {
                updated += 1;
            }
            told += w.firms_told as u64;
        }
        let detail =
            serde_json::json!({"rows": rows.len(), "created": created, "updated": updated, "firms_told": told});
        Store::audit_for(&mut tx, None, actor, "import", "standard", None, &detail).await?;
        tx.commit().await?;
        Ok((created, updated, told))
    }
}

//! Offers in the store: one row each, keyed by the seller's external id, with the
//! organisation's town copied onto the row (lists filter by town without a join) and the
//! standards met kept in a side table for the standard filter.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use wujin_domain::{Fen, OfferKind, OfferRecord, PriceRange, Uscc};

use crate::packed::Packed;
use crate::{
    Backend, Result, Sql, Store, StoreError, Tx, UpsertStats, backend_of, batch, content_hash, now_ms, outbox,
};

/// An offer as stored, with the id and name of the organisation behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub town: Option<String>,
    /// Certificates the organisation holds (ISO 9001, CCC …): a ranking signal and a filter
    /// for search, so they travel with each offer.
    pub org_certificates: Vec<wujin_domain::certificate::HeldCertificate>,
    /// The organisation's industries (GB/T 4754 classes or pillars): what it knows, which
    /// the ranking reads as a provider's specialism.
    pub org_sectors: Vec<String>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub record: OfferRecord,
}

/// Which offers a list shows; every field narrows it. `group` is a top-level category or a
/// service family (see `Taxonomy::group_of`); `categories` an explicit list of categories.
#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    pub kind: Option<OfferKind>,
    pub group: Option<String>,
    pub categories: Option<Vec<String>>,
    pub town: Option<String>,
    pub standard: Option<String>,
    pub org_id: Option<i64>,
}

/// The offer's columns with its organisation's, as a list reads them (the inner query of a
/// packed read, see [`crate::packed`]); [`NAMES`] lists what it outputs, in [`Columns`]' order.
const SELECT: &str = "SELECT o.id, o.org_id, g.uscc AS org_uscc, g.name AS org_name, g.certificates AS org_certificates, g.sectors AS org_sectors, o.external_id, o.kind, o.title, o.title_en, \
     o.description, o.category, o.town, o.specs, o.standards, o.price_min_fen, o.price_max_fen, o.unit, o.moq, \
     o.lead_time_days, o.hours_per_week, o.revision, o.created_at, o.updated_at \
     FROM offers o JOIN orgs g ON g.id = o.org_id";
const NAMES: &str = "id, org_id, org_uscc, org_name, org_certificates, org_sectors, external_id, kind, title, title_en, \
     description, category, town, specs, standards, price_min_fen, price_max_fen, unit, moq, \
     lead_time_days, hours_per_week, revision, created_at, updated_at";

/// One row of [`SELECT`] as stored, fields in [`NAMES`]' order (serde reads a packed row by
/// position).
#[derive(serde::Deserialize, sqlx::FromRow)]
struct Columns {
    id: i64,
    org_id: i64,
    org_uscc: String,
    org_name: String,
    org_certificates: String,
    org_sectors: String,
    external_id: String,
    kind: String,
    title: String,
    title_en: Option<String>,
    description: String,
    category: String,
    town: Option<String>,
    specs: String,
    standards: String,
    price_min_fen: Option<i64>,
    price_max_fen: Option<i64>,
    unit: Option<String>,
    moq: Option<i64>,
    lead_time_days: Option<i64>,
    hours_per_week: Option<i64>,
    revision: i64,
    created_at: i64,
    updated_at: i64,
}

/// The stored group of a category; a record's category was checked against the taxonomy,
/// so the fallback (the category itself) only serves records built by hand.
fn group_of(category: &str) -> String {
    wujin_domain::Taxonomy::get().group_of(category).unwrap_or(category).to_string()
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("offers.{what}: {e}"))
}

impl Columns {
    fn into_offer(self) -> Result<Offer> {
        let price = match (self.price_min_fen, self.price_max_fen) {
            (Some(lo), Some(hi)) => {
                Some(PriceRange::new(Fen(lo), Fen(hi)).ok_or_else(|| corrupt("price", "min above max"))?)
            }
            _ => None,
        };
        let days = |d: Option<i64>, what: &str| d.map(|d| i32::try_from(d).map_err(|e| corrupt(what, e))).transpose();
        let record = OfferRecord {
            external_id: self.external_id,
            org_uscc: Uscc::parse(&self.org_uscc).map_err(|e| corrupt("org_uscc", e))?,
            kind: OfferKind::from_code(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
            title: self.title,
            title_en: self.title_en,
            description: self.description,
            category: self.category,
            specs: serde_json::from_str(&self.specs).map_err(|e| corrupt("specs", e))?,
            standards: serde_json::from_str(&self.standards).map_err(|e| corrupt("standards", e))?,
            price,
            unit: self.unit,
            moq: self.moq,
            lead_time_days: days(self.lead_time_days, "lead_time_days")?,
            hours_per_week: days(self.hours_per_week, "hours_per_week")?,
        };
        Ok(Offer {
            id: self.id,
            org_id: self.org_id,
            org_name: self.org_name,
            town: self.town,
            org_certificates: serde_json::from_str(&self.org_certificates)
                .map_err(|e| corrupt("org_certificates", e))?,
            org_sectors: serde_json::from_str(&self.org_sectors).map_err(|e| corrupt("org_sectors", e))?,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
            record,
        })
    }
}

/// Runs a packed read of offers begun with [`packed_select`].
async fn fetch<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(read: Packed, e: E) -> Result<Vec<Offer>> {
    read.fetch::<Columns, _>(e).await?.into_iter().map(Columns::into_offer).collect()
}

/// [`SELECT`] inside a packed read, in offer id order; push the rest of the inner query.
fn packed_select(backend: Backend) -> Packed {
    let mut read = Packed::open(backend, NAMES, "id");
    read.sql.push(SELECT);
    read
}

/// The table a list reads from, and its id column. With a standard, the list reads
/// `offer_standards`, whose rows carry the other filter columns: a standard plus any one
/// more filter is then one index range in id order, and counting reads that range only.
fn source(f: &OfferFilter) -> (&'static str, &'static str) {
    if f.standard.is_some() { ("s", "s.offer_id") } else { ("o", "o.id") }
}

fn push_filter(sql: &mut Sql, f: &OfferFilter) {
    let (t, _) = source(f);
    if let Some(s) = &f.standard {
        sql.push(" AND s.standard = ").bind(s.clone());
    }
    if let Some(k) = f.kind {
        sql.push(&format!(" AND {t}.kind = ")).bind(k.code().to_string());
    }
    if let Some(g) = &f.group {
        sql.push(&format!(" AND {t}.grp = ")).bind(g.clone());
    }
    if let Some(cats) = &f.categories {
        match cats.as_slice() {
            [one] => {
                sql.push(&format!(" AND {t}.category = ")).bind(one.clone());
            }
            many => {
                sql.push(&format!(" AND {t}.category IN ")).bind_list(many.iter().cloned());
            }
        }
    }
    if let Some(town) = &f.town {
        sql.push(&format!(" AND {t}.town = ")).bind(town.clone());
    }
    if let Some(o) = f.org_id {
        sql.push(" AND o.org_id = ").bind(o);
    }
}

impl Store {
    /// A page of offers in id order after `after_id`; the flag says whether more follow.
    pub async fn list_offers(&self, f: &OfferFilter, after_id: Option<i64>, limit: i64) -> Result<(Vec<Offer>, bool)> {
        if f.categories.as_ref().is_some_and(|c| c.is_empty()) {
            return Ok((vec![], false));
        }
        let (_, id) = source(f);
        let mut read = packed_select(self.backend);
        let sql = &mut read.sql;
        if f.standard.is_some() {
            sql.push(" JOIN offer_standards s ON s.offer_id = o.id");
        }
        sql.push(" WHERE 1 = 1");
        push_filter(sql, f);
        if let Some(a) = after_id {
            sql.push(&format!(" AND {id} > ")).bind(a);
        }
        sql.push(&format!(" ORDER BY {id} LIMIT ")).bind(limit + 1);
        let mut offers = fetch(read, self.pool()).await?;
        let more = offers.len() as i64 > limit;
        offers.truncate(limit as usize);
        Ok((offers, more))
    }

    /// How many offers match, counting at most `cap` (counting every hit of a broad filter
    /// over a million rows costs more than the page itself). `None` means "more than cap".
    pub async fn count_offers(&self, f: &OfferFilter, cap: i64) -> Result<Option<i64>> {
        if f.categories.as_ref().is_some_and(|c| c.is_empty()) {
            return Ok(Some(0));
        }
        let mut sql = Sql::new(
            self.backend,
            match (f.standard.is_some(), f.org_id.is_some()) {
                (false, _) => "SELECT COUNT(*) FROM (SELECT 1 FROM offers o WHERE 1 = 1",
                (true, false) => "SELECT COUNT(*) FROM (SELECT 1 FROM offer_standards s WHERE 1 = 1",
                // Only the organisation filter needs the offer row itself.
                (true, true) => {
                    "SELECT COUNT(*) FROM (SELECT 1 FROM offer_standards s JOIN offers o ON o.id = s.offer_id WHERE 1 = 1"
                }
            },
        );
        push_filter(&mut sql, f);
        sql.push(" LIMIT ").bind(cap + 1).push(") capped");
        let n = sql.fetch_one_scalar(self.pool()).await?;
        Ok((n <= cap).then_some(n))
    }

    pub async fn offer(&self, id: i64) -> Result<Option<Offer>> {
        let mut read = packed_select(self.backend);
        let sql = &mut read.sql;
        sql.push(" WHERE o.id = ").bind(id);
        Ok(fetch(read, self.pool()).await?.pop())
    }

    /// The offers with these ids that exist (derived views reload changed offers by id). A
    /// large set is read as two halves at once, on two connections and in two tasks: the
    /// engine reads one while the other is decoded, and decoding (most of the time on
    /// PostgreSQL, where sqlx's `Any` driver converts every row) runs on two threads.
    pub async fn offers_by_ids(&self, ids: &[i64]) -> Result<Vec<Offer>> {
        if ids.len() < 256 {
            return self.offers_by_ids_in_turn(ids).await;
        }
        let (a, b) = ids.split_at(ids.len() / 2);
        let other = {
            let (store, b) = (self.clone(), b.to_vec());
            tokio::spawn(async move { store.offers_by_ids_in_turn(&b).await })
        };
        let mut a = self.offers_by_ids_in_turn(a).await?;
        let b = other.await.map_err(|e| StoreError::Unsupported(format!("reading offers: {e}")))??;
        a.extend(b);
        Ok(a)
    }

    async fn offers_by_ids_in_turn(&self, ids: &[i64]) -> Result<Vec<Offer>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(batch(self.backend) * 4) {
            let mut read = packed_select(self.backend);
            read.sql.push(" WHERE ").push_in_ids("o.id", chunk);
            out.extend(fetch(read, self.pool()).await?);
        }
        Ok(out)
    }

    /// Every offer in id order, `chunk` at a time, for export.
    pub async fn offers_after(&self, after_id: i64, chunk: i64) -> Result<Vec<Offer>> {
        self.list_offers(&OfferFilter::default(), Some(after_id), chunk).await.map(|(o, _)| o)
    }
}

/// The stored records of these external ids, read inside the caller's transaction (see
/// [`crate::orgs::records_by_uscc`]); unknown ids are absent.
pub async fn records_by_external_id(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, OfferRecord>> {
    let b = backend_of(tx);
    let mut out = HashMap::new();
    for chunk in ids.chunks(batch(b) * 4) {
        let mut read = packed_select(b);
        let sql = &mut read.sql;
        sql.push(" WHERE o.external_id IN ").bind_list(chunk.iter().cloned());
        for offer in fetch(read, &mut **tx).await? {
            out.insert(offer.record.external_id.clone(), offer.record);
        }
    }
    Ok(out)
}

/// Inserts or updates offers by external id inside the caller's transaction. `orgs` maps
/// each credit code to the organisation's id and town; the caller has checked that every
/// offer's organisation is in it.
pub async fn upsert(
    tx: &mut Tx,
    records: &[OfferRecord],
    orgs: &HashMap<String, (i64, Option<String>)>,
) -> Result<UpsertStats> {
    let b = backend_of(tx);
    let mut stats = UpsertStats::default();
    let now = now_ms();
    for chunk in records.chunks(batch(b)) {
        let rows = match b {
            Backend::Postgres => insert_json(tx, chunk, orgs, now).await?,
            Backend::Sqlite => insert_values(tx, chunk, orgs, now).await?,
        };
        let by_ext: HashMap<&str, &OfferRecord> = chunk.iter().map(|r| (r.external_id.as_str(), r)).collect();
        let mut changed = Vec::with_capacity(rows.len());
        let mut updated = vec![];
        let mut feed = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let ext: String = row.try_get(1)?;
            let revision: i64 = row.try_get(2)?;
            let op = if revision == 1 {
                stats.inserted += 1;
                outbox::Op::Create
            } else {
                stats.updated += 1;
                updated.push(id);
                outbox::Op::Update
            };
            feed.push(outbox::Change { id, op, revision });
            changed.push((id, by_ext[ext.as_str()]));
        }
        stats.unchanged += (chunk.len() - rows.len()) as u64;
        if !changed.is_empty() {
            // A new offer has no standards rows yet: only revised ones lose their old rows.
            if !updated.is_empty() {
                let mut del = Sql::new(b, "DELETE FROM offer_standards WHERE offer_id IN ");
                del.bind_list(updated.iter().copied());
                del.execute(&mut **tx).await?;
            }
            let rows: Vec<(i64, &OfferRecord, &String)> =
                changed.iter().flat_map(|(id, r)| r.standards.iter().map(move |s| (*id, *r, s))).collect();
            insert_standards(tx, &rows, orgs).await?;
            outbox::record_changes(tx, "offer", &feed).await?;
        }
    }
    Ok(stats)
}

const UPDATE_ON_CONFLICT: &str = " ON CONFLICT (external_id) DO UPDATE SET org_id = excluded.org_id, kind = excluded.kind, title = excluded.title, \
     title_en = excluded.title_en, description = excluded.description, category = excluded.category, grp = excluded.grp, town = excluded.town, \
     specs = excluded.specs, standards = excluded.standards, price_min_fen = excluded.price_min_fen, \
     price_max_fen = excluded.price_max_fen, unit = excluded.unit, moq = excluded.moq, \
     lead_time_days = excluded.lead_time_days, hours_per_week = excluded.hours_per_week, \
     content_hash = excluded.content_hash, revision = offers.revision + 1, updated_at = excluded.updated_at \
     WHERE offers.content_hash <> excluded.content_hash RETURNING id, external_id, revision";

const COLUMNS: &str = "external_id, org_id, kind, title, title_en, description, category, grp, town, specs, standards, \
     price_min_fen, price_max_fen, unit, moq, lead_time_days, hours_per_week, content_hash";

fn org_of<'a>(orgs: &'a HashMap<String, (i64, Option<String>)>, r: &OfferRecord) -> Result<&'a (i64, Option<String>)> {
    orgs.get(r.org_uscc.as_str()).ok_or_else(|| {
        StoreError::Corrupt(format!("offer {} names unknown organisation {}", r.external_id, r.org_uscc))
    })
}

/// SQLite: one multi-row VALUES statement per batch.
async fn insert_values(
    tx: &mut Tx,
    chunk: &[OfferRecord],
    orgs: &HashMap<String, (i64, Option<String>)>,
    now: i64,
) -> Result<Vec<AnyRow>> {
    let mut sql =
        Sql::new(backend_of(tx), &format!("INSERT INTO offers ({COLUMNS}, revision, created_at, updated_at) VALUES "));
    for (i, r) in chunk.iter().enumerate() {
        let (org_id, town) = org_of(orgs, r)?;
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.bind(r.external_id.clone()).push(", ");
        sql.bind(*org_id).push(", ");
        sql.bind(r.kind.code().to_string()).push(", ");
        sql.bind(r.title.clone()).push(", ");
        sql.bind(r.title_en.clone()).push(", ");
        sql.bind(r.description.clone()).push(", ");
        sql.bind(r.category.clone()).push(", ");
        sql.bind(group_of(&r.category)).push(", ");
        sql.bind(town.clone()).push(", ");
        sql.bind(serde_json::to_string(&r.specs).unwrap_or_default()).push(", ");
        sql.bind(serde_json::to_string(&r.standards).unwrap_or_default()).push(", ");
        sql.bind(r.price.map(|p| p.min().0)).push(", ");
        sql.bind(r.price.map(|p| p.max().0)).push(", ");
        sql.bind(r.unit.clone()).push(", ");
        sql.bind(r.moq).push(", ");
        sql.bind(r.lead_time_days.map(i64::from)).push(", ");
        sql.bind(r.hours_per_week.map(i64::from)).push(", ");
        sql.bind(content_hash(&(r, org_id))).push(", 1, ");
        sql.bind(now).push(", ").bind(now).push(")");
    }
    sql.push(UPDATE_ON_CONFLICT);
    Ok(sql.fetch_all(&mut **tx).await?)
}

/// PostgreSQL: the batch travels as one JSON parameter and is unpacked by
/// `json_to_recordset`. A statement with twenty placeholders per row costs the server more
/// to parse and plan than the rows cost to write (measured with `wujin bench`).
async fn insert_json(
    tx: &mut Tx,
    chunk: &[OfferRecord],
    orgs: &HashMap<String, (i64, Option<String>)>,
    now: i64,
) -> Result<Vec<AnyRow>> {
    let mut rows = Vec::with_capacity(chunk.len());
    for r in chunk {
        let (org_id, town) = org_of(orgs, r)?;
        rows.push(serde_json::json!({
            "external_id": r.external_id,
            "org_id": org_id,
            "kind": r.kind.code(),
            "title": r.title,
            "title_en": r.title_en,
            "description": r.description,
            "category": r.category,
            "grp": group_of(&r.category),
            "town": town,
            "specs": serde_json::to_string(&r.specs).unwrap_or_default(),
            "standards": serde_json::to_string(&r.standards).unwrap_or_default(),
            "price_min_fen": r.price.map(|p| p.min().0),
            "price_max_fen": r.price.map(|p| p.max().0),
            "unit": r.unit,
            "moq": r.moq,
            "lead_time_days": r.lead_time_days,
            "hours_per_week": r.hours_per_week,
            "content_hash": content_hash(&(r, org_id)),
        }));
    }
    let text = format!(
        "INSERT INTO offers ({COLUMNS}, revision, created_at, updated_at) SELECT {COLUMNS}, 1, $2, $2 \
         FROM json_to_recordset($1::json) AS x(external_id text, org_id bigint, kind text, title text, title_en text, \
         description text, category text, grp text, town text, specs text, standards text, price_min_fen bigint, \
         price_max_fen bigint, unit text, moq bigint, lead_time_days bigint, hours_per_week bigint, content_hash text)\
         {UPDATE_ON_CONFLICT}"
    );
    let json = serde_json::Value::Array(rows).to_string();
    Ok(sqlx::query(&text).bind(json).bind(now).fetch_all(&mut **tx).await?)
}

/// The standards met by changed offers, with the filter columns they carry.
async fn insert_standards(
    tx: &mut Tx,
    rows: &[(i64, &OfferRecord, &String)],
    orgs: &HashMap<String, (i64, Option<String>)>,
) -> Result<()> {
    let b = backend_of(tx);
    let town_of = |r: &OfferRecord| orgs.get(r.org_uscc.as_str()).and_then(|(_, t)| t.clone());
    if b == Backend::Postgres {
        for part in rows.chunks(10_000) {
            let json: Vec<serde_json::Value> = part
                .iter()
                .map(|(id, r, s)| {
                    serde_json::json!({"offer_id": id, "standard": s, "kind": r.kind.code(), "category": r.category,
                        "grp": group_of(&r.category), "town": town_of(r)})
                })
                .collect();
            sqlx::query(
                "INSERT INTO offer_standards (offer_id, standard, kind, category, grp, town) \
                 SELECT offer_id, standard, kind, category, grp, town FROM json_to_recordset($1::json) \
                 AS x(offer_id bigint, standard text, kind text, category text, grp text, town text)",
            )
            .bind(serde_json::Value::Array(json).to_string())
            .execute(&mut **tx)
            .await?;
        }
        return Ok(());
    }
    for part in rows.chunks(batch(b) * 2) {
        let mut ins =
            Sql::new(b, "INSERT INTO offer_standards (offer_id, standard, kind, category, grp, town) VALUES ");
        for (i, (id, r, s)) in part.iter().enumerate() {
            ins.push(if i == 0 { "(" } else { ", (" }).bind(*id).push(", ").bind((*s).clone()).push(", ");
            ins.bind(r.kind.code().to_string())
                .push(", ")
                .bind(r.category.clone())
                .push(", ")
                .bind(group_of(&r.category))
                .push(", ")
                .bind(town_of(r))
                .push(")");
        }
        ins.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// The categories these organisations offer something in.
    pub async fn categories_offered(&self, orgs: &[i64]) -> Result<Vec<String>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new(self.backend(), "SELECT DISTINCT category FROM offers WHERE org_id IN ");
        sql.bind_list(orgs.iter().copied());
        Ok(sql.fetch_all_as::<(String,), _>(self.pool()).await?.into_iter().map(|(c,)| c).collect())
    }
}

/// The organisation an offer written from the platform belongs to: its id, credit code and
/// town (copied onto the offer row for the town filter).
pub struct Owner<'a> {
    pub org_id: i64,
    pub uscc: &'a Uscc,
    pub town: Option<&'a str>,
}

impl Store {
    /// Saves one offer for its organisation, with its audit row, in one transaction: a new
    /// offer when `guard` is None, else the offer `(id, revision)` if it still has that
    /// revision and belongs to the organisation (`Stale` if not). The offer's id on success.
    pub async fn save_offer(
        &self,
        owner: &Owner<'_>,
        record: &OfferRecord,
        guard: Option<(i64, i64)>,
        by: i64,
    ) -> Result<crate::demands::Write<i64>> {
        use crate::demands::Write;
        let mut tx = self.begin().await?;
        if let Some((id, revision)) = guard {
            // Takes the row's write lock and checks it in one statement, as every guarded
            // write does: a concurrent writer waits here and then finds the new revision.
            let hit =
                sqlx::query("UPDATE offers SET revision = revision WHERE id = $1 AND revision = $2 AND org_id = $3")
                    .bind(id)
                    .bind(revision)
                    .bind(owner.org_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if hit == 0 {
                return Ok(Write::Stale);
            }
        }
        let orgs = HashMap::from([(owner.uscc.to_string(), (owner.org_id, owner.town.map(str::to_string)))]);
        upsert(&mut tx, std::slice::from_ref(record), &orgs).await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM offers WHERE external_id = $1")
            .bind(&record.external_id)
            .fetch_one(&mut *tx)
            .await?;
        let action = if guard.is_some() { "offer_edit" } else { "offer_create" };
        let detail = serde_json::json!({ "title": record.title, "category": record.category });
        Store::audit_for(&mut tx, Some(owner.org_id), &format!("account:{by}"), action, "offer", Some(id), &detail)
            .await?;
        tx.commit().await?;
        Ok(Write::Done(id))
    }

    /// Deletes the offer `id` of organisation `org` if it still has `revision`; the search
    /// index follows through the outbox (an offer it cannot find again is dropped).
    pub async fn delete_offer(&self, id: i64, org: i64, revision: i64, by: i64) -> Result<crate::demands::Write> {
        use crate::demands::Write;
        let mut tx = self.begin().await?;
        let gone = sqlx::query("DELETE FROM offers WHERE id = $1 AND revision = $2 AND org_id = $3")
            .bind(id)
            .bind(revision)
            .bind(org)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Ok(Write::Stale);
        }
        let tombstone = outbox::Change { id, op: outbox::Op::Delete, revision: revision + 1 };
        outbox::record_changes(&mut tx, "offer", &[tombstone]).await?;
        let actor = format!("account:{by}");
        Store::audit_for(&mut tx, Some(org), &actor, "offer_delete", "offer", Some(id), &serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(Write::Done(()))
    }
}

/// The secondary indexes of the offer tables, set aside while a load larger than the table
/// is written, and built again (each one sort of the whole table) before it commits.
///
/// On SQLite a row written into a table with eight filter indexes is nine B-tree inserts in
/// random order, and at a million rows they are most of an import's time; building an index
/// afresh sorts once. The drop and the rebuild are statements of the caller's transaction,
/// so a load that fails, or a process that dies, rolls them back with the rows: readers
/// never see the tables without their indexes, and a failed import leaves them as they were.
/// PostgreSQL is left alone (its bulk path is `json_to_recordset`).
#[must_use = "the indexes must be built again before the transaction commits"]
pub struct SetAside {
    /// The `CREATE INDEX` statements of the indexes dropped, as the schema holds them.
    statements: Vec<String>,
}

/// Kept through a load: what the load itself reads by (a revised offer's old standards rows
/// are deleted by offer id). The unique and primary keys are never dropped.
const KEPT_THROUGH_A_LOAD: [&str; 1] = ["offer_standards_offer"];

/// Drops the filter indexes of `offers` and `offer_standards` inside `tx` (SQLite only; on
/// PostgreSQL nothing is dropped). Call [`SetAside::restore`] before committing.
pub async fn set_indexes_aside(tx: &mut Tx) -> Result<SetAside> {
    if backend_of(tx) != Backend::Sqlite {
        return Ok(SetAside { statements: vec![] });
    }
    let rows = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('offers', 'offer_standards') ORDER BY name",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut statements = vec![];
    for row in rows {
        let (name, sql): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if KEPT_THROUGH_A_LOAD.contains(&name.as_str()) {
            continue;
        }
        // Names come from the schema itself, which our migrations wrote.
        sqlx::query(&format!("DROP INDEX \"{name}\"")).execute(&mut **tx).await?;
        statements.push(sql);
    }
    Ok(SetAside { statements })
}

impl SetAside {
    /// Builds the indexes set aside again, in the same transaction.
    pub async fn restore(self, tx: &mut Tx) -> Result<()> {
        for sql in self.statements {
            sqlx::query(&sql).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// How many indexes were set aside.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

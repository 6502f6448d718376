//! Organisations in the store: one row each, keyed by credit code, with their sectors and
//! certificates also kept in side tables so lists can filter on them through an index.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;
use wujin_domain::certificate::HeldCertificate;
use wujin_domain::{Contact, OrgKind, OrgRecord, SizeClass, Uscc};

use crate::packed::Packed;
use crate::{
    Backend, Result, Sql, Store, StoreError, Tx, UpsertStats, backend_of, batch, content_hash, now_ms, outbox,
};

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub id: i64,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub record: OrgRecord,
}

/// Which organisations a list shows; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub town: Option<String>,
    /// Organisations filed under any of these sector values (a class, or a pillar with its
    /// classes).
    pub sectors: Option<Vec<String>>,
    pub certificate: Option<String>,
    pub size_class: Option<SizeClass>,
    /// Organisations with at least one offer in this group (a top-level category or a family).
    pub group: Option<String>,
    /// Organisations with at least one offer in these categories (already expanded).
    pub categories: Option<Vec<String>>,
    /// Organisations with at least one offer that meets this standard.
    pub standard: Option<String>,
}

const COLUMNS: &str = "id, uscc, name, name_en, kind, town, sectors, chain, size_class, founded_year, employees, \
     revenue_band, certificates, contact_name, phone, email, address, revision, created_at, updated_at";

/// One row of [`COLUMNS`] as stored, fields in its order (read by position from a packed
/// read, see [`crate::packed`]).
#[derive(serde::Deserialize, sqlx::FromRow)]
struct Columns {
    id: i64,
    uscc: String,
    name: String,
    name_en: Option<String>,
    kind: String,
    town: Option<String>,
    sectors: String,
    chain: String,
    size_class: Option<String>,
    founded_year: Option<i64>,
    employees: Option<i64>,
    revenue_band: Option<String>,
    certificates: String,
    contact_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    revision: i64,
    created_at: i64,
    updated_at: i64,
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str, col: &str) -> Result<Vec<T>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("orgs.{col}: {e}")))
}

impl Columns {
    fn into_org(self) -> Result<Org> {
        let (uscc, kind) = (self.uscc, self.kind);
        let record = OrgRecord {
            uscc: Uscc::parse(&uscc).map_err(|e| StoreError::Corrupt(format!("orgs.uscc {uscc}: {e}")))?,
            name: self.name,
            name_en: self.name_en,
            kind: OrgKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("orgs.kind {kind}")))?,
            town: self.town,
            sectors: json_list(&self.sectors, "sectors")?,
            chain: json_list(&self.chain, "chain")?,
            size_class: self.size_class.as_deref().and_then(SizeClass::from_code),
            founded_year: self
                .founded_year
                .map(i32::try_from)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("orgs.founded_year: {e}")))?,
            employees: self.employees,
            revenue_band: self.revenue_band,
            certificates: json_list(&self.certificates, "certificates")?,
            contact: Contact { name: self.contact_name, phone: self.phone, email: self.email, address: self.address },
        };
        Ok(Org {
            id: self.id,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
            record,
        })
    }
}

/// `SELECT COLUMNS FROM orgs` inside a packed read in id order; push the rest of the query.
fn packed_select(backend: Backend) -> Packed {
    let mut read = Packed::open(backend, COLUMNS, "id");
    read.sql.push(&format!("SELECT {COLUMNS} FROM orgs"));
    read
}

async fn fetch<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(read: Packed, e: E) -> Result<Vec<Org>> {
    read.fetch::<Columns, _>(e).await?.into_iter().map(Columns::into_org).collect()
}

fn push_filter(sql: &mut Sql, f: &OrgFilter) {
    if let Some(k) = f.kind {
        sql.push(" AND kind = ").bind(k.code().to_string());
    }
    if let Some(t) = &f.town {
        sql.push(" AND town = ").bind(t.clone());
    }
    if let Some(s) = f.size_class {
        sql.push(" AND size_class = ").bind(s.code().to_string());
    }
    if let Some(s) = &f.sectors {
        sql.push(" AND id IN (SELECT org_id FROM org_sectors WHERE sector IN ").bind_list(s.iter().cloned()).push(")");
    }
    if let Some(c) = &f.certificate {
        // Held and in force: a lapsed certificate stays on the record but does not count.
        sql.push(" AND id IN (SELECT org_id FROM org_certificates WHERE certificate = ").bind(c.clone());
        sql.push(" AND (valid_until IS NULL OR valid_until >= ").bind(crate::ties::today().to_string()).push("))");
    }
    if let Some(g) = &f.group {
        sql.push(" AND id IN (SELECT org_id FROM offers WHERE grp = ").bind(g.clone()).push(")");
    }
    if let Some(cats) = &f.categories {
        sql.push(" AND id IN (SELECT org_id FROM offers WHERE category IN ").bind_list(cats.iter().cloned()).push(")");
    }
    if let Some(s) = &f.standard {
        sql.push(
            " AND id IN (SELECT o.org_id FROM offer_standards s JOIN offers o ON o.id = s.offer_id WHERE s.standard = ",
        )
        .bind(s.clone())
        .push(")");
    }
}

impl Store {
    /// A page of organisations in id order, after `after_id`; the flag says whether more follow.
    pub async fn list_orgs(&self, f: &OrgFilter, after_id: Option<i64>, limit: i64) -> Result<(Vec<Org>, bool)> {
        if f.categories.as_ref().is_some_and(|c| c.is_empty()) {
            return Ok((vec![], false));
        }
        let mut read = packed_select(self.backend);
        let sql = &mut read.sql;
        sql.push(" WHERE 1 = 1");
        push_filter(sql, f);
        if let Some(a) = after_id {
            sql.push(" AND id > ").bind(a);
        }
        sql.push(" ORDER BY id LIMIT ").bind(limit + 1);
        let mut orgs = fetch(read, self.pool()).await?;
        let more = orgs.len() as i64 > limit;
        orgs.truncate(limit as usize);
        Ok((orgs, more))
    }

    pub async fn count_orgs(&self, f: &OrgFilter) -> Result<i64> {
        if f.categories.as_ref().is_some_and(|c| c.is_empty()) {
            return Ok(0);
        }
        let mut sql = Sql::new(self.backend, "SELECT COUNT(*) FROM orgs WHERE 1 = 1");
        push_filter(&mut sql, f);
        Ok(sql.fetch_one_scalar(self.pool()).await?)
    }

    /// The organisations with these ids that exist.
    pub async fn orgs_by_ids(&self, ids: &[i64]) -> Result<Vec<Org>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(batch(self.backend) * 4) {
            let mut read = packed_select(self.backend);
            let sql = &mut read.sql;
            sql.push(" WHERE ").push_in_ids("id", chunk);
            out.extend(fetch(read, self.pool()).await?);
        }
        Ok(out)
    }

    pub async fn org(&self, id: i64) -> Result<Option<Org>> {
        let mut read = packed_select(self.backend);
        let sql = &mut read.sql;
        sql.push(" WHERE id = ").bind(id);
        Ok(fetch(read, self.pool()).await?.pop())
    }

    /// Ids (and towns) of the organisations with these credit codes; unknown codes are absent.
    pub async fn org_ids_by_uscc(&self, codes: &[String]) -> Result<HashMap<String, (i64, Option<String>)>> {
        let mut out = HashMap::new();
        for chunk in codes.chunks(batch(self.backend) * 4) {
            let mut sql = Sql::new(self.backend, "SELECT uscc, id, town FROM orgs WHERE uscc IN ");
            sql.bind_list(chunk.iter().cloned());
            for r in sql.fetch_all(self.pool()).await? {
                out.insert(r.try_get::<String, _>(0)?, (r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(out)
    }

    /// Every organisation in id order, `chunk` at a time, for export.
    pub async fn orgs_after(&self, after_id: i64, chunk: i64) -> Result<Vec<Org>> {
        self.list_orgs(&OrgFilter::default(), Some(after_id), chunk).await.map(|(o, _)| o)
    }
}

/// The stored records of these credit codes, read inside the caller's transaction (an import
/// lays a partial row over what is stored, and must see what it overwrites); unknown codes
/// are absent.
pub async fn records_by_uscc(tx: &mut Tx, codes: &[String]) -> Result<HashMap<String, OrgRecord>> {
    let b = backend_of(tx);
    let mut out = HashMap::new();
    for chunk in codes.chunks(batch(b) * 4) {
        let mut read = packed_select(b);
        let sql = &mut read.sql;
        sql.push(" WHERE uscc IN ").bind_list(chunk.iter().cloned());
        for org in fetch(read, &mut **tx).await? {
            out.insert(org.record.uscc.to_string(), org.record);
        }
    }
    Ok(out)
}

/// Inserts or updates organisations by credit code inside the caller's transaction.
/// Unchanged rows are left alone (same revision, no outbox row); changed rows get a new
/// revision, fresh side-table rows and an outbox row; a changed town moves to the org's
/// offers too.
pub async fn upsert(tx: &mut Tx, records: &[OrgRecord]) -> Result<UpsertStats> {
    let b = backend_of(tx);
    let mut stats = UpsertStats::default();
    let now = now_ms();
    for chunk in records.chunks(batch(b)) {
        let mut sql = Sql::new(
            b,
            "INSERT INTO orgs (uscc, name, name_en, kind, town, sectors, chain, size_class, founded_year, employees, \
             revenue_band, certificates, contact_name, phone, email, address, content_hash, revision, created_at, updated_at) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(r.uscc.to_string()).push(", ");
            sql.bind(r.name.clone()).push(", ");
            sql.bind(r.name_en.clone()).push(", ");
            sql.bind(r.kind.code().to_string()).push(", ");
            sql.bind(r.town.clone()).push(", ");
            sql.bind(serde_json::to_string(&r.sectors).unwrap_or_default()).push(", ");
            sql.bind(serde_json::to_string(&r.chain).unwrap_or_default()).push(", ");
            sql.bind(r.size_class.map(|s| s.code().to_string())).push(", ");
            sql.bind(r.founded_year.map(i64::from)).push(", ");
            sql.bind(r.employees).push(", ");
            sql.bind(r.revenue_band.clone()).push(", ");
            sql.bind(serde_json::to_string(&r.certificates).unwrap_or_default()).push(", ");
            sql.bind(r.contact.name.clone()).push(", ");
            sql.bind(r.contact.phone.clone()).push(", ");
            sql.bind(r.contact.email.clone()).push(", ");
            sql.bind(r.contact.address.clone()).push(", ");
            sql.bind(content_hash(r)).push(", 1, ");
            sql.bind(now).push(", ").bind(now).push(")");
        }
        sql.push(
            " ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind, \
             town = excluded.town, sectors = excluded.sectors, chain = excluded.chain, size_class = excluded.size_class, \
             founded_year = excluded.founded_year, employees = excluded.employees, revenue_band = excluded.revenue_band, \
             certificates = excluded.certificates, contact_name = excluded.contact_name, phone = excluded.phone, \
             email = excluded.email, address = excluded.address, content_hash = excluded.content_hash, \
             revision = orgs.revision + 1, updated_at = excluded.updated_at \
             WHERE orgs.content_hash <> excluded.content_hash RETURNING id, uscc, revision",
        );
        let rows = sql.fetch_all(&mut **tx).await?;
        let by_code: HashMap<&str, &OrgRecord> = chunk.iter().map(|r| (r.uscc.as_str(), r)).collect();
        let mut changed = Vec::with_capacity(rows.len());
        let mut feed = Vec::with_capacity(rows.len());
        let mut offers_feed = vec![];
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let code: String = row.try_get(1)?;
            let revision: i64 = row.try_get(2)?;
            let rec = by_code[code.as_str()];
            if revision == 1 {
                stats.inserted += 1;
                feed.push(outbox::Change { id, op: outbox::Op::Create, revision });
            } else {
                stats.updated += 1;
                feed.push(outbox::Change { id, op: outbox::Op::Update, revision });
                // The firm's offers show its name and town: each reads differently now, so
                // each gets a row of its own (at the revision it has; it was not written).
                let offers = sqlx::query("SELECT id, revision FROM offers WHERE org_id = $1")
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
                for o in &offers {
                    offers_feed.push(outbox::Change {
                        id: o.try_get(0)?,
                        op: outbox::Op::Update,
                        revision: o.try_get(1)?,
                    });
                }
                sqlx::query("UPDATE offers SET town = $1 WHERE org_id = $2")
                    .bind(rec.town.clone())
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "UPDATE offer_standards SET town = $1 WHERE offer_id IN (SELECT id FROM offers WHERE org_id = $2)",
                )
                .bind(rec.town.clone())
                .bind(id)
                .execute(&mut **tx)
                .await?;
            }
            changed.push((id, rec));
        }
        stats.unchanged += (chunk.len() - rows.len()) as u64;
        replace_side_rows(tx, &changed).await?;
        outbox::record_changes(tx, "org", &feed).await?;
        outbox::record_changes(tx, "offer", &offers_feed).await?;
    }
    Ok(stats)
}

async fn replace_side_rows(tx: &mut Tx, changed: &[(i64, &OrgRecord)]) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let b = backend_of(tx);
    let ids: Vec<i64> = changed.iter().map(|(id, _)| *id).collect();
    for table in ["org_sectors", "org_certificates"] {
        let mut sql = Sql::new(b, &format!("DELETE FROM {table} WHERE org_id IN "));
        sql.bind_list(ids.iter().copied());
        sql.execute(&mut **tx).await?;
    }
    for chunk in changed
        .iter()
        .flat_map(|(id, r)| r.sectors.iter().map(move |s| (*id, s)))
        .collect::<Vec<_>>()
        .chunks(batch(b) * 4)
    {
        let mut sql = Sql::new(b, "INSERT INTO org_sectors (org_id, sector) VALUES ");
        for (i, (id, v)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).bind(*id).push(", ").bind((*v).clone()).push(")");
        }
        sql.execute(&mut **tx).await?;
    }
    // Each certificate with its last day, for the daily sweep and the registry's filter.
    let certs: Vec<(i64, &HeldCertificate)> =
        changed.iter().flat_map(|(id, r)| r.certificates.iter().map(move |c| (*id, c))).collect();
    for chunk in certs.chunks(batch(b) * 3) {
        let mut sql = Sql::new(b, "INSERT INTO org_certificates (org_id, certificate, valid_until) VALUES ");
        for (i, (id, c)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).bind(*id).push(", ").bind(c.code.clone()).push(", ");
            sql.bind(c.valid_until.map(|d| d.to_string())).push(")");
        }
        sql.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What a firm's registration found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The account and the new organisation, the account its owner.
    Done {
        account_id: i64,
        org_id: i64,
    },
    LoginTaken,
    /// The registry has this credit code already: the person claims it instead.
    OrgExists(i64),
}

impl Store {
    /// Registers a person with a firm the registry does not know yet, in one transaction:
    /// the account, the organisation, the person as its owner.
    pub async fn register_firm(&self, login: &str, name: &str, hash: &str, org: &OrgRecord) -> Result<Registered> {
        let mut tx = self.begin().await?;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM orgs WHERE uscc = $1")
            .bind(org.uscc.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = existing {
            return Ok(Registered::OrgExists(id));
        }
        let now = crate::now_ms();
        let account: Option<i64> = sqlx::query_scalar(
            "INSERT INTO accounts (login, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(login)
        .bind(name)
        .bind(hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account_id) = account else { return Ok(Registered::LoginTaken) };
        upsert(&mut tx, std::slice::from_ref(org)).await?;
        let org_id: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE uscc = $1")
            .bind(org.uscc.as_str())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO memberships (account_id, org_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
            .bind(account_id)
            .bind(org_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        Store::audit_for(
            &mut tx,
            Some(org_id),
            &format!("account:{account_id}"),
            "register",
            "org",
            Some(org_id),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(Registered::Done { account_id, org_id })
    }
}

impl Store {
    /// Saves the organisation `id`'s record if it still has `revision`, with its audit row,
    /// in one transaction; its offers follow a new town, and the index follows through the
    /// outbox. The credit code is the organisation's key and never changes here.
    pub async fn save_org(&self, id: i64, revision: i64, record: &OrgRecord, by: i64) -> Result<crate::demands::Write> {
        use crate::demands::Write;
        let mut tx = self.begin().await?;
        let hit = sqlx::query("UPDATE orgs SET revision = revision WHERE id = $1 AND revision = $2 AND uscc = $3")
            .bind(id)
            .bind(revision)
            .bind(record.uscc.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if hit == 0 {
            return Ok(Write::Stale);
        }
        upsert(&mut tx, std::slice::from_ref(record)).await?;
        let detail = serde_json::json!({ "name": record.name, "town": record.town });
        Store::audit_for(&mut tx, Some(id), &format!("account:{by}"), "org_edit", "org", Some(id), &detail).await?;
        tx.commit().await?;
        Ok(Write::Done(()))
    }
}

//! Declarations of conformance as stored: which edition of a standard an offer meets, and the
//! report that proves it. A declaration is one transaction with its file, its audit row and
//! an outbox row for its offer (the offer reads differently: search can require a report).
//! Who may read a report's file is decided here in one query, because it depends on
//! demands and responses: the declaring firm, and a buyer whose demand required that
//! standard and that this firm answered, once the demand's deadline has passed.

use sqlx::Row;
use time::Date;
use wujin_domain::declaration::{Declared, Lab, in_force};
use wujin_domain::standard::split_year;
use wujin_domain::taxonomy::compact_standard;

use crate::files::{NewFile, put_file};
use crate::outbox::{Op, Revised, record_current};
use crate::{Result, Store, StoreError, now_ms};

/// A stored declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub id: i64,
    pub org_id: i64,
    pub offer_id: i64,
    pub declared: Declared,
    /// The lab's name (the platform firm's name when it is one).
    pub lab_name: String,
    pub file_sha256: String,
    pub file_name: String,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
    /// When the daily sweep found its report lapsed.
    pub lapsed_at: Option<i64>,
}

impl Declaration {
    /// Whether it counts on `today`: standing, and its report has not lapsed (by its date,
    /// or as the sweep found it, whose day may be ahead of this clock's).
    pub fn in_force(&self, today: Date) -> bool {
        self.withdrawn_at.is_none() && self.lapsed_at.is_none() && in_force(self.declared.valid_until, today)
    }
}

/// The compact number without its year: how declarations of any edition are found.
pub fn base_of(number: &str) -> String {
    split_year(&compact_standard(number)).0.to_string()
}

const SELECT: &str = "SELECT d.id, d.org_id, d.offer_id, d.standard, d.report_no, d.lab_org_id, \
     COALESCE(l.name, d.lab_name), d.issued_on, d.valid_until, d.file_sha256, d.file_name, d.created_at, \
     d.withdrawn_at, d.lapsed_at FROM declarations d LEFT JOIN orgs l ON l.id = d.lab_org_id";

fn day(v: &str) -> Result<Date> {
    wujin_domain::tie::parse_date(v).ok_or_else(|| StoreError::Corrupt(format!("declaration date {v}")))
}

fn declaration_of(r: &sqlx::any::AnyRow) -> Result<Declaration> {
    let lab_org: Option<i64> = r.try_get(5)?;
    let lab_name: String = r.try_get(6)?;
    let until: Option<String> = r.try_get(8)?;
    Ok(Declaration {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        offer_id: r.try_get(2)?,
        declared: Declared {
            standard: r.try_get(3)?,
            report_no: r.try_get(4)?,
            lab: match lab_org {
                Some(id) => Lab::Org(id),
                None => Lab::Named(lab_name.clone()),
            },
            issued_on: day(&r.try_get::<String, _>(7)?)?,
            valid_until: until.as_deref().map(day).transpose()?,
        },
        lab_name,
        file_sha256: r.try_get(9)?,
        file_name: r.try_get(10)?,
        created_at: r.try_get(11)?,
        withdrawn_at: r.try_get(12)?,
        lapsed_at: r.try_get(13)?,
    })
}

impl Store {
    /// Declares that offer `offer` of firm `org` meets an edition, with the report's file:
    /// the declaration of the same offer and edition before it (if any) is withdrawn in the
    /// same transaction.
    pub async fn declare(&self, org: i64, offer: i64, d: &Declared, file: NewFile<'_>, by: i64) -> Result<Declaration> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE declarations SET withdrawn_at = $3 WHERE offer_id = $1 AND standard = $2 AND withdrawn_at IS NULL",
        )
        .bind(offer)
        .bind(d.standard.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let sha = put_file(&mut tx, file.bytes, file.mime).await?;
        let (lab_org, lab_name) = match &d.lab {
            Lab::Org(id) => (Some(*id), String::new()),
            Lab::Named(n) => (None, n.clone()),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO declarations (org_id, offer_id, standard, base, report_no, lab_org_id, lab_name, issued_on, \
             valid_until, file_sha256, file_name, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(org)
        .bind(offer)
        .bind(d.standard.clone())
        .bind(base_of(&d.standard))
        .bind(d.report_no.clone())
        .bind(lab_org)
        .bind(lab_name)
        .bind(d.issued_on.to_string())
        .bind(d.valid_until.map(|v| v.to_string()))
        .bind(sha)
        .bind(file.name.to_string())
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({"offer": offer, "standard": d.standard, "report_no": d.report_no});
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), "declare", "declaration", Some(id), &detail)
            .await?;
        record_current(&mut tx, "offer", Revised::Offers, Op::Update, &[offer]).await?;
        let row = sqlx::query(&format!("{SELECT} WHERE d.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        declaration_of(&row)
    }

    /// Withdraws a standing declaration; false when it no longer stands.
    pub async fn withdraw_declaration(&self, id: i64, by: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT org_id, offer_id FROM declarations WHERE id = $1 AND withdrawn_at IS NULL")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let (org, offer): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        sqlx::query("UPDATE declarations SET withdrawn_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        Store::audit_for(
            &mut tx,
            Some(org),
            &format!("account:{by}"),
            "withdraw",
            "declaration",
            Some(id),
            &serde_json::json!({}),
        )
        .await?;
        record_current(&mut tx, "offer", Revised::Offers, Op::Update, &[offer]).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn declaration(&self, id: i64) -> Result<Option<Declaration>> {
        let row = sqlx::query(&format!("{SELECT} WHERE d.id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(declaration_of).transpose()
    }

    /// The standing declarations of these offers, by offer and then standard.
    pub async fn declarations_of_offers(&self, offers: &[i64]) -> Result<Vec<Declaration>> {
        if offers.is_empty() {
            return Ok(vec![]);
        }
        let mut sql =
            crate::Sql::new(self.backend(), &format!("{SELECT} WHERE d.withdrawn_at IS NULL AND d.offer_id IN "));
        sql.bind_list(offers.iter().copied()).push(" ORDER BY d.offer_id, d.standard");
        sql.fetch_all(self.pool()).await?.iter().map(declaration_of).collect()
    }

    /// The standing declarations of a firm, newest first, at most `limit`.
    pub async fn declarations_of_org(&self, org: i64, limit: i64) -> Result<Vec<Declaration>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE d.withdrawn_at IS NULL AND d.org_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
        ))
        .bind(org)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(declaration_of).collect()
    }

    /// Which of `standards` (editions, as a demand lists them) each of these firms has a
    /// standing declaration in force on `today` for, naming the edition declared: any
    /// edition of the standard counts, and the answer says which.
    pub async fn declared_by(
        &self,
        orgs: &[i64],
        standards: &[String],
        today: Date,
    ) -> Result<Vec<(i64, String, String)>> {
        if orgs.is_empty() || standards.is_empty() {
            return Ok(vec![]);
        }
        let bases: Vec<String> = standards.iter().map(|s| base_of(s)).collect();
        let mut sql = crate::Sql::new(
            self.backend(),
            "SELECT DISTINCT org_id, base, standard FROM declarations WHERE withdrawn_at IS NULL AND lapsed_at IS NULL \
             AND (valid_until IS NULL OR valid_until >= ",
        );
        sql.bind(today.to_string()).push(") AND org_id IN ");
        sql.bind_list(orgs.iter().copied()).push(" AND base IN ");
        sql.bind_list(bases.iter().cloned()).push(" ORDER BY org_id, base, standard DESC");
        let rows = sql.fetch_all_as::<(i64, String, String), _>(self.pool()).await?;
        let mut out = vec![];
        for (org, base, edition) in rows {
            for (s, b) in standards.iter().zip(&bases) {
                if *b == base && !out.iter().any(|(o, w, _): &(i64, String, String)| *o == org && w == s) {
                    out.push((org, s.clone(), edition.clone()));
                }
            }
        }
        Ok(out)
    }

    /// The firms with a standing declaration of edition `number` in force on `today`, most
    /// declared offers first, with how many offers; and how many firms in all.
    pub async fn firms_declaring(
        &self,
        number: &str,
        today: Date,
        limit: i64,
    ) -> Result<(Vec<crate::standards::Citing>, i64)> {
        const IN_FORCE: &str = "d.standard = $1 AND d.withdrawn_at IS NULL AND d.lapsed_at IS NULL \
             AND (d.valid_until IS NULL OR d.valid_until >= $2)";
        let rows = sqlx::query(&format!(
            "SELECT d.org_id, g.name, COUNT(DISTINCT d.offer_id) FROM declarations d JOIN orgs g ON g.id = d.org_id \
             WHERE {IN_FORCE} GROUP BY d.org_id, g.name ORDER BY COUNT(DISTINCT d.offer_id) DESC, d.org_id LIMIT $3"
        ))
        .bind(number.to_string())
        .bind(today.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let firms = rows
            .iter()
            .map(|r| {
                Ok(crate::standards::Citing { org_id: r.try_get(0)?, org_name: r.try_get(1)?, offers: r.try_get(2)? })
            })
            .collect::<Result<Vec<_>>>()?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(DISTINCT d.org_id) FROM declarations d WHERE {IN_FORCE}"))
                .bind(number.to_string())
                .bind(today.to_string())
                .fetch_one(self.pool())
                .await?;
        Ok((firms, total))
    }

    /// Whether a buyer acting for `buyer_orgs` may read the report of `d` at `now`: one of
    /// their demands, past its deadline and not cancelled, required a standard of the same
    /// number (any edition), and the declaring firm answered it.
    pub async fn buyer_may_read(&self, d: &Declaration, buyer_orgs: &[i64], now: i64) -> Result<bool> {
        if buyer_orgs.is_empty() {
            return Ok(false);
        }
        let mut sql = crate::Sql::new(
            self.backend(),
            "SELECT m.standards FROM demands m JOIN responses r ON r.demand_id = m.id WHERE r.state <> 'withdrawn' AND r.org_id = ",
        );
        sql.bind(d.org_id).push(" AND m.deadline <= ").bind(now);
        sql.push(" AND m.state NOT IN ('draft', 'cancelled') AND m.org_id IN ");
        sql.bind_list(buyer_orgs.iter().copied());
        let lists = sql.fetch_all_as::<(String,), _>(self.pool()).await?;
        let want = base_of(&d.declared.standard);
        Ok(lists.iter().any(|(json,)| {
            serde_json::from_str::<Vec<String>>(json).unwrap_or_default().iter().any(|s| base_of(s) == want)
        }))
    }
}

/// How many days before a report's last day its firm is reminded, farthest first.
pub const REMIND_DAYS: [i64; 3] = [60, 30, 7];

/// The reminder due `days_left` days before a report's last day: the nearest threshold
/// reached, if any.
pub fn reminder_due(days_left: i64) -> Option<i64> {
    REMIND_DAYS.iter().rev().find(|&&t| days_left <= t).copied()
}

impl Store {
    /// Reminds firms of reports nearing their last day (60, 30 and 7 days ahead, each once;
    /// a sweep that missed days sends only the nearest one due), on `today`. Any number of
    /// servers may call it: a reminder is sent by the transaction that moves its stage.
    /// Returns how many were sent.
    pub async fn remind_declarations(&self, today: Date) -> Result<usize> {
        let horizon = today + time::Duration::days(REMIND_DAYS[0]);
        let rows = sqlx::query(
            "SELECT d.id, d.org_id, d.offer_id, d.standard, d.valid_until, d.reminded, o.title FROM declarations d \
             JOIN offers o ON o.id = d.offer_id WHERE d.withdrawn_at IS NULL AND d.lapsed_at IS NULL \
             AND d.valid_until IS NOT NULL AND d.valid_until >= $1 AND d.valid_until <= $2 \
             AND (d.reminded = 0 OR (d.reminded > $5 AND d.valid_until <= $3) OR (d.reminded > $6 AND d.valid_until <= $4)) \
             ORDER BY d.id LIMIT 1000",
        )
        // Only those with a reminder still to send: a batch is never filled by reports
        // already told.
        .bind(today.to_string())
        .bind(horizon.to_string())
        .bind((today + time::Duration::days(REMIND_DAYS[1])).to_string())
        .bind((today + time::Duration::days(REMIND_DAYS[2])).to_string())
        .bind(REMIND_DAYS[1])
        .bind(REMIND_DAYS[2])
        .fetch_all(self.pool())
        .await?;
        let mut sent = 0;
        for r in rows {
            let (id, org, offer): (i64, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let (standard, until): (String, String) = (r.try_get(3)?, r.try_get(4)?);
            let (reminded, title): (i64, String) = (r.try_get(5)?, r.try_get(6)?);
            let days_left = (day(&until)? - today).whole_days();
            let Some(stage) = reminder_due(days_left) else { continue };
            if reminded != 0 && reminded <= stage {
                continue;
            }
            let mut tx = self.begin().await?;
            let moved = sqlx::query("UPDATE declarations SET reminded = $2 WHERE id = $1 AND reminded = $3")
                .bind(id)
                .bind(stage)
                .bind(reminded)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved == 1 {
                let detail = serde_json::json!({"declaration": id, "offer": offer, "title": title,
                    "standard": standard, "valid_until": until, "stage": stage.to_string(), "days_left": days_left});
                crate::inbox::notify(&mut tx, org, crate::inbox::Kind::Declaration, None, None, &detail).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }

    /// Marks the reports whose last day was before `today` lapsed: their firms are told, and
    /// their offers' outbox rows make the search index drop the declarations. Returns how
    /// many lapsed.
    pub async fn lapse_declarations(&self, today: Date) -> Result<usize> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "UPDATE declarations SET lapsed_at = $2 WHERE withdrawn_at IS NULL AND lapsed_at IS NULL \
             AND valid_until IS NOT NULL AND valid_until < $1 RETURNING id, org_id, offer_id, standard, valid_until",
        )
        .bind(today.to_string())
        .bind(now_ms())
        .fetch_all(&mut *tx)
        .await?;
        let mut offers = vec![];
        for r in &rows {
            let (id, org, offer): (i64, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let (standard, until): (String, String) = (r.try_get(3)?, r.try_get(4)?);
            let title: Option<String> = sqlx::query_scalar("SELECT title FROM offers WHERE id = $1")
                .bind(offer)
                .fetch_optional(&mut *tx)
                .await?;
            let detail = serde_json::json!({"declaration": id, "offer": offer, "title": title,
                "standard": standard, "valid_until": until, "stage": "lapsed"});
            crate::inbox::notify(&mut tx, org, crate::inbox::Kind::Declaration, None, None, &detail).await?;
            offers.push(offer);
        }
        offers.sort_unstable();
        offers.dedup();
        record_current(&mut tx, "offer", Revised::Offers, Op::Update, &offers).await?;
        tx.commit().await?;
        Ok(rows.len())
    }
}

impl Store {
    /// Every offer that cites edition `number` or has a standing declaration on it: (firm,
    /// offer, the firm's sectors), for the office's view of a change of standard.
    pub async fn reached_by(&self, number: &str) -> Result<Vec<(i64, i64, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT o.org_id, o.id, g.sectors FROM offer_standards s JOIN offers o ON o.id = s.offer_id \
             JOIN orgs g ON g.id = o.org_id WHERE s.standard = $1 \
             UNION SELECT o.org_id, o.id, g.sectors FROM declarations d JOIN offers o ON o.id = d.offer_id \
             JOIN orgs g ON g.id = o.org_id WHERE d.standard = $1 AND d.withdrawn_at IS NULL ORDER BY 1, 2",
        )
        .bind(number.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let sectors: String = r.try_get(2)?;
                Ok((r.try_get(0)?, r.try_get(1)?, serde_json::from_str(&sectors).unwrap_or_default()))
            })
            .collect()
    }

    /// The firms with a declaration of edition `number` in force on `today`.
    pub async fn orgs_declaring(&self, number: &str, today: Date) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT org_id FROM declarations WHERE standard = $1 AND withdrawn_at IS NULL \
             AND lapsed_at IS NULL AND (valid_until IS NULL OR valid_until >= $2) ORDER BY org_id",
        )
        .bind(number.to_string())
        .bind(today.to_string())
        .fetch_all(self.pool())
        .await?)
    }
}

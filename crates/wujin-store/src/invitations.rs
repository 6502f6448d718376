//! Invitations: the providers a buyer asked to respond to a demand. A demand open by
//! invitation only exists for the buyer and the invited; a public one is open to all, and an
//! invitation then only puts it in the provider's inbox. Invitations made on a draft are
//! delivered when it is published.

use sqlx::Row;

use crate::inbox::{Kind, notify};
use crate::{Result, Sql, Store, Tx, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub org_id: i64,
    pub org_name: String,
    pub at: i64,
}

/// What an invitation call found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    /// The organisations newly invited (those invited before are left as they were).
    Done(Vec<i64>),
    /// An id names no organisation.
    NoSuchOrg(i64),
}

/// Puts an invitation in the inbox of every organisation invited to `demand`.
pub(crate) async fn deliver(tx: &mut Tx, demand: i64, orgs: &[i64], title: &str) -> Result<()> {
    for &org in orgs {
        notify(tx, org, Kind::Invitation, Some(demand), None, &serde_json::json!({"title": title})).await?;
    }
    Ok(())
}

/// Invites `orgs` to `demand` inside `tx`: delivered now if the demand is open, else at
/// publication. The buyer itself is passed over; an id naming no organisation stops it.
pub(crate) async fn invite_in(tx: &mut Tx, demand: i64, orgs: &[i64], by: i64) -> Result<Invited> {
    let row =
        sqlx::query("SELECT org_id, state, title FROM demands WHERE id = $1").bind(demand).fetch_one(&mut **tx).await?;
    let (buyer, state, title): (i64, String, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let mut new = vec![];
    for &org in orgs {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1").bind(org).fetch_optional(&mut **tx).await?;
        if exists.is_none() {
            return Ok(Invited::NoSuchOrg(org));
        }
        if org == buyer {
            continue;
        }
        let n = sqlx::query(
            "INSERT INTO invitations (demand_id, org_id, invited_by, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (demand_id, org_id) DO NOTHING",
        )
        .bind(demand)
        .bind(org)
        .bind(by)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 1 {
            new.push(org);
        }
    }
    if new.is_empty() {
        return Ok(Invited::Done(new));
    }
    if state == "open" {
        deliver(tx, demand, &new, &title).await?;
    }
    crate::outbox::record(tx, "reputation", "upsert", &new).await?;
    Store::audit_for(
        tx,
        Some(buyer),
        &format!("account:{by}"),
        "invite",
        "demand",
        Some(demand),
        &serde_json::json!({"orgs": new}),
    )
    .await?;
    Ok(Invited::Done(new))
}

impl Store {
    /// Invites `orgs` to demand `demand`; delivered now if it is open, else at publication.
    pub async fn invite(&self, demand: i64, orgs: &[i64], by: i64) -> Result<Invited> {
        let mut tx = self.begin().await?;
        let invited = invite_in(&mut tx, demand, orgs, by).await?;
        // Nothing is written when an id names no organisation.
        if matches!(invited, Invited::Done(_)) {
            tx.commit().await?;
        }
        Ok(invited)
    }

    pub async fn invitations(&self, demand: i64) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(
            "SELECT i.org_id, g.name, i.at FROM invitations i JOIN orgs g ON g.id = i.org_id \
             WHERE i.demand_id = $1 ORDER BY i.at, i.org_id",
        )
        .bind(demand)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok(Invitation { org_id: r.try_get(0)?, org_name: r.try_get(1)?, at: r.try_get(2)? }))
            .collect()
    }

    /// Which of `orgs` are invited to `demand`.
    pub async fn invited_among(&self, demand: i64, orgs: &[i64]) -> Result<Vec<i64>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new(self.backend(), "SELECT org_id FROM invitations WHERE demand_id = ");
        sql.bind(demand).push(" AND org_id IN ").bind_list(orgs.iter().copied()).push(" ORDER BY org_id");
        Ok(sql.fetch_all_as::<(i64,), _>(self.pool()).await?.into_iter().map(|(o,)| o).collect())
    }
}

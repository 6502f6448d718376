//! What the pilot office sees of demands: counts and aggregates, never a demand's sealed
//! responses, never which firm quoted what. Every number here is a COUNT or a sum over
//! many rows.

use sqlx::Row;

use crate::{Result, Store};

/// Something counted by one key (demands by state or family; providers by family).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandOverview {
    pub by_state: Vec<Count>,
    pub by_family: Vec<Count>,
    /// Published demands (not drafts).
    pub published: i64,
    /// Standing responses to published demands past their deadline. Responses to a demand
    /// still open are sealed: counting them live would tell an officer, with few open
    /// demands, who is bidding where.
    pub responses: i64,
    /// Published demands past their deadline that drew fewer than three responses: where
    /// the cluster's supply is thin.
    pub thin: i64,
    pub engagements: i64,
    pub ratings: i64,
}

async fn counts(store: &Store, column: &str) -> Result<Vec<Count>> {
    let rows = sqlx::query(&format!(
        "SELECT COALESCE({column}, ''), COUNT(*) FROM demands WHERE state <> 'draft' GROUP BY 1 ORDER BY 2 DESC, 1"
    ))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| Ok(Count { key: r.try_get(0)?, count: r.try_get(1)? })).collect()
}

impl Store {
    /// The demand side of the cluster in numbers, as of `now`.
    pub async fn demand_overview(&self, now: i64) -> Result<DemandOverview> {
        let one = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(self.pool()).await };
        let thin: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM demands d WHERE d.state NOT IN ('draft', 'cancelled') AND d.deadline <= $1 \
             AND (SELECT COUNT(*) FROM responses r WHERE r.demand_id = d.id AND r.state = 'submitted') < 3",
        )
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        Ok(DemandOverview {
            by_state: counts(self, "state").await?,
            by_family: counts(self, "family").await?,
            published: one("SELECT COUNT(*) FROM demands WHERE state <> 'draft'").await?,
            responses: sqlx::query_scalar(
                "SELECT COUNT(*) FROM responses r JOIN demands d ON d.id = r.demand_id \
                 WHERE r.state = 'submitted' AND d.state <> 'draft' AND d.deadline <= $1",
            )
            .bind(now)
            .fetch_one(self.pool())
            .await?,
            thin,
            engagements: one("SELECT COUNT(*) FROM engagements").await?,
            ratings: one("SELECT COUNT(*) FROM ratings").await?,
        })
    }
}

/// The cluster at a glance, as the home page shows it to everybody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glance {
    pub orgs: i64,
    pub offers: i64,
    /// Organisations offering services of each family.
    pub providers_by_family: Vec<Count>,
    /// Public demands open for responses.
    pub open_demands: i64,
}

impl Store {
    pub async fn glance(&self, now: i64) -> Result<Glance> {
        let rows = sqlx::query(
            "SELECT grp, COUNT(DISTINCT org_id) FROM offers WHERE kind = 'service' GROUP BY grp ORDER BY 2 DESC, 1",
        )
        .fetch_all(self.pool())
        .await?;
        let providers_by_family =
            rows.iter().map(|r| Ok(Count { key: r.try_get(0)?, count: r.try_get(1)? })).collect::<Result<_>>()?;
        Ok(Glance {
            orgs: sqlx::query_scalar("SELECT COUNT(*) FROM orgs").fetch_one(self.pool()).await?,
            offers: sqlx::query_scalar("SELECT COUNT(*) FROM offers").fetch_one(self.pool()).await?,
            providers_by_family,
            open_demands: sqlx::query_scalar(
                "SELECT COUNT(*) FROM demands WHERE state = 'open' AND visibility = 'public' AND deadline > $1",
            )
            .bind(now)
            .fetch_one(self.pool())
            .await?,
        })
    }
}

/// The registry counted the ways the pilot office's overview groups it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistryCounts {
    pub orgs_by_town: Vec<Count>,
    /// Organisations per GB/T 4754 class (an organisation with two classes counts in both).
    pub orgs_by_sector: Vec<Count>,
    pub offers_by_town: Vec<Count>,
    pub offers_by_category: Vec<Count>,
    /// Organisations per (GB/T 4754 class, chain stage): the chain map, where a sector has
    /// few firms at some stage of making its products.
    pub orgs_by_sector_and_stage: Vec<(String, String, i64)>,
}

impl Store {
    pub async fn registry_counts(&self) -> Result<RegistryCounts> {
        let counted = |sql: &'static str| async move {
            let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
            rows.iter().map(|r| Ok(Count { key: r.try_get(0)?, count: r.try_get(1)? })).collect::<Result<Vec<_>>>()
        };
        let mut by_sector: std::collections::BTreeMap<String, i64> = Default::default();
        let mut by_stage: std::collections::BTreeMap<(String, String), i64> = Default::default();
        for r in sqlx::query("SELECT sectors, chain FROM orgs").fetch_all(self.pool()).await? {
            let (sectors, chain): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            let chain = serde_json::from_str::<Vec<String>>(&chain).unwrap_or_default();
            for s in serde_json::from_str::<Vec<String>>(&sectors).unwrap_or_default() {
                for stage in &chain {
                    *by_stage.entry((s.clone(), stage.clone())).or_default() += 1;
                }
                *by_sector.entry(s).or_default() += 1;
            }
        }
        Ok(RegistryCounts {
            orgs_by_town: counted("SELECT COALESCE(town, ''), COUNT(*) FROM orgs GROUP BY 1 ORDER BY 2 DESC, 1")
                .await?,
            orgs_by_sector: by_sector.into_iter().map(|(key, count)| Count { key, count }).collect(),
            offers_by_town: counted("SELECT COALESCE(town, ''), COUNT(*) FROM offers GROUP BY 1 ORDER BY 2 DESC, 1")
                .await?,
            offers_by_category: counted("SELECT category, COUNT(*) FROM offers GROUP BY 1 ORDER BY 2 DESC, 1").await?,
            orgs_by_sector_and_stage: by_stage.into_iter().map(|((s, stage), n)| (s, stage, n)).collect(),
        })
    }
}

/// What the structure tables need of one organisation of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    pub kind: String,
    pub town: Option<String>,
    /// The first declared sector class.
    pub sector: Option<String>,
    pub size_class: Option<String>,
}

impl Store {
    /// Every organisation's kind, town, first sector and size class.
    pub async fn profiles(&self) -> Result<Vec<Profile>> {
        let rows = sqlx::query("SELECT id, kind, town, sectors, size_class FROM orgs ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let sectors: String = r.try_get(3)?;
                let list: Vec<String> = serde_json::from_str(&sectors).unwrap_or_default();
                Ok(Profile {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    town: r.try_get(2)?,
                    sector: list.into_iter().next(),
                    size_class: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Organisations offering services of each family, by their town: (town, family, count).
    pub async fn providers_by_town(&self) -> Result<Vec<(Option<String>, String, i64)>> {
        let rows = sqlx::query(
            "SELECT o.town, f.grp, COUNT(DISTINCT f.org_id) FROM offers f JOIN orgs o ON o.id = f.org_id \
             WHERE f.kind = 'service' AND f.grp IS NOT NULL GROUP BY o.town, f.grp",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }
}

/// What happened in the cluster since a moment (the first of the month), as the office's
/// landing page says it: counts of events, none of them sealed or a firm's own figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    pub new_firms: i64,
    pub new_offers: i64,
    pub awards: i64,
    pub reports_filed: i64,
    pub ties_declared: i64,
    pub inspections: i64,
    pub problems_raised: i64,
    pub problems_closed: i64,
    pub tasks_given: i64,
    pub tasks_done: i64,
}

impl Store {
    /// The counts of [`Changes`] since `since` (epoch ms), in one round trip: the landing page
    /// asks on every visit.
    pub async fn changes_since(&self, since: i64) -> Result<Changes> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM orgs WHERE created_at >= $1), \
             (SELECT COUNT(*) FROM offers WHERE created_at >= $1), \
             (SELECT COUNT(*) FROM engagements WHERE created_at >= $1), \
             (SELECT COUNT(*) FROM reports WHERE filed_at >= $1 AND revision = 1), \
             (SELECT COUNT(*) FROM ties WHERE created_at >= $1), \
             (SELECT COUNT(*) FROM inspections WHERE created_at >= $1), \
             (SELECT COUNT(*) FROM problems WHERE raised_at >= $1), \
             (SELECT COUNT(*) FROM problems WHERE closed_at >= $1), \
             (SELECT COUNT(*) FROM tasks WHERE created_at >= $1), \
             (SELECT COUNT(*) FROM tasks WHERE status = 'done' AND updated_at >= $1)",
        )
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(Changes {
            new_firms: r.try_get(0)?,
            new_offers: r.try_get(1)?,
            awards: r.try_get(2)?,
            reports_filed: r.try_get(3)?,
            ties_declared: r.try_get(4)?,
            inspections: r.try_get(5)?,
            problems_raised: r.try_get(6)?,
            problems_closed: r.try_get(7)?,
            tasks_given: r.try_get(8)?,
            tasks_done: r.try_get(9)?,
        })
    }
}

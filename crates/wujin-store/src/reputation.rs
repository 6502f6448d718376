//! How an organisation has dealt on the platform, as matching reads it: the ratings it
//! received, how often it answered when invited, and whether its credit code was verified
//! (a claim of it approved by a platform admin). Derived from the rows that record those
//! facts; whatever changes one of them puts a `reputation` event in the outbox (ratings a
//! `rating` event), so the search index follows.

use std::collections::HashMap;

use sqlx::Row;

use crate::{Result, Sql, Store};

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reputation {
    pub ratings: i64,
    /// The average score, 1 to 5, when rated at all.
    pub rating_avg: Option<f64>,
    /// Invitations to published demands.
    pub invited: i64,
    /// Of those, how many it responded to.
    pub answered: i64,
    /// A claim of the organisation was approved: its credit code was checked by a person.
    pub verified: bool,
}

/// Every rating an organisation received: from the other side of an engagement, and from a
/// firm whose test the lab reported. Both weigh the same.
pub(crate) const ALL_RATINGS: &str = "SELECT of_org_id, score FROM ratings \
     UNION ALL SELECT lab_org_id AS of_org_id, rating AS score FROM test_bookings WHERE rating IS NOT NULL";

impl Store {
    /// The reputation of each of `orgs` that has any (others are left out).
    pub async fn reputations(&self, orgs: &[i64]) -> Result<HashMap<i64, Reputation>> {
        let mut out: HashMap<i64, Reputation> = HashMap::new();
        if orgs.is_empty() {
            return Ok(out);
        }
        let ids = || orgs.iter().copied();
        let mut sql = Sql::new(
            self.backend(),
            &format!(
                "SELECT of_org_id, COUNT(*), AVG(CAST(score AS DOUBLE PRECISION)) FROM ({ALL_RATINGS}) g WHERE of_org_id IN "
            ),
        );
        sql.bind_list(ids()).push(" GROUP BY of_org_id");
        for r in sql.fetch_all(self.pool()).await? {
            let e = out.entry(r.try_get(0)?).or_default();
            e.ratings = r.try_get(1)?;
            e.rating_avg = r.try_get(2)?;
        }
        let mut sql = Sql::new(
            self.backend(),
            "SELECT i.org_id, COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM responses r \
             WHERE r.demand_id = i.demand_id AND r.org_id = i.org_id) THEN 1 ELSE 0 END), 0) \
             FROM invitations i JOIN demands d ON d.id = i.demand_id WHERE d.state <> 'draft' AND i.org_id IN ",
        );
        sql.bind_list(ids()).push(" GROUP BY i.org_id");
        for r in sql.fetch_all(self.pool()).await? {
            let e = out.entry(r.try_get(0)?).or_default();
            e.invited = r.try_get(1)?;
            e.answered = r.try_get(2)?;
        }
        let mut sql =
            Sql::new(self.backend(), "SELECT DISTINCT org_id FROM claims WHERE status = 'approved' AND org_id IN ");
        sql.bind_list(ids());
        for r in sql.fetch_all(self.pool()).await? {
            out.entry(r.try_get(0)?).or_default().verified = true;
        }
        Ok(out)
    }
}

//! Where the cluster fails its firms, as raw signals for the pilot office's service gaps:
//! demands past their deadline that drew fewer than three responses (or none), invitations
//! left unanswered at the deadline, demands cancelled because no suitable provider was found,
//! and searches that found little. Only demands past their deadline count, as everywhere an
//! officer looks. wujin-insight groups and ranks them under the small-cell rule.

use sqlx::Row;

use crate::{Result, Store};

/// What a signal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GapKind {
    /// A demand that drew no response by its deadline.
    NoResponse,
    /// A demand that drew one or two responses.
    Thin,
    /// A demand cancelled because no suitable provider was found.
    NoProvider,
    /// An invited provider that did not respond by the deadline.
    Unanswered,
    /// A search that found fewer than three offers.
    EmptySearch,
}

impl GapKind {
    pub fn code(self) -> &'static str {
        match self {
            GapKind::NoResponse => "no_response",
            GapKind::Thin => "thin",
            GapKind::NoProvider => "no_provider",
            GapKind::Unanswered => "unanswered",
            GapKind::EmptySearch => "empty_search",
        }
    }
}

/// One signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapSignal {
    pub kind: GapKind,
    /// The demand's service family; for a search, none (the server classifies its words).
    pub family: Option<String>,
    /// The demand's category, which places it in a family when it named none.
    pub category: Option<String>,
    /// The buyer's town; for a search, the town of the searcher's firm when signed in (the
    /// log keeps no person or firm).
    pub town: Option<String>,
    /// The firm behind it (the buyer), for the small-cell rule; none for a search.
    pub firm: Option<i64>,
    /// The deadline, or when the search was made.
    pub at: i64,
    /// What may be shown as an example: a public demand's title, or the words searched.
    pub example: Option<String>,
}

impl Store {
    /// Every signal from `from` to `now` (epoch ms).
    pub async fn gap_signals(&self, from: i64, now: i64) -> Result<Vec<GapSignal>> {
        let mut out = vec![];
        let rows = sqlx::query(
            "SELECT d.family, o.town, d.org_id, d.deadline, d.title, d.visibility, d.state, d.cancel_reason, d.category, \
             (SELECT COUNT(*) FROM responses r WHERE r.demand_id = d.id AND r.state = 'submitted') \
             FROM demands d JOIN orgs o ON o.id = d.org_id \
             WHERE d.state <> 'draft' AND d.deadline <= $1 AND d.deadline >= $2",
        )
        .bind(now)
        .bind(from)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let state: String = r.try_get(6)?;
            let reason: Option<String> = r.try_get(7)?;
            let responses: i64 = r.try_get(9)?;
            let kind = if state == "cancelled" {
                if reason.as_deref() != Some("no_suitable_provider") {
                    continue;
                }
                GapKind::NoProvider
            } else if responses == 0 {
                GapKind::NoResponse
            } else if responses < 3 {
                GapKind::Thin
            } else {
                continue;
            };
            let public = r.try_get::<String, _>(5)? == "public";
            out.push(GapSignal {
                kind,
                family: r.try_get(0)?,
                category: r.try_get(8)?,
                town: r.try_get(1)?,
                firm: Some(r.try_get(2)?),
                at: r.try_get(3)?,
                example: if public { Some(r.try_get(4)?) } else { None },
            });
        }
        let rows = sqlx::query(
            "SELECT d.family, o.town, d.org_id, d.deadline, d.title, d.visibility, d.category FROM invitations i \
             JOIN demands d ON d.id = i.demand_id JOIN orgs o ON o.id = d.org_id \
             WHERE d.state NOT IN ('draft', 'cancelled') AND d.deadline <= $1 AND d.deadline >= $2 \
             AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.demand_id = d.id AND r.org_id = i.org_id \
             AND r.state = 'submitted')",
        )
        .bind(now)
        .bind(from)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let public = r.try_get::<String, _>(5)? == "public";
            out.push(GapSignal {
                kind: GapKind::Unanswered,
                family: r.try_get(0)?,
                category: r.try_get(6)?,
                town: r.try_get(1)?,
                firm: Some(r.try_get(2)?),
                at: r.try_get(3)?,
                example: if public { Some(r.try_get(4)?) } else { None },
            });
        }
        let rows = sqlx::query("SELECT text, at, town FROM query_log WHERE hits < 3 AND at >= $1 AND at <= $2")
            .bind(from)
            .bind(now)
            .fetch_all(self.pool())
            .await?;
        for r in &rows {
            out.push(GapSignal {
                kind: GapKind::EmptySearch,
                family: None,
                category: None,
                town: r.try_get(2)?,
                firm: None,
                at: r.try_get(1)?,
                example: Some(r.try_get(0)?),
            });
        }
        Ok(out)
    }
}

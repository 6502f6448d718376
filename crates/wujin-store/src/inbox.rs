//! The in-app inbox: what an organisation should know about its demands and responses (an
//! invitation, responses unsealed at the deadline, an award, work marked done, a rating).
//! Items are written in the transaction of the change they report, so none is lost or sent
//! for a change that rolled back. They name the demand and never carry sealed content: an
//! item for a provider says it was awarded, not what anybody else quoted.

use sqlx::Row;

use crate::{Result, Sql, Store, Tx, now_ms};

/// What an item reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The organisation was invited to respond to a demand.
    Invitation,
    /// The deadline passed; the buyer may read the responses.
    Unsealed,
    /// The organisation's response won (all or part of) the award.
    Awarded,
    /// The demand was awarded to others.
    NotAwarded,
    /// The demand the organisation responded to was cancelled.
    Cancelled,
    /// The other side marked the work done.
    Completed,
    /// The other side rated the organisation.
    Rated,
    /// A webhook subscription of one of the organisation's owners or admins was disabled by
    /// the platform (its receiver answered 410, or failed for three days).
    WebhookDisabled,
    /// The firm's monthly report is due and not filed (detail: month, due, nth).
    ReportDue,
    /// A problem the organisation must rectify nears or passed its deadline (detail: problem,
    /// deadline, stage week/day/overdue, title).
    ProblemDue,
    /// The pilot office gave the organisation a task or raised a problem for it (detail:
    /// task or problem, title).
    Supervision,
    /// News of a group-purchase pool (detail: pool, title, event opened/due/allocated/failed/
    /// closed/settled/cancelled/extended, and what the event says: quantity, price, stage).
    Pool,
    /// A step of a machine booking, told to both firms (detail: booking, machine, title,
    /// event requested/confirmed/declined/cancelled/expired, start, reason).
    Booking,
    /// An edition of a standard the firm's offers cite was replaced or withdrawn (detail:
    /// standard, title, status, replaced_by, applies_from, offers [{id, title}], offers_total, labs
    /// [{id, name}]: labs whose testing services cite the new edition).
    Standard,
    /// A declaration's test report nears its last day or has lapsed (detail: declaration,
    /// offer, title (the offer's), standard, valid_until, stage 60/30/7 or lapsed).
    Declaration,
    /// A step of a test booking, told to both firms (detail: test_booking, event, state,
    /// confirmed_on, reason).
    TestBooking,
    /// A platform admin checked a lab's certificate (detail: accreditation, scheme, number,
    /// state verified/rejected, reason).
    Accreditation,
    /// A certificate the firm holds (ISO 9001, CCC …) nears its last day or has lapsed
    /// (detail: org, certificate (its code), valid_until, stage 60/30/7 or lapsed, days_left).
    Certificate,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Unsealed => "unsealed",
            Kind::Awarded => "awarded",
            Kind::NotAwarded => "not_awarded",
            Kind::Cancelled => "cancelled",
            Kind::Completed => "completed",
            Kind::Rated => "rated",
            Kind::WebhookDisabled => "webhook_disabled",
            Kind::ReportDue => "report_due",
            Kind::ProblemDue => "problem_due",
            Kind::Supervision => "supervision",
            Kind::Pool => "pool",
            Kind::Booking => "booking",
            Kind::Standard => "standard",
            Kind::Declaration => "declaration",
            Kind::TestBooking => "test_booking",
            Kind::Accreditation => "accreditation",
            Kind::Certificate => "certificate",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub demand_id: Option<i64>,
    pub engagement_id: Option<i64>,
    pub detail: serde_json::Value,
    pub at: i64,
    pub read: bool,
    /// The demand's title as it stands now.
    pub demand_title: Option<String>,
    /// The other firm: the other party of the engagement, or the demand's buyer when that is
    /// not the reader.
    pub counterpart: Option<(i64, String)>,
}

/// Adds an item for `org` inside the caller's transaction.
pub async fn notify(
    tx: &mut Tx,
    org: i64,
    kind: Kind,
    demand: Option<i64>,
    engagement: Option<i64>,
    detail: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox (org_id, kind, demand_id, engagement_id, detail, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org)
    .bind(kind.code())
    .bind(demand)
    .bind(engagement)
    .bind(detail.to_string())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The items of these organisations, newest first, after the `before` id if given.
    pub async fn inbox(&self, orgs: &[i64], before: Option<i64>, limit: i64) -> Result<Vec<Item>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        // Each item names its demand and the other firm as they are now, so every message
        // says what it is about and with whom, whatever its detail recorded.
        let mut sql = Sql::new(
            self.backend(),
            "SELECT i.id, i.org_id, i.kind, i.demand_id, i.engagement_id, i.detail, i.at, i.read_at, d.title, \
             b.id, b.name, o.id, o.name FROM inbox i \
             LEFT JOIN demands d ON d.id = i.demand_id \
             LEFT JOIN orgs b ON b.id = d.org_id \
             LEFT JOIN engagements e ON e.id = i.engagement_id \
             LEFT JOIN orgs o ON o.id = CASE WHEN e.buyer_org_id = i.org_id THEN e.provider_org_id ELSE e.buyer_org_id END \
             WHERE i.org_id IN ",
        );
        sql.bind_list(orgs.iter().copied());
        if let Some(b) = before {
            sql.push(" AND i.id < ").bind(b);
        }
        sql.push(" ORDER BY i.id DESC LIMIT ").bind(limit);
        let rows = sql.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get(5)?;
                Ok(Item {
                    id: r.try_get(0)?,
                    org_id: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    demand_id: r.try_get(3)?,
                    engagement_id: r.try_get(4)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                    at: r.try_get(6)?,
                    read: r.try_get::<Option<i64>, _>(7)?.is_some(),
                    demand_title: r.try_get(8)?,
                    counterpart: {
                        let org: i64 = r.try_get(1)?;
                        let buyer: Option<i64> = r.try_get(9)?;
                        let other: Option<i64> = r.try_get(11)?;
                        match (other, buyer) {
                            (Some(id), _) => Some((id, r.try_get::<String, _>(12)?)),
                            (None, Some(id)) if id != org => Some((id, r.try_get::<String, _>(10)?)),
                            _ => None,
                        }
                    },
                })
            })
            .collect()
    }

    /// How many items of these organisations are unread.
    pub async fn unread(&self, orgs: &[i64]) -> Result<i64> {
        if orgs.is_empty() {
            return Ok(0);
        }
        let mut sql = Sql::new(self.backend(), "SELECT COUNT(*) FROM inbox WHERE read_at IS NULL AND org_id IN ");
        sql.bind_list(orgs.iter().copied());
        Ok(sql.fetch_one_scalar(self.pool()).await?)
    }

    /// Marks an item read if it belongs to one of these organisations; false if it does not.
    pub async fn mark_read(&self, id: i64, orgs: &[i64]) -> Result<bool> {
        if orgs.is_empty() {
            return Ok(false);
        }
        let mut sql = Sql::new(self.backend(), "UPDATE inbox SET read_at = COALESCE(read_at, ");
        sql.bind(now_ms()).push(") WHERE id = ").bind(id).push(" AND org_id IN ").bind_list(orgs.iter().copied());
        Ok(sql.execute(self.pool()).await?.rows_affected() == 1)
    }
}

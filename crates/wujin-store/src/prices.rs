//! Price series (中国·永康五金指数, ADC12 铝锭 …) and their dated values. Everyone reads them;
//! platform admins and the importer write them. Values are thousandths of the series' unit,
//! days are `YYYY-MM-DD` text, which sorts as the calendar does on both engines.

use sqlx::Row;
use time::Date;
use wujin_domain::pool::{Frequency, SeriesKind, SeriesRecord};

use crate::tasks::date_of;
use crate::{Result, Store, StoreError, Tx, now_ms};

/// A stored series, with its latest value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub id: i64,
    pub record: SeriesRecord,
    /// The latest day and value, if it has any.
    pub latest: Option<(Date, i64)>,
    /// How many values it has.
    pub values: i64,
}

const COLUMNS: &str = "s.id, s.code, s.name_zh, s.name_en, s.unit, s.kind, s.source, s.frequency, \
     (SELECT COUNT(*) FROM price_values v WHERE v.series_id = s.id), \
     (SELECT MAX(day) FROM price_values v WHERE v.series_id = s.id), \
     (SELECT value_milli FROM price_values v WHERE v.series_id = s.id ORDER BY day DESC LIMIT 1)";

fn series_of(r: &sqlx::any::AnyRow) -> Result<Series> {
    let kind: String = r.try_get(5)?;
    let frequency: String = r.try_get(7)?;
    let day: Option<String> = r.try_get(9)?;
    let value: Option<i64> = r.try_get(10)?;
    Ok(Series {
        id: r.try_get(0)?,
        record: SeriesRecord {
            code: r.try_get(1)?,
            name_zh: r.try_get(2)?,
            name_en: r.try_get(3)?,
            unit: r.try_get(4)?,
            kind: SeriesKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("series kind {kind}")))?,
            source: r.try_get(6)?,
            frequency: Frequency::from_code(&frequency)
                .ok_or_else(|| StoreError::Corrupt(format!("frequency {frequency}")))?,
        },
        values: r.try_get(8)?,
        latest: match (day, value) {
            (Some(d), Some(v)) => Some((date_of(&d)?, v)),
            _ => None,
        },
    })
}

/// What writing a series found.
#[derive(Debug)]
pub enum SeriesWrite {
    Created(Series),
    Updated(Series),
}

/// Writes one value; a day already there takes the new value.
async fn put_value(tx: &mut Tx, series: i64, day: Date, value: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO price_values (series_id, day, value_milli) VALUES ($1, $2, $3) \
         ON CONFLICT (series_id, day) DO UPDATE SET value_milli = excluded.value_milli",
    )
    .bind(series)
    .bind(day.to_string())
    .bind(value)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Rewrites the series of `s.code`, or creates it: its id, and whether it was created.
async fn write_series(tx: &mut Tx, s: &SeriesRecord, now: i64) -> Result<(i64, bool)> {
    let updated: Option<i64> = sqlx::query_scalar(
        "UPDATE price_series SET name_zh = $2, name_en = $3, unit = $4, kind = $5, source = $6, frequency = $7, \
         updated_at = $8 WHERE code = $1 RETURNING id",
    )
    .bind(s.code.clone())
    .bind(s.name_zh.clone())
    .bind(s.name_en.clone())
    .bind(s.unit.clone())
    .bind(s.kind.code())
    .bind(s.source.clone())
    .bind(s.frequency.code())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = updated {
        return Ok((id, false));
    }
    let id = sqlx::query_scalar(
        "INSERT INTO price_series (code, name_zh, name_en, unit, kind, source, frequency, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(s.code.clone())
    .bind(s.name_zh.clone())
    .bind(s.name_en.clone())
    .bind(s.unit.clone())
    .bind(s.kind.code())
    .bind(s.source.clone())
    .bind(s.frequency.code())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, true))
}

/// The latest value of `series` on or before `day`, inside a transaction.
pub(crate) async fn reading_on(tx: &mut Tx, series: i64, day: Date) -> Result<Option<(Date, i64)>> {
    let row = sqlx::query(
        "SELECT day, value_milli FROM price_values WHERE series_id = $1 AND day <= $2 ORDER BY day DESC LIMIT 1",
    )
    .bind(series)
    .bind(day.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((date_of(&r.try_get::<String, _>(0)?)?, r.try_get(1)?))),
    }
}

impl Store {
    /// Every series, by code.
    pub async fn price_series(&self) -> Result<Vec<Series>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM price_series s ORDER BY s.code"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(series_of).collect()
    }

    pub async fn series(&self, id: i64) -> Result<Option<Series>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM price_series s WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(series_of).transpose()
    }

    pub async fn series_by_code(&self, code: &str) -> Result<Option<Series>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM price_series s WHERE s.code = $1"))
            .bind(code.trim().to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(series_of).transpose()
    }

    /// Creates a series, or (with `update`) rewrites the one of the same code; None when the
    /// code is taken and `update` is false.
    pub async fn put_series(&self, s: &SeriesRecord, update: bool, actor: &str) -> Result<Option<SeriesWrite>> {
        let mut tx = self.begin().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM price_series WHERE code = $1")
            .bind(s.code.clone())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() && !update {
            return Ok(None);
        }
        let (id, created) = write_series(&mut tx, s, now_ms()).await?;
        let action = if created { "create" } else { "edit" };
        Store::audit(&mut tx, actor, action, "price_series", Some(id), &serde_json::json!({"code": s.code})).await?;
        tx.commit().await?;
        let series = self.series(id).await?.ok_or(StoreError::NotFound)?;
        Ok(Some(if created { SeriesWrite::Created(series) } else { SeriesWrite::Updated(series) }))
    }

    /// Writes dated values of a series in one transaction: a day already there takes the new
    /// value. Returns how many were written.
    pub async fn put_values(&self, series: i64, values: &[(Date, i64)], actor: &str) -> Result<usize> {
        let mut tx = self.begin().await?;
        for (day, value) in values {
            put_value(&mut tx, series, *day, *value).await?;
        }
        let detail = serde_json::json!({"values": values.len()});
        Store::audit(&mut tx, actor, "values", "price_series", Some(series), &detail).await?;
        tx.commit().await?;
        Ok(values.len())
    }

    /// A series' values from `from` to `to` (both optional, inclusive), oldest first.
    pub async fn series_values(&self, series: i64, from: Option<Date>, to: Option<Date>) -> Result<Vec<(Date, i64)>> {
        let rows = sqlx::query(
            "SELECT day, value_milli FROM price_values WHERE series_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(series)
        .bind(from.map(|d| d.to_string()).unwrap_or_else(|| "0000".into()))
        .bind(to.map(|d| d.to_string()).unwrap_or_else(|| "9999".into()))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((date_of(&r.try_get::<String, _>(0)?)?, r.try_get(1)?))).collect()
    }

    /// Writes a price sheet in one transaction: the series it describes (created, or updated
    /// when their fields are given again), then every value (a day already there takes the
    /// new value). Every code must be a known series or one of `series`. Returns (series
    /// created, series updated, values written).
    pub async fn write_prices(
        &self,
        series: &[SeriesRecord],
        values: &[(String, Date, i64)],
        actor: &str,
    ) -> Result<(usize, usize, usize)> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let (mut created, mut updated) = (0, 0);
        for s in series {
            if write_series(&mut tx, s, now).await?.1 {
                created += 1;
            } else {
                updated += 1;
            }
        }
        let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        for (code, day, value) in values {
            let id = match ids.get(code) {
                Some(id) => *id,
                None => {
                    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM price_series WHERE code = $1")
                        .bind(code.clone())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let id = id.ok_or_else(|| StoreError::Unsupported(format!("no price series {code}")))?;
                    ids.insert(code.clone(), id);
                    id
                }
            };
            put_value(&mut tx, id, *day, *value).await?;
        }
        let detail = serde_json::json!({"created": created, "updated": updated, "values": values.len()});
        Store::audit(&mut tx, actor, "import", "price_series", None, &detail).await?;
        tx.commit().await?;
        Ok((created, updated, values.len()))
    }

    /// The codes of every series.
    pub async fn series_codes(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT code FROM price_series ORDER BY code").fetch_all(self.pool()).await?)
    }

    /// The latest value of `series` on or before `day`.
    pub async fn reading(&self, series: i64, day: Date) -> Result<Option<(Date, i64)>> {
        let mut tx = self.pool().begin().await?;
        let r = reading_on(&mut tx, series, day).await?;
        tx.commit().await?;
        Ok(r)
    }
}

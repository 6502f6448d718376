//! The English names firms and offers gave themselves, looked up for a page of results in
//! one query each: an English page shows them where they exist (the search index keeps
//! the Chinese names it matches on).

use std::collections::HashMap;

use sqlx::Row;

use crate::{Result, Sql, Store};

impl Store {
    /// The English names of those of `orgs` that have one.
    pub async fn org_names_en(&self, orgs: &[i64]) -> Result<HashMap<i64, String>> {
        self.english("SELECT id, name_en FROM orgs WHERE name_en IS NOT NULL AND id IN ", orgs).await
    }

    /// The English titles of those of `offers` that have one.
    pub async fn offer_titles_en(&self, offers: &[i64]) -> Result<HashMap<i64, String>> {
        self.english("SELECT id, title_en FROM offers WHERE title_en IS NOT NULL AND id IN ", offers).await
    }

    async fn english(&self, head: &str, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::new(self.backend(), head);
        sql.bind_list(ids.iter().copied());
        for r in sql.fetch_all(self.pool()).await? {
            let name: String = r.try_get(1)?;
            if !name.trim().is_empty() {
                out.insert(r.try_get(0)?, name);
            }
        }
        Ok(out)
    }
}

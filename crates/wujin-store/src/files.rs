//! Files kept in the database itself, once by their SHA-256: evidence of a rectification
//! (and, later, test reports). Storing them beside the records they prove means a backup,
//! a restore or a second node has them too, and a file stored twice costs nothing. Their
//! content is checked before they come here (wujin_domain::evidence); this module only keeps
//! and reads them.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Result, Store, Tx, now_ms};

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// A file sent as evidence (of a rectification, of conformance), its content already
/// checked: the name it was sent under, and the type its content was found to be.
pub struct NewFile<'a> {
    pub name: &'a str,
    pub mime: &'a str,
    pub bytes: &'a [u8],
}

/// The lowercase hex SHA-256 of `bytes`: a file's key.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps `bytes` (checked to be `mime`) inside the caller's transaction and returns its key;
/// a file already kept is not written again.
pub async fn put_file(tx: &mut Tx, bytes: &[u8], mime: &str) -> Result<String> {
    let sha = sha256_hex(bytes);
    sqlx::query(
        "INSERT INTO files (sha256, mime, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha.clone())
    .bind(mime.to_string())
    .bind(bytes.len() as i64)
    .bind(bytes.to_vec())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(sha)
}

impl Store {
    /// A kept file by its key. Who may read it is the caller's to decide, from what the
    /// file is evidence of.
    pub async fn file(&self, sha256: &str) -> Result<Option<StoredFile>> {
        let r = sqlx::query("SELECT sha256, mime, bytes FROM files WHERE sha256 = $1")
            .bind(sha256.to_string())
            .fetch_optional(self.pool())
            .await?;
        r.map(|r| Ok(StoredFile { sha256: r.try_get(0)?, mime: r.try_get(1)?, bytes: r.try_get(2)? })).transpose()
    }
}

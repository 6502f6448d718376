-- Labs' CMA and CNAS certificates (wujin_domain::accreditation), each with its document in
-- files. A platform admin checks one against its document: verified or rejected (with a
-- reason). A lab's in-scope test items read as verified while it holds a verified
-- certificate in force; a newer submission of the same scheme replaces the older.
CREATE TABLE accreditations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    scheme TEXT NOT NULL,
    number TEXT NOT NULL,
    valid_until TEXT,
    file_sha256 TEXT NOT NULL REFERENCES files (sha256),
    file_name TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    checked_by BIGINT REFERENCES accounts (id),
    checked_at BIGINT,
    replaced_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX accreditations_org ON accreditations (org_id);
CREATE INDEX accreditations_state ON accreditations (state, id);

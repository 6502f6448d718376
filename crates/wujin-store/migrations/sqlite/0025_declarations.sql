-- Declarations of conformance (wujin_domain::declaration): a firm states that an offer meets
-- one edition of a standard, with the test report that proves it, its file kept in files.
-- A new declaration of the same offer and edition withdraws the one before (kept, with the
-- time it was withdrawn), so at most one stands per offer and edition. base is the number
-- without its year, for finding every declaration on any edition of a standard.
CREATE TABLE declarations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    standard TEXT NOT NULL,
    base TEXT NOT NULL,
    report_no TEXT NOT NULL,
    lab_org_id BIGINT REFERENCES orgs (id),
    lab_name TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    file_sha256 TEXT NOT NULL REFERENCES files (sha256),
    file_name TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    -- The nearest reminder sent before valid_until (60, 30 or 7 days; 0 for none yet), and
    -- when the daily sweep found the report lapsed (the index then drops the declaration).
    reminded BIGINT NOT NULL DEFAULT 0,
    lapsed_at BIGINT
);
CREATE UNIQUE INDEX declarations_standing ON declarations (offer_id, standard) WHERE withdrawn_at IS NULL;
CREATE INDEX declarations_org ON declarations (org_id, base);
CREATE INDEX declarations_base ON declarations (base, org_id);

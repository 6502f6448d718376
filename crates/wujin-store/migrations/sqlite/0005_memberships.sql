-- Who acts for which organisation, and the claims that make them do so. A claim names a
-- registered organisation by its credit code; a platform admin approves it, and the
-- claimant becomes its owner.
ALTER TABLE accounts ADD COLUMN platform_admin BIGINT NOT NULL DEFAULT 0;
CREATE TABLE memberships (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);
CREATE TABLE claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT
);
CREATE INDEX claims_status ON claims (status, id);
CREATE UNIQUE INDEX claims_one_pending ON claims (account_id, org_id) WHERE status = 'pending';

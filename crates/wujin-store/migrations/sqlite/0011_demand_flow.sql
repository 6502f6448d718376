-- The rest of a demand's flow. Invitations name the providers a buyer asked to respond (an
-- invited-only demand exists for them alone). The inbox holds what an organisation should
-- know (an invitation, responses unsealed, an award, a rating) and never sealed content.
-- Audit rows name the organisation they belong to, which reads them. Officers of the pilot
-- office read aggregates. Engagements record whether the provider has started.
CREATE TABLE invitations (
    demand_id BIGINT NOT NULL REFERENCES demands (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    invited_by BIGINT NOT NULL REFERENCES accounts (id),
    at BIGINT NOT NULL,
    PRIMARY KEY (demand_id, org_id)
);
CREATE INDEX invitations_org ON invitations (org_id, demand_id);
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    demand_id BIGINT REFERENCES demands (id),
    engagement_id BIGINT REFERENCES engagements (id),
    detail TEXT NOT NULL,
    at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX inbox_org ON inbox (org_id, id);
ALTER TABLE audit ADD COLUMN org_id BIGINT;
CREATE INDEX audit_org ON audit (org_id, id);
ALTER TABLE accounts ADD COLUMN officer BIGINT NOT NULL DEFAULT 0;
ALTER TABLE engagements ADD COLUMN started BIGINT NOT NULL DEFAULT 0;
CREATE INDEX responses_org ON responses (org_id, id);

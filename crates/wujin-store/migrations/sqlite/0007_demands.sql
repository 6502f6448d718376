-- Demands: what a firm needs, from draft to rating. Lists in the JSON columns are short
-- (standards, certificates); the state follows wujin-domain's state machine, and the
-- revision guards concurrent edits.
CREATE TABLE demands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    need TEXT NOT NULL,
    family TEXT,
    category TEXT,
    quantity BIGINT,
    unit TEXT,
    budget_fen BIGINT,
    standards TEXT NOT NULL,
    certificates TEXT NOT NULL,
    deadline BIGINT NOT NULL,
    town TEXT,
    visibility TEXT NOT NULL,
    state TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX demands_org ON demands (org_id, id);
CREATE INDEX demands_state ON demands (state, deadline);

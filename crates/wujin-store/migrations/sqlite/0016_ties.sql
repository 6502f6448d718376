-- Supply ties: a supplier delivers an input (a taxonomy category) to a customer firm. The
-- supplier is a firm of the registry (supplier_org_id) or one outside the cluster, known by
-- name and region. source: declared (by one side, declared_by), engagement (a completed
-- engagement, engagement_id) or operator (an import by the pilot office). state: declared,
-- confirmed, rejected or ended; only declared and confirmed ties are in the chain graph,
-- the others stay as history. Dates are ISO days (YYYY-MM-DD); last_evidence is the latest
-- day either side, or an engagement, showed the tie to be true.
CREATE TABLE ties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_org_id BIGINT REFERENCES orgs (id),
    outside_name TEXT,
    outside_region TEXT,
    customer_org_id BIGINT NOT NULL REFERENCES orgs (id),
    input TEXT NOT NULL,
    share INTEGER,
    buffer_tenths INTEGER,
    since TEXT NOT NULL,
    until TEXT,
    source TEXT NOT NULL,
    declared_by TEXT,
    state TEXT NOT NULL,
    last_evidence TEXT NOT NULL,
    engagement_id BIGINT UNIQUE REFERENCES engagements (id),
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((supplier_org_id IS NULL) <> (outside_name IS NULL)),
    CHECK ((outside_name IS NULL) = (outside_region IS NULL))
);
CREATE INDEX ties_supplier ON ties (supplier_org_id);
CREATE INDEX ties_customer ON ties (customer_org_id);

-- A firm's choices about who may see its supply ties beyond the two sides: named to other
-- firms in their chains (公开我的供应关系), and named to the pilot office so it can help find
-- other suppliers (让试点办帮我找替代供应商). Both off unless the firm says so.
CREATE TABLE org_chain_settings (
    org_id BIGINT PRIMARY KEY REFERENCES orgs (id),
    open_to_firms INTEGER NOT NULL DEFAULT 0,
    open_to_office INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- An award creates an engagement between the buyer and a provider for a response, with the
-- quantity awarded; the supply-chain graph will read these.
CREATE TABLE engagements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demand_id BIGINT NOT NULL REFERENCES demands (id),
    response_id BIGINT NOT NULL REFERENCES responses (id) UNIQUE,
    buyer_org_id BIGINT NOT NULL REFERENCES orgs (id),
    provider_org_id BIGINT NOT NULL REFERENCES orgs (id),
    quantity BIGINT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX engagements_demand ON engagements (demand_id);
CREATE INDEX engagements_provider ON engagements (provider_org_id);

-- Responses to demands: one per provider organisation and demand, revised in place with
-- every earlier version kept in response_history. Who may read them is decided in
-- wujin-domain (sealed until the deadline); the store never lists them without that check.
CREATE TABLE responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demand_id BIGINT NOT NULL REFERENCES demands (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    price_fen BIGINT NOT NULL,
    basis TEXT NOT NULL,
    lead_time_days BIGINT NOT NULL,
    valid_days BIGINT NOT NULL,
    notes TEXT NOT NULL,
    state TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (demand_id, org_id)
);
CREATE TABLE response_history (
    response_id BIGINT NOT NULL REFERENCES responses (id),
    revision BIGINT NOT NULL,
    price_fen BIGINT NOT NULL,
    basis TEXT NOT NULL,
    lead_time_days BIGINT NOT NULL,
    valid_days BIGINT NOT NULL,
    notes TEXT NOT NULL,
    state TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_account BIGINT NOT NULL,
    PRIMARY KEY (response_id, revision)
);

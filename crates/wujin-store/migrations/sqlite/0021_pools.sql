-- Group purchase (集采). Price series and their dated values (thousandths, exact on both
-- engines); pools with their terms as checked by wujin_domain::pool; each firm's commitment
-- with every version kept. A commitment is sealed: only its firm reads it before the close.
-- At the close the pool row takes the allocated total, the tier and the price stamp, and
-- each commitment its allocation, unit price and total, all in one transaction.
CREATE TABLE price_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    frequency TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE price_values (
    series_id BIGINT NOT NULL REFERENCES price_series (id),
    day TEXT NOT NULL,
    value_milli BIGINT NOT NULL,
    PRIMARY KEY (series_id, day)
);

CREATE TABLE pools (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organiser_org BIGINT NOT NULL REFERENCES orgs (id),
    supplier_org BIGINT REFERENCES orgs (id),
    spec TEXT NOT NULL,
    category TEXT NOT NULL,
    unit TEXT NOT NULL,
    lot_size BIGINT NOT NULL,
    tier_mode TEXT NOT NULL,
    tiers TEXT NOT NULL,
    pricing TEXT NOT NULL,
    series_id BIGINT REFERENCES price_series (id),
    fee_fen BIGINT NOT NULL,
    settlement_date TEXT,
    deadline BIGINT NOT NULL,
    min_total BIGINT NOT NULL,
    cap BIGINT,
    delivery_from TEXT NOT NULL,
    delivery_to TEXT NOT NULL,
    state TEXT NOT NULL,
    extended BIGINT NOT NULL DEFAULT 0,
    reminded BIGINT NOT NULL DEFAULT 0,
    committed_total BIGINT NOT NULL DEFAULT 0,
    allocated_total BIGINT,
    stamp TEXT,
    provisional BIGINT NOT NULL DEFAULT 0,
    cancel_reason TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX pools_state ON pools (state, deadline);
CREATE INDEX pools_organiser ON pools (organiser_org, id);

CREATE TABLE pool_commitments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id BIGINT NOT NULL REFERENCES pools (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    quantity BIGINT NOT NULL,
    version BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    allocated BIGINT,
    unit_price_fen BIGINT,
    total_fen BIGINT,
    UNIQUE (pool_id, org_id)
);
CREATE INDEX pool_commitments_org ON pool_commitments (org_id, pool_id);

CREATE TABLE pool_commitment_history (
    commitment_id BIGINT NOT NULL REFERENCES pool_commitments (id),
    version BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    at BIGINT NOT NULL,
    by_account BIGINT NOT NULL,
    PRIMARY KEY (commitment_id, version)
);

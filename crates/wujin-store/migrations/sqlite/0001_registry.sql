-- The registry: organisations, their offers, and the two tables every write also touches,
-- the outbox (derived views follow it) and the audit log (who changed what).
-- Lists page in id order, so each filter's index ends in id: the first page of any one or
-- two filters is read in order, without sorting every match.
-- Ids and counts are BIGINT, times are epoch milliseconds, flags are integers: the same
-- queries then read the same on SQLite and PostgreSQL.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    town TEXT,
    sectors TEXT NOT NULL,
    chain TEXT NOT NULL,
    size_class TEXT,
    founded_year BIGINT,
    employees BIGINT,
    revenue_band TEXT,
    certificates TEXT NOT NULL,
    contact_name TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    content_hash TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orgs_kind ON orgs (kind, id);
CREATE INDEX orgs_town ON orgs (town, id);
CREATE INDEX orgs_size ON orgs (size_class, id);

CREATE TABLE org_sectors (
    sector TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    PRIMARY KEY (sector, org_id)
);
CREATE INDEX org_sectors_org ON org_sectors (org_id);

CREATE TABLE org_certificates (
    certificate TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    PRIMARY KEY (certificate, org_id)
);
CREATE INDEX org_certificates_org ON org_certificates (org_id);

CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    -- The category's group (top-level category of a product, family of a service): a
    -- filter on a parent category or a family is then one equality.
    grp TEXT NOT NULL,
    town TEXT,
    specs TEXT NOT NULL,
    standards TEXT NOT NULL,
    price_min_fen BIGINT,
    price_max_fen BIGINT,
    currency TEXT NOT NULL DEFAULT 'CNY',
    unit TEXT,
    moq BIGINT,
    lead_time_days BIGINT,
    hours_per_week BIGINT,
    content_hash TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX offers_org ON offers (org_id, id);
CREATE INDEX offers_kind ON offers (kind, id);
CREATE INDEX offers_category ON offers (category, id);
CREATE INDEX offers_town ON offers (town, id);
CREATE INDEX offers_town_kind ON offers (town, kind, id);
CREATE INDEX offers_category_town ON offers (category, town, id);
CREATE INDEX offers_grp ON offers (grp, id);
CREATE INDEX offers_grp_town ON offers (grp, town, id);

-- One row per standard an offer meets, carrying the offer's other filter columns, so that a
-- list filtered by a standard and one more field reads one index range in id order (and
-- counts by reading that range only) instead of probing every candidate offer.
CREATE TABLE offer_standards (
    standard TEXT NOT NULL,
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    grp TEXT NOT NULL,
    town TEXT,
    PRIMARY KEY (standard, offer_id)
);
CREATE INDEX offer_standards_offer ON offer_standards (offer_id);
CREATE INDEX offer_standards_kind ON offer_standards (standard, kind, offer_id);
CREATE INDEX offer_standards_category ON offer_standards (standard, category, offer_id);
CREATE INDEX offer_standards_grp ON offer_standards (standard, grp, offer_id);
CREATE INDEX offer_standards_town ON offer_standards (standard, town, offer_id);

CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    op TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit (entity, entity_id);

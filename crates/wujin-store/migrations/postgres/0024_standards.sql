-- The standards library (wujin_domain::standard): one row per edition, found by its number
-- with its year and grouped into chains by the number without it. A new platform starts
-- with the editions the taxonomy names (seeded when the store opens); admins and imports
-- add and change them from then on.
CREATE TABLE standards (
    number TEXT PRIMARY KEY,
    base TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    status TEXT NOT NULL,
    published TEXT,
    implemented TEXT,
    replaced_by TEXT,
    categories TEXT NOT NULL,
    revision BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX standards_base ON standards (base);

-- What people searched for and how many offers they found: the pilot office's view of
-- unmet demand. No person, address or session is recorded, only the normalised text.
CREATE TABLE query_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    filters TEXT NOT NULL,
    hits BIGINT NOT NULL,
    micros BIGINT NOT NULL
);
CREATE INDEX query_log_hits ON query_log (hits, text, filters);
CREATE INDEX query_log_at ON query_log (at);

-- A random identity for this database, so derived data kept elsewhere (the search index)
-- can tell whether it was built from this store or from another one.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('store_id', md5(random()::text || clock_timestamp()::text));

-- The change feed reads the outbox: each row now says which revision of its resource the
-- change made (NULL for internal topics and for rows written before the feed existed), and
-- its op is create, update or delete for the resources the feed shows (upsert elsewhere).
-- Rows older than the feed's retention are pruned; meta 'outbox_floor' remembers the last
-- pruned sequence, below which a reader must start again from an export.
ALTER TABLE outbox ADD COLUMN revision BIGINT;
CREATE INDEX outbox_at ON outbox (at);

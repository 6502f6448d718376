-- The town of the signed-in searcher's firm, so the office can place a search that found
-- little in a town (never the person or the firm). Empty for visitors.
ALTER TABLE query_log ADD COLUMN town TEXT;

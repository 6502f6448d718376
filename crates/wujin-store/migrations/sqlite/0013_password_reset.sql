-- A password someone else set (a firm's owner's one-time password, or the operator's
-- `wujin admin password`) must be changed by its holder at the next sign-in.
ALTER TABLE accounts ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

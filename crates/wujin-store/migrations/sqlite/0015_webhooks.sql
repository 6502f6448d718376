-- Webhook subscriptions: an account asks for the change feed's events of some types to be
-- POSTed to a URL, signed with a secret (Standard Webhooks). A rotated secret keeps its
-- predecessor valid until previous_until. `cursor` is the last outbox sequence read into
-- deliveries and `counter` the number of ordered deliveries made, so a receiver sees a gap
-- in the counter if it ever misses one. state: active, paused or disabled (disabled_reason
-- says why: the receiver answered 410, or deliveries failed for three days).
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    types TEXT NOT NULL,
    lang TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until BIGINT,
    state TEXT NOT NULL,
    disabled_reason TEXT,
    cursor BIGINT NOT NULL,
    counter BIGINT NOT NULL DEFAULT 0,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id);
-- One message to one subscription, written before it is sent, so a crash mid-send resends
-- it (at least once, with the same msg_id). Ordered deliveries carry the subscription's
-- counter and the outbox seq; a test event or a manual redelivery has no counter and is
-- sent beside the ordered queue. state: pending, delivered or failed (given up).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    msg_id TEXT NOT NULL,
    counter BIGINT,
    seq BIGINT,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    last_at BIGINT,
    last_status BIGINT,
    last_error TEXT
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, state, id);
-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

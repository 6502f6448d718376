-- The pilot office's targets: a metric (wujin_domain::target::Metric), an optional scope (a
-- pillar, town or service family code), a baseline value in its month and a target value by
-- its due month. Values are thousandths of the metric's unit, so both engines keep them
-- exactly.
CREATE TABLE targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    metric TEXT NOT NULL,
    scope TEXT,
    baseline_month TEXT NOT NULL,
    baseline_milli BIGINT NOT NULL,
    due TEXT NOT NULL,
    target_milli BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);


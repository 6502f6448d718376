-- A firm's monthly self-report to the pilot office (revenue, export revenue, employees, R&D
-- spend in fen; services: a JSON object of spend in fen by service family). A correction
-- adds a revision and the earlier one stays as history: exactly one row per firm and month
-- is current, and only current rows are counted. month is YYYY-MM.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    month TEXT NOT NULL,
    revision BIGINT NOT NULL,
    current INTEGER NOT NULL,
    revenue BIGINT NOT NULL,
    export_revenue BIGINT NOT NULL,
    employees BIGINT NOT NULL,
    rnd BIGINT NOT NULL,
    services TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    UNIQUE (org_id, month, revision)
);
CREATE UNIQUE INDEX reports_one_current ON reports (org_id, month) WHERE current = 1;
CREATE INDEX reports_month ON reports (month, current);

-- Reminders sent for a month's report (nth: first on the 5th, second on the 14th), so each
-- goes once however often the clock job runs.
CREATE TABLE report_reminders (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    month TEXT NOT NULL,
    nth TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, nth)
);

-- Supervision to closure: pilot tasks, inspections, the problems they find, and each
-- problem's timeline of measures, evidence and verification (督查 → 问题清单 → 整改 → 销号).

-- Files kept as evidence, once by their SHA-256, in the database itself so any node can
-- serve them. mime is what the content was checked to be (wujin_domain::evidence).
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

-- A pilot task: the plan item it serves (wujin_domain::supervision::PlanItem), its
-- responsible unit (a firm, provider or government department), the person who answers for
-- it, a due date, milestones as JSON ([{title, due, done}]) and a status. gap names the
-- service family and town it was made from, if any.
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    plan_item TEXT NOT NULL,
    responsible_org BIGINT NOT NULL REFERENCES orgs (id),
    owner TEXT NOT NULL,
    due TEXT NOT NULL,
    milestones TEXT NOT NULL,
    status TEXT NOT NULL,
    gap TEXT,
    revision BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tasks_org ON tasks (responsible_org, id);

CREATE TABLE inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    inspectors TEXT NOT NULL,
    subject TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A problem found (by an inspection or raised on its own) and where it stands: open (being
-- rectified), submitted (awaiting verification) or closed (销号).
CREATE TABLE problems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id BIGINT REFERENCES inspections (id),
    description TEXT NOT NULL,
    severity TEXT NOT NULL,
    responsible_org BIGINT NOT NULL REFERENCES orgs (id),
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    raised_by TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX problems_org ON problems (responsible_org, id);
CREATE INDEX problems_state ON problems (state, deadline);

-- A problem's timeline: each measure, piece of evidence (text, or a file by its hash),
-- submission, closure and reopening, with who and when.
CREATE TABLE problem_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id BIGINT NOT NULL REFERENCES problems (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    file_sha256 TEXT REFERENCES files (sha256),
    file_name TEXT,
    by_account BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX problem_entries_problem ON problem_entries (problem_id, id);
CREATE INDEX problem_entries_file ON problem_entries (file_sha256);

-- Deadline reminders sent (stage: week, day, overdue), once per problem, deadline and stage.
CREATE TABLE problem_reminders (
    problem_id BIGINT NOT NULL REFERENCES problems (id),
    deadline TEXT NOT NULL,
    stage TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (problem_id, deadline, stage)
);

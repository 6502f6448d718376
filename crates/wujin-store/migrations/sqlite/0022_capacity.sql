-- Shared capacity (共享产能): machines with their calendars (wujin_domain::capacity), their
-- maintenance windows, and bookings. A booking holds its machine from `start_ms` to
-- `block_end_ms` (its end plus the setup time) while it stands (requested or confirmed).
-- No two standing bookings of a machine overlap: on SQLite the overlap check and the insert
-- run in one write transaction (writes are serial); on PostgreSQL an exclusion constraint
-- says so too.
CREATE TABLE machines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    offer_id BIGINT REFERENCES offers (id),
    name TEXT NOT NULL,
    process TEXT NOT NULL,
    calendar TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX machines_org ON machines (org_id, id);

CREATE TABLE machine_maintenance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id BIGINT NOT NULL REFERENCES machines (id),
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX machine_maintenance_machine ON machine_maintenance (machine_id, from_ms);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id BIGINT NOT NULL REFERENCES machines (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    block_end_ms BIGINT NOT NULL,
    state TEXT NOT NULL,
    hold_until BIGINT NOT NULL,
    quantity BIGINT,
    material TEXT NOT NULL,
    notes TEXT NOT NULL,
    reason TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (start_ms < end_ms AND end_ms <= block_end_ms)
);
CREATE INDEX bookings_machine ON bookings (machine_id, start_ms);
CREATE INDEX bookings_org ON bookings (org_id, id);

-- Labs' test items (wujin_domain::testing): each belongs to one of the lab's testing service
-- offers and names one edition of a standard (base: its number without the year, to find
-- the labs for any edition). weekly_capacity bounds the bookings of the item the lab
-- confirms for one week.
CREATE TABLE test_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    standard TEXT NOT NULL,
    base TEXT NOT NULL,
    name TEXT NOT NULL,
    clause TEXT,
    method TEXT NOT NULL,
    sample TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    turnaround_days BIGINT NOT NULL,
    in_scope BIGINT NOT NULL,
    weekly_capacity BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX test_items_offer ON test_items (offer_id);
CREATE INDEX test_items_org ON test_items (org_id);
CREATE INDEX test_items_base ON test_items (base);

-- A firm's booking of a lab's items: the week it was confirmed for (the Monday of
-- confirmed_on) is what the capacity counts; the report's file is kept in files.
CREATE TABLE test_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lab_org_id BIGINT NOT NULL REFERENCES orgs (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    samples BIGINT NOT NULL,
    desired_on TEXT NOT NULL,
    notes TEXT NOT NULL,
    state TEXT NOT NULL,
    confirmed_on TEXT,
    week TEXT,
    reason TEXT,
    report_no TEXT,
    report_sha256 TEXT REFERENCES files (sha256),
    report_name TEXT,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX test_bookings_lab ON test_bookings (lab_org_id, id);
CREATE INDEX test_bookings_org ON test_bookings (org_id, id);
CREATE TABLE test_booking_items (
    booking_id BIGINT NOT NULL REFERENCES test_bookings (id),
    item_id BIGINT NOT NULL REFERENCES test_items (id),
    PRIMARY KEY (booking_id, item_id)
);
CREATE INDEX test_booking_items_item ON test_booking_items (item_id, booking_id);

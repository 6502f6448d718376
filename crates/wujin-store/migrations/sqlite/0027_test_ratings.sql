-- A firm's rating of the lab after its report (1 to 5, once per booking): it counts in
-- the lab's standing with the ratings of engagements, so matching weighs it the same way.
ALTER TABLE test_bookings ADD COLUMN rating BIGINT;
ALTER TABLE test_bookings ADD COLUMN rating_comment TEXT;
ALTER TABLE test_bookings ADD COLUMN rated_at BIGINT;
CREATE INDEX test_bookings_rated ON test_bookings (lab_org_id) WHERE rating IS NOT NULL;

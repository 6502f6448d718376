-- A certificate a firm holds may have a last day. The record (orgs.certificates, JSON) is
-- the truth; the day is copied beside the code here so that the daily sweep and the
-- registry's filter find certificates by day through an index.
ALTER TABLE org_certificates ADD COLUMN valid_until TEXT;
CREATE INDEX org_certificates_until ON org_certificates (valid_until) WHERE valid_until IS NOT NULL;

-- How far the daily sweep has gone with a certificate's last day: the reminder last sent
-- (60, 30 or 7 days ahead) or 0 once it lapsed. Keyed by the day itself, so a renewal (a
-- new day) starts afresh and a sweep run by two servers sends each notice once.
CREATE TABLE certificate_notices (
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    certificate TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    stage BIGINT NOT NULL,
    PRIMARY KEY (org_id, certificate, valid_until)
);

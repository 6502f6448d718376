-- Each side marks an engagement completed; once both have, each side rates the other once.
ALTER TABLE engagements ADD COLUMN buyer_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE engagements ADD COLUMN provider_done BIGINT NOT NULL DEFAULT 0;
CREATE TABLE ratings (
    engagement_id BIGINT NOT NULL REFERENCES engagements (id),
    by_org_id BIGINT NOT NULL REFERENCES orgs (id),
    of_org_id BIGINT NOT NULL REFERENCES orgs (id),
    score BIGINT NOT NULL,
    comment TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (engagement_id, by_org_id)
);
CREATE INDEX ratings_of ON ratings (of_org_id);

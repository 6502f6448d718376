-- The search index reads each capacity offer's machines (their free windows for the coming
-- weeks) when it indexes the offer: by offer, in chunks of thousands.
CREATE INDEX machines_offer ON machines (offer_id);

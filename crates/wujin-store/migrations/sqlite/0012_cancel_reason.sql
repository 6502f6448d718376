-- Why a buyer cancelled a demand: a reason code (no_suitable_provider, need_changed,
-- price_too_high, duplicate, other) and an optional note. The providers who responded read
-- it in their inbox; the pilot office counts no_suitable_provider as a service gap.
ALTER TABLE demands ADD COLUMN cancel_reason TEXT;
ALTER TABLE demands ADD COLUMN cancel_note TEXT;

-- 0019: automation-token scopes (wt_core::scopes), stored as their wire names separated
-- by one space, sorted; '' = none (every token made before this migration). Scopes
-- restrict a token to the service endpoints that name them; other routes keep role rules.
ALTER TABLE access_tokens ADD COLUMN IF NOT EXISTS scopes TEXT COLLATE "C" NOT NULL DEFAULT '';

-- Refresh tokens are sessions their owners can see and end: the client that
-- asked for one, the address it came from and when it was last redeemed.
ALTER TABLE refresh_tokens ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN last_used_at TIMESTAMPTZ;

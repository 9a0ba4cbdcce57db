-- An application token made by authenticating with another token is that
-- token's child: deleting the parent deletes its children (a leaked token
-- cannot leave tokens behind that outlive its revocation).
ALTER TABLE tokens ADD COLUMN parent_id TEXT REFERENCES tokens (id) ON DELETE CASCADE;
CREATE INDEX tokens_parent_id ON tokens (parent_id);

-- Signing keys and refresh tokens of the token service. Depends on 0001 only,
-- so it applies before or after any later migration.

-- private_pem is the PKCS#8 private key exactly as given, unencrypted: the
-- database is the token service's trust root (whoever writes it can mint
-- tokens anyway), so it is protected like the database itself.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    private_pem BLOB NOT NULL,
    cert_pem    BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

-- A refresh token names its subject by kind and name; the typed column of
-- that kind repeats the name so that the token dies with its user or robot.
CREATE TABLE refresh_tokens (
    id            TEXT PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,
    subject_kind  TEXT NOT NULL,
    subject       TEXT NOT NULL,
    user_name     TEXT REFERENCES users (username) ON DELETE CASCADE,
    robot_name    TEXT REFERENCES robots (name) ON DELETE CASCADE,
    service       TEXT NOT NULL,
    credential_at INTEGER,
    created_at    INTEGER,
    expires_at    INTEGER NOT NULL,
    CHECK ((subject_kind = 'user' AND user_name IS NOT NULL AND user_name = subject AND robot_name IS NULL)
        OR (subject_kind = 'robot' AND robot_name IS NOT NULL AND robot_name = subject AND user_name IS NULL))
);
CREATE INDEX refresh_tokens_subject ON refresh_tokens (subject_kind, subject);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_name);
CREATE INDEX refresh_tokens_robot ON refresh_tokens (robot_name);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

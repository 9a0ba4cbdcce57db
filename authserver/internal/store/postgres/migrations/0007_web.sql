-- Browser sessions of the web UI: the hash of the cookie's secret, the
-- user, the CSRF token of its forms. They die with the user (cascade) and
-- when UpdateUser revokes the user's credentials.
CREATE TABLE web_sessions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_name    TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    csrf         TEXT COLLATE "C" NOT NULL,
    source       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_name);

-- The activity view (pushes and pulls per day of a repository or a
-- namespace) reads the registry's events by repository and time.
CREATE INDEX registry_events_repository ON registry_events (repository, received_at);

-- Times are Unix microseconds (UTC); NULL is the zero time.
-- Booleans are 0/1 integers.

CREATE TABLE users (
    username            TEXT PRIMARY KEY,
    email               TEXT NOT NULL DEFAULT '',
    display_name        TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL DEFAULT '',
    admin               INTEGER NOT NULL DEFAULT 0,
    enabled             INTEGER NOT NULL DEFAULT 1,
    bot                 INTEGER NOT NULL DEFAULT 0,
    password_changed_at INTEGER,
    created_at          INTEGER,
    updated_at          INTEGER
);

CREATE TABLE teams (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER,
    updated_at  INTEGER
);

CREATE TABLE members (
    team       TEXT NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
    username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at INTEGER,
    PRIMARY KEY (team, username)
);
CREATE INDEX members_username ON members (username);

-- A namespace is owned by exactly one team or (personal) one user.
CREATE TABLE namespaces (
    name        TEXT PRIMARY KEY,
    team        TEXT REFERENCES teams (name) ON DELETE RESTRICT,
    owner       TEXT REFERENCES users (username) ON DELETE CASCADE,
    visibility  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER,
    updated_at  INTEGER,
    CHECK ((team IS NULL) <> (owner IS NULL))
);
CREATE INDEX namespaces_team ON namespaces (team);
CREATE INDEX namespaces_owner ON namespaces (owner);

CREATE TABLE robots (
    name              TEXT PRIMARY KEY,
    description       TEXT NOT NULL DEFAULT '',
    team              TEXT REFERENCES teams (name) ON DELETE SET NULL,
    secret_hash       TEXT NOT NULL DEFAULT '',
    enabled           INTEGER NOT NULL DEFAULT 1,
    expires_at        INTEGER,
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        INTEGER,
    updated_at        INTEGER,
    secret_changed_at INTEGER
);
CREATE INDEX robots_secret_hash ON robots (secret_hash);

-- A grant names its grantee by kind and name; exactly one of the typed
-- columns repeats the name so that foreign keys keep grants consistent.
CREATE TABLE permissions (
    namespace  TEXT NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('user', 'team', 'robot')),
    name       TEXT NOT NULL,
    user_name  TEXT REFERENCES users (username) ON DELETE CASCADE,
    team_name  TEXT REFERENCES teams (name) ON DELETE CASCADE,
    robot_name TEXT REFERENCES robots (name) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at INTEGER,
    PRIMARY KEY (namespace, kind, name),
    CHECK (name = coalesce(user_name, team_name, robot_name))
);
CREATE INDEX permissions_user ON permissions (user_name);
CREATE INDEX permissions_team ON permissions (team_name);
CREATE INDEX permissions_robot ON permissions (robot_name);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    expires_at   INTEGER,
    last_used_at INTEGER,
    created_at   INTEGER,
    UNIQUE (username, name)
);

CREATE TABLE settings (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    push_policy             TEXT NOT NULL,
    anonymous_pull          INTEGER NOT NULL,
    delete_enabled          INTEGER NOT NULL,
    contributors_may_delete INTEGER NOT NULL,
    team_creation           TEXT NOT NULL,
    namespace_creation      TEXT NOT NULL,
    token_lifetime_seconds  INTEGER NOT NULL,
    updated_at              INTEGER
);

CREATE TABLE repositories (
    name           TEXT PRIMARY KEY,
    namespace      TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    pull_count     INTEGER NOT NULL DEFAULT 0,
    last_pulled_at INTEGER,
    created_at     INTEGER,
    updated_at     INTEGER
);
CREATE INDEX repositories_namespace ON repositories (namespace, name);

CREATE TABLE tags (
    repository     TEXT NOT NULL REFERENCES repositories (name) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    digest         TEXT NOT NULL DEFAULT '',
    media_type     TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    pushed_by      TEXT NOT NULL DEFAULT '',
    pushed_at      INTEGER,
    last_pulled_at INTEGER,
    pull_count     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (repository, name)
);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL DEFAULT '',
    source  TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL DEFAULT '',
    object  TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_at ON audit (at);

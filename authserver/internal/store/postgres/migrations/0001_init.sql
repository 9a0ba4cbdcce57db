-- Names compare byte-wise (COLLATE "C") so lists sort exactly as in SQLite.
-- Times are timestamptz (microseconds); NULL is the zero time.

CREATE TABLE users (
    username            TEXT COLLATE "C" PRIMARY KEY,
    email               TEXT COLLATE "C" NOT NULL DEFAULT '',
    display_name        TEXT COLLATE "C" NOT NULL DEFAULT '',
    password_hash       TEXT COLLATE "C" NOT NULL DEFAULT '',
    admin               BOOLEAN NOT NULL DEFAULT FALSE,
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    bot                 BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at TIMESTAMPTZ,
    created_at          TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ
);

CREATE TABLE teams (
    name        TEXT COLLATE "C" PRIMARY KEY,
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ
);

CREATE TABLE members (
    team       TEXT COLLATE "C" NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
    username   TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    role       TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ,
    PRIMARY KEY (team, username)
);
CREATE INDEX members_username ON members (username);

-- A namespace is owned by exactly one team or (personal) one user.
CREATE TABLE namespaces (
    name        TEXT COLLATE "C" PRIMARY KEY,
    team        TEXT COLLATE "C" REFERENCES teams (name) ON DELETE RESTRICT,
    owner       TEXT COLLATE "C" REFERENCES users (username) ON DELETE CASCADE,
    visibility  TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ,
    CHECK ((team IS NULL) <> (owner IS NULL))
);
CREATE INDEX namespaces_team ON namespaces (team);
CREATE INDEX namespaces_owner ON namespaces (owner);

CREATE TABLE robots (
    name              TEXT COLLATE "C" PRIMARY KEY,
    description       TEXT COLLATE "C" NOT NULL DEFAULT '',
    team              TEXT COLLATE "C" REFERENCES teams (name) ON DELETE SET NULL,
    secret_hash       TEXT COLLATE "C" NOT NULL DEFAULT '',
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at        TIMESTAMPTZ,
    created_by        TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ,
    secret_changed_at TIMESTAMPTZ
);
CREATE INDEX robots_secret_hash ON robots (secret_hash);

-- A grant names its grantee by kind and name; exactly one of the typed
-- columns repeats the name so that foreign keys keep grants consistent.
CREATE TABLE permissions (
    namespace  TEXT COLLATE "C" NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('user', 'team', 'robot')),
    name       TEXT COLLATE "C" NOT NULL,
    user_name  TEXT COLLATE "C" REFERENCES users (username) ON DELETE CASCADE,
    team_name  TEXT COLLATE "C" REFERENCES teams (name) ON DELETE CASCADE,
    robot_name TEXT COLLATE "C" REFERENCES robots (name) ON DELETE CASCADE,
    role       TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ,
    PRIMARY KEY (namespace, kind, name),
    CHECK (name = coalesce(user_name, team_name, robot_name))
);
CREATE INDEX permissions_user ON permissions (user_name);
CREATE INDEX permissions_team ON permissions (team_name);
CREATE INDEX permissions_robot ON permissions (robot_name);

CREATE TABLE tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    username     TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL UNIQUE,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ,
    UNIQUE (username, name)
);

CREATE TABLE settings (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    push_policy             TEXT COLLATE "C" NOT NULL,
    anonymous_pull          BOOLEAN NOT NULL,
    delete_enabled          BOOLEAN NOT NULL,
    contributors_may_delete BOOLEAN NOT NULL,
    team_creation           TEXT COLLATE "C" NOT NULL,
    namespace_creation      TEXT COLLATE "C" NOT NULL,
    token_lifetime_seconds  BIGINT NOT NULL,
    updated_at              TIMESTAMPTZ
);

CREATE TABLE repositories (
    name           TEXT COLLATE "C" PRIMARY KEY,
    namespace      TEXT COLLATE "C" NOT NULL,
    description    TEXT COLLATE "C" NOT NULL DEFAULT '',
    pull_count     BIGINT NOT NULL DEFAULT 0,
    last_pulled_at TIMESTAMPTZ,
    created_at     TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ
);
CREATE INDEX repositories_namespace ON repositories (namespace, name);

CREATE TABLE tags (
    repository     TEXT COLLATE "C" NOT NULL REFERENCES repositories (name) ON DELETE CASCADE,
    name           TEXT COLLATE "C" NOT NULL,
    digest         TEXT COLLATE "C" NOT NULL DEFAULT '',
    media_type     TEXT COLLATE "C" NOT NULL DEFAULT '',
    size           BIGINT NOT NULL DEFAULT 0,
    pushed_by      TEXT COLLATE "C" NOT NULL DEFAULT '',
    pushed_at      TIMESTAMPTZ,
    last_pulled_at TIMESTAMPTZ,
    pull_count     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (repository, name)
);

CREATE TABLE audit (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT COLLATE "C" NOT NULL DEFAULT '',
    source  TEXT COLLATE "C" NOT NULL DEFAULT '',
    action  TEXT COLLATE "C" NOT NULL DEFAULT '',
    object  TEXT COLLATE "C" NOT NULL DEFAULT '',
    outcome TEXT COLLATE "C" NOT NULL DEFAULT '',
    detail  TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_at ON audit (at);

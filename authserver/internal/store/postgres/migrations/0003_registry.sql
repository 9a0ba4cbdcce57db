-- Registry integration: event ids (each event is applied once) and the
-- versions and tombstones that make out-of-order events converge.
-- Self-contained: it neither needs nor touches what 0002 adds, so either can
-- be applied first.

CREATE TABLE registry_events (
    id          TEXT COLLATE "C" PRIMARY KEY,
    action      TEXT COLLATE "C" NOT NULL DEFAULT '',
    repository  TEXT COLLATE "C" NOT NULL DEFAULT '',
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX registry_events_received_at ON registry_events (received_at);

-- The registry time of the last change applied to a tag; deleted marks a
-- tombstone. Rows outlive their tags on purpose (no foreign key).
CREATE TABLE tag_versions (
    repository TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (repository, name)
);
CREATE INDEX tag_versions_changed_at ON tag_versions (changed_at);

-- changed_at: the last change applied to the repository or any of its
-- tags; deleted_at: the last repository delete (NULL: never).
CREATE TABLE repository_versions (
    name       TEXT COLLATE "C" PRIMARY KEY,
    changed_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

-- The last delete of a manifest by digest in a repository.
CREATE TABLE manifest_tombstones (
    repository TEXT COLLATE "C" NOT NULL,
    digest     TEXT COLLATE "C" NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX manifest_tombstones_deleted_at ON manifest_tombstones (deleted_at);

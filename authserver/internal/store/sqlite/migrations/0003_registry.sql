-- Registry integration: event ids (each event is applied once) and the
-- versions and tombstones that make out-of-order events converge.
-- Self-contained: it neither needs nor touches what 0002 adds, so either can
-- be applied first.

CREATE TABLE registry_events (
    id          TEXT PRIMARY KEY,
    action      TEXT NOT NULL DEFAULT '',
    repository  TEXT NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL
);
CREATE INDEX registry_events_received_at ON registry_events (received_at);

-- The registry time of the last change applied to a tag; deleted marks a
-- tombstone. Rows outlive their tags on purpose (no foreign key).
CREATE TABLE tag_versions (
    repository TEXT NOT NULL,
    name       TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (repository, name)
);
CREATE INDEX tag_versions_changed_at ON tag_versions (changed_at);

-- changed_at: the last change applied to the repository or any of its
-- tags; deleted_at: the last repository delete (NULL: never).
CREATE TABLE repository_versions (
    name       TEXT PRIMARY KEY,
    changed_at INTEGER NOT NULL,
    deleted_at INTEGER
);

-- The last delete of a manifest by digest in a repository.
CREATE TABLE manifest_tombstones (
    repository TEXT NOT NULL,
    digest     TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX manifest_tombstones_deleted_at ON manifest_tombstones (deleted_at);

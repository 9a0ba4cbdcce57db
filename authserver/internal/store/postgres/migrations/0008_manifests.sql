-- Artifact-aware catalog: one row per manifest a repository holds (tagged
-- or not), what it is (kind, artifact type, platforms, chart details) and
-- the manifest it refers to (subject: OCI 1.1 subject or the referrers
-- fallback tag). Self-contained: it needs nothing after 0006, so 0007 may
-- be applied before or after it.

CREATE TABLE manifests (
    repository    TEXT COLLATE "C" NOT NULL REFERENCES repositories (name) ON DELETE CASCADE,
    digest        TEXT COLLATE "C" NOT NULL,
    media_type    TEXT COLLATE "C" NOT NULL DEFAULT '',
    size          BIGINT NOT NULL DEFAULT 0,
    -- '' until read: the API shows it as unknown.
    kind          TEXT COLLATE "C" NOT NULL DEFAULT '',
    artifact_type TEXT COLLATE "C" NOT NULL DEFAULT '',
    subject       TEXT COLLATE "C" NOT NULL DEFAULT '',
    platforms     TEXT COLLATE "C" NOT NULL DEFAULT '',
    chart         TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- why the manifest could not be read ('' when it was)
    problem       TEXT COLLATE "C" NOT NULL DEFAULT '',
    pushed_by     TEXT COLLATE "C" NOT NULL DEFAULT '',
    pushed_at     TIMESTAMPTZ,
    changed_at    TIMESTAMPTZ NOT NULL,
    enriched_at   TIMESTAMPTZ,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX manifests_subject ON manifests (repository, subject);
CREATE INDEX manifests_kind ON manifests (kind, repository);
CREATE INDEX manifests_pending ON manifests (enriched_at);
CREATE INDEX tags_digest ON tags (repository, digest);

-- Manifests the catalog already knows, through their tags; the sync reads them.
INSERT INTO manifests (repository, digest, media_type, size, pushed_at, changed_at)
    SELECT repository, digest, max(media_type), max(size), max(pushed_at), coalesce(max(pushed_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')
    FROM tags WHERE digest <> '' GROUP BY repository, digest;

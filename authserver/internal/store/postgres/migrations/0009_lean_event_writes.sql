-- Leaner writes per registry event (the group commit's cost is the b-tree
-- pages a batch dirties):
-- * the manifests indexes hold only the rows their queries look for:
--   accessories (a subject) and manifests not read yet; nothing queries
--   manifests by kind across repositories (the kind filter looks inside
--   one repository, through the primary key);
-- * activity per repository and day is counted where it is written
--   instead of read back from an index over every event;
-- * a push no longer moves index entries of its tag: only the prune
--   looked tag versions up by time (a scan, once per sync run), and the
--   manifests API finds a repository's tags of a digest through the
--   primary key (one repository's tags, read once per page); without them
--   PostgreSQL updates a tag and its version in place (HOT).

DROP INDEX manifests_subject;
DROP INDEX manifests_kind;
DROP INDEX manifests_pending;
CREATE INDEX manifests_subject ON manifests (repository, subject) WHERE subject <> '';
CREATE INDEX manifests_pending ON manifests (changed_at, repository, digest) WHERE enriched_at IS NULL;

-- day: the UTC day's start. No foreign key: activity outlives its
-- repository, as the events it counts did.
CREATE TABLE repository_activity (
    repository TEXT COLLATE "C" NOT NULL,
    day        TIMESTAMPTZ NOT NULL,
    pushes     BIGINT NOT NULL DEFAULT 0,
    pulls      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (repository, day)
);
INSERT INTO repository_activity (repository, day, pushes, pulls)
    SELECT repository, date_trunc('day', received_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
        count(*) FILTER (WHERE action = 'push'), count(*) FILTER (WHERE action = 'pull')
    FROM registry_events WHERE action IN ('push', 'pull') GROUP BY 1, 2;
DROP INDEX registry_events_repository;
DROP INDEX tag_versions_changed_at;
DROP INDEX tags_digest;

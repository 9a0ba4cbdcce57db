package store

import (
	"context"
	"time"
)

// Registry event actions, as the registry names them.
const (
	ActionPush   = "push"
	ActionPull   = "pull"
	ActionDelete = "delete"
)

// RegistryEvent is one notification from the registry, reduced to what the
// store applies. Which change it is follows from Action and which of Tag and
// Digest are set:
//
//	push   + Tag     the tag now points at Digest
//	push   − Tag     a manifest pushed by digest: only the repository is recorded
//	pull             pull counters of the repository (and of Tag, if set)
//	delete + Tag     the tag was removed
//	delete + Digest  the manifest was removed, and every tag pointing at it
//	delete, neither  the repository was removed
type RegistryEvent struct {
	ID         string // the registry's event id; each id is applied once
	Action     string
	Repository string
	Tag        string
	Digest     string
	MediaType  string
	Size       int64
	Actor      string
	// Timestamp is when the registry made the change (a time further ahead
	// of the store's clock than MaxClockSkew is applied as now); it orders changes that
	// arrive out of order (zero: the store's now).
	Timestamp time.Time
}

// TagState is a tag as the registry reports it.
type TagState struct {
	Name      string
	Digest    string
	MediaType string
	Size      int64
}

// RepositoryState is a repository with all its tags, sorted by name.
type RepositoryState struct {
	Name string
	Tags []TagState
}

// Reconcile asks the store to make one repository match a complete listing
// taken from the registry after Snapshot.
type Reconcile struct {
	Repository string
	// Tags is the complete tag list; tags missing from it are deleted unless
	// they changed after Snapshot.
	Tags     []TagState
	Snapshot time.Time
	// KeepUnlisted turns deletions off: the listed tags are upserted and
	// nothing else changes (a run whose other listings failed).
	KeepUnlisted bool
	// OwnerTeam owns a namespace that has to be created for the repository
	// (private); empty or a missing team: the namespace is not created.
	OwnerTeam string
}

// ReconcileResult counts what one reconcile step changed.
type ReconcileResult struct {
	Added   int // tags created
	Updated int // tags whose digest, media type or size changed
	Deleted int // tags removed
	// RepositoryCreated / RepositoryDeleted: the repository row itself.
	RepositoryCreated bool
	RepositoryDeleted bool
}

// RegistryStore is what the registry integration (event receiver and catalog
// sync) needs from the store; both implementations satisfy it. Consumers
// declare the smaller interfaces they use.
//
// Convergence: the store keeps, per tag, the time of the last change it
// applied and a tombstone when that change was a delete, and per repository
// and manifest the time of the last delete. A change older than what is
// recorded is ignored, so events arriving out of order, replays and a sync
// running concurrently all converge to the registry's state.
type RegistryStore interface {
	// ApplyEvent records e.ID and applies the event in one transaction;
	// applied is false (and nothing changes) when the id was seen before,
	// even if the duplicate arrives concurrently. A push into a namespace
	// that does not exist creates it, private, owned by ownerTeam when that
	// team exists.
	ApplyEvent(ctx context.Context, e RegistryEvent, ownerTeam string) (applied bool, err error)
	// RegistryState returns every repository with its tags, sorted by name.
	RegistryState(ctx context.Context) ([]RepositoryState, error)
	// ReconcileRepository makes one repository match r.Tags: it upserts the
	// listed tags (unless a newer change is recorded) and deletes unlisted
	// tags that did not change after r.Snapshot.
	ReconcileRepository(ctx context.Context, r Reconcile) (ReconcileResult, error)
	// RemoveRepository deletes a repository the registry no longer lists,
	// unless it or one of its tags changed after snapshot (then the result is
	// zero and nothing changes).
	RemoveRepository(ctx context.Context, name string, snapshot time.Time) (ReconcileResult, error)
	// PruneRegistryHistory forgets event ids and tombstones recorded before
	// before; it bounds the tables. Events older than that are no longer
	// deduplicated or ordered.
	PruneRegistryHistory(ctx context.Context, before time.Time) (int64, error)
	// OrphanAccessories returns up to n accessories, last changed at or
	// before before, whose subject the catalog does not have.
	OrphanAccessories(ctx context.Context, before time.Time, n int) ([]Manifest, error)
	// TryLock takes the named leader lock without waiting: ok is false when
	// someone else holds it. release is idempotent. PostgreSQL: a session
	// advisory lock on a dedicated connection (cluster-wide); SQLite: a
	// process-wide lock per database file.
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// MaxClockSkew is how far ahead of the server's clock a registry
// timestamp may be and still be believed (security 39).
const MaxClockSkew = 10 * time.Second

// Manifest is one manifest of a repository, tagged or not: what it is
// (read from the registry behind the events, see ManifestDetails) and
// what refers to it.
type Manifest struct {
	Repository string
	Digest     string
	MediaType  string
	Size       int64
	// Kind is one of mediatype.Kinds; "" while not read.
	Kind         string
	ArtifactType string
	Subject      string
	Platforms    []string
	Chart        *Chart
	Problem      string
	PushedBy     string
	PushedAt     time.Time
	// Tags pointing at it, sorted, without referrers fallback tags.
	Tags []string
}

// Chart is a Helm chart's metadata, from its config blob.
type Chart struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"app_version,omitempty"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
}

// ManifestRef names a manifest.
type ManifestRef struct {
	Repository string
	Digest     string
}

// ManifestDetails is what reading a manifest (and a chart's config blob)
// tells.
type ManifestDetails struct {
	Repository string
	Digest     string
	// Kind is one of mediatype.Kinds; "" while not read.
	Kind         string
	ArtifactType string
	// Subject is the digest of the manifest this one refers to (an
	// accessory: signature, SBOM, ...), from its subject field or a
	// referrers fallback tag.
	Subject   string
	Platforms []string
	Chart     *Chart
	// Problem says why the manifest could not be read (Kind unknown).
	Problem string
}

// ManifestFilter lists the manifests of Repository, by digest.
type ManifestFilter struct {
	ListOptions
	Repository string
	// Tagged: nil every manifest, false those no tag points at.
	Tagged *bool
	Kind   string
	// Subject, when set, lists the accessories of that manifest; otherwise
	// accessories are left out.
	Subject string
}

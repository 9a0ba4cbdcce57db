// Package catalogsync reconciles the store with the registry's catalog: the safety
// net for notifications that were lost, and the way to adopt an existing
// registry.
//
// A run takes the leader lock (another replica running → skip), notes a
// snapshot time, lists the catalog and every repository's tags (following
// Link pages) and resolves each tag's digest with HEAD. Then it writes:
// listed tags are upserted; what is missing is deleted only when every
// listing of the run was complete, when the deletions stay under
// MaxDeleteFraction of the known repositories, and only for what did not
// change after the snapshot (events keep flowing during a run).
package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/enrich"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Store is what the sync needs.
type Store interface {
	RegistryState(ctx context.Context) ([]store.RepositoryState, error)
	ReconcileRepository(ctx context.Context, r store.Reconcile) (store.ReconcileResult, error)
	RemoveRepository(ctx context.Context, name string, snapshot time.Time) (store.ReconcileResult, error)
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
	OrphanAccessories(ctx context.Context, before time.Time, n int) ([]store.Manifest, error)
	DeleteManifest(ctx context.Context, repo, digest string) error
}

// Enricher reads the manifests the catalog has not read yet
// (enrich.Enricher).
type Enricher interface {
	Sweep(ctx context.Context, max int) (int, error)
}

// Metrics receives each run's report (optional).
type Metrics interface {
	Observe(r Report, err error)
}

// Defaults.
const (
	DefaultPageSize          = 1000
	DefaultMaxDeleteFraction = 0.5
	DefaultConcurrency       = 8
	DefaultRequestTimeout    = 30 * time.Second
	// DefaultLockName is the leader lock all replicas contend for.
	DefaultLockName = "registry-sync"
)

// scopeBatch is how many repositories' pull scopes one token carries: few
// token mints, tokens of a few KiB.
const scopeBatch = 50

// Errors a run returns (wrapped) besides the store's and the context's.
var (
	// ErrIncomplete: some listing failed; the run upserted what it read and
	// deleted nothing.
	ErrIncomplete = errors.New("registry listing incomplete: no deletions this run")
	// ErrDeleteGuard: the run would have deleted more than MaxDeleteFraction
	// of the known repositories (an empty or wrong catalog?) and deleted
	// nothing.
	ErrDeleteGuard = errors.New("refusing to delete most of the known repositories")
)

// Deps configure a Syncer.
type Deps struct {
	Store Store
	// Registry, when set, is the client to list with (main shares the
	// one the REST API deletes with, app.App.Registry); RegistryURL,
	// Tokens and HTTPClient are then unused.
	Registry *registryclient.Client
	// RegistryURL is the registry's base URL (http://host:port).
	RegistryURL string
	// Tokens answers the registry's 401 challenges; nil for a registry
	// without auth.
	Tokens     registryclient.TokenSource
	HTTPClient *http.Client // nil: a client with sane transport timeouts
	Logger     *slog.Logger
	Now        func() time.Time
	// PageSize is n for catalog and tag pages; 0 means DefaultPageSize.
	PageSize int
	// MaxDeleteFraction bounds the repositories one run may delete, as a
	// fraction of those known; 0 means DefaultMaxDeleteFraction.
	MaxDeleteFraction float64
	// Force lifts the MaxDeleteFraction guard (an operator's one-off run).
	Force bool
	// Concurrency is how many repositories are listed at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// RequestTimeout bounds each registry request; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// OwnerTeam owns namespaces created for repositories found by the sync.
	OwnerTeam string
	// LockName is the leader lock; "" means DefaultLockName.
	LockName string
	Metrics  Metrics
	// Enricher, when set, reads the manifests still unread after each
	// run (the events' enrichment may have dropped or missed them); nil:
	// one on the sync's own registry client when Store can record them.
	Enricher Enricher
	// MaxEnrich bounds the manifests one run reads; 0 means
	// DefaultMaxEnrich.
	MaxEnrich int
}

// DefaultMaxEnrich bounds the manifests one run reads: a first run over a
// big registry spreads the reading over several runs.
const DefaultMaxEnrich = 20_000

// maxOrphans bounds the orphaned accessories one run removes.
const maxOrphans = 1000

// Report counts what a run saw and did.
type Report struct {
	// Skipped: another replica holds the lock; nothing was done.
	Skipped bool
	// Repositories and Tags the registry listed.
	Repositories int
	Tags         int
	// Tag changes written.
	Added   int
	Updated int
	Deleted int
	// Repository rows created and deleted.
	RepositoriesAdded   int
	RepositoriesDeleted int
	// Errors counts failed listings and writes.
	Errors int
	// DeletionsSkipped: the run deleted nothing on purpose (incomplete
	// listing or the guard).
	DeletionsSkipped bool
	// Enriched: manifests read (kind, artifact type, ...) this run, in
	// EnrichDuration.
	Enriched       int
	EnrichDuration time.Duration
	// OrphansDeleted: accessories whose subject is gone, removed from the
	// registry and the catalog.
	OrphansDeleted int
	Duration       time.Duration
}

// Syncer runs the reconciliation.
type Syncer struct {
	d   Deps
	reg *registryclient.Client
	err error // from New: a bad RegistryURL
}

// New returns a Syncer; a bad RegistryURL surfaces from Run.
func New(d Deps) *Syncer {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.PageSize <= 0 {
		d.PageSize = DefaultPageSize
	}
	if d.MaxDeleteFraction <= 0 {
		d.MaxDeleteFraction = DefaultMaxDeleteFraction
	}
	if d.Concurrency <= 0 {
		d.Concurrency = DefaultConcurrency
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = DefaultRequestTimeout
	}
	if d.LockName == "" {
		d.LockName = DefaultLockName
	}
	if d.MaxEnrich <= 0 {
		d.MaxEnrich = DefaultMaxEnrich
	}
	s := &Syncer{d: d}
	if d.Registry != nil {
		s.reg = d.Registry
	} else {
		if d.HTTPClient == nil {
			d.HTTPClient = registryclient.NewHTTPClient(d.Concurrency, d.RequestTimeout)
		}
		s.reg, s.err = registryclient.New(d.RegistryURL, registryclient.Options{
			Tokens: d.Tokens, HTTPClient: d.HTTPClient, Now: d.Now, Timeout: d.RequestTimeout, PageSize: d.PageSize,
		})
	}
	if s.d.Enricher == nil && s.reg != nil {
		if es, ok := d.Store.(enrich.Store); ok {
			// Sweep only: no workers to stop.
			s.d.Enricher = enrich.New(enrich.Deps{Registry: s.reg, Store: es, Logger: d.Logger, Workers: -1, SweepEvery: -1,
				SweepWorkers: d.Concurrency})
		}
	}
	return s
}

// listing is what the registry said about one repository.
type listing struct {
	name string
	tags []store.TagState
	err  error
	skip bool // nothing to write (empty and unknown)
}

// Run reconciles once. It returns the report with ErrIncomplete or
// ErrDeleteGuard (wrapped) when deletions were skipped, or another error
// when the run could not proceed.
func (s *Syncer) Run(ctx context.Context) (rep Report, err error) {
	start := time.Now()
	defer func() {
		rep.Duration = time.Since(start)
		if s.d.Metrics != nil {
			s.d.Metrics.Observe(rep, err)
		}
	}()
	if s.err != nil {
		return rep, s.err
	}
	log := s.d.Logger
	release, ok, err := s.d.Store.TryLock(ctx, s.d.LockName)
	if err != nil {
		return rep, fmt.Errorf("sync: leader lock: %w", err)
	}
	if !ok {
		log.InfoContext(ctx, "sync: another replica is running; skipped")
		return Report{Skipped: true}, nil
	}
	defer release()

	// Anything changed after this instant is newer than the listings and
	// must survive this run.
	snapshot := s.d.Now()
	known, err := s.d.Store.RegistryState(ctx)
	if err != nil {
		return rep, fmt.Errorf("sync: reading the store: %w", err)
	}

	var problems []error
	complete := true
	names, err := s.reg.Catalog(ctx, s.d.PageSize)
	if err != nil {
		// Without the whole catalog nothing can be told apart from gone;
		// the events keep the store current until a later run succeeds.
		rep.Errors++
		rep.DeletionsSkipped = true
		log.ErrorContext(ctx, "sync: catalog", "err", err)
		return rep, fmt.Errorf("sync: %w: %w", ErrIncomplete, err)
	}
	rep.Repositories = len(names)

	listings := s.listAll(ctx, names)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	for _, l := range listings {
		if l.err != nil {
			complete = false
			rep.Errors++
			problems = append(problems, l.err)
			log.WarnContext(ctx, "sync: repository left as it is", "repository", l.name, "err", l.err)
			continue
		}
		rep.Tags += len(l.tags)
	}

	// Repositories known here and no longer in the catalog.
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[n] = true
	}
	var gone []string
	knownNames := make(map[string]bool, len(known))
	for _, r := range known {
		knownNames[r.Name] = true
		if !listed[r.Name] {
			gone = append(gone, r.Name)
		}
	}
	// The registry keeps listing a repository whose manifests were all
	// deleted (its directory stays): one with no tags that the store does
	// not have is not adopted, or every repository deleted through the
	// REST API would come back, empty, at the next run.
	for i := range listings {
		if l := &listings[i]; l.err == nil && len(l.tags) == 0 && !knownNames[l.name] {
			l.skip = true
		}
	}
	deletions := complete
	var guardErr error
	if complete && len(gone) > 0 && !s.d.Force &&
		float64(len(gone)) > s.d.MaxDeleteFraction*float64(len(known)) {
		deletions = false
		guardErr = fmt.Errorf("sync: %w: %d of %d would go (limit %.0f%%; the registry listed %d); check the registry, or run once with force",
			ErrDeleteGuard, len(gone), len(known), s.d.MaxDeleteFraction*100, len(names))
		log.ErrorContext(ctx, "sync: deletion guard", "gone", len(gone), "known", len(known), "listed", len(names))
	}
	rep.DeletionsSkipped = !deletions

	s.apply(ctx, listings, gone, deletions, snapshot, &rep, &problems)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	if deletions {
		s.removeOrphans(ctx, snapshot, &rep, &problems)
	}
	if s.d.Enricher != nil {
		t0 := time.Now()
		n, err := s.d.Enricher.Sweep(ctx, s.d.MaxEnrich)
		rep.Enriched, rep.EnrichDuration = n, time.Since(t0)
		if err != nil && ctx.Err() == nil {
			// Not an error of the run: the manifests stay pending for the
			// next one.
			log.WarnContext(ctx, "sync: reading manifests stopped", "read", n, "err", err)
		}
	}
	log.InfoContext(ctx, "sync: done", "repositories", rep.Repositories, "tags", rep.Tags, "added", rep.Added,
		"updated", rep.Updated, "deleted", rep.Deleted, "repositories_added", rep.RepositoriesAdded,
		"repositories_deleted", rep.RepositoriesDeleted, "errors", rep.Errors, "deletions_skipped", rep.DeletionsSkipped,
		"enriched", rep.Enriched, "orphans_deleted", rep.OrphansDeleted)
	switch {
	case guardErr != nil:
		return rep, guardErr
	case !complete:
		return rep, fmt.Errorf("sync: %w: %w", ErrIncomplete, errors.Join(first(problems, 5)...))
	case len(problems) > 0:
		return rep, fmt.Errorf("sync: %d errors: %w", len(problems), errors.Join(first(problems, 5)...))
	}
	return rep, nil
}

func first(errs []error, n int) []error {
	if len(errs) > n {
		return append(errs[:n:n], fmt.Errorf("and %d more", len(errs)-n))
	}
	return errs
}

// listAll lists tags and resolves digests of every repository, Concurrency
// at a time. A repository whose listing fails carries the error.
func (s *Syncer) listAll(ctx context.Context, names []string) []listing {
	out := make([]listing, len(names))
	// One token serves a batch of repositories: scopes[i/scopeBatch].
	var scopes [][]string
	for i, name := range names {
		if i%scopeBatch == 0 {
			scopes = append(scopes, nil)
		}
		if rbac.ValidRepositoryName(name) {
			scopes[i/scopeBatch] = append(scopes[i/scopeBatch], registryclient.PullScope(name))
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(s.d.Concurrency, max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = s.listRepository(ctx, names[i], scopes[i/scopeBatch])
			}
		}()
	}
	// Repositories are handed out in order; those not handed out before ctx
	// ended carry its error.
	sent := 0
	for sent < len(names) {
		select {
		case work <- sent:
			sent++
			continue
		case <-ctx.Done():
		}
		break
	}
	close(work)
	wg.Wait()
	for i := sent; i < len(names); i++ {
		out[i] = listing{name: names[i], err: ctx.Err()}
	}
	return out
}

func (s *Syncer) listRepository(ctx context.Context, name string, scopes []string) listing {
	l := listing{name: name}
	if !rbac.ValidRepositoryName(name) {
		l.err = fmt.Errorf("repository %q: not a valid repository name", truncate(name, 80))
		return l
	}
	tags, err := s.reg.ListTags(ctx, name, s.d.PageSize, scopes)
	if err != nil {
		l.err = err
		return l
	}
	l.tags = make([]store.TagState, 0, len(tags))
	for _, tag := range tags {
		if !rbac.ValidTag(tag) {
			l.err = fmt.Errorf("repository %q: invalid tag %q", name, truncate(tag, 80))
			return l
		}
		m, err := s.reg.HeadManifest(ctx, name, tag, scopes)
		if errors.Is(err, registryclient.ErrNotFound) {
			continue // deleted between the tag list and now: the registry says so
		}
		if err != nil {
			l.err = err
			return l
		}
		l.tags = append(l.tags, store.TagState{Name: tag, Digest: m.Digest, MediaType: m.MediaType, Size: m.Size})
	}
	return l
}

// apply writes the listings and, when allowed, the repository deletions.
func (s *Syncer) apply(ctx context.Context, listings []listing, gone []string, deletions bool,
	snapshot time.Time, rep *Report, problems *[]error) {
	var mu sync.Mutex
	add := func(res store.ReconcileResult, err error, what string) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			rep.Errors++
			*problems = append(*problems, err)
			s.d.Logger.ErrorContext(ctx, "sync: store write failed", "repository", what, "err", err)
			return
		}
		rep.Added += res.Added
		rep.Updated += res.Updated
		rep.Deleted += res.Deleted
		if res.RepositoryCreated {
			rep.RepositoriesAdded++
		}
		if res.RepositoryDeleted {
			rep.RepositoriesDeleted++
		}
	}
	jobs := make(chan func())
	var wg sync.WaitGroup
	for range s.d.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	submit := func(job func()) bool {
		select {
		case jobs <- job:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, l := range listings {
		if l.err != nil || l.skip {
			continue
		}
		if !submit(func() {
			res, err := s.d.Store.ReconcileRepository(ctx, store.Reconcile{
				Repository: l.name, Tags: l.tags, Snapshot: snapshot, OwnerTeam: s.d.OwnerTeam,
				KeepUnlisted: !deletions,
			})
			add(res, err, l.name)
		}) {
			break
		}
	}
	if deletions {
		for _, name := range gone {
			if !submit(func() {
				res, err := s.d.Store.RemoveRepository(ctx, name, snapshot)
				add(res, err, name)
			}) {
				break
			}
		}
	}
	close(jobs)
	wg.Wait()
}

// removeOrphans deletes accessories (signatures, SBOMs, ...) whose subject
// is gone: not in the catalog and positively not in the registry (404 on
// its digest), recorded before the snapshot — the registry first, then the
// catalog. Any other answer leaves the accessory alone.
func (s *Syncer) removeOrphans(ctx context.Context, snapshot time.Time, rep *Report, problems *[]error) {
	orphans, err := s.d.Store.OrphanAccessories(ctx, snapshot, maxOrphans)
	if err != nil {
		rep.Errors++
		*problems = append(*problems, err)
		return
	}
	subjectGone := map[store.ManifestRef]bool{}
	for _, m := range orphans {
		if ctx.Err() != nil {
			return
		}
		sub := store.ManifestRef{Repository: m.Repository, Digest: m.Subject}
		gone, seen := subjectGone[sub]
		if !seen {
			scopes := []string{registryclient.DeleteScope(m.Repository)}
			_, err := s.reg.HeadManifest(ctx, m.Repository, m.Subject, scopes)
			gone = errors.Is(err, registryclient.ErrNotFound)
			subjectGone[sub] = gone
		}
		if !gone {
			continue
		}
		err := s.reg.DeleteManifest(ctx, m.Repository, m.Digest)
		if err != nil && !errors.Is(err, registryclient.ErrNotFound) {
			rep.Errors++
			*problems = append(*problems, err)
			s.d.Logger.WarnContext(ctx, "sync: orphaned accessory left", "repository", m.Repository, "digest", m.Digest, "err", err)
			continue
		}
		if err := s.d.Store.DeleteManifest(ctx, m.Repository, m.Digest); err != nil && !errors.Is(err, store.ErrNotFound) {
			rep.Errors++
			*problems = append(*problems, err)
			continue
		}
		rep.OrphansDeleted++
		s.d.Logger.InfoContext(ctx, "sync: orphaned accessory deleted", "repository", m.Repository, "digest", m.Digest,
			"kind", m.Kind, "subject", m.Subject)
	}
}

// RunEvery runs now and then every interval until ctx ends, logging each
// run's outcome; it returns ctx's error.
func (s *Syncer) RunEvery(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("sync: interval %s must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := s.Run(ctx)
		if err != nil && ctx.Err() == nil {
			s.d.Logger.ErrorContext(ctx, "sync: run failed", "err", err, "errors", rep.Errors,
				"deletions_skipped", rep.DeletionsSkipped)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

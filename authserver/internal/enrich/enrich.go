// Package enrich reads what the registry's events do not carry — a
// manifest's artifact type, kind, subject, platforms and, for Helm charts,
// the chart's metadata from its config blob — and records it in the store.
//
// It runs behind the events' 2xx answer: the receiver hands it the pushed
// manifests (Enqueue, which never blocks), a few workers read them through
// the registry client with bounded sizes, and a periodic sweep picks up what
// a full queue dropped or a restart lost (the store keeps every manifest not
// read yet). The catalog sync sweeps after each run. A manifest that cannot
// be read is recorded with the kind unknown and the reason, never dropped;
// a registry that cannot be reached leaves it pending for the next sweep.
package enrich

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Registry reads manifests and blobs (registryclient.Client). Errors
// wrapping registryclient.ErrNotFound or ErrTooLarge are final; others mean
// the registry is unavailable for now.
type Registry interface {
	Manifest(ctx context.Context, repo, digest string, max int64) ([]byte, string, error)
	Blob(ctx context.Context, repo, digest string, max int64) ([]byte, error)
}

// Store is what the enricher records into.
type Store interface {
	SetManifestDetails(ctx context.Context, d store.ManifestDetails) (bool, error)
	PendingManifests(ctx context.Context, limit int) ([]store.ManifestRef, error)
}

// BatchStore is an optional part of Store: many details in one
// transaction. With it the workers' results are written together, so the
// enrichment adds few transactions beside the events' (SQLite has one
// writer).
type BatchStore interface {
	SetManifestDetailsBatch(ctx context.Context, ds []store.ManifestDetails) error
}

// writeBatch bounds the details one transaction records; writeWindow is
// how long a batch waits for more after its first. The enrichment runs
// behind the events' answers, so its results can wait: a few large
// transactions cost the database far less than one per result, and leave
// it to the event batches in between.
const (
	writeBatch  = 256
	writeWindow = 50 * time.Millisecond
)

// Defaults.
const (
	DefaultWorkers    = 2
	DefaultQueue      = 4096
	DefaultTimeout    = 10 * time.Second
	DefaultSweepEvery = time.Minute
	// DefaultSweepWorkers: the sync reads a whole registry's manifests.
	DefaultSweepWorkers = 8
	// sweepBatch is how many pending manifests one sweep step reads.
	sweepBatch = 200
)

// Deps configure an Enricher.
type Deps struct {
	Registry Registry
	Store    Store
	Logger   *slog.Logger
	// Workers read manifests concurrently; 0 means DefaultWorkers,
	// negative none (Sweep only: the sync command).
	Workers int
	// Queue bounds the manifests waiting; 0 means DefaultQueue. When it is
	// full Enqueue drops (the sweep reads them later).
	Queue int
	// Timeout bounds reading one manifest; 0 means DefaultTimeout.
	Timeout time.Duration
	// SweepWorkers read concurrently during a sweep; 0 means
	// DefaultSweepWorkers.
	SweepWorkers int
	// SweepEvery is how often the workers look for pending manifests; 0
	// means DefaultSweepEvery, negative never (tests, the sync command).
	SweepEvery time.Duration
}

// Stats counts what an Enricher did.
type Stats struct {
	Enriched int64 // recorded with a known kind
	Unknown  int64 // recorded as unknown (could not be read)
	Retry    int64 // left pending: the registry was unavailable
	Dropped  int64 // not queued: the queue was full
}

// Enricher reads manifests behind the events; safe for concurrent use.
type Enricher struct {
	d     Deps
	queue chan store.ManifestRef
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	// queued dedupes refs waiting in the queue.
	mu     sync.Mutex
	queued map[store.ManifestRef]bool

	// results carries the workers' reads to the writer.
	results chan store.ManifestDetails

	enriched, unknown, retry, dropped atomic.Int64
	// foreground counts notification requests in progress (Foreground).
	foreground atomic.Int64
}

// maxYield bounds how long the enrichment waits for the receiver to be
// idle before it reads or writes anyway; yieldPoll is how often it looks.
const (
	maxYield  = 250 * time.Millisecond
	yieldPoll = 2 * time.Millisecond
)

// Foreground marks a notification request in progress until done is
// called; the enrichment yields to it (see yield).
func (e *Enricher) Foreground() (done func()) {
	e.foreground.Add(1)
	return func() { e.foreground.Add(-1) }
}

// yield waits while notification requests are in progress, at most
// maxYield. The registry waits for each notification's answer and its
// queue backs up behind a slow receiver; nothing waits for the enrichment.
// So under a burst of pushes the enrichment takes what the burst leaves —
// still one step per maxYield per worker — and catches up after it (what
// overflows its queue, the next sweep reads).
func (e *Enricher) yield() {
	if e.foreground.Load() == 0 {
		return
	}
	limit := time.NewTimer(maxYield)
	defer limit.Stop()
	poll := time.NewTicker(yieldPoll)
	defer poll.Stop()
	for e.foreground.Load() > 0 {
		select {
		case <-e.quit:
			return
		case <-limit.C:
			return
		case <-poll.C:
		}
	}
}

// New starts the workers; Close stops them.
func New(d Deps) *Enricher {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Workers == 0 {
		d.Workers = DefaultWorkers
	}
	if d.Queue <= 0 {
		d.Queue = DefaultQueue
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if d.SweepWorkers <= 0 {
		d.SweepWorkers = DefaultSweepWorkers
	}
	if d.SweepEvery == 0 {
		d.SweepEvery = DefaultSweepEvery
	}
	e := &Enricher{d: d, queue: make(chan store.ManifestRef, d.Queue), quit: make(chan struct{}),
		queued: map[store.ManifestRef]bool{}, results: make(chan store.ManifestDetails, writeBatch)}
	var workers sync.WaitGroup
	for range max(d.Workers, 0) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			e.work()
		}()
	}
	if d.Workers > 0 {
		e.wg.Add(1)
		go e.write()
		go func() {
			// The writer ends once no worker can send.
			workers.Wait()
			close(e.results)
		}()
	}
	if d.SweepEvery > 0 {
		e.wg.Add(1)
		go e.sweepLoop()
	}
	return e
}

// Close stops the workers; what is still queued stays pending in the store.
func (e *Enricher) Close(context.Context) error {
	e.once.Do(func() { close(e.quit) })
	e.wg.Wait()
	return nil
}

// Stats returns the counters so far.
func (e *Enricher) Stats() Stats {
	return Stats{Enriched: e.enriched.Load(), Unknown: e.unknown.Load(), Retry: e.retry.Load(), Dropped: e.dropped.Load()}
}

// Queued is how many manifests wait in the queue.
func (e *Enricher) Queued() int { return len(e.queue) }

// Enqueue hands manifests to the workers without waiting.
func (e *Enricher) Enqueue(refs ...store.ManifestRef) {
	for _, r := range refs {
		e.mu.Lock()
		if e.queued[r] {
			e.mu.Unlock()
			continue
		}
		select {
		case e.queue <- r:
			e.queued[r] = true
		default:
			e.dropped.Add(1)
		}
		e.mu.Unlock()
	}
}

func (e *Enricher) work() {
	for {
		select {
		case <-e.quit:
			return
		case r := <-e.queue:
			e.mu.Lock()
			delete(e.queued, r)
			e.mu.Unlock()
			e.yield()
			ctx, cancel := context.WithTimeout(context.Background(), e.d.Timeout)
			d := e.read(ctx, r)
			cancel()
			if d.Kind == "" {
				e.retry.Add(1)
				e.d.Logger.Warn("enrich: manifest left pending", "repository", r.Repository, "digest", r.Digest, "err", d.Problem)
				continue
			}
			e.results <- d
		}
	}
}

// write records the workers' results, in batches when the store can.
func (e *Enricher) write() {
	defer e.wg.Done()
	bs, batching := e.d.Store.(BatchStore)
	window := time.NewTimer(writeWindow)
	for d := range e.results {
		batch := []store.ManifestDetails{d}
		window.Reset(writeWindow)
	more:
		for batching && len(batch) < writeBatch {
			select {
			case d, ok := <-e.results:
				if !ok {
					break more
				}
				batch = append(batch, d)
			case <-window.C:
				break more
			case <-e.quit:
				break more
			}
		}
		window.Stop()
		e.yield()
		ctx, cancel := context.WithTimeout(context.Background(), e.d.Timeout)
		var err error
		if batching {
			err = bs.SetManifestDetailsBatch(ctx, batch)
		} else {
			_, err = e.d.Store.SetManifestDetails(ctx, d)
		}
		cancel()
		if err != nil {
			// Left pending: the sweep reads them again.
			e.retry.Add(int64(len(batch)))
			e.d.Logger.Warn("enrich: recording failed", "manifests", len(batch), "err", err)
			continue
		}
		for _, d := range batch {
			e.count(d)
		}
	}
}

func (e *Enricher) count(d store.ManifestDetails) {
	if d.Kind == mediatype.KindUnknown {
		e.unknown.Add(1)
		e.d.Logger.Info("enrich: manifest recorded as unknown", "repository", d.Repository, "digest", d.Digest, "reason", d.Problem)
	} else {
		e.enriched.Add(1)
	}
}

func (e *Enricher) sweepLoop() {
	defer e.wg.Done()
	t := time.NewTicker(e.d.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-e.quit:
			return
		case <-t.C:
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-e.quit:
					cancel()
				case <-ctx.Done():
				}
			}()
			if _, err := e.sweepAll(ctx); err != nil && ctx.Err() == nil {
				e.d.Logger.Warn("enrich: sweep", "err", err)
			}
			cancel()
		}
	}
}

// sweepRound bounds one Sweep call of sweepAll, sweepRounds the rounds of
// one sweepAll (a backlog of 200,000 manifests; the next tick goes on).
const (
	sweepRound  = 10 * sweepBatch
	sweepRounds = 100
)

// sweepAll sweeps in rounds until a round finds fewer pending manifests
// than it may read (or fails): after a burst that overflowed the queue,
// the backlog is read at once, not a round per SweepEvery.
func (e *Enricher) sweepAll(ctx context.Context) (int, error) {
	total := 0
	for range sweepRounds {
		n, err := e.Sweep(ctx, sweepRound)
		total += n
		if err != nil || n < sweepRound {
			return total, err
		}
		select {
		case <-e.quit:
			return total, nil
		default:
		}
	}
	return total, nil
}

// Sweep reads up to max pending manifests from the store, SweepWorkers
// at a time; it stops after a batch in which the registry could not serve
// one (it is down: the next sweep retries) and returns how many it
// recorded.
func (e *Enricher) Sweep(ctx context.Context, max int) (int, error) {
	done := 0
	for done < max {
		refs, err := e.d.Store.PendingManifests(ctx, min(sweepBatch, max-done))
		if err != nil {
			return done, err
		}
		if len(refs) == 0 {
			return done, nil
		}
		var (
			mu       sync.Mutex
			firstErr error
			wg       sync.WaitGroup
			read     []store.ManifestDetails
		)
		work := make(chan store.ManifestRef)
		for range min(e.d.SweepWorkers, len(refs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range work {
					e.yield()
					rctx, cancel := context.WithTimeout(ctx, e.d.Timeout)
					d := e.read(rctx, r)
					cancel()
					mu.Lock()
					if d.Kind == "" {
						e.retry.Add(1)
						if firstErr == nil {
							firstErr = errors.New(d.Problem)
						}
					} else {
						read = append(read, d)
					}
					mu.Unlock()
				}
			}()
		}
		for _, r := range refs {
			mu.Lock()
			stop := firstErr != nil
			mu.Unlock()
			if stop || ctx.Err() != nil {
				break
			}
			work <- r
		}
		close(work)
		wg.Wait()
		n, err := e.record(ctx, read)
		done += n
		if err != nil {
			return done, err
		}
		if firstErr != nil {
			return done, firstErr
		}
		if err := ctx.Err(); err != nil {
			return done, err
		}
	}
	return done, nil
}

// record writes what a sweep read, in batches when the store can.
func (e *Enricher) record(ctx context.Context, ds []store.ManifestDetails) (int, error) {
	bs, batching := e.d.Store.(BatchStore)
	done := 0
	for len(ds) > 0 {
		n := 1
		var err error
		if batching {
			n = min(len(ds), writeBatch)
			err = bs.SetManifestDetailsBatch(ctx, ds[:n])
		} else {
			_, err = e.d.Store.SetManifestDetails(ctx, ds[0])
		}
		if err != nil {
			e.retry.Add(int64(len(ds)))
			return done, err
		}
		for _, d := range ds[:n] {
			e.count(d)
		}
		done += n
		ds = ds[n:]
	}
	return done, nil
}

// Enrich reads one manifest (and a chart's config) and records what it
// tells; the error is for what should be retried (registry unavailable,
// store failed).
func (e *Enricher) Enrich(ctx context.Context, r store.ManifestRef) error {
	d := e.read(ctx, r)
	if d.Kind == "" {
		e.retry.Add(1)
		return errors.New(d.Problem)
	}
	if _, err := e.d.Store.SetManifestDetails(ctx, d); err != nil {
		e.retry.Add(1)
		return err
	}
	e.count(d)
	return nil
}

// final reports whether a registry error will not change on retry.
func final(err error) bool {
	return errors.Is(err, registryclient.ErrNotFound) || errors.Is(err, registryclient.ErrTooLarge) ||
		errors.Is(err, registryclient.ErrContent) || errors.Is(err, mediatype.ErrNotManifest)
}

// read returns the details of r: Kind "" (and Problem) when the registry
// could not be asked, KindUnknown when the answer cannot be read.
func (e *Enricher) read(ctx context.Context, r store.ManifestRef) store.ManifestDetails {
	d := store.ManifestDetails{Repository: r.Repository, Digest: r.Digest}
	fail := func(err error) store.ManifestDetails {
		if final(err) {
			d.Kind, d.Problem = mediatype.KindUnknown, err.Error()
		} else {
			d.Kind, d.Problem = "", err.Error()
		}
		return d
	}
	body, mt, err := e.d.Registry.Manifest(ctx, r.Repository, r.Digest, mediatype.MaxManifestBytes)
	if err != nil {
		return fail(err)
	}
	a, err := mediatype.Inspect(mt, body)
	if err != nil {
		return fail(err)
	}
	d.Kind, d.ArtifactType, d.Subject, d.Platforms = a.Kind, a.ArtifactType, a.Subject, a.Platforms
	if a.Kind == mediatype.KindHelmChart && a.Config.Digest != "" {
		cfg, err := e.d.Registry.Blob(ctx, r.Repository, a.Config.Digest.String(), mediatype.MaxConfigBytes)
		if err != nil && !final(err) {
			return fail(err) // retry: the chart details would be missing for good
		}
		if err == nil {
			c, perr := mediatype.ParseChart(cfg)
			err = perr
			if perr == nil {
				d.Chart = &store.Chart{Name: c.Name, Version: c.Version, AppVersion: c.AppVersion, Description: c.Description, Icon: c.Icon}
			}
		}
		if err != nil {
			// A chart whose config cannot be read stays a chart, without
			// details.
			d.Problem = "chart config: " + err.Error()
		}
	}
	return d
}

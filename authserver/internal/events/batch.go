package events

import (
	"context"
	"hash/fnv"
	"io"
	"sync"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// BatchStore is an optional part of Store: many events in one transaction
// (see sqlstore.Store.ApplyEvents). With it the receiver group-commits:
// events of concurrent requests are written together, and each request is
// answered once the transaction holding its events has committed.
type BatchStore interface {
	ApplyEvents(ctx context.Context, evs []store.RegistryEvent, ownerTeam string) ([]bool, error)
}

// Defaults of the group commit.
const (
	// DefaultBatchWindow is how long a batch waits for more requests after
	// its first one.
	DefaultBatchWindow = time.Millisecond
	// DefaultBatchEvents caps the events of one transaction.
	DefaultBatchEvents = 256
)

// batchReq is one request's events waiting for their transaction.
type batchReq struct {
	ctx     context.Context
	evs     []store.RegistryEvent
	applied []bool
	err     error
	done    chan struct{}
}

// batcher collects requests for up to window (or maxEvents events) and
// applies them in one transaction; workers batches may be in flight at
// once. A request goes to the worker of its first event's repository, so
// concurrent batches rarely wait for each other's repository locks.
type batcher struct {
	st        BatchStore
	owner     string
	window    time.Duration
	maxEvents int
	timeout   time.Duration

	reqs []chan *batchReq // one per worker
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newBatcher(st BatchStore, owner string, window time.Duration, maxEvents, workers int, timeout time.Duration) *batcher {
	b := &batcher{st: st, owner: owner, window: window, maxEvents: maxEvents, timeout: timeout,
		quit: make(chan struct{})}
	for range workers {
		ch := make(chan *batchReq)
		b.reqs = append(b.reqs, ch)
		b.wg.Add(1)
		go b.work(ch)
	}
	return b
}

// queue is the channel of the worker that takes evs (never empty): one
// repository's events always go to the same worker.
func (b *batcher) queue(evs []store.RegistryEvent) chan *batchReq {
	h := fnv.New32a()
	io.WriteString(h, evs[0].Repository)
	return b.reqs[h.Sum32()%uint32(len(b.reqs))]
}

// apply hands evs to a batch and waits until it committed or failed, or
// ctx ends (the events may then still commit; the registry's retry is
// deduplicated by id).
func (b *batcher) apply(ctx context.Context, evs []store.RegistryEvent) ([]bool, error) {
	r := &batchReq{ctx: ctx, evs: evs, done: make(chan struct{})}
	select {
	case b.queue(evs) <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.quit:
		// Shutting down: apply on the caller's goroutine.
		b.run([]*batchReq{r})
		return r.applied, r.err
	}
	select {
	case <-r.done:
		return r.applied, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
}

func (b *batcher) work(reqs chan *batchReq) {
	defer b.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var first *batchReq
		select {
		case first = <-reqs:
		case <-b.quit:
			return
		}
		batch := []*batchReq{first}
		n := len(first.evs)
		timer.Reset(b.window)
	collect:
		for n < b.maxEvents {
			select {
			case r := <-reqs:
				batch = append(batch, r)
				n += len(r.evs)
			case <-timer.C:
				break collect
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		b.run(batch)
	}
}

// run applies the batch's events in one transaction and answers every
// request. When the transaction fails and it held several requests, each
// request is applied on its own, so one request's bad event (or a
// conflict) fails that request only.
func (b *batcher) run(batch []*batchReq) {
	live := batch[:0]
	var all []store.RegistryEvent
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err // its caller has stopped waiting
			close(r.done)
			continue
		}
		live = append(live, r)
		all = append(all, r.evs...)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	applied, err := b.st.ApplyEvents(ctx, all, b.owner)
	switch {
	case err == nil:
		i := 0
		for _, r := range live {
			r.applied = applied[i : i+len(r.evs) : i+len(r.evs)]
			i += len(r.evs)
			close(r.done)
		}
	case len(live) == 1:
		live[0].err = err
		close(live[0].done)
	default:
		for _, r := range live {
			r.applied, r.err = b.st.ApplyEvents(ctx, r.evs, b.owner)
			close(r.done)
		}
	}
}

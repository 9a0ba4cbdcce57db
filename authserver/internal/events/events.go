// Package events receives the registry's notifications at
// POST /registry/events and applies them to the store.
//
// The registry delivers each endpoint's events in order and retries a
// failed delivery forever, so the answers matter: 401 for a wrong secret,
// 413 for an oversized body, 503 while the store cannot make an event
// durable (the registry retries), and 2xx for everything else that
// authenticated — including events that are malformed or not about
// manifests, which are logged, counted and dropped, because a 4xx would
// block the registry's queue behind them.
package events

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Path is where the registry posts its notifications.
const Path = "/registry/events"

// DefaultMaxBody caps a notification body.
const DefaultMaxBody = 1 << 20

// DefaultTimeout bounds the store work of one request, well under the
// registry's endpoint timeout.
const DefaultTimeout = 4 * time.Second

// Store is what the receiver needs.
type Store interface {
	ApplyEvent(ctx context.Context, e store.RegistryEvent, ownerTeam string) (bool, error)
}

// Outcomes counted through Metrics, one per event (or per request when the
// request is refused before its events are read).
const (
	OutcomeApplied      = "applied"
	OutcomeDuplicate    = "duplicate"
	OutcomeIgnored      = "ignored"      // authenticated, not applicable (blob, unknown action, bad field)
	OutcomeRejected     = "rejected"     // a repository or tag name outside the grammar: never stored
	OutcomeMalformed    = "malformed"    // the envelope is not JSON
	OutcomeUnauthorized = "unauthorized" // wrong, missing or unconfigured secret
	OutcomeTooLarge     = "too_large"
	OutcomeUnavailable  = "unavailable" // the store failed; the registry retries
)

// Metrics counts outcomes; NewPrometheusMetrics is one implementation.
type Metrics interface {
	Event(outcome string)
}

// Deps configure the receiver.
type Deps struct {
	Store Store
	// Secret is the shared secret the registry sends as
	// "Authorization: Bearer <Secret>"; empty refuses every request.
	Secret string
	// MaxBody caps the body; 0 means DefaultMaxBody.
	MaxBody int64
	// OwnerTeam owns the namespaces that pushes create (the admins' team).
	OwnerTeam string
	Logger    *slog.Logger
	// Now stands in for events without a timestamp; nil means time.Now.
	Now func() time.Time
	// Timeout bounds the store work of one request; 0 means DefaultTimeout.
	Timeout time.Duration
	// Metrics is optional.
	Metrics Metrics
	// BatchWindow is how long the group commit waits for more requests
	// after the first (only when Store is a BatchStore); 0 means
	// DefaultBatchWindow, negative turns the group commit off.
	BatchWindow time.Duration
	// BatchWorkers is how many transactions may be in flight at once
	// (default 1: one writer, as SQLite has).
	BatchWorkers int
	// Enricher, when set, is handed every manifest a push recorded, once
	// the push is durable; it reads the manifest behind the answer and
	// must not block (enrich.Enricher).
	Enricher Enqueuer
	// SelfActor is the subject of the tokens the server mints for itself
	// (reserved: no login carries it): its reads — the enricher's, the
	// sync's — are not pulls.
	SelfActor string
}

// Enqueuer takes manifests to read later, without blocking.
type Enqueuer interface {
	Enqueue(refs ...store.ManifestRef)
}

// yielder is an Enqueuer that defers its own work while notifications are
// being answered (enrich.Enricher).
type yielder interface {
	Foreground() (done func())
}

// Receiver is the notification endpoint.
type Receiver struct {
	d    Deps
	want [sha256.Size]byte // SHA-256 of the expected Authorization value
	// batch is the group commit; nil: each event in its own transaction.
	batch *batcher
}

// New returns a receiver; see Deps for the defaults.
func New(d Deps) *Receiver {
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if d.BatchWindow == 0 {
		d.BatchWindow = DefaultBatchWindow
	}
	if d.BatchWorkers <= 0 {
		d.BatchWorkers = 1
	}
	r := &Receiver{d: d}
	if d.Secret != "" {
		r.want = sha256.Sum256([]byte("Bearer " + d.Secret))
	}
	if bs, ok := d.Store.(BatchStore); ok && d.BatchWindow > 0 {
		r.batch = newBatcher(bs, d.OwnerTeam, d.BatchWindow, DefaultBatchEvents, d.BatchWorkers, d.Timeout)
	}
	return r
}

// Close stops the group commit's workers; requests still arriving are
// applied on their own goroutines.
func (r *Receiver) Close(context.Context) error {
	if r.batch != nil {
		r.batch.close()
	}
	return nil
}

// Register mounts POST /registry/events on mux.
func (r *Receiver) Register(mux *http.ServeMux) {
	mux.Handle("POST "+Path, r)
}

func (r *Receiver) count(outcome string) {
	if r.d.Metrics != nil {
		r.d.Metrics.Event(outcome)
	}
}

// authorized compares SHA-256 digests in constant time, so neither the
// secret's content nor its length shows in the timing.
func (r *Receiver) authorized(req *http.Request) bool {
	if r.d.Secret == "" {
		return false
	}
	values := req.Header.Values("Authorization")
	if len(values) != 1 {
		return false
	}
	got := sha256.Sum256([]byte(values[0]))
	return subtle.ConstantTimeCompare(got[:], r.want[:]) == 1
}

type response struct {
	Applied   int `json:"applied"`
	Duplicate int `json:"duplicate"`
	Ignored   int `json:"ignored"`
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	log := r.d.Logger
	if !r.authorized(req) {
		r.count(OutcomeUnauthorized)
		log.WarnContext(req.Context(), "registry events: refused request", "reason", "bad or missing secret",
			"remote", req.RemoteAddr)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	if y, ok := r.d.Enricher.(yielder); ok {
		defer y.Foreground()()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.d.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			r.count(OutcomeTooLarge)
			log.WarnContext(req.Context(), "registry events: body too large", "limit", r.d.MaxBody)
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body too large"})
			return
		}
		// The connection broke mid-body; the registry will send it again.
		r.count(OutcomeUnavailable)
		log.WarnContext(req.Context(), "registry events: reading body", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unreadable body"})
		return
	}
	evs, skipped, err := DecodeEnvelope(body)
	if err != nil {
		r.count(OutcomeMalformed)
		log.WarnContext(req.Context(), "registry events: malformed envelope ignored", "err", err, "bytes", len(body))
		writeJSON(w, http.StatusOK, response{})
		return
	}
	var res response
	if r.d.SelfActor != "" {
		kept := evs[:0]
		for _, e := range evs {
			if e.Action == store.ActionPull && e.Actor == r.d.SelfActor {
				skipped = append(skipped, Skipped{ID: e.ID, Reason: "Dockmaster's own read, not a pull"})
				continue
			}
			kept = append(kept, e)
		}
		evs = kept
	}
	for _, s := range skipped {
		res.Ignored++
		if s.Rejected {
			r.count(OutcomeRejected)
			log.WarnContext(req.Context(), "registry events: event rejected", "id", strconv.Quote(s.ID), "reason", s.Reason)
			continue
		}
		r.count(OutcomeIgnored)
		log.DebugContext(req.Context(), "registry events: event ignored", "id", s.ID, "reason", s.Reason)
	}
	ctx, cancel := context.WithTimeout(req.Context(), r.d.Timeout)
	defer cancel()
	for i := range evs {
		if evs[i].Timestamp.IsZero() {
			evs[i].Timestamp = r.d.Now()
		}
	}
	var batched []bool
	if r.batch != nil && len(evs) > 0 {
		// Group commit: 2xx only once the transaction holding these
		// events has committed.
		if batched, err = r.batch.apply(ctx, evs); err != nil {
			log.ErrorContext(req.Context(), "registry events: store failed", "events", len(evs), "err", err)
			r.storeFailed(w)
			return
		}
	}
	for i, e := range evs {
		var applied bool
		if batched != nil {
			applied = batched[i]
		} else {
			applied, err = r.d.Store.ApplyEvent(ctx, e, r.d.OwnerTeam)
		}
		if err != nil {
			// Not durable: the registry must retry (events already applied
			// from this envelope are deduplicated by id then).
			log.ErrorContext(req.Context(), "registry events: store failed", "id", e.ID, "err", err)
			r.storeFailed(w)
			return
		}
		if applied {
			if e.Action == store.ActionPush && e.Digest != "" && r.d.Enricher != nil {
				r.d.Enricher.Enqueue(store.ManifestRef{Repository: e.Repository, Digest: e.Digest})
			}
			res.Applied++
			r.count(OutcomeApplied)
			log.DebugContext(req.Context(), "registry events: applied", "id", e.ID, "action", e.Action,
				"repository", e.Repository, "tag", e.Tag, "digest", e.Digest)
		} else {
			res.Duplicate++
			r.count(OutcomeDuplicate)
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// storeFailed answers 503: the events are not durable, the registry retries.
func (r *Receiver) storeFailed(w http.ResponseWriter) {
	r.count(OutcomeUnavailable)
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

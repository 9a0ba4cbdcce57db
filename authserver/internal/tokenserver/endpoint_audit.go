package tokenserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
)

// AuditAction is the action of every audit event the endpoint writes.
const AuditAction = "token.issue"

// maxAuditDetail bounds an event's Detail: 256 scopes of 500 bytes must not
// turn into a 128 KB row per request.
const maxAuditDetail = 4096

// auditDetail is the JSON in AuditEvent.Detail; never a secret.
type auditDetail struct {
	Service   string   `json:"service"`
	Method    string   `json:"method,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Refresh   string   `json:"refresh_token_id,omitempty"`
	Offline   bool     `json:"offline,omitempty"`
	Requested []string `json:"requested"`
	Granted   []string `json:"granted"`
	Reason    string   `json:"reason,omitempty"`
	Omitted   int      `json:"omitted_scopes,omitempty"`
}

func (e *Endpoint) recordIssue(r *http.Request, tr *tokenRequest, p authn.Principal, rt RefreshToken, requested []rbac.Scope, access []token.ResourceActions) {
	d := auditDetail{Service: tr.service, Method: p.Method, ClientID: clip(tr.clientID, maxClientIDBytes),
		Refresh: rt.ID, Offline: tr.offline, Requested: []string{}, Granted: []string{}}
	granted := map[[2]string][]string{}
	for _, ra := range access {
		granted[[2]string{ra.Type, ra.Name}] = ra.Actions
		d.Granted = append(d.Granted, scopeString([]token.ResourceActions{ra}))
	}
	outcome := "success"
	for _, s := range requested {
		d.Requested = append(d.Requested, s.String())
		have := granted[[2]string{s.Type, s.Name}]
		for _, a := range s.Actions {
			if !slices.Contains(have, a) && !slices.Contains(have, "*") {
				outcome = "denied"
			}
		}
	}
	e.audit.record(r.Context(), store.AuditEvent{
		Time: e.d.Now().UTC(), Actor: p.Name(), Source: e.d.ClientAddr(r), Action: AuditAction,
		Object: "service/" + tr.service, Outcome: outcome, Detail: d.marshal(),
	})
}

func (e *Endpoint) recordRefusal(r *http.Request, tr *tokenRequest, re *reqError) {
	actor := "anonymous"
	if tr.hasCreds && tr.username != "" {
		actor = clip(tr.username, maxUsernameBytes)
	}
	outcome := "denied"
	if re.status >= 500 {
		outcome = "error"
	}
	d := auditDetail{Service: clip(tr.service, 256), ClientID: clip(tr.clientID, maxClientIDBytes), Offline: tr.offline,
		Requested: []string{}, Granted: []string{}, Reason: re.msg}
	if re.status != http.StatusRequestEntityTooLarge {
		for _, s := range rbac.ParseScopes(tr.scopes) {
			d.Requested = append(d.Requested, s.String())
		}
	}
	e.audit.record(r.Context(), store.AuditEvent{
		Time: e.d.Now().UTC(), Actor: actor, Source: e.d.ClientAddr(r), Action: AuditAction,
		Object: "service/" + clip(tr.service, 256), Outcome: outcome, Detail: d.marshal(),
	})
}

// marshal encodes d within maxAuditDetail, halving the scope lists (and
// counting what was dropped) when it would not fit.
func (d auditDetail) marshal() string {
	for {
		b, _ := json.Marshal(d)
		if len(b) <= maxAuditDetail || len(d.Requested)+len(d.Granted) == 0 {
			return string(b)
		}
		if len(d.Requested) > 0 {
			keep := len(d.Requested) / 2
			d.Omitted += len(d.Requested) - keep
			d.Requested = d.Requested[:keep]
		} else {
			keep := len(d.Granted) / 2
			d.Omitted += len(d.Granted) - keep
			d.Granted = d.Granted[:keep]
		}
	}
}

// clip cuts s to at most n bytes on a rune boundary and drops control
// characters, so attacker-chosen text stays one short line in the audit.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// auditor writes audit events off the request path through a bounded
// buffer. When the buffer is full the request writes its own event: slower
// under overload, but no event is ever dropped.
//
// Recording appends under a mutex and wakes the writer only when the buffer
// was empty or has become full: a goroutine wake-up per request would, on a
// busy single-core server, make every request's goroutine wait behind the
// writer's.
type auditor struct {
	st       GrantStore
	log      *slog.Logger
	size     int
	interval time.Duration
	wake     chan struct{} // capacity 1: something for the writer to do
	done     chan struct{}

	mu       sync.Mutex
	buf      []store.AuditEvent
	spare    []store.AuditEvent
	closed   bool
	recorded uint64 // events ever buffered
	written  uint64 // of those, written (or failed and logged)
	waiters  []auditWaiter
}

// auditWaiter is a flush waiting until written reaches upTo.
type auditWaiter struct {
	upTo uint64
	done chan struct{}
}

// auditWriteTimeout bounds one write, so a hung database cannot wedge the queue.
const auditWriteTimeout = 10 * time.Second

func newAuditor(st GrantStore, log *slog.Logger, size int, interval time.Duration) *auditor {
	a := &auditor{st: st, log: log, size: size, interval: interval,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go a.run()
	return a
}

// maxAuditBatch is how many buffered events make the writer start at once
// instead of waiting out the interval.
const maxAuditBatch = 512

func (a *auditor) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run writes buffered events. It gathers what arrives within the batching
// interval after the first event (or until maxAuditBatch are buffered, a
// flush is asked for, or the auditor closes) and writes events that are
// identical but for their time — the same subject from the same address
// asking for the same thing: a CI fleet, a retry loop, a benchmark — as one
// event whose Detail carries "count" and "last". Nothing is dropped.
func (a *auditor) run() {
	defer close(a.done)
	var timer *time.Timer
	for {
		a.mu.Lock()
		for len(a.buf) == 0 && !a.closed && len(a.waiters) == 0 {
			a.mu.Unlock()
			<-a.wake
			a.mu.Lock()
		}
		urgent := a.closed || len(a.waiters) > 0 || len(a.buf) >= maxAuditBatch
		a.mu.Unlock()
		if !urgent && a.interval > 0 {
			if timer == nil {
				timer = time.NewTimer(a.interval)
			} else {
				timer.Reset(a.interval)
			}
			select {
			case <-timer.C:
			case <-a.wake: // full, flush or close
				timer.Stop()
			}
		}
		a.mu.Lock()
		batch, upTo, closed := a.buf, a.recorded, a.closed
		a.buf, a.spare = a.spare[:0], nil
		a.mu.Unlock()

		a.writeBatch(batch)

		a.mu.Lock()
		a.spare = batch[:0]
		a.written = upTo
		keep := a.waiters[:0]
		for _, w := range a.waiters {
			if w.upTo <= a.written {
				close(w.done)
			} else {
				keep = append(keep, w)
			}
		}
		a.waiters = keep
		finished := closed && len(a.buf) == 0
		a.mu.Unlock()
		if finished {
			return
		}
	}
}

type auditKey struct{ actor, source, action, object, outcome, detail string }

func (a *auditor) writeBatch(batch []store.AuditEvent) {
	type group struct {
		ev    store.AuditEvent
		count int
		last  time.Time
	}
	var order []auditKey
	groups := map[auditKey]*group{}
	for _, ev := range batch {
		k := auditKey{ev.Actor, ev.Source, ev.Action, ev.Object, ev.Outcome, ev.Detail}
		if g, ok := groups[k]; ok {
			g.count++
			g.last = ev.Time
			continue
		}
		groups[k] = &group{ev: ev, count: 1, last: ev.Time}
		order = append(order, k)
	}
	for _, k := range order {
		g := groups[k]
		ev := g.ev
		if g.count > 1 && strings.HasSuffix(ev.Detail, "}") {
			ev.Detail = strings.TrimSuffix(ev.Detail, "}") + `,"count":` + strconv.Itoa(g.count) +
				`,"last":"` + g.last.UTC().Format(time.RFC3339Nano) + `"}`
		}
		a.write(context.Background(), ev)
	}
}

func (a *auditor) write(ctx context.Context, ev store.AuditEvent) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWriteTimeout)
	defer cancel()
	if err := a.st.AppendAudit(ctx, ev); err != nil {
		// The event goes to the log instead, so it is not lost entirely.
		a.log.WarnContext(ctx, "audit write failed", "error", err, "actor", ev.Actor, "source", ev.Source,
			"action", ev.Action, "object", ev.Object, "outcome", ev.Outcome, "detail", ev.Detail)
	}
}

func (a *auditor) record(ctx context.Context, ev store.AuditEvent) {
	a.mu.Lock()
	if a.closed || len(a.buf) >= a.size {
		a.mu.Unlock()
		a.write(ctx, ev)
		return
	}
	a.buf = append(a.buf, ev)
	a.recorded++
	n := len(a.buf)
	a.mu.Unlock()
	if n == 1 || n == maxAuditBatch {
		a.signal()
	}
}

func (a *auditor) flush(ctx context.Context) error {
	a.mu.Lock()
	if a.closed || a.written >= a.recorded {
		a.mu.Unlock()
		return nil
	}
	w := auditWaiter{upTo: a.recorded, done: make(chan struct{})}
	a.waiters = append(a.waiters, w)
	a.mu.Unlock()
	a.signal()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *auditor) close(ctx context.Context) error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.signal()
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package token

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
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

func (e *Endpoint) recordIssue(r *http.Request, tr *tokenRequest, p authn.Principal, rt RefreshToken, requested []rbac.Scope, access []ResourceActions) {
	d := auditDetail{Service: tr.service, Method: p.Method, ClientID: clip(tr.clientID, maxClientIDBytes),
		Refresh: rt.ID, Offline: tr.offline, Requested: []string{}, Granted: []string{}}
	granted := map[[2]string][]string{}
	for _, ra := range access {
		granted[[2]string{ra.Type, ra.Name}] = ra.Actions
		d.Granted = append(d.Granted, scopeString([]ResourceActions{ra}))
	}
	outcome := "success"
	for _, s := range requested {
		d.Requested = append(d.Requested, s.String())
		have := granted[[2]string{s.Type, s.Name}]
		for _, a := range s.Actions {
			if !contains(have, a) && !contains(have, "*") {
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

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// auditor writes audit events off the request path through a bounded
// queue. When the queue is full the request writes its own event: slower
// under overload, but no event is ever dropped.
type auditor struct {
	st       GrantStore
	log      *slog.Logger
	ch       chan auditItem
	interval time.Duration

	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

type auditItem struct {
	e     store.AuditEvent
	flush chan struct{} // set for a flush marker instead of an event
}

// auditWriteTimeout bounds one write, so a hung database cannot wedge the queue.
const auditWriteTimeout = 10 * time.Second

func newAuditor(st GrantStore, log *slog.Logger, size int, interval time.Duration) *auditor {
	a := &auditor{st: st, log: log, ch: make(chan auditItem, size), interval: interval, done: make(chan struct{})}
	go a.run()
	return a
}

// maxAuditBatch bounds how many queued events one pass of the writer takes.
const maxAuditBatch = 512

// run writes queued events. It gathers what arrives within the batching
// interval after an event (or until the batch is full, a flush is asked for,
// or the queue closes) and writes events that are identical but for their
// time — the same subject from the same address asking for the same thing:
// a CI fleet, a retry loop, a benchmark — as one event whose Detail carries
// "count" and "last". Nothing is dropped.
func (a *auditor) run() {
	defer close(a.done)
	batch := make([]auditItem, 0, maxAuditBatch)
	var timer *time.Timer
	for it := range a.ch {
		batch = append(batch[:0], it)
		var deadline <-chan time.Time
		if a.interval > 0 {
			if timer == nil {
				timer = time.NewTimer(a.interval)
			} else {
				timer.Reset(a.interval)
			}
			deadline = timer.C
		}
	gather:
		for len(batch) < maxAuditBatch && batch[len(batch)-1].flush == nil {
			if deadline == nil {
				// No interval: take only what is already queued.
				select {
				case more, ok := <-a.ch:
					if !ok {
						break gather
					}
					batch = append(batch, more)
				default:
					break gather
				}
				continue
			}
			select {
			case more, ok := <-a.ch:
				if !ok {
					break gather
				}
				batch = append(batch, more)
			case <-deadline:
				deadline = nil
				break gather
			}
		}
		if timer != nil && deadline != nil && !timer.Stop() {
			<-timer.C
		}
		a.writeBatch(batch)
	}
}

type auditKey struct{ actor, source, action, object, outcome, detail string }

func (a *auditor) writeBatch(batch []auditItem) {
	type group struct {
		ev    store.AuditEvent
		count int
		last  time.Time
	}
	var order []auditKey
	groups := map[auditKey]*group{}
	for _, it := range batch {
		if it.flush != nil {
			continue
		}
		ev := it.e
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
	for _, it := range batch {
		if it.flush != nil {
			close(it.flush)
		}
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
	a.mu.RLock()
	if !a.closed {
		select {
		case a.ch <- auditItem{e: ev}:
			a.mu.RUnlock()
			return
		default:
		}
	}
	a.mu.RUnlock()
	a.write(ctx, ev)
}

func (a *auditor) flush(ctx context.Context) error {
	marker := make(chan struct{})
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		return nil
	}
	select {
	case a.ch <- auditItem{flush: marker}:
	case <-ctx.Done():
		a.mu.RUnlock()
		return ctx.Err()
	}
	a.mu.RUnlock()
	select {
	case <-marker:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *auditor) close(ctx context.Context) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.ch)
	}
	a.mu.Unlock()
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

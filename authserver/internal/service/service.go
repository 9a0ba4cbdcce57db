package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Deps is what the use cases need.
type Deps struct {
	Store  store.Store
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BcryptCost hashes new passwords; 0 means authn.MinBcryptCost.
	BcryptCost int
	// Registry, when set, is where repository and tag deletes act first
	// (the database follows once the registry has deleted). Nil: deletes
	// change the database only.
	Registry Registry
}

// Service runs the use cases. It holds no state of its own: every front
// end may build one over the same store.
type Service struct {
	st   store.Store
	log  *slog.Logger
	now  func() time.Time
	cost int
	reg  Registry
}

// New builds a Service, filling the defaults of d.
func New(d Deps) *Service {
	s := &Service{st: d.Store, log: d.Logger, now: d.Now, cost: d.BcryptCost, reg: d.Registry}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cost == 0 {
		s.cost = authn.MinBcryptCost
	}
	return s
}

// Actor is who acts, and from where (the audit records both).
type Actor struct {
	Principal authn.Principal
	// Source is the client's address as the front end resolved it.
	Source string
}

func (a Actor) subject() rbac.Subject { return a.Principal.Subject }

// UsersOnly refuses robots on use cases meant for people.
func UsersOnly(a Actor) error {
	if a.Principal.Subject.Kind != rbac.UserKind {
		return Forbidden("robot accounts cannot use this endpoint")
	}
	return nil
}

// Truncate cuts s to at most n bytes (for audit object names).
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// audit records an event by a. It never fails the use case: the change is
// already made; a lost audit row is logged loudly instead.
func (s *Service) audit(ctx context.Context, a Actor, action, object, outcome, detail string) {
	actor := "anonymous"
	if n := a.Principal.Subject.Name; n != "" {
		actor = n
	}
	e := store.AuditEvent{Time: s.now().UTC(), Actor: actor, Source: a.Source, Action: action, Object: object,
		Outcome: outcome, Detail: detail}
	if err := s.st.AppendAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "action", e.Action, "object", e.Object,
			"outcome", e.Outcome, "err", err)
	}
}

// deny audits a refused change and returns err.
func (s *Service) deny(ctx context.Context, a Actor, action, object string, err *Error) error {
	s.audit(ctx, a, action, object, "denied", err.Message)
	return err
}

// done audits a successful change.
func (s *Service) done(ctx context.Context, a Actor, action, object, detail string) {
	s.audit(ctx, a, action, object, "success", detail)
}

// failed audits a change the store refused (conflict, last owner, ...)
// and returns err; database faults are not the caller's doing and are
// logged by the front end instead.
func (s *Service) failed(ctx context.Context, a Actor, action, object string, err error) error {
	if e := AsError(err); e.Code != apiv1.CodeUnavailable && e.Code != apiv1.CodeInternal {
		s.audit(ctx, a, action, object, "error", e.Message)
	}
	return err
}

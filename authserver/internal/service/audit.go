package service

import (
	"context"
	"strconv"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// MaxAuditFilter is the longest actor, action or object filter of the
// audit log.
const MaxAuditFilter = 256

// MayReadAudit refuses, and audits, a who may not read the audit log:
// admins only.
func (s *Service) MayReadAudit(ctx context.Context, a Actor) error {
	if !rbac.CanReadAudit(a.subject()) {
		return s.deny(ctx, a, "audit.read", "audit", Forbidden("only admins read the audit log"))
	}
	return nil
}

// AuditQuery is a page of the audit log as a front end received it: times
// in RFC 3339, PageToken the id of the last event of the previous page.
type AuditQuery struct {
	Actor, Action, Object string
	Since, Until          string
	PageToken             string
	// Limit is the page size (> 0).
	Limit int
}

// Audit reads a page of the audit log, newest first, as a (MayReadAudit's
// rule), and the token of the next page ("" on the last).
func (s *Service) Audit(ctx context.Context, a Actor, q AuditQuery) ([]store.AuditEvent, string, error) {
	if err := s.MayReadAudit(ctx, a); err != nil {
		return nil, "", err
	}
	f := store.AuditFilter{Actor: q.Actor, Action: q.Action, Object: q.Object, Limit: q.Limit + 1}
	for _, p := range []struct {
		field, value string
		dst          *time.Time
	}{{"since", q.Since, &f.Since}, {"until", q.Until, &f.Until}} {
		if p.value != "" {
			t, err := time.Parse(time.RFC3339, p.value)
			if err != nil {
				return nil, "", Invalid(p.field, "%s must be an RFC 3339 time such as 2025-01-02T15:04:05Z", p.field)
			}
			*p.dst = t.UTC()
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return nil, "", Invalid("until", "until is before since")
	}
	for _, s := range []string{f.Actor, f.Action, f.Object} {
		if len(s) > MaxAuditFilter {
			return nil, "", Invalid("", "filters are limited to %d characters", MaxAuditFilter)
		}
	}
	if q.PageToken != "" {
		id, err := strconv.ParseInt(q.PageToken, 10, 64)
		if err != nil || id <= 0 {
			return nil, "", Invalid("page_token", "page_token is not a token this server issued")
		}
		f.BeforeID = id
	}
	events, err := s.st.ListAudit(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(events) > q.Limit {
		events = events[:q.Limit]
		next = strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	return events, next, nil
}

package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// detailf formats an audit detail; callers never pass secrets.
func detailf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, c *caller) error {
	if !rbac.CanReadAudit(c.p.Subject) {
		return a.deny(r, c, "audit.read", "audit", forbidden("only admins read the audit log"))
	}
	if err := checkQuery(r.URL.RawQuery); err != nil {
		return err
	}
	q := r.URL.Query()
	opt, err := pageParams(withoutToken(r))
	if err != nil {
		return err
	}
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"), Limit: opt.Limit + 1}
	for _, p := range []struct {
		field string
		dst   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.field); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return invalid(p.field, "%s must be an RFC 3339 time such as 2025-01-02T15:04:05Z", p.field)
			}
			*p.dst = t.UTC()
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return invalid("until", "until is before since")
	}
	for _, s := range []string{f.Actor, f.Action, f.Object} {
		if len(s) > maxQueryLength {
			return invalid("", "filters are limited to %d characters", maxQueryLength)
		}
	}
	if v := q.Get("page_token"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return invalid("page_token", "page_token is not a token this server issued")
		}
		f.BeforeID = id
	}
	events, err := a.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(events) > opt.Limit {
		events = events[:opt.Limit]
		next = strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, apiv1.Page[apiv1.AuditEvent]{Items: mapSlice(events, toAudit), NextPageToken: next})
	return nil
}

// withoutToken drops page_token (the audit log pages by id, not by name) so
// pageParams checks only the size.
func withoutToken(r *http.Request) *http.Request {
	q := r.URL.Query()
	q.Del("page_token")
	q.Del("q")
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	return r2
}

package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.MayReadAudit(r.Context(), c.actor()); err != nil {
		return err
	}
	if err := checkQuery(r.URL.RawQuery); err != nil {
		return err
	}
	q := r.URL.Query()
	opt, err := pageParams(withoutToken(r))
	if err != nil {
		return err
	}
	aq := service.AuditQuery{
		Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"),
		Since: q.Get("since"), Until: q.Get("until"), PageToken: q.Get("page_token"), Limit: opt.Limit}
	switch q.Get("format") {
	case "", "json":
	case "csv":
		// Every event the filters match from page_token on, up to
		// service.MaxAuditCSVRows; page_size does not apply.
		events, err := a.svc.AuditCSVRows(r.Context(), c.actor(), aq)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="dockmaster-audit.csv"`)
		return service.WriteAuditCSV(w, events)
	default:
		return invalid("format", "format must be json or csv")
	}
	events, next, err := a.svc.Audit(r.Context(), c.actor(), aq)
	if err != nil {
		return err
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
	q.Del("format")
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	return r2
}

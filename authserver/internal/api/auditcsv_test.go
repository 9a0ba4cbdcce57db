package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

func TestAuditCSV(t *testing.T) {
	h := newHarness(t)
	bob := h.user("bob", false)
	ctx := context.Background()
	for _, e := range []store.AuditEvent{
		{Action: "team.create", Object: "team/a", Actor: "admin", Outcome: "success"},
		{Action: "team.create", Object: "team/b", Actor: "=cmd|' /C calc'!A0", Outcome: "success", Detail: "a,b\n\"c\""},
		{Action: "user.create", Object: "user/x", Actor: "admin", Outcome: "success"},
	} {
		e.Time = time.Now()
		if err := h.st.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	r := h.do(h.admin, http.MethodGet, "/api/v1/audit?format=csv&action=team.create", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	body := string(r.body)
	if !strings.HasPrefix(body, "id,time,actor,source,action,object,outcome,detail\n") ||
		!strings.Contains(body, "team/a") || !strings.Contains(body, "team/b") || strings.Contains(body, "user/x") {
		t.Fatalf("csv body:\n%s", body)
	}
	// A formula is defused and a field with commas, quotes and newlines is quoted.
	if !strings.Contains(body, `'=cmd|' /C calc'!A0`) || !strings.Contains(body, "\"a,b\n\"\"c\"\"\"") {
		t.Fatalf("csv escaping:\n%s", body)
	}
	expect(t, h.do(h.admin, http.MethodGet, "/api/v1/audit?format=xml", nil), http.StatusBadRequest, "format")
	expect(t, h.do(bob, http.MethodGet, "/api/v1/audit?format=csv", nil), http.StatusForbidden, "")
}

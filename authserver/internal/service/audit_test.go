package service_test

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestAuditRules: only admins read the audit log (a refusal is itself
// audited); filters are checked; pages follow the ids.
func TestAuditRules(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false)
	robot := actor(rbac.RobotKind, "robot$ci", false)

	_, _, err := svc.Audit(ctx, alice, service.AuditQuery{Limit: 10})
	wantCode(t, "user reads the audit log", err, apiv1.CodeForbidden, "")
	err = svc.MayReadAudit(ctx, robot)
	wantCode(t, "robot reads the audit log", err, apiv1.CodeForbidden, "")
	if err := svc.MayReadAudit(ctx, root); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		what  string
		q     service.AuditQuery
		field string
	}{
		{"bad since", service.AuditQuery{Since: "yesterday"}, "since"},
		{"bad until", service.AuditQuery{Until: "2025-01-02"}, "until"},
		{"until before since", service.AuditQuery{Since: "2025-01-02T00:00:00Z", Until: "2025-01-01T00:00:00Z"}, "until"},
		{"long filter", service.AuditQuery{Object: string(make([]byte, service.MaxAuditFilter+1))}, ""},
		{"bad token", service.AuditQuery{PageToken: "0"}, "page_token"},
		{"foreign token", service.AuditQuery{PageToken: "abc"}, "page_token"},
	} {
		c.q.Limit = 10
		_, _, err := svc.Audit(ctx, root, c.q)
		wantCode(t, c.what, err, apiv1.CodeInvalidArgument, c.field)
	}

	// The two denials above are in the log; page through them one by one.
	q := service.AuditQuery{Action: "audit.read", Limit: 1}
	first, next, err := svc.Audit(ctx, root, q)
	if err != nil || len(first) != 1 || next == "" || first[0].Outcome != "denied" || first[0].Actor != "robot$ci" {
		t.Fatalf("first page: %+v, %q, %v", first, next, err)
	}
	q.PageToken = next
	second, next, err := svc.Audit(ctx, root, q)
	if err != nil || len(second) != 1 || second[0].Actor != "alice" || next != "" {
		t.Fatalf("second and last page: %+v, %q, %v", second, next, err)
	}
	all, err := st.ListAudit(ctx, store.AuditFilter{Action: "audit.read"})
	if err != nil || len(all) != 2 {
		t.Fatalf("audit.read events: %+v, %v", all, err)
	}
}

package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// rbac is what the RBAC fixture made: a private namespace "devs" owned by
// team "devs", alice a contributor, bob a viewer, alice's application token
// and a robot with contributor rights on devs.
type rbac struct {
	namespace   string
	alice, bob  credentials
	aliceToken  string // application token (dmt_…), acts as alice
	robot       credentials
	adminClient *client.Client
}

type credentials struct{ user, pass string }

// applyRBAC creates the users, team, namespace, application token and robot
// the test needs, through the REST API as the stack's admin.
//
// It is the one place to swap for applying examples/rbac through the
// dockmaster/dockmaster provider (with the stack's provider_config output)
// once that provider exists: the rest of the test only reads the returned
// rbac value.
func applyRBAC(ctx context.Context, tb testing.TB, endpoint string, admin credentials, hc *http.Client) rbac {
	tb.Helper()
	c, err := client.New(endpoint, client.WithBasic(admin.user, admin.pass), client.WithHTTPClient(hc))
	if err != nil {
		tb.Fatalf("client: %v", err)
	}
	r := rbac{
		namespace:   "devs",
		alice:       credentials{"alice", "alice-e2e-password-1"},
		bob:         credentials{"bob", "bob-e2e-password-12"},
		adminClient: c,
	}
	for _, u := range []credentials{r.alice, r.bob} {
		if _, err := c.CreateUser(ctx, apiv1.CreateUser{Username: u.user, Password: u.pass, Email: u.user + "@example.test"}); err != nil {
			tb.Fatalf("create user %s: %v", u.user, err)
		}
	}
	if _, err := c.CreateTeam(ctx, apiv1.CreateTeam{Name: "devs", Description: "e2e"}); err != nil {
		tb.Fatalf("create team: %v", err)
	}
	for _, m := range []apiv1.AddMember{{Username: "alice", Role: "contributor"}, {Username: "bob", Role: "viewer"}} {
		if _, err := c.AddMember(ctx, "devs", m); err != nil {
			tb.Fatalf("add member %s: %v", m.Username, err)
		}
	}
	if _, err := c.CreateNamespace(ctx, apiv1.CreateNamespace{Name: r.namespace, Team: "devs", Visibility: "private"}); err != nil {
		tb.Fatalf("create namespace: %v", err)
	}
	ac, err := client.New(endpoint, client.WithBasic(r.alice.user, r.alice.pass), client.WithHTTPClient(hc))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := ac.CreateToken(ctx, "alice", apiv1.CreateToken{Name: "e2e-laptop"})
	if err != nil {
		tb.Fatalf("create application token: %v", err)
	}
	r.aliceToken = tok.Secret
	robot, err := c.CreateRobot(ctx, apiv1.CreateRobot{
		Name:   "ci",
		Team:   "devs",
		Access: []apiv1.RobotAccess{{Namespace: r.namespace, Role: "contributor"}},
	})
	if err != nil {
		tb.Fatalf("create robot: %v", err)
	}
	r.robot = credentials{robot.Name, robot.Secret}
	if r.aliceToken == "" || r.robot.pass == "" {
		tb.Fatal("the API returned no secret for the application token or the robot")
	}
	return r
}

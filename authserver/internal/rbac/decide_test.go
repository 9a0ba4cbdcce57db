package rbac

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Subjects of the matrix, one per kind of caller the design names.
var (
	anon          = Subject{Kind: Anonymous}
	alice         = Subject{Kind: UserKind, Name: "alice", Enabled: true}
	carol         = Subject{Kind: UserKind, Name: "carol", Enabled: true, Admin: true}
	disabledUser  = Subject{Kind: UserKind, Name: "dave", Enabled: false}
	disabledAdmin = Subject{Kind: UserKind, Name: "erin", Enabled: false, Admin: true}
	robot         = Subject{Kind: RobotKind, Name: "robot$ci", Enabled: true}
	robotUntil    = Subject{Kind: RobotKind, Name: "robot$tmp", Enabled: true, ExpiresAt: now.Add(time.Hour)}
	expiredRobot  = Subject{Kind: RobotKind, Name: "robot$old", Enabled: true, ExpiresAt: now.Add(-time.Second)}
	disabledRobot = Subject{Kind: RobotKind, Name: "robot$off", Enabled: false}
)

var matrixSubjects = map[string]Subject{
	"anonymous":       anon,
	"user":            alice,
	"admin":           carol,
	"disabled-user":   disabledUser,
	"disabled-admin":  disabledAdmin,
	"robot":           robot,
	"robot-unexpired": robotUntil,
	"expired-robot":   expiredRobot,
	"disabled-robot":  disabledRobot,
}

// The oracle below is written from the design's tables, independently of
// decide.go: one small table per rule, combined the way the prose says.

// roleRow is one row of the design's "Roles → registry actions" table.
type roleRow struct {
	pull, push bool
	// del: may delete whenever delete is on; delIfAllowed: only when the
	// settings also let contributors delete.
	del, delIfAllowed bool
}

var roleTable = map[Role]roleRow{
	RoleNone:        {},
	RoleViewer:      {pull: true},
	RoleContributor: {pull: true, push: true, delIfAllowed: true},
	RoleOwner:       {pull: true, push: true, del: true},
}

// visibilityPull says who pulls by visibility alone (no role needed).
func visibilityPull(v Visibility, k SubjectKind, anonymousPull bool) bool {
	switch v {
	case Public: // anyone, even anonymous when anonymous pulls are on
		return k != Anonymous || anonymousPull
	case Protected: // any signed-in user (robots hold only their grants)
		return k == UserKind
	default: // private: members and grantees only
		return false
	}
}

// pushPolicyAllows applies the site push policy to a subject that the role
// table already lets push.
func pushPolicyAllows(p PushPolicy, s Subject, t Target) bool {
	switch p {
	case AllowTeams:
		return true
	case AllowPersonal:
		return s.Kind == UserKind && t.Kind == KindPersonal && t.Namespace == s.Name
	default: // admin-only, or anything unknown
		return false
	}
}

func oracle(s Subject, t Target, p Policy) []Action {
	var pull, push, del bool
	active := false
	switch s.Kind {
	case Anonymous:
		active = true
	case UserKind:
		active = s.Enabled
	case RobotKind:
		active = s.Enabled && (s.ExpiresAt.IsZero() || s.ExpiresAt.After(now))
	}
	switch {
	case !active:
		// Disabled users, disabled or expired robots get nothing at all.
	case s.Kind == UserKind && s.Admin:
		// Admin: everything everywhere; deletes still need delete on.
		pull, push, del = true, true, p.DeleteEnabled
	case t.Kind == KindGlobal:
		// Admins push; everyone signed in pulls.
		pull = s.Kind == UserKind || s.Kind == RobotKind
	case t.Kind != KindTeam && t.Kind != KindPersonal:
		// A kind of namespace the design does not name: deny by default.
	default:
		role := RoleNone
		if s.Kind != Anonymous && t.Exists {
			role = t.Role
		}
		row := roleTable[role]
		pull = row.pull || (t.Exists && visibilityPull(t.Visibility, s.Kind, p.AnonymousPull))
		push = row.push && pushPolicyAllows(p.PushPolicy, s, t)
		del = p.DeleteEnabled && (row.del || (row.delIfAllowed && p.ContributorsMayDelete))
	}
	var out []Action
	for _, a := range []struct {
		ok  bool
		act Action
	}{{pull, Pull}, {push, Push}, {del, Delete}} {
		if a.ok {
			out = append(out, a.act)
		}
	}
	return out
}

// targetShape is a namespace relative to the subject asking.
type targetShape struct {
	name   string
	kind   NamespaceKind
	own    bool // personal namespace named after the subject
	exists bool
}

var targetShapes = []targetShape{
	{"global", KindGlobal, false, true},
	{"team", KindTeam, false, true},
	{"team-missing", KindTeam, false, false},
	{"personal-own", KindPersonal, true, true},
	{"personal-own-missing", KindPersonal, true, false},
	{"personal-other", KindPersonal, false, true},
	{"personal-other-missing", KindPersonal, false, false},
	{"unknown-kind", NamespaceKind("weird"), false, true},
}

func (ts targetShape) target(s Subject, role Role, vis Visibility) Target {
	t := Target{Kind: ts.kind, Visibility: vis, Exists: ts.exists, Role: role}
	switch {
	case ts.kind == KindGlobal:
		t.Namespace = ""
	case ts.kind != KindPersonal:
		t.Namespace = "devs"
	case ts.own:
		t.Namespace = s.Name
	default:
		t.Namespace = "bob"
	}
	return t
}

func TestDecideMatrix(t *testing.T) {
	roles := []Role{RoleNone, RoleViewer, RoleContributor, RoleOwner}
	n := 0
	for sname, s := range matrixSubjects {
		for _, role := range roles {
			for _, vis := range Visibilities {
				for _, ts := range targetShapes {
					for _, pp := range PushPolicies {
						for _, anonPull := range []bool{false, true} {
							for _, delOn := range []bool{false, true} {
								for _, contribDel := range []bool{false, true} {
									tg := ts.target(s, role, vis)
									p := Policy{PushPolicy: pp, AnonymousPull: anonPull, DeleteEnabled: delOn, ContributorsMayDelete: contribDel}
									got := Decide(now, s, tg, p)
									want := oracle(s, tg, p)
									n++
									if !slices.Equal(got, want) {
										t.Errorf("subject=%s role=%q vis=%s ns=%s push=%s anon-pull=%v delete=%v contributors-delete=%v: got %v, want %v",
											sname, role, vis, ts.name, pp, anonPull, delOn, contribDel, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if want := len(matrixSubjects) * 4 * 3 * len(targetShapes) * 3 * 8; n != want {
		t.Fatalf("ran %d cases, want %d", n, want)
	}
}

func TestDecideNamedCases(t *testing.T) {
	def := Policy{PushPolicy: AllowTeams, AnonymousPull: true, DeleteEnabled: true}
	team := func(vis Visibility, role Role) Target {
		return Target{Namespace: "devs", Kind: KindTeam, Visibility: vis, Exists: true, Role: role}
	}
	own := Target{Namespace: "alice", Kind: KindPersonal, Visibility: Private, Exists: true, Role: RoleOwner}
	global := Target{Kind: KindGlobal, Exists: true}
	with := func(f func(*Policy)) Policy { p := def; f(&p); return p }
	A := func(a ...Action) []Action { return a }

	tests := []struct {
		name string
		s    Subject
		t    Target
		p    Policy
		want []Action
	}{
		{"anonymous pulls public with anonymous pulls on", anon, team(Public, RoleNone), def, A(Pull)},
		{"anonymous gets nothing from public with anonymous pulls off", anon, team(Public, RoleNone), with(func(p *Policy) { p.AnonymousPull = false }), nil},
		{"anonymous gets nothing from protected", anon, team(Protected, RoleNone), def, nil},
		{"anonymous gets nothing from private", anon, team(Private, RoleNone), def, nil},
		{"anonymous gets nothing from global", anon, global, def, nil},
		{"anonymous role from the store is ignored", anon, team(Private, RoleOwner), def, nil},
		{"signed-in user pulls public with anonymous pulls off", alice, team(Public, RoleNone), with(func(p *Policy) { p.AnonymousPull = false }), A(Pull)},
		{"signed-in user pulls protected", alice, team(Protected, RoleNone), def, A(Pull)},
		{"robot without grant gets nothing from protected", robot, team(Protected, RoleNone), def, nil},
		{"robot without grant pulls public", robot, team(Public, RoleNone), def, A(Pull)},
		{"non-member gets nothing from private", alice, team(Private, RoleNone), def, nil},
		{"viewer pulls private", alice, team(Private, RoleViewer), def, A(Pull)},
		{"contributor pushes under allow-teams", alice, team(Private, RoleContributor), def, A(Pull, Push)},
		{"contributor deletes when contributors may delete", alice, team(Private, RoleContributor), with(func(p *Policy) { p.ContributorsMayDelete = true }), A(Pull, Push, Delete)},
		{"contributor may not delete when contributors may not", alice, team(Private, RoleContributor), def, A(Pull, Push)},
		{"owner deletes", alice, team(Private, RoleOwner), def, A(Pull, Push, Delete)},
		{"owner may not delete with delete off", alice, team(Private, RoleOwner), with(func(p *Policy) { p.DeleteEnabled = false }), A(Pull, Push)},
		{"owner of team may not push under allow-personal", alice, team(Private, RoleOwner), with(func(p *Policy) { p.PushPolicy = AllowPersonal }), A(Pull, Delete)},
		{"user pushes own personal under allow-personal", alice, own, with(func(p *Policy) { p.PushPolicy = AllowPersonal }), A(Pull, Push, Delete)},
		{"grantee on someone else's personal may not push under allow-personal", alice,
			Target{Namespace: "bob", Kind: KindPersonal, Visibility: Private, Exists: true, Role: RoleContributor},
			with(func(p *Policy) { p.PushPolicy = AllowPersonal }), A(Pull)},
		{"owner may not push under admin-only", alice, own, with(func(p *Policy) { p.PushPolicy = AdminOnly }), A(Pull, Delete)},
		{"admin pushes under admin-only", carol, team(Private, RoleNone), with(func(p *Policy) { p.PushPolicy = AdminOnly }), A(Pull, Push, Delete)},
		{"admin pushes to the global namespace", carol, global, def, A(Pull, Push, Delete)},
		{"admin may not delete with delete off", carol, team(Private, RoleNone), with(func(p *Policy) { p.DeleteEnabled = false }), A(Pull, Push)},
		{"admin pushes into a namespace that does not exist yet", carol, Target{Namespace: "new", Kind: KindTeam, Visibility: Private}, def, A(Pull, Push, Delete)},
		{"user only pulls global even as owner role", alice, Target{Kind: KindGlobal, Exists: true, Role: RoleOwner}, def, A(Pull)},
		{"robot pulls global", robot, global, def, A(Pull)},
		{"robot with contributor grant pushes", robot, team(Private, RoleContributor), def, A(Pull, Push)},
		{"robot never pushes under allow-personal", robot, team(Private, RoleOwner), with(func(p *Policy) { p.PushPolicy = AllowPersonal }), A(Pull, Delete)},
		{"role on a namespace that does not exist is ignored", alice, Target{Namespace: "ghost", Kind: KindTeam, Visibility: Public, Role: RoleOwner}, def, nil},
		{"disabled user gets nothing even from public", disabledUser, team(Public, RoleOwner), def, nil},
		{"disabled admin gets nothing", disabledAdmin, global, def, nil},
		{"expired robot gets nothing", expiredRobot, team(Public, RoleOwner), def, nil},
		{"robot expiring exactly now gets nothing", Subject{Kind: RobotKind, Name: "robot$x", Enabled: true, ExpiresAt: now}, team(Public, RoleOwner), def, nil},
		{"disabled robot gets nothing", disabledRobot, team(Public, RoleOwner), def, nil},
		{"robot with admin flag is not an admin", Subject{Kind: RobotKind, Name: "robot$x", Enabled: true, Admin: true}, team(Private, RoleNone), def, nil},
		{"team kind never requests", Subject{Kind: TeamKind, Name: "devs", Enabled: true}, team(Public, RoleOwner), def, nil},
		{"unknown subject kind gets nothing", Subject{Kind: "wizard", Name: "x", Enabled: true, Admin: true}, team(Public, RoleOwner), def, nil},
		{"unknown role grants nothing beyond visibility", alice, team(Private, Role("superuser")), def, nil},
		{"unknown visibility grants nothing", alice, team(Visibility("open"), RoleNone), def, nil},
		{"unknown push policy denies push", alice, team(Private, RoleOwner), with(func(p *Policy) { p.PushPolicy = "everyone" }), A(Pull, Delete)},
		{"unknown namespace kind grants nothing", alice, Target{Namespace: "x", Kind: "weird", Visibility: Public, Exists: true, Role: RoleOwner}, def, nil},
		{"unknown namespace kind still lets admins in", carol, Target{Namespace: "x", Kind: "weird", Exists: true}, def, A(Pull, Push, Delete)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(now, tt.s, tt.t, tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("Decide = %v, want %v", got, tt.want)
			}
			// The oracle must agree with the hand-written expectations too,
			// or the matrix test proves nothing.
			if got := oracle(tt.s, tt.t, tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("oracle = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHighest(t *testing.T) {
	tests := []struct {
		in   []Role
		want Role
	}{
		{nil, RoleNone},
		{[]Role{RoleNone}, RoleNone},
		{[]Role{RoleViewer}, RoleViewer},
		{[]Role{RoleViewer, RoleOwner, RoleContributor}, RoleOwner},
		{[]Role{RoleContributor, RoleViewer}, RoleContributor},
		{[]Role{"bogus", RoleViewer}, RoleViewer},
		{[]Role{"bogus"}, RoleNone},
		{[]Role{RoleOwner, RoleOwner}, RoleOwner},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			if got := Highest(tt.in...); got != tt.want {
				t.Errorf("Highest(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAtLeast(t *testing.T) {
	all := []Role{RoleNone, RoleViewer, RoleContributor, RoleOwner, "bogus"}
	rank := map[Role]int{RoleViewer: 1, RoleContributor: 2, RoleOwner: 3}
	for _, r := range all {
		for _, min := range all {
			want := rank[min] > 0 && rank[r] >= rank[min]
			if got := r.AtLeast(min); got != want {
				t.Errorf("%q.AtLeast(%q) = %v, want %v", r, min, got, want)
			}
		}
	}
	if RoleNone.AtLeast(RoleNone) {
		t.Error("a missing requirement must fail closed")
	}
}

func TestValidEnums(t *testing.T) {
	for _, r := range Roles {
		if !r.Valid() {
			t.Errorf("%q.Valid() = false", r)
		}
	}
	for _, r := range []Role{RoleNone, "admin", "Owner"} {
		if r.Valid() {
			t.Errorf("%q.Valid() = true", r)
		}
	}
	for _, v := range Visibilities {
		if !v.Valid() {
			t.Errorf("%q.Valid() = false", v)
		}
	}
	for _, v := range []Visibility{"", "internal", "Public"} {
		if v.Valid() {
			t.Errorf("%q.Valid() = true", v)
		}
	}
	for _, p := range PushPolicies {
		if !p.Valid() {
			t.Errorf("%q.Valid() = false", p)
		}
	}
	for _, p := range []PushPolicy{"", "everyone"} {
		if p.Valid() {
			t.Errorf("%q.Valid() = true", p)
		}
	}
}

func TestActive(t *testing.T) {
	tests := []struct {
		name string
		s    Subject
		want bool
	}{
		{"anonymous", anon, true},
		{"user", alice, true},
		{"disabled user", disabledUser, false},
		{"robot without expiry", robot, true},
		{"robot before expiry", robotUntil, true},
		{"robot at expiry", Subject{Kind: RobotKind, Enabled: true, ExpiresAt: now}, false},
		{"expired robot", expiredRobot, false},
		{"disabled robot", disabledRobot, false},
		{"team", Subject{Kind: TeamKind, Enabled: true}, false},
		{"empty kind", Subject{Enabled: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Active(now); got != tt.want {
				t.Errorf("Active = %v, want %v", got, tt.want)
			}
		})
	}
}

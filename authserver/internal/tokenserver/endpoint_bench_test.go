package tokenserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/tokenserver"
)

// memStore is the no-database reference: the same facts as the SQLite
// fixture of the benchmark, in maps.
type memStore struct {
	mu       sync.Mutex
	users    map[string]store.User
	ns       map[string]store.Namespace
	roles    map[string]rbac.Role // ns + "\x00" + user
	settings store.Settings
	audits   int
}

func (m *memStore) GetSettings(context.Context) (store.Settings, error) { return m.settings, nil }
func (m *memStore) GetNamespace(_ context.Context, name string) (store.Namespace, error) {
	if n, ok := m.ns[name]; ok {
		return n, nil
	}
	return store.Namespace{}, store.ErrNotFound
}
func (m *memStore) NamespaceAccess(ctx context.Context, ns string, _ rbac.SubjectKind, name string) (store.Namespace, []rbac.Role, error) {
	n, err := m.GetNamespace(ctx, ns)
	if r, ok := m.roles[ns+"\x00"+name]; ok && err == nil {
		return n, []rbac.Role{r}, nil
	}
	return n, nil, err
}
func (m *memStore) GetUser(_ context.Context, name string) (store.User, error) {
	if u, ok := m.users[name]; ok {
		return u, nil
	}
	return store.User{}, store.ErrNotFound
}
func (m *memStore) GetRobot(context.Context, string) (store.Robot, error) {
	return store.Robot{}, store.ErrNotFound
}
func (m *memStore) GetRobotBySecretHash(context.Context, string) (store.Robot, error) {
	return store.Robot{}, store.ErrNotFound
}
func (m *memStore) GetTokenByHash(context.Context, string) (store.Token, error) {
	return store.Token{}, store.ErrNotFound
}
func (m *memStore) TouchToken(context.Context, string, time.Time) error { return nil }
func (m *memStore) AppendAudit(context.Context, store.AuditEvent) error {
	m.mu.Lock()
	m.audits++
	m.mu.Unlock()
	return nil
}

// noAudit drops audit events: the cost of everything but the audit trail.
type noAudit struct{ tokenserver.GrantStore }

func (noAudit) AppendAudit(context.Context, store.AuditEvent) error { return nil }

// BenchmarkEndpoint compares a credentialed push+pull token request over
// SQLite with the same request over memStore (the reference rate). The
// goal is sqlite ≥ 60 % of memory's requests per second; sqlite-noaudit
// shows what the audit trail costs on top of the reads:
//
//	go test -run '^$' -bench Endpoint -cpu 2 ./authserver/internal/token/
//
// "handler" calls the mux directly; "http" goes through a loopback HTTP
// server and client, as the registry's clients do.
func BenchmarkEndpoint(b *testing.B) {
	hash, err := authn.HashPassword(password, authn.MinBcryptCost)
	if err != nil {
		b.Fatal(err)
	}
	users := []store.User{{Username: "bob", PasswordHash: hash, Enabled: true}}
	ctx := context.Background()
	for _, bc := range []struct{ kind, via string }{
		{"memory", "handler"}, {"sqlite", "handler"}, {"sqlite-noaudit", "handler"},
		{"memory", "http"}, {"sqlite", "http"}, {"sqlite-noaudit", "http"},
	} {
		kind := bc.kind
		b.Run(bc.kind+"/"+bc.via, func(b *testing.B) {
			var gs tokenserver.GrantStore
			var as authn.Store
			switch kind {
			case "memory":
				m := &memStore{users: map[string]store.User{}, ns: map[string]store.Namespace{
					"devs": {Name: "devs", Team: "devs", Visibility: rbac.Private}},
					roles: map[string]rbac.Role{"devs\x00bob": rbac.RoleContributor}, settings: store.DefaultSettings()}
				for _, u := range users {
					m.users[u.Username] = u
				}
				gs, as = m, m
			case "sqlite", "sqlite-noaudit":
				st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "db.sqlite"))
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				for _, u := range users {
					if err := st.CreateUser(ctx, u); err != nil {
						b.Fatal(err)
					}
				}
				_ = st.CreateTeam(ctx, store.Team{Name: "devs"}, "bob")
				_ = st.CreateNamespace(ctx, store.Namespace{Name: "devs", Team: "devs", Visibility: rbac.Private})
				gs, as = st, st
				if kind == "sqlite-noaudit" {
					gs = noAudit{st}
				}
			}
			kr := token.NewKeyring(token.NewMemoryKeyStore(), issuer)
			_, _ = kr.Ensure(ctx, token.KeySpec{Alg: token.AlgES256}, time.Now())
			m, _ := token.NewMinter(kr, token.MinterConfig{Issuer: issuer})
			lim, _ := throttle.NewMemory(throttle.Config{})
			ep := tokenserver.NewEndpoint(tokenserver.EndpointDeps{Store: gs, Auth: authn.New(as, authn.Options{Limiter: lim}), Keyring: kr, Minter: m,
				Refresh: tokenserver.NewMemoryRefreshStore(), Service: service})
			defer ep.Close(ctx)
			mux := http.NewServeMux()
			ep.Register(mux)
			target := "/auth/token?service=" + service + "&scope=repository:devs/app:pull,push"
			call := func() {
				r := httptest.NewRequest(http.MethodGet, target, nil)
				r.SetBasicAuth("bob", password)
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					panic(fmt.Sprintf("status %d: %s", w.Code, w.Body))
				}
			}
			if bc.via == "http" {
				srv := httptest.NewServer(mux)
				defer srv.Close()
				hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				call = func() {
					r, _ := http.NewRequest(http.MethodGet, srv.URL+target, nil)
					r.SetBasicAuth("bob", password)
					res, err := hc.Do(r)
					if err != nil {
						panic(err)
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						panic(fmt.Sprintf("status %d", res.StatusCode))
					}
				}
			}
			call() // warm the password cache: bcrypt is not what is measured
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					call()
				}
			})
			b.StopTimer()
			_ = ep.FlushAudit(ctx)
		})
	}
}

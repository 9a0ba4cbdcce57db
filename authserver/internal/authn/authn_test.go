package authn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// fakeStore is an in-memory Store. err, when set, is returned by every call;
// calls counts the calls so tests can assert the store was not touched.
type fakeStore struct {
	mu       sync.Mutex
	users    map[string]store.User
	tokens   map[string]store.Token // by hash
	robots   map[string]store.Robot // by name
	touched  map[string]time.Time
	err      error
	touchErr error
	calls    atomic.Int64
	// gate, when set, blocks GetUser until it is closed.
	gate chan struct{}
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		users:   map[string]store.User{},
		tokens:  map[string]store.Token{},
		robots:  map[string]store.Robot{},
		touched: map[string]time.Time{},
	}
}

func (f *fakeStore) GetUser(_ context.Context, username string) (store.User, error) {
	f.calls.Add(1)
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.User{}, f.err
	}
	u, ok := f.users[username]
	if !ok {
		return store.User{}, fmt.Errorf("user %q: %w", username, store.ErrNotFound)
	}
	return u, nil
}

func (f *fakeStore) GetTokenByHash(_ context.Context, hash string) (store.Token, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.Token{}, f.err
	}
	t, ok := f.tokens[hash]
	if !ok {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	return t, nil
}

func (f *fakeStore) GetRobot(_ context.Context, name string) (store.Robot, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.Robot{}, f.err
	}
	r, ok := f.robots[name]
	if !ok {
		return store.Robot{}, fmt.Errorf("robot %q: %w", name, store.ErrNotFound)
	}
	return r, nil
}

func (f *fakeStore) GetRobotBySecretHash(_ context.Context, hash string) (store.Robot, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.Robot{}, f.err
	}
	for _, r := range f.robots {
		if r.SecretHash == hash {
			return r, nil
		}
	}
	return store.Robot{}, fmt.Errorf("robot: %w", store.ErrNotFound)
}

func (f *fakeStore) TouchToken(_ context.Context, id string, at time.Time) error {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.touchErr != nil {
		return f.touchErr
	}
	for h, t := range f.tokens {
		if t.ID == id {
			t.LastUsedAt = at
			f.tokens[h] = t
		}
	}
	f.touched[id] = at
	return nil
}

func (f *fakeStore) setUser(u store.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.Username] = u
}

func (f *fakeStore) deleteUser(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, name)
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a store with one of each kind of credential.
type fixture struct {
	st       *fakeStore
	clk      *clock
	a        *Authenticator
	token    string // alice's token
	expired  string // alice's expired token
	bobToken string // disabled bob's token
	robot    string // robot$ci's secret
	robotOld string // robot$old's secret (expired)
	robotOff string // robot$off's secret (disabled)
}

var hashes sync.Map // password → bcrypt hash, computed once per test binary

// mustHash hashes pw at bcrypt's lowest cost: these tests are about the
// login flow, not the cost (TestHashPassword and
// TestDecoyCostIsConfiguredCost pin that), and a low cost keeps each
// mutant's test run of `make mutate` short.
func mustHash(t testing.TB, pw string) string {
	t.Helper()
	if h, ok := hashes.Load(pw); ok {
		return h.(string)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes.Store(pw, string(h))
	return string(h)
}

// newCheap is New with the decoy hash at bcrypt's lowest cost, for the
// tests of the flow (see mustHash); the production floor, MinBcryptCost,
// is pinned by TestDecoyCostIsConfiguredCost, which uses New itself.
func newCheap(st Store, opts Options) *Authenticator {
	a := New(st, opts)
	a.dummyCost = bcrypt.MinCost
	return a
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st := newFakeStore()
	clk := &clock{now: t0}
	f := &fixture{st: st, clk: clk, a: newCheap(st, Options{Now: clk.Now})}
	st.setUser(store.User{Username: "alice", PasswordHash: mustHash(t, "alice-pw"), Enabled: true})
	st.setUser(store.User{Username: "root", PasswordHash: mustHash(t, "root-pw"), Enabled: true, Admin: true})
	st.setUser(store.User{Username: "bob", PasswordHash: mustHash(t, "bob-pw"), Enabled: false})
	st.setUser(store.User{Username: "nopw", Enabled: true})

	var h string
	f.token, h = NewTokenSecret()
	st.tokens[h] = store.Token{ID: "tok1", Username: "alice", Hash: h}
	f.expired, h = NewTokenSecret()
	st.tokens[h] = store.Token{ID: "tok2", Username: "alice", Hash: h, ExpiresAt: t0}
	f.bobToken, h = NewTokenSecret()
	st.tokens[h] = store.Token{ID: "tok3", Username: "bob", Hash: h}
	orphan, h := NewTokenSecret()
	_ = orphan
	st.tokens[h] = store.Token{ID: "tok4", Username: "ghost", Hash: h}

	f.robot, h = NewRobotSecret()
	st.robots["robot$ci"] = store.Robot{Name: "robot$ci", SecretHash: h, Enabled: true, ExpiresAt: t0.Add(time.Hour)}
	f.robotOld, h = NewRobotSecret()
	st.robots["robot$old"] = store.Robot{Name: "robot$old", SecretHash: h, Enabled: true, ExpiresAt: t0}
	f.robotOff, h = NewRobotSecret()
	st.robots["robot$off"] = store.Robot{Name: "robot$off", SecretHash: h, Enabled: false}
	return f
}

func TestBasicAccepts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, user, secret string
		want               rbac.Subject
		method, tokenID    string
	}{
		{"password", "alice", "alice-pw", rbac.Subject{Kind: rbac.UserKind, Name: "alice", Enabled: true}, MethodPassword, ""},
		{"admin password", "root", "root-pw", rbac.Subject{Kind: rbac.UserKind, Name: "root", Enabled: true, Admin: true}, MethodPassword, ""},
		{"token", "alice", f.token, rbac.Subject{Kind: rbac.UserKind, Name: "alice", Enabled: true}, MethodToken, "tok1"},
		{"robot", "robot$ci", f.robot, rbac.Subject{Kind: rbac.RobotKind, Name: "robot$ci", Enabled: true, ExpiresAt: t0.Add(time.Hour)}, MethodRobot, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.a.Basic(ctx, "192.0.2.1", tt.user, tt.secret)
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != tt.want || p.Method != tt.method || p.TokenID != tt.tokenID || p.Name() != tt.want.Name {
				t.Errorf("got %+v", p)
			}
			if (p.User != nil) == (p.Robot != nil) {
				t.Errorf("want exactly one of User and Robot: %+v", p)
			}
		})
	}
}

func TestBearerAccepts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.a.Bearer(ctx, f.token)
	if err != nil || p.Name() != "alice" || p.Method != MethodToken || p.TokenID != "tok1" || p.User == nil {
		t.Errorf("token: %+v, %v", p, err)
	}
	p, err = f.a.Bearer(ctx, f.robot)
	if err != nil || p.Name() != "robot$ci" || p.Method != MethodRobot || p.Robot == nil {
		t.Errorf("robot: %+v, %v", p, err)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	_, otherToken := NewTokenSecret() // a hash, well-formed hex but unknown as a secret
	unknownToken, _ := NewTokenSecret()
	unknownRobot, _ := NewRobotSecret()
	tests := []struct {
		name   string
		bearer bool
		user   string
		secret string
		// untouched: refused before any store call.
		untouched bool
	}{
		{"unknown user", false, "mallory", "alice-pw", false},
		{"wrong password", false, "alice", "wrong", false},
		{"password of another user", false, "alice", "root-pw", false},
		{"disabled user, right password", false, "bob", "bob-pw", false},
		{"user without a password", false, "nopw", "anything", false},
		{"password case matters", false, "alice", "ALICE-PW", false},
		{"username case matters", false, "Alice", "alice-pw", false},
		{"password over 72 bytes with the right prefix", false, "alice", "alice-pw" + strings.Repeat("x", 70), true},
		{"empty password", false, "alice", "", true},
		{"blank password", false, "alice", " \t\n", true},
		{"NUL in password", false, "alice", "alice-pw\x00", true},
		{"NUL in username", false, "alice\x00", "alice-pw", true},
		{"empty username", false, "", "alice-pw", true},
		{"huge username", false, strings.Repeat("a", 300), "alice-pw", true},
		{"huge secret", false, "alice", strings.Repeat("a", 5000), true},
		{"token of another user", false, "root", f.token, false},
		{"token of a disabled user", false, "bob", f.bobToken, false},
		{"token of a deleted user", false, "ghost", "", true}, // secret filled below
		{"expired token", false, "alice", f.expired, false},
		{"unknown token", false, "alice", unknownToken, false},
		{"malformed token", false, "alice", "dmt_xyz", true},
		{"token with uppercase hex", false, "alice", strings.ToUpper(f.token[:4]) + f.token[4:], false},
		{"token hash as secret", false, "alice", "dmt_" + otherToken, false},
		{"robot with wrong secret", false, "robot$ci", unknownRobot, false},
		{"robot with another robot's secret", false, "robot$ci", f.robotOff, false},
		{"robot with a password", false, "robot$ci", "hunter2", true},
		{"robot with a token", false, "robot$ci", f.token, true},
		{"unknown robot", false, "robot$nope", f.robot, false},
		{"expired robot", false, "robot$old", f.robotOld, false},
		{"disabled robot", false, "robot$off", f.robotOff, false},
		{"bearer password", true, "", "alice-pw", true},
		{"bearer empty", true, "", "", true},
		{"bearer blank", true, "", "  ", true},
		{"bearer NUL", true, "", f.token + "\x00", true},
		{"bearer unknown token", true, "", unknownToken, false},
		{"bearer expired token", true, "", f.expired, false},
		{"bearer disabled user's token", true, "", f.bobToken, false},
		{"bearer malformed token", true, "", "dmt_abc", true},
		{"bearer unknown robot secret", true, "", unknownRobot, false},
		{"bearer expired robot", true, "", f.robotOld, false},
		{"bearer disabled robot", true, "", f.robotOff, false},
		{"bearer malformed robot secret", true, "", "dmr_" + strings.Repeat("g", 64), true},
	}
	// The deleted user's token.
	ghost := ""
	for h, tok := range f.st.tokens {
		if tok.Username == "ghost" {
			// Re-key it under a secret we know.
			delete(f.st.tokens, h)
			var nh string
			ghost, nh = NewTokenSecret()
			tok.Hash = nh
			f.st.tokens[nh] = tok
		}
	}
	for i := range tests {
		if tests[i].user == "ghost" {
			tests[i].secret, tests[i].untouched = ghost, false
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.st.calls.Load()
			var p Principal
			var err error
			if tt.bearer {
				p, err = f.a.Bearer(context.Background(), tt.secret)
			} else {
				p, err = f.a.Basic(context.Background(), "192.0.2.1", tt.user, tt.secret)
			}
			if err != ErrBadCredentials { //nolint:errorlint // the very same error, unwrapped, for every refusal
				t.Fatalf("err = %v, want exactly ErrBadCredentials", err)
			}
			if p != (Principal{}) {
				t.Errorf("principal %+v returned with a refusal", p)
			}
			if touched := f.st.calls.Load() != before; tt.untouched && touched {
				t.Error("the store was consulted")
			}
		})
	}
}

func TestStoreErrorsAreNotBadCredentials(t *testing.T) {
	f := newFixture(t)
	f.st.err = fmt.Errorf("dial tcp: %w", store.ErrUnavailable)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"password":     func() error { _, err := f.a.Basic(ctx, "192.0.2.1", "alice", "alice-pw"); return err },
		"token":        func() error { _, err := f.a.Basic(ctx, "192.0.2.1", "alice", f.token); return err },
		"robot":        func() error { _, err := f.a.Basic(ctx, "192.0.2.1", "robot$ci", f.robot); return err },
		"bearer token": func() error { _, err := f.a.Bearer(ctx, f.token); return err },
		"bearer robot": func() error { _, err := f.a.Bearer(ctx, f.robot); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			if errors.Is(err, ErrBadCredentials) || !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("err = %v, want a wrapped ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), "alice-pw") || strings.Contains(err.Error(), f.token) || strings.Contains(err.Error(), f.robot) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestUnknownUserRunsDummyCompare(t *testing.T) {
	f := newFixture(t)
	if _, err := f.a.Basic(context.Background(), "192.0.2.1", "mallory", "pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	if n := f.a.PasswordChecks(); n != 1 {
		t.Errorf("PasswordChecks = %d after an unknown user, want 1 (the dummy compare)", n)
	}
	if _, err := f.a.Basic(context.Background(), "192.0.2.1", "nopw", "pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	if n := f.a.PasswordChecks(); n != 2 {
		t.Errorf("PasswordChecks = %d after a user without password, want 2", n)
	}
}

func TestPasswordCache(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	login := func(pw string) error { _, err := f.a.Basic(ctx, "192.0.2.1", "alice", pw); return err }
	checks := func(want int64) {
		t.Helper()
		if got := f.a.PasswordChecks(); got != want {
			t.Errorf("PasswordChecks = %d, want %d", got, want)
		}
	}

	if err := login("alice-pw"); err != nil {
		t.Fatal(err)
	}
	checks(1)
	if err := login("alice-pw"); err != nil {
		t.Fatal(err)
	}
	checks(1) // cached

	// Failures are not cached: every wrong guess costs a compare.
	for range 2 {
		if err := login("wrong"); !errors.Is(err, ErrBadCredentials) {
			t.Fatal(err)
		}
	}
	checks(3)

	// The cache expires.
	f.clk.Add(61 * time.Second)
	if err := login("alice-pw"); err != nil {
		t.Fatal(err)
	}
	checks(4)

	// A changed password stops the old one at once, despite the cache.
	u := f.st.users["alice"]
	u.PasswordHash = mustHash(t, "new-pw")
	f.st.setUser(u)
	if err := login("alice-pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old password after change: %v", err)
	}
	if err := login("new-pw"); err != nil {
		t.Fatalf("new password: %v", err)
	}

	// Disabling refuses at once, even with the password cached.
	u = f.st.users["alice"]
	u.Enabled = false
	f.st.setUser(u)
	if err := login("new-pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("disabled: %v", err)
	}
	u.Enabled = true
	f.st.setUser(u)
	if err := login("new-pw"); err != nil {
		t.Fatalf("re-enabled: %v", err)
	}

	// So does deleting the user.
	f.st.deleteUser("alice")
	if err := login("new-pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("deleted: %v", err)
	}
	// And a user re-created under the same name with the same password hash
	// string is a fresh row read from the store: only that row counts.
	f.st.setUser(store.User{Username: "alice", PasswordHash: mustHash(t, "other"), Enabled: true})
	if err := login("new-pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("recreated: %v", err)
	}
}

func TestPasswordCacheDisabled(t *testing.T) {
	f := newFixture(t)
	f.a = newCheap(f.st, Options{Now: f.clk.Now, CacheTTL: -1})
	for range 2 {
		if _, err := f.a.Basic(context.Background(), "192.0.2.1", "alice", "alice-pw"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.a.PasswordChecks(); n != 2 {
		t.Errorf("PasswordChecks = %d, want 2 with the cache off", n)
	}
}

func TestPasswordCacheBounded(t *testing.T) {
	f := newFixture(t)
	f.a = newCheap(f.st, Options{Now: f.clk.Now, CacheSize: 2})
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		f.st.setUser(store.User{Username: u, PasswordHash: mustHash(t, "alice-pw"), Enabled: true})
		if _, err := f.a.Basic(context.Background(), "192.0.2.1", u, "alice-pw"); err != nil {
			t.Fatal(err)
		}
		f.a.mu.Lock()
		n := len(f.a.cache)
		f.a.mu.Unlock()
		if n > 2 {
			t.Fatalf("cache holds %d entries, bound is 2", n)
		}
	}
}

func TestSingleflight(t *testing.T) {
	f := newFixture(t)
	// Hold every caller in GetUser until all 50 have arrived, so they reach
	// the password check together.
	f.st.gate = make(chan struct{})
	const n = 50
	var arrived sync.WaitGroup
	arrived.Add(n)
	var done sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		done.Add(1)
		go func() {
			defer done.Done()
			arrived.Done()
			_, err := f.a.Basic(context.Background(), "192.0.2.1", "alice", "alice-pw")
			errs <- err
		}()
	}
	arrived.Wait()
	time.Sleep(10 * time.Millisecond) // let them block in GetUser
	close(f.st.gate)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.a.PasswordChecks(); got != 1 {
		t.Errorf("PasswordChecks = %d for %d concurrent logins, want 1", got, n)
	}
}

func TestSingleflightSharesFailure(t *testing.T) {
	f := newFixture(t)
	f.st.gate = make(chan struct{})
	const n = 20
	var done sync.WaitGroup
	var refused atomic.Int64
	for range n {
		done.Add(1)
		go func() {
			defer done.Done()
			if _, err := f.a.Basic(context.Background(), "192.0.2.1", "alice", "wrong"); errors.Is(err, ErrBadCredentials) {
				refused.Add(1)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(f.st.gate)
	done.Wait()
	if refused.Load() != n {
		t.Errorf("%d of %d refused", refused.Load(), n)
	}
	if got := f.a.PasswordChecks(); got < 1 || got > n {
		t.Errorf("PasswordChecks = %d", got)
	}
}

func TestTokenTouch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	if at := f.st.touched["tok1"]; !at.Equal(t0) {
		t.Fatalf("touched at %v, want %v", at, t0)
	}
	// Within a minute: no write.
	f.clk.Add(30 * time.Second)
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	if at := f.st.touched["tok1"]; !at.Equal(t0) {
		t.Errorf("touched again at %v", at)
	}
	f.clk.Add(31 * time.Second)
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	if at := f.st.touched["tok1"]; !at.Equal(t0.Add(61 * time.Second)) {
		t.Errorf("touched at %v after a minute", at)
	}
	// A failing touch does not refuse a valid token.
	f.st.touchErr = errors.New("disk full")
	f.clk.Add(2 * time.Minute)
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Errorf("touch failure refused the token: %v", err)
	}
}

func TestTokenExpiresExactly(t *testing.T) {
	f := newFixture(t)
	secret, h := NewTokenSecret()
	f.st.tokens[h] = store.Token{ID: "t", Username: "alice", Hash: h, ExpiresAt: t0.Add(time.Second)}
	if _, err := f.a.Bearer(context.Background(), secret); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	f.clk.Add(time.Second)
	if _, err := f.a.Bearer(context.Background(), secret); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestAnonymous(t *testing.T) {
	p := Anonymous()
	if !p.IsAnonymous() || p.Name() != "anonymous" || p.Method != MethodAnonymous || p.Subject.Kind != rbac.Anonymous {
		t.Errorf("%+v", p)
	}
	if (Principal{Subject: rbac.Subject{Kind: rbac.UserKind, Name: "a"}}).IsAnonymous() {
		t.Error("user is anonymous")
	}
}

// TestDecoyCostIsConfiguredCost proves the decoy compare for unknown users
// runs at the configured cost (never below MinBcryptCost): by cost, not by
// wall-clock, so the check is stable under load.
func TestDecoyCostIsConfiguredCost(t *testing.T) {
	for _, c := range []struct{ configured, want int }{
		{0, MinBcryptCost}, {MinBcryptCost - 1, MinBcryptCost}, {MinBcryptCost, MinBcryptCost},
		{MinBcryptCost + 1, MinBcryptCost + 1}, {bcrypt.MaxCost + 1, MinBcryptCost},
	} {
		st := newFakeStore()
		st.setUser(store.User{Username: "nopw", Enabled: true})
		a := New(st, Options{BcryptCost: c.configured})
		if got := a.DecoyCost(); got != 0 {
			t.Fatalf("decoy cost %d before any unknown user", got)
		}
		for _, user := range []string{"mallory", "nopw"} {
			if _, err := a.Basic(context.Background(), "192.0.2.1", user, "pw"); !errors.Is(err, ErrBadCredentials) {
				t.Fatal(err)
			}
		}
		if got := a.DecoyCost(); got != c.want {
			t.Errorf("BcryptCost %d: decoy cost %d, want %d", c.configured, got, c.want)
		}
		if n := a.PasswordChecks(); n != 2 {
			t.Errorf("BcryptCost %d: %d compares for two unknown checks, want 2", c.configured, n)
		}
	}
}

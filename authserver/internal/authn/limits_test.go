package authn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"golang.org/x/crypto/bcrypt"
)

// These tests pin boundaries that mutation testing (make mutate) found
// unpinned: each fails if its comparison is moved by one or inverted.

// TestPrincipalName: a principal is shown as "anonymous" when it is the
// anonymous kind or has no name — either one suffices.
func TestPrincipalName(t *testing.T) {
	for _, c := range []struct {
		sub  rbac.Subject
		want string
	}{
		{rbac.Subject{Kind: rbac.Anonymous}, "anonymous"},
		{rbac.Subject{Kind: rbac.Anonymous, Name: "alice"}, "anonymous"},
		{rbac.Subject{Kind: rbac.UserKind}, "anonymous"},
		{rbac.Subject{Kind: rbac.UserKind, Name: "alice"}, "alice"},
		{rbac.Subject{Kind: rbac.RobotKind, Name: "robot$ci"}, "robot$ci"},
	} {
		if got := (Principal{Subject: c.sub}).Name(); got != c.want {
			t.Errorf("Name of %+v = %q, want %q", c.sub, got, c.want)
		}
	}
}

// TestLengthLimitsAreInclusive: a username of exactly maxUsernameBytes, a
// secret of exactly maxSecretBytes and a password of exactly bcrypt's 72
// bytes are still checked; one byte more is refused before any backend.
func TestLengthLimitsAreInclusive(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	// Username: an unknown name of the maximum length costs the decoy
	// compare (it reached the password path); one byte longer costs nothing.
	for _, c := range []struct {
		n      int
		checks int64
	}{{maxUsernameBytes, 1}, {maxUsernameBytes + 1, 0}} {
		before := f.a.PasswordChecks()
		if _, err := f.a.Basic(ctx, "192.0.2.1", strings.Repeat("u", c.n), "pw"); !errors.Is(err, ErrBadCredentials) {
			t.Fatal(err)
		}
		if got := f.a.PasswordChecks() - before; got != c.checks {
			t.Errorf("username of %d bytes: %d compares, want %d", c.n, got, c.checks)
		}
	}

	// Secret: a secret of the maximum length is worth a try of the
	// throttle (MaxFailures 1: the next attempt is refused); one byte
	// longer is refused before the throttle sees it.
	for _, c := range []struct {
		n         int
		throttled bool
	}{{maxSecretBytes, true}, {maxSecretBytes + 1, false}} {
		lim, err := throttle.NewMemory(throttle.Config{MaxFailures: 1})
		if err != nil {
			t.Fatal(err)
		}
		a := newCheap(f.st, Options{Limiter: lim})
		if _, err := a.Basic(ctx, "192.0.2.1", "alice", strings.Repeat("s", c.n)); !errors.Is(err, ErrBadCredentials) {
			t.Fatal(err)
		}
		_, err = a.Basic(ctx, "192.0.2.1", "alice", "alice-pw")
		if got := errors.Is(err, ErrThrottled); got != c.throttled {
			t.Errorf("secret of %d bytes, then the right password: %v, want throttled = %v", c.n, err, c.throttled)
		}
	}

	// Password: 72 bytes is a password like any other.
	pw := strings.Repeat("p", maxPasswordBytes)
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	f.st.setUser(store.User{Username: "long", PasswordHash: string(h), Enabled: true})
	if _, err := f.a.Basic(ctx, "192.0.2.1", "long", pw); err != nil {
		t.Errorf("password of %d bytes: %v", maxPasswordBytes, err)
	}
	if _, err := f.a.Basic(ctx, "192.0.2.1", "long", pw+"x"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("password of %d bytes: %v, want bad credentials", maxPasswordBytes+1, err)
	}
}

// TestPasswordCacheDefaultSize: by default the success cache holds more
// than one entry — two users logging in in turn pay one compare each.
func TestPasswordCacheDefaultSize(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for range 3 {
		for _, u := range []string{"alice", "root"} {
			if _, err := f.a.Basic(ctx, "192.0.2.1", u, u+"-pw"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := f.a.PasswordChecks(); n != 2 {
		t.Errorf("PasswordChecks = %d for two users logging in three times each, want 2", n)
	}
}

// TestUserCacheSize: the user-row cache keeps 10 000 rows unless told
// otherwise (more than ttlcache's own default), and UserCacheSize bounds it.
func TestUserCacheSize(t *testing.T) {
	ctx := context.Background()
	st := newFakeStore()
	const n = 1100 // above ttlcache.DefaultMax
	for i := range n {
		st.setUser(store.User{Username: fmt.Sprintf("u%04d", i), Enabled: true})
	}
	for _, c := range []struct{ size, want int }{{0, n}, {-1, n}, {2, 2}} {
		a := newCheap(st, Options{UserCacheTTL: time.Hour, UserCacheSize: c.size})
		for i := range n {
			if _, err := a.users.Load(ctx, fmt.Sprintf("u%04d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if got := a.users.Len(); got != c.want {
			t.Errorf("UserCacheSize %d: %d rows cached after %d users, want %d", c.size, got, n, c.want)
		}
	}
}

// TestTokenTouchBoundaryAndLog: a token's use is recorded again once
// touchEvery has passed — at exactly touchEvery too — and only a failed
// recording is logged (without the secret).
func TestTokenTouchBoundaryAndLog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var logs bytes.Buffer
	f.a = newCheap(f.st, Options{Now: f.clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(touchEvery)
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	if at := f.st.touched["tok1"]; !at.Equal(t0.Add(touchEvery)) {
		t.Errorf("touched at %v, want %v (exactly touchEvery after the first use)", at, t0.Add(touchEvery))
	}
	if logs.Len() != 0 {
		t.Errorf("successful touches logged: %s", logs.String())
	}
	f.st.touchErr = errors.New("disk full")
	f.clk.Add(touchEvery)
	if _, err := f.a.Bearer(ctx, f.token); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "recording token use failed") || !strings.Contains(out, "disk full") ||
		strings.Contains(out, f.token) {
		t.Errorf("failed touch logged as %q, want the failure without the secret", out)
	}
}

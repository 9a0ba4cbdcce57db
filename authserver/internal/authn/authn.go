// Package authn verifies credentials — passwords, application tokens and
// robot secrets — for the REST API, the UI and the token endpoint. It turns
// them into a Principal; what the principal may do is rbac's business.
//
// Every refusal is the one error ErrBadCredentials, so callers cannot leak
// which part was wrong. A store failure is returned wrapped instead: it means
// "try again later" (503), never "bad password".
package authn

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/ttlcache"
)

// ErrBadCredentials is the answer to every refused credential.
var ErrBadCredentials = errors.New("invalid credentials")

// ErrThrottleUnavailable: the login throttle could not be consulted (Redis
// down with --redis-fail-closed); the login is refused as an outage (503),
// never as bad credentials.
var ErrThrottleUnavailable = errors.New("the login throttle is unavailable")

// Store is what authentication reads from the database.
type Store interface {
	GetUser(ctx context.Context, username string) (store.User, error)
	GetTokenByHash(ctx context.Context, hash string) (store.Token, error)
	GetRobot(ctx context.Context, name string) (store.Robot, error)
	GetRobotBySecretHash(ctx context.Context, hash string) (store.Robot, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Methods a Principal authenticated with.
const (
	MethodPassword  = "password"
	MethodToken     = "token"
	MethodRobot     = "robot"
	MethodAnonymous = "anonymous"
)

// Principal is an authenticated identity.
type Principal struct {
	Subject rbac.Subject
	// User is set for password and token logins, Robot for robot logins.
	User  *store.User
	Robot *store.Robot
	// TokenID is the application token used, if any, and TokenExpiresAt
	// its expiry (zero: never).
	TokenID        string
	TokenExpiresAt time.Time
	// Method is MethodPassword, MethodToken, MethodRobot or MethodAnonymous.
	Method string
}

// Anonymous is the principal of a request without credentials.
func Anonymous() Principal {
	return Principal{Subject: rbac.Subject{Kind: rbac.Anonymous}, Method: MethodAnonymous}
}

// Name is the username, robot$name, or "anonymous".
func (p Principal) Name() string {
	if p.Subject.Kind == rbac.Anonymous || p.Subject.Name == "" {
		return "anonymous"
	}
	return p.Subject.Name
}

// IsAnonymous reports whether p carries no identity.
func (p Principal) IsAnonymous() bool {
	return p.Subject.Kind == rbac.Anonymous || p.Subject.Kind == ""
}

// Options tunes an Authenticator; zero values mean the defaults.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// CacheTTL is how long a verified password is remembered (default 60s;
	// negative disables the cache).
	CacheTTL time.Duration
	// CacheSize bounds the password cache (default 10 000 entries).
	CacheSize int
	// BcryptCost is the cost of the dummy hash compared for unknown users;
	// set it to the cost new passwords are hashed with (default 10).
	BcryptCost int
	// Logger receives failures that do not change the outcome (default: discard).
	Logger *slog.Logger
	// UserCacheTTL is how long the password path reuses a user row (0:
	// never, read the store on every request). Set it only when every
	// change of a user reaches Forget at once: see the app's wiring.
	UserCacheTTL time.Duration
	// UserCacheSize bounds the user-row cache (default 10 000 entries).
	UserCacheSize int
	// Limiter throttles failed logins (see Basic); nil: not throttled.
	// Its errors fail closed.
	Limiter throttle.Limiter
}

// touchEvery limits how often a token's last-used time is written.
const touchEvery = time.Minute

// Limits on what is worth a store lookup at all.
const (
	maxUsernameBytes = 256
	maxSecretBytes   = 4096
)

// Authenticator verifies credentials against a Store. It is safe for
// concurrent use.
type Authenticator struct {
	st         Store
	now        func() time.Time
	ttl        time.Duration
	maxEntries int
	dummyCost  int
	log        *slog.Logger

	// macKey keys the HMAC that stands for a password in cache keys, so
	// the cache never holds a plain, brute-forceable digest of a password.
	macKey [32]byte
	macs   sync.Pool // of hash.Hash: HMAC-SHA256 keyed with macKey

	dummyOnce sync.Once
	decoyMu   sync.Mutex // guards dummyHash for DecoyCost
	dummyHash []byte

	mu    sync.Mutex
	cache map[cacheKey]time.Time // verified password → expiry
	// flight runs one bcrypt compare per key at a time; later callers wait
	// for its result.
	flight map[cacheKey]*flightCall

	checks atomic.Int64

	// users keeps user rows for the password path (UserCacheTTL). It is
	// only correct while every change of a user reaches Forget at once, so
	// the owner switches it off (SetUserCacheActive(false)) whenever that
	// stops being true, e.g. while a cross-replica invalidation channel is
	// down. Application tokens and robots never use it.
	users *ttlcache.Cache[string, store.User]

	// limiter and attempts: see throttled.go.
	limiter  throttle.Limiter
	attempts singleflight.Group
}

// cacheKey names one password verification: a change of the stored hash
// (new password) makes a new key, so old entries can never match again.
type cacheKey struct {
	username string
	hash     string
	pw       [sha256.Size]byte
}

type flightCall struct {
	done chan struct{}
	ok   bool
}

// New returns an Authenticator reading from st.
func New(st Store, opts Options) *Authenticator {
	a := &Authenticator{
		st:         st,
		now:        opts.Now,
		ttl:        opts.CacheTTL,
		maxEntries: opts.CacheSize,
		dummyCost:  opts.BcryptCost,
		log:        opts.Logger,
		limiter:    opts.Limiter,
		cache:      map[cacheKey]time.Time{},
		flight:     map[cacheKey]*flightCall{},
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.ttl == 0 {
		a.ttl = 60 * time.Second
	}
	if a.maxEntries <= 0 {
		a.maxEntries = 10_000
	}
	if a.dummyCost < MinBcryptCost {
		a.dummyCost = MinBcryptCost
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.UserCacheSize <= 0 {
		opts.UserCacheSize = 10_000
	}
	// Refresh: in the second half of a row's life the next login reads
	// its successor in the background. Nothing is served past the TTL
	// (counted from arrival) either way; this only spares logins the wait
	// for the database each time a busy user's row expires.
	a.users = ttlcache.New(st.GetUser, ttlcache.Options{TTL: opts.UserCacheTTL, Refresh: opts.UserCacheTTL / 2, Max: opts.UserCacheSize, Now: a.now})
	_, _ = rand.Read(a.macKey[:])
	return a
}

// PasswordChecks is the number of bcrypt compares run so far, the dummy
// ones for unknown users included.
func (a *Authenticator) PasswordChecks() int64 { return a.checks.Load() }

// plausibleBasic reports whether a Basic username and secret are worth any
// backend at all (the throttle included).
func plausibleBasic(username, secret string) bool {
	return plausibleSecret(secret) && len(secret) <= maxSecretBytes &&
		username != "" && len(username) <= maxUsernameBytes && !strings.ContainsRune(username, 0)
}

// basic verifies a username and secret as sent in HTTP Basic credentials:
// robot$name with the robot's secret, a username with one of that user's
// application tokens (dmt_…), or a username with the user's password. It is
// not throttled: Basic is the entry point.
func (a *Authenticator) basic(ctx context.Context, username, secret string) (Principal, error) {
	if !plausibleBasic(username, secret) {
		return Principal{}, ErrBadCredentials
	}
	switch {
	case strings.HasPrefix(username, rbac.RobotPrefix):
		return a.robotByName(ctx, username, secret)
	case strings.HasPrefix(secret, TokenPrefix):
		return a.token(ctx, secret, username)
	default:
		return a.password(ctx, username, secret)
	}
}

// bearer verifies a bearer secret: an application token or a robot secret.
// Passwords are never accepted here. Bearer is the entry point.
func (a *Authenticator) bearer(ctx context.Context, secret string) (Principal, error) {
	switch {
	case !plausibleSecret(secret):
		return Principal{}, ErrBadCredentials
	case strings.HasPrefix(secret, TokenPrefix):
		return a.token(ctx, secret, "")
	case strings.HasPrefix(secret, RobotSecretPrefix):
		return a.robotBySecret(ctx, secret)
	}
	return Principal{}, ErrBadCredentials
}

func (a *Authenticator) password(ctx context.Context, username, pw string) (Principal, error) {
	if len(pw) > maxPasswordBytes {
		// No stored password is this long (HashPassword refuses them), and
		// bcrypt would compare only the first 72 bytes.
		return Principal{}, ErrBadCredentials
	}
	u, err := a.users.Load(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		a.dummyCompare(pw)
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authn: look up user: %w", err)
	}
	// Verify before looking at Enabled, so a disabled account costs the same
	// time as a wrong password.
	if !a.verifyPassword(u.Username, u.PasswordHash, pw) || !u.Enabled {
		return Principal{}, ErrBadCredentials
	}
	return userPrincipal(u, MethodPassword, ""), nil
}

// verifyPassword compares pw with hash, remembering successes for the TTL
// and running at most one bcrypt compare per key at a time.
func (a *Authenticator) verifyPassword(username, hash, pw string) bool {
	if hash == "" {
		a.dummyCompare(pw)
		return false
	}
	key := cacheKey{username: username, hash: hash, pw: a.mac(pw)}
	if a.cached(key) {
		return true
	}
	a.mu.Lock()
	if c, ok := a.flight[key]; ok {
		a.mu.Unlock()
		<-c.done
		return c.ok
	}
	c := &flightCall{done: make(chan struct{})}
	a.flight[key] = c
	a.mu.Unlock()

	defer func() {
		a.mu.Lock()
		delete(a.flight, key)
		a.mu.Unlock()
		close(c.done)
	}()
	// A call that finished just before this one took the lead may have
	// filled the cache already.
	if a.cached(key) {
		c.ok = true
		return true
	}
	a.checks.Add(1)
	c.ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
	if c.ok {
		a.remember(key)
	}
	return c.ok
}

// dummyCompare spends about the time of a real compare, so an unknown user
// is not told apart from a wrong password by timing.
func (a *Authenticator) dummyCompare(pw string) {
	a.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte(randomHex(16)), a.dummyCost)
		if err != nil {
			// Only an out-of-range cost fails; fall back to the minimum.
			h, _ = bcrypt.GenerateFromPassword([]byte(randomHex(16)), MinBcryptCost)
		}
		a.decoyMu.Lock()
		a.dummyHash = h
		a.decoyMu.Unlock()
	})
	a.checks.Add(1)
	if len(pw) > maxPasswordBytes {
		pw = pw[:maxPasswordBytes]
	}
	_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(pw))
}

// DecoyCost is the bcrypt cost of the decoy hash compared for unknown
// users (and users without a password), 0 before the first such compare. It
// equals Options.BcryptCost (at least MinBcryptCost): an unknown username
// costs what a real check costs, so it is not told apart by timing.
func (a *Authenticator) DecoyCost() int {
	a.decoyMu.Lock()
	h := a.dummyHash
	a.decoyMu.Unlock()
	c, err := bcrypt.Cost(h)
	if err != nil {
		return 0
	}
	return c
}

func (a *Authenticator) mac(pw string) [sha256.Size]byte {
	// Keyed HMACs are reused: Reset is much cheaper than keying anew.
	m, _ := a.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, a.macKey[:])
	}
	m.Reset()
	io.WriteString(m, pw)
	var out [sha256.Size]byte
	m.Sum(out[:0])
	a.macs.Put(m)
	return out
}

func (a *Authenticator) cached(key cacheKey) bool {
	if a.ttl < 0 {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.cache[key]
	if ok && !a.now().Before(exp) {
		delete(a.cache, key)
		return false
	}
	return ok
}

func (a *Authenticator) remember(key cacheKey) {
	if a.ttl < 0 {
		return
	}
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= a.maxEntries {
		// Drop the expired entries; if none were, drop arbitrary ones. This
		// runs only after a bcrypt compare, which costs far more.
		for k, exp := range a.cache {
			if !now.Before(exp) {
				delete(a.cache, k)
			}
		}
		for k := range a.cache {
			if len(a.cache) < a.maxEntries {
				break
			}
			delete(a.cache, k)
		}
	}
	a.cache[key] = now.Add(a.ttl)
}

// token verifies an application token; a non-empty username must own it.
func (a *Authenticator) token(ctx context.Context, secret, username string) (Principal, error) {
	if !WellFormedSecret(secret, TokenPrefix) {
		return Principal{}, ErrBadCredentials
	}
	hash := HashSecret(secret)
	t, err := a.st.GetTokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authn: look up token: %w", err)
	}
	now := a.now()
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1 ||
		(username != "" && t.Username != username) ||
		(!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return Principal{}, ErrBadCredentials
	}
	u, err := a.st.GetUser(ctx, t.Username)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authn: look up token owner: %w", err)
	}
	if !u.Enabled {
		return Principal{}, ErrBadCredentials
	}
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= touchEvery {
		// Best effort: a failed bookkeeping write does not refuse a valid token.
		if err := a.st.TouchToken(ctx, t.ID, now); err != nil {
			a.log.WarnContext(ctx, "recording token use failed", "token_id", t.ID, "user", t.Username, "error", err)
		}
	}
	p := userPrincipal(u, MethodToken, t.ID)
	p.TokenExpiresAt = t.ExpiresAt
	return p, nil
}

func (a *Authenticator) robotByName(ctx context.Context, name, secret string) (Principal, error) {
	if !WellFormedSecret(secret, RobotSecretPrefix) {
		return Principal{}, ErrBadCredentials
	}
	r, err := a.st.GetRobot(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authn: look up robot: %w", err)
	}
	return a.checkRobot(r, HashSecret(secret))
}

func (a *Authenticator) robotBySecret(ctx context.Context, secret string) (Principal, error) {
	if !WellFormedSecret(secret, RobotSecretPrefix) {
		return Principal{}, ErrBadCredentials
	}
	hash := HashSecret(secret)
	r, err := a.st.GetRobotBySecretHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authn: look up robot: %w", err)
	}
	return a.checkRobot(r, hash)
}

// checkRobot compares the stored hash with hash, the HashSecret of the
// secret presented, and checks that the robot is active.
func (a *Authenticator) checkRobot(r store.Robot, hash string) (Principal, error) {
	s := rbac.Subject{Kind: rbac.RobotKind, Name: r.Name, Enabled: r.Enabled, ExpiresAt: r.ExpiresAt}
	if r.SecretHash == "" ||
		subtle.ConstantTimeCompare([]byte(r.SecretHash), []byte(hash)) != 1 ||
		!s.Active(a.now()) {
		return Principal{}, ErrBadCredentials
	}
	return Principal{Subject: s, Robot: &r, Method: MethodRobot}, nil
}

func userPrincipal(u store.User, method, tokenID string) Principal {
	return Principal{
		Subject: rbac.Subject{Kind: rbac.UserKind, Name: u.Username, Admin: u.Admin, Enabled: u.Enabled},
		User:    &u,
		TokenID: tokenID,
		Method:  method,
	}
}

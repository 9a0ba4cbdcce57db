// Package app composes Dockmaster's server from its parts: the store, the
// REST API, the token service and the registry integration. main and the
// end-to-end tests build the very same thing through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/authserver/internal/enrich"
	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/postgres"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/tokenserver"
	"github.com/dockmaster/dockmaster/authserver/internal/web"
)

// Store is every part of the database the server uses; both the SQLite
// and the PostgreSQL store implement all of it.
type Store interface {
	store.Store
	store.TokenStore
	store.RegistryStore
	store.WebSessionStore
	store.SearchStore
	store.ActivityStore
}

// App is the composed server with the parts its callers reach after wiring.
type App struct {
	Server   *server.Server
	Keyring  *token.Keyring
	Minter   *token.Minter
	Endpoint *tokenserver.Endpoint
	// Auth verifies credentials for the API and the token endpoint.
	Auth *authn.Authenticator
	// Metrics is the Prometheus registry served at /metrics.
	Metrics *prometheus.Registry
	// Registry is the client for the registry's API (nil without
	// --registry-url); the REST API's deletes go through it.
	Registry *registryclient.Client
	// Enricher reads pushed manifests (kind, artifact type, charts) behind
	// the events; nil without a registry URL.
	Enricher *enrich.Enricher
	closers  []func(context.Context) error
}

// Close flushes and releases what the app holds (audit queue, Redis).
func (a *App) Close(ctx context.Context) {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i](ctx)
	}
}

// keyListTTL is how long a replica reuses the key list before reading it
// again: a key rotated in elsewhere signs here at most that much later.
const keyListTTL = 5 * time.Second

// Signing returns the database-backed keyring, with at least one active
// signing key (generated on first start), and the minter that signs with it.
func Signing(ctx context.Context, cfg config.Config, st store.TokenStore) (*token.Keyring, *token.Minter, error) {
	kr := token.NewKeyring(KeyStore(st), cfg.Issuer).CacheList(keyListTTL)
	if _, err := kr.Ensure(ctx, token.KeySpec{Alg: token.DefaultAlg}, time.Now()); err != nil {
		return nil, nil, fmt.Errorf("signing keys: %w", err)
	}
	minter, err := token.NewMinter(kr, token.MinterConfig{Issuer: cfg.Issuer, KeyHeader: cfg.TokenKeyHeader})
	if err != nil {
		return nil, nil, err
	}
	return kr, minter, nil
}

// newRedis is the client for --redis-url (nil without it).
func newRedis(cfg config.Config) (*redis.Client, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	// go-redis waits 5 s to dial and 3 s to read, three times over: a hung
	// Redis would hold a login that long before the fallback. Unless the
	// URL says otherwise (dial_timeout=…, read_timeout=…, max_retries=…),
	// give up sooner; the fallback then throttles on this replica.
	q := ""
	if i := strings.IndexByte(cfg.RedisURL, '?'); i >= 0 {
		q = cfg.RedisURL[i:]
	}
	if !strings.Contains(q, "dial_timeout") {
		opts.DialTimeout = redisTimeout
	}
	if !strings.Contains(q, "read_timeout") {
		opts.ReadTimeout = redisTimeout
	}
	if !strings.Contains(q, "write_timeout") {
		opts.WriteTimeout = redisTimeout
	}
	if !strings.Contains(q, "max_retries") {
		opts.MaxRetries = 1
	}
	return redis.NewClient(opts), nil
}

// redisTimeout bounds a Redis dial, read or write unless --redis-url sets
// its own: Redis answers in well under a millisecond when it is up.
const redisTimeout = 500 * time.Millisecond

// newLimiter is the failed-login throttle: Redis shared across replicas when
// configured (rdb != nil), else in process; while Redis is down each replica
// throttles on its own (Redis is a cache, security.md).
func newLimiter(rdb *redis.Client, health *redisHealth, failClosed bool) (throttle.Limiter, error) {
	mem, err := throttle.NewMemory(throttle.Config{})
	if rdb == nil || err != nil {
		return mem, err
	}
	shared, err := throttle.NewRedis(rdb, "dockmaster:", throttle.Config{})
	if err != nil {
		return nil, err
	}
	return throttle.NewFallbackWith(shared, mem, throttle.FallbackOptions{
		FailClosed: failClosed,
		Report:     func(ctx context.Context, err error) { health.report(ctx, "throttle", err) },
	}), nil
}

// userCacheTTL is how long the password path reuses a user row when it is
// enabled (see New): every change through the REST API drops the row at
// once on every replica that can hold it, so this only bounds the size of
// the window in which a missed invalidation (e.g. a failed Redis publish
// while the subscriptions stayed up) could matter.
const userCacheTTL = 5 * time.Second

// userRowTTL is the password path's user cache TTL: userCacheTTL with Redis
// or SQLite, 0 (off) for PostgreSQL without Redis. See New.
func userRowTTL(cfg config.Config, withRedis bool) time.Duration {
	if kind, _ := cfg.DatabaseKind(); withRedis || kind == "sqlite" {
		return userCacheTTL
	}
	return 0
}

// New wires the REST API, the token service and the registry integration
// into one HTTP server over st.
func New(ctx context.Context, cfg config.Config, st Store, log *slog.Logger) (*App, error) {
	a := &App{}
	kr, minter, err := Signing(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	rdb, err := newRedis(cfg)
	if err != nil {
		return nil, err
	}
	if rdb != nil {
		quietRedisLog(log)
		a.closers = append(a.closers, func(context.Context) error { return rdb.Close() })
	}
	a.Metrics = prometheus.NewRegistry()
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var health *redisHealth
	var checks []server.Check
	if rdb != nil {
		health = newRedisHealth(a.Metrics, log, cfg.RedisFailClosed)
		checks = append(checks, server.Check{Name: "redis", Check: health.check})
	}
	limiter, err := newLimiter(rdb, health, cfg.RedisFailClosed)
	if err != nil {
		a.Close(ctx)
		return nil, err
	}
	a.Keyring, a.Minter = kr, minter
	// The user row on the password path (Basic logins) is cached only where
	// every change of a user reaches this replica at once:
	//   - with Redis (either database), changes are announced on a channel
	//     every replica subscribes to; while this replica's subscription is
	//     down the cache is off (fail safe: read the store);
	//   - with SQLite and no Redis, one process owns the database file, so
	//     the REST API's writes through cacheNotifier are all the changes;
	//   - with PostgreSQL and no Redis, other replicas may change users
	//     unseen: the store is read on every login.
	// Application tokens and robots always read the store.
	auth := authn.New(st, authn.Options{BcryptCost: cfg.BcryptCost, Logger: log, UserCacheTTL: userRowTTL(cfg, rdb != nil), Limiter: limiter})
	a.Auth = auth
	// drop drops this replica's cached copy of what changed; changed is
	// what the REST API's writes call: drop, and with Redis also announce
	// the change to every replica (set below, once the endpoint exists).
	drop := func(kind, name string) {
		switch kind {
		case changeUser:
			auth.Forget(name)
		case changeAccess:
			a.Endpoint.InvalidateAccess()
		case changeSettings:
			a.Endpoint.InvalidateSettings()
		}
	}
	changed := drop
	// Deletes through the REST API act on the registry first.
	var registryAPI api.Registry // stays a nil interface without --registry-url
	// The enricher reads pushed manifests behind the events' answers; it
	// needs the registry's API.
	var enricher events.Enqueuer
	if cfg.RegistryURL != "" {
		reg, err := registryclient.New(cfg.RegistryURL, registryclient.Options{Tokens: SyncTokens(minter, cfg.Service)})
		if err != nil {
			a.Close(ctx)
			return nil, fmt.Errorf("--registry-url: %w", err)
		}
		a.Registry, registryAPI = reg, reg
		en := enrich.New(enrich.Deps{Registry: reg, Store: st, Logger: log})
		a.Enricher, enricher = en, en
	}
	if en := a.Enricher; en != nil {
		for _, c := range []struct {
			outcome string
			get     func(enrich.Stats) int64
		}{
			{"enriched", func(s enrich.Stats) int64 { return s.Enriched }},
			{"unknown", func(s enrich.Stats) int64 { return s.Unknown }},
			{"retry", func(s enrich.Stats) int64 { return s.Retry }},
			{"dropped", func(s enrich.Stats) int64 { return s.Dropped }},
		} {
			a.Metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "dockmaster_enrich_manifests_total",
				Help:        "Manifests the enricher read (enriched: kind known; unknown: unreadable), left pending (retry) or could not queue (dropped: the sweep reads them).",
				ConstLabels: prometheus.Labels{"outcome": c.outcome},
			}, func() float64 { return float64(c.get(en.Stats())) }))
		}
		a.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dockmaster_enrich_queue",
			Help: "Manifests waiting for the enricher.",
		}, func() float64 { return float64(en.Queued()) }))
	}
	a.Metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "dockmaster_password_checks_total",
		Help: "Password hash (bcrypt) compares run, the dummy compares for unknown users included; verified passwords are cached.",
	}, func() float64 { return float64(auth.PasswordChecks()) }))
	a.Endpoint = tokenserver.NewEndpoint(tokenserver.EndpointDeps{
		Store:      st,
		Auth:       auth,
		Keyring:    kr,
		Minter:     minter,
		Refresh:    st,
		Service:    cfg.Service,
		Realm:      cfg.PublicURL + "/auth/token",
		Logger:     log,
		ClientAddr: server.ClientAddr,
		// A settings change applies at once here (cacheNotifier)
		// and, with Redis, on every replica; else within this TTL.
		SettingsTTL: tokenserver.DefaultSettingsTTL,
		// Namespace rows and a caller's roles on them are reused
		// for this TTL: a token already issued lives for the
		// token lifetime (>= 60 s), so a revoked grant can never
		// take effect faster than that for holders of tokens; 1 s
		// adds nothing material. API changes apply at once here
		// (cacheNotifier) and, with Redis, on every replica. Users
		// and robots themselves are read by the authenticator.
		AccessTTL: tokenserver.DefaultAccessTTL,
	})
	recv := events.New(events.Deps{
		Store:     st,
		Secret:    cfg.EventsSecret.Reveal(),
		MaxBody:   cfg.MaxBodyBytes,
		OwnerTeam: AdminsTeam,
		Logger:    log,
		Metrics:   events.NewPrometheusMetrics(a.Metrics),
		// Group commit.
		BatchWorkers: eventWriters,
		Enricher:     enricher,
		SelfActor:    SyncSubject,
	})
	rest := api.New(api.Deps{
		// The REST API's changes of settings, namespaces and roles drop
		// the token endpoint's cached settings and access at once, its
		// user changes the authenticator's cached user row — on every
		// replica with Redis.
		Store:      cacheNotifier{Store: st, changed: func(kind, name string) { changed(kind, name) }},
		Auth:       auth,
		Logger:     log,
		BcryptCost: cfg.BcryptCost,
		ClientAddr: server.ClientAddr,
		PublicURL:  cfg.PublicURL,
		Registry:   registryAPI,
	})
	// The web UI runs the same use cases over the same cache-dropping
	// store as the REST API.
	ui, err := web.New(web.Deps{
		Service: service.New(service.Deps{Store: cacheNotifier{Store: st, changed: func(kind, name string) { changed(kind, name) }},
			Logger: log, BcryptCost: cfg.BcryptCost, Registry: registryAPI}),
		Auth:         auth,
		Sessions:     st,
		Audit:        st,
		PublicURL:    cfg.PublicURL,
		TLS:          cfg.TLSCert != "",
		RegistryHost: cfg.RegistryHost,
		ClientAddr:   server.ClientAddr,
		Logger:       log,
	})
	if err != nil {
		a.Close(ctx)
		return nil, fmt.Errorf("web UI: %w", err)
	}
	a.Server = server.New(server.Deps{
		Registry:        a.Metrics,
		Store:           st,
		Logger:          log,
		MaxBodyBytes:    cfg.MaxBodyBytes,
		TrustedProxies:  cfg.TrustedProxies,
		ShutdownTimeout: cfg.ShutdownTimeout,
		Routes:          []server.Routes{rest, a.Endpoint, recv, ui},
		Checks:          checks,
		// A request waits for the database no longer than one store
		// call may: past it, 503 with Retry-After.
		DatabaseBudget: cfg.DatabaseTimeout,
	})
	a.closers = append(a.closers, a.Endpoint.Close, recv.Close)
	if a.Enricher != nil {
		a.closers = append(a.closers, a.Enricher.Close)
	}
	if rdb != nil {
		// Started once the endpoint exists: announcements drop its caches.
		feed := startChangeFeed(rdb, auth, drop, log, health)
		a.closers = append(a.closers, feed.close)
		changed = feed.changed
	}
	return a, nil
}

// eventWriters is how many event transactions run at once. One on both
// databases: on PostgreSQL, 4 writers (batches partitioned by repository)
// measured 1581 ev/s with p99 150 ms against 1766 ev/s and p99 51 ms for
// one, whose batches grow while it commits.
const eventWriters = 1

// cacheNotifier is the store as the REST API sees it: a successful or
// failed write of the settings drops the token endpoint's cached settings;
// a write of a namespace, team, membership, grant, robot or user (a user
// owns a personal namespace and holds memberships and grants) drops its
// cached namespaces and roles; and a write of a user (create, update —
// password, enabled, admin, bot — or delete) drops the authenticator's
// cached row of that user.
// Even after an error the write may have committed; dropping the cache
// costs one read. Namespaces that registry events create need no hook: only
// existing namespaces are cached.
type cacheNotifier struct {
	Store
	// changed drops (and with Redis announces) what kind and name name.
	changed func(kind, name string)
}

func (s cacheNotifier) settingsChanged()        { s.changed(changeSettings, "") }
func (s cacheNotifier) accessChanged()          { s.changed(changeAccess, "") }
func (s cacheNotifier) userChanged(name string) { s.changed(changeUser, name) }

func (s cacheNotifier) UpdateSettings(ctx context.Context, st store.Settings) error {
	defer s.settingsChanged()
	return s.Store.UpdateSettings(ctx, st)
}

func (s cacheNotifier) CreateNamespace(ctx context.Context, n store.Namespace) error {
	defer s.accessChanged()
	return s.Store.CreateNamespace(ctx, n)
}

func (s cacheNotifier) UpdateNamespace(ctx context.Context, n store.Namespace) error {
	defer s.accessChanged()
	return s.Store.UpdateNamespace(ctx, n)
}

func (s cacheNotifier) DeleteNamespace(ctx context.Context, name string) error {
	defer s.accessChanged()
	return s.Store.DeleteNamespace(ctx, name)
}

func (s cacheNotifier) CreateTeam(ctx context.Context, t store.Team, owner string) error {
	defer s.accessChanged()
	return s.Store.CreateTeam(ctx, t, owner)
}

func (s cacheNotifier) DeleteTeam(ctx context.Context, name string) error {
	defer s.accessChanged()
	return s.Store.DeleteTeam(ctx, name)
}

func (s cacheNotifier) AddMember(ctx context.Context, m store.Member) error {
	defer s.accessChanged()
	return s.Store.AddMember(ctx, m)
}

func (s cacheNotifier) UpdateMember(ctx context.Context, m store.Member) error {
	defer s.accessChanged()
	return s.Store.UpdateMember(ctx, m)
}

func (s cacheNotifier) RemoveMember(ctx context.Context, team, username string) error {
	defer s.accessChanged()
	return s.Store.RemoveMember(ctx, team, username)
}

func (s cacheNotifier) CreatePermission(ctx context.Context, p store.Permission) error {
	defer s.accessChanged()
	return s.Store.CreatePermission(ctx, p)
}

func (s cacheNotifier) UpdatePermission(ctx context.Context, p store.Permission) error {
	defer s.accessChanged()
	return s.Store.UpdatePermission(ctx, p)
}

func (s cacheNotifier) DeletePermission(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) error {
	defer s.accessChanged()
	return s.Store.DeletePermission(ctx, namespace, kind, name)
}

func (s cacheNotifier) CreateRobot(ctx context.Context, r store.Robot) error {
	defer s.accessChanged()
	return s.Store.CreateRobot(ctx, r)
}

func (s cacheNotifier) UpdateRobot(ctx context.Context, r store.Robot) error {
	defer s.accessChanged()
	return s.Store.UpdateRobot(ctx, r)
}

func (s cacheNotifier) DeleteRobot(ctx context.Context, name string) error {
	defer s.accessChanged()
	return s.Store.DeleteRobot(ctx, name)
}

func (s cacheNotifier) CreateUser(ctx context.Context, u store.User) error {
	defer s.accessChanged()
	defer s.userChanged(u.Username)
	return s.Store.CreateUser(ctx, u)
}

func (s cacheNotifier) UpdateUser(ctx context.Context, u store.User) error {
	defer s.userChanged(u.Username)
	return s.Store.UpdateUser(ctx, u)
}

func (s cacheNotifier) DeleteUser(ctx context.Context, username string) error {
	defer s.accessChanged()
	defer s.userChanged(username)
	return s.Store.DeleteUser(ctx, username)
}

// SyncSubject is the identity the server's own registry tokens (catalog
// sync, deletes through the REST API) are minted for.
// It is never a login: the token endpoint grants it nothing.
const SyncSubject = rbac.SyncIdentity

// SyncAllowed is all SyncSubject is ever granted: the catalog, reading
// and deleting manifests. Never push: the server writes nothing into the
// registry.
var SyncAllowed = map[string][]string{
	"registry":   {"*"},
	"repository": {"pull", "delete"},
}

// SyncTokens mints SyncSubject's tokens for service directly with minter
// (no round trip to the token endpoint), narrowed to SyncAllowed.
func SyncTokens(minter token.TokenMinter, service string) token.MinterTokens {
	return token.MinterTokens{Minter: minter, Subject: SyncSubject, Service: service, Allowed: SyncAllowed}
}

// AdminsTeam owns the namespaces that registry events create.
// The name is reserved and the team cannot be deleted (security 40).
const AdminsTeam = rbac.AdminsTeam

// OpenStore opens the configured database and runs its migrations.
func OpenStore(ctx context.Context, cfg config.Config) (Store, error) {
	kind, dsn := cfg.DatabaseKind()
	switch kind {
	case "postgres":
		return postgres.OpenWith(ctx, dsn, postgres.Options{Timeout: cfg.DatabaseTimeout, AcquireTimeout: cfg.DatabaseAcquireTimeout})
	case "sqlite":
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create the data directory for %s: %w", dsn, err)
			}
		}
		st, err := sqlite.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		if cfg.DatabaseTimeout > 0 {
			st.SetTimeout(cfg.DatabaseTimeout)
		}
		return st, nil
	}
	return nil, fmt.Errorf("--database: unsupported database %q", cfg.Database)
}

// GeneratePassword returns a generated password as the bootstrap prints.
func GeneratePassword() string { return service.GeneratePassword() }

// BootstrapAdmin creates the first admin on an empty database (returning
// the generated secret when password is empty), and the admins team, owned
// by that admin, that owns namespaces first seen in registry events.
func BootstrapAdmin(ctx context.Context, st Store, username, password string, cost int) (string, error) {
	secret, err := service.BootstrapAdmin(ctx, st, username, password, cost)
	if err != nil {
		return "", fmt.Errorf("bootstrap the first admin: %w", err)
	}
	team := store.Team{Name: AdminsTeam, Description: "Administrators; owns namespaces first seen in registry pushes", Protected: true}
	if err := st.CreateTeam(ctx, team, username); err != nil && !errors.Is(err, store.ErrConflict) {
		return "", fmt.Errorf("create the %s team: %w", AdminsTeam, err)
	}
	return secret, nil
}

// KeyStore is the token package's key store over the database.
func KeyStore(st store.TokenStore) token.KeyStore { return keyStoreAdapter{st} }

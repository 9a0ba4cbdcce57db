package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
)

// fullStore is every part of the database the server uses; both the SQLite
// and the PostgreSQL store implement all of it.
type fullStore interface {
	store.Store
	store.TokenStore
	store.RegistryStore
}

// app is the server with the parts main needs to reach after wiring.
type app struct {
	server   *server.Server
	keyring  *token.Keyring
	minter   *token.Minter
	endpoint *token.Endpoint
	closers  []func(context.Context) error
}

// Close flushes and releases what the app holds (audit queue, Redis).
func (a *app) Close(ctx context.Context) {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i](ctx)
	}
}

// newKeyring returns the database-backed keyring with at least one active
// signing key (generated on first start).
func newKeyring(ctx context.Context, cfg config.Config, st fullStore) (*token.Keyring, error) {
	kr := token.NewKeyring(keyStoreAdapter{st}, cfg.Issuer)
	if _, err := kr.Ensure(ctx, token.DefaultAlg, time.Now()); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return kr, nil
}

// newLimiter is the failed-login throttle: Redis shared across replicas when
// configured, else in process.
func newLimiter(cfg config.Config) (throttle.Limiter, func(context.Context) error, error) {
	if cfg.RedisURL == "" {
		l, err := throttle.NewMemory(throttle.Config{})
		return l, nil, err
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %w", err)
	}
	rdb := redis.NewClient(opts)
	l, err := throttle.NewRedis(rdb, "dockmaster:", throttle.Config{})
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return l, func(context.Context) error { return rdb.Close() }, nil
}

// buildApp wires the REST API, the token service and the registry
// integration into one HTTP server.
func buildApp(ctx context.Context, cfg config.Config, st fullStore, log *slog.Logger) (*app, error) {
	a := &app{}
	kr, err := newKeyring(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	minter, err := token.NewMinter(kr, token.MinterConfig{Issuer: cfg.Issuer})
	if err != nil {
		return nil, err
	}
	limiter, closeLimiter, err := newLimiter(cfg)
	if err != nil {
		return nil, err
	}
	if closeLimiter != nil {
		a.closers = append(a.closers, closeLimiter)
	}
	a.keyring, a.minter = kr, minter
	auth := authn.New(st, authn.Options{BcryptCost: cfg.BcryptCost, Logger: log})
	a.server = server.New(server.Deps{
		Store:          st,
		Auth:           auth,
		Logger:         log,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		BcryptCost:     cfg.BcryptCost,
		TrustedProxies: cfg.TrustedProxies,
		PublicURL:      cfg.PublicURL,
		Extra: func(mux *http.ServeMux) {
			a.endpoint = token.NewEndpoint(token.EndpointDeps{
				Store:           st,
				Auth:            auth,
				Keyring:         kr,
				Minter:          minter,
				Refresh:         refreshStoreAdapter{st},
				Throttle:        limiter,
				Service:         cfg.Service,
				Realm:           cfg.PublicURL + "/auth/token",
				CatalogSubjects: []string{syncSubject},
				Logger:          log,
				ClientAddr:      server.ClientAddr,
			})
			a.endpoint.Register(mux)
		},
	})
	a.closers = append(a.closers, a.endpoint.Close)
	return a, nil
}

// syncSubject is the identity the catalog sync's tokens are minted for.
const syncSubject = "dockmaster-sync"

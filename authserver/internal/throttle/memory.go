package throttle

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process Limiter for a single replica. Its map is bounded by
// Config.MaxKeys: when full, expired windows are dropped first, then
// arbitrary ones (an attacker would need MaxKeys failed logins, each costing
// a password hash on our side, to flush a counter that way).
type Memory struct {
	cfg Config

	mu   sync.Mutex
	keys map[string]window
}

type window struct {
	failures int
	ends     time.Time
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an in-process limiter.
func NewMemory(cfg Config) (*Memory, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Memory{cfg: cfg, keys: map[string]window{}}, nil
}

// Reserve implements Limiter: check and count under one lock.
func (m *Memory) Reserve(_ context.Context, key string) (Verdict, error) {
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.keys[key]
	if ok && !now.Before(w.ends) {
		delete(m.keys, key)
		ok = false
	}
	if ok && w.failures >= m.cfg.MaxFailures {
		return Verdict{RetryAfter: w.ends.Sub(now), Failures: w.failures}, nil
	}
	if !ok {
		if len(m.keys) >= m.cfg.MaxKeys {
			m.evict(now)
		}
		w = window{ends: now.Add(m.cfg.Window)}
	}
	before := w.failures
	w.failures++
	m.keys[key] = w
	return Verdict{Allowed: true, Failures: before}, nil
}

// Release implements Limiter.
func (m *Memory) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.keys[key]
	switch {
	case !ok:
	case w.failures <= 1:
		delete(m.keys, key)
	default:
		w.failures--
		m.keys[key] = w
	}
	return nil
}

// Reset implements Limiter.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.keys, key)
	m.mu.Unlock()
	return nil
}

// Len is the number of keys held (for tests and metrics).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// evict makes room for one key; m.mu is held. It runs only when the map is
// full, so its linear cost is paid once per many failures.
func (m *Memory) evict(now time.Time) {
	for k, w := range m.keys {
		if !now.Before(w.ends) {
			delete(m.keys, k)
		}
	}
	// Keep a tenth free so the next failures do not sweep again at once.
	for k := range m.keys {
		if len(m.keys) < m.cfg.MaxKeys-m.cfg.MaxKeys/10 {
			break
		}
		delete(m.keys, k)
	}
}

package app

import (
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/config"
)

// TestUserRowTTL: PostgreSQL without Redis never caches user rows (another
// replica could change them unseen); SQLite, or any database with Redis, does.
func TestUserRowTTL(t *testing.T) {
	for _, c := range []struct {
		db    string
		redis bool
		want  bool
	}{
		{"sqlite:///tmp/x.db", false, true},
		{"sqlite:///tmp/x.db", true, true},
		{"postgres://u@h/db", false, false},
		{"postgres://u@h/db", true, true},
	} {
		if got := userRowTTL(config.Config{Database: c.db}, c.redis) > 0; got != c.want {
			t.Errorf("%s, redis %v: cache %v, want %v", c.db, c.redis, got, c.want)
		}
	}
}

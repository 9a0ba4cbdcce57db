package storetest

import (
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Before0009 is how a dialect test turns an open store back into one that
// predates migration 0009 (activity read from registry_events) and then
// migrates it again: rewind runs the dialect's SQL for the first, stamp
// encodes a time as the dialect stores it, migrate reopens or migrates.
type Before0009 struct {
	Exec    func(q string, args ...any)
	Stamp   func(time.Time) any
	Migrate func() store.Store
}

// TestActivityBackfill: the events recorded before 0009 count in the
// activity after it, per UTC day, pushes and pulls apart.
func TestActivityBackfill(t *testing.T, b Before0009) {
	b.Exec(`DROP TABLE repository_activity`)
	b.Exec(`DELETE FROM schema_migrations WHERE version = '0009_lean_event_writes'`)
	b.Exec(`DROP INDEX manifests_subject`)
	b.Exec(`DROP INDEX manifests_pending`)
	b.Exec(`CREATE INDEX manifests_subject ON manifests (repository, subject)`)
	b.Exec(`CREATE INDEX manifests_kind ON manifests (kind, repository)`)
	b.Exec(`CREATE INDEX manifests_pending ON manifests (enriched_at)`)
	b.Exec(`CREATE INDEX registry_events_repository ON registry_events (repository, received_at)`)
	b.Exec(`CREATE INDEX tag_versions_changed_at ON tag_versions (changed_at)`)
	b.Exec(`CREATE INDEX tags_digest ON tags (repository, digest)`)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	yesterday := today.Add(-24 * time.Hour)
	for i, e := range []struct {
		action, repo string
		at           time.Time
	}{
		{"push", "a/x", today.Add(time.Minute)}, {"pull", "a/x", today.Add(2 * time.Minute)},
		{"pull", "a/x", yesterday.Add(23 * time.Hour)}, {"push", "a/y", yesterday}, {"delete", "a/x", today},
	} {
		b.Exec(`INSERT INTO registry_events (id, action, repository, received_at) VALUES (?, ?, ?, ?)`,
			string(rune('a'+i)), e.action, e.repo, b.Stamp(e.at))
	}
	s := b.Migrate()
	as, isAS := s.(store.ActivityStore)
	if !isAS {
		t.Fatalf("%T does not implement store.ActivityStore", s)
	}
	days, err := as.Activity(ctx(t), store.ActivityFilter{Namespace: "a", Since: yesterday})
	ok(t, err)
	want := []store.DayActivity{{Day: yesterday, Pushes: 1, Pulls: 1}, {Day: today, Pushes: 1, Pulls: 1}}
	if len(days) != len(want) {
		t.Fatalf("activity after 0009 = %+v, want %+v", days, want)
	}
	for i := range want {
		if !days[i].Day.Equal(want[i].Day) || days[i].Pushes != want[i].Pushes || days[i].Pulls != want[i].Pulls {
			t.Fatalf("activity after 0009 = %+v, want %+v", days, want)
		}
	}
}

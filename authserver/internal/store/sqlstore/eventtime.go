package sqlstore

import (
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// eventTime is the time an event is applied at: its registry timestamp,
// unless that is missing or further ahead of the store's clock than
// store.MaxClockSkew — then now (security 39). An outside clock can
// reorder changes within the skew, never freeze a tag or repository in the
// future.
func eventTime(ts, now time.Time) time.Time {
	if ts.IsZero() || ts.After(now.Add(store.MaxClockSkew)) {
		return now
	}
	return orNow(ts, now)
}

// forgetFutureVersions drops what is recorded about repo with a time
// further ahead of now than store.MaxClockSkew: no real change can be
// dated there (eventTime clamps), so such rows come from an unclamped past
// or a clock that ran ahead, and must not outrank the registry's listing
// (the sync's view wins). The sync calls it before it reconciles repo.
func forgetFutureVersions(t *dbtx, repo string, now time.Time) error {
	limit := ts(now.Add(store.MaxClockSkew))
	for _, st := range []Stmt{
		{Q: `DELETE FROM tag_versions WHERE repository = ? AND changed_at > ?`, Args: []any{repo, limit}},
		{Q: `DELETE FROM manifest_tombstones WHERE repository = ? AND deleted_at > ?`, Args: []any{repo, limit}},
		{Q: `DELETE FROM repository_versions WHERE name = ? AND (changed_at > ? OR deleted_at > ?)`, Args: []any{repo, limit, limit}},
	} {
		if _, err := t.exec(st.Q, st.Args...); err != nil {
			return fmt.Errorf("repository %q: forget versions dated in the future: %w", repo, err)
		}
	}
	return nil
}

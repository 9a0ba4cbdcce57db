package token

import (
	"context"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

func TestNamespaceCache(t *testing.T) {
	now := time.Unix(1000, 0)
	ns := map[string]store.Namespace{"pub": {Name: "pub", Visibility: "public"}}
	reads := map[string]int{}
	c := &ttlCache[string, store.Namespace]{ttl: time.Second, max: 2, now: func() time.Time { return now },
		get: func(_ context.Context, name string) (store.Namespace, error) {
			reads[name]++
			n, ok := ns[name]
			if !ok {
				return store.Namespace{}, store.ErrNotFound
			}
			return n, nil
		}}
	ctx := context.Background()
	vis := func(name string) string {
		t.Helper()
		n, err := c.load(ctx, name)
		if err != nil {
			return err.Error()
		}
		return string(n.Visibility)
	}

	vis("pub")
	ns["pub"] = store.Namespace{Name: "pub", Visibility: "private"}
	if got := vis("pub"); got != "public" || reads["pub"] != 1 {
		t.Fatalf("within the TTL: %s after %d reads, want the cached public after 1", got, reads["pub"])
	}
	c.invalidate()
	if got := vis("pub"); got != "private" || reads["pub"] != 2 {
		t.Fatalf("after invalidate: %s after %d reads", got, reads["pub"])
	}
	now = now.Add(time.Second)
	ns["pub"] = store.Namespace{Name: "pub", Visibility: "public"}
	if got := vis("pub"); got != "public" {
		t.Fatalf("after the TTL: %s", got)
	}

	// A missing namespace is not cached: once created it is seen at once.
	if got := vis("new"); got != store.ErrNotFound.Error() {
		t.Fatalf("missing: %s", got)
	}
	ns["new"] = store.Namespace{Name: "new", Visibility: "public"}
	if got := vis("new"); got != "public" {
		t.Fatalf("created after a miss: %s", got)
	}

	// Bounded: a third key empties the full cache first.
	ns["third"] = store.Namespace{Name: "third", Visibility: "private"}
	vis("third")
	if len(c.entries) > 2 {
		t.Fatalf("%d entries, max 2", len(c.entries))
	}
}

package events_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/events"
)

// TestDecodeLengthLimits pins each length limit of an event at its
// boundary: exactly the limit is applied, one byte more is skipped (the
// actor is truncated instead).
func TestDecodeLengthLimits(t *testing.T) {
	repo255 := "devs/" + strings.Repeat("a", 250)
	tag128 := "v" + strings.Repeat("1", 127)
	digest256 := "sha256:" + strings.Repeat("a", 249)
	type fields struct{ id, repo, tag, digest, actor string }
	base := fields{"id1", "devs/app", "v1", digest, "alice"}
	mk := func(f fields) string {
		ev := map[string]any{}
		_ = json.Unmarshal([]byte(event(f.id, "push", f.repo, f.tag, ociMT)), &ev)
		ev["target"].(map[string]any)["digest"] = f.digest
		ev["actor"] = map[string]any{"name": f.actor}
		b, _ := json.Marshal(ev)
		return string(b)
	}
	for _, c := range []struct {
		name    string
		mod     func(*fields)
		applied bool
	}{
		{"id of 256", func(f *fields) { f.id = strings.Repeat("i", 256) }, true},
		{"id of 257", func(f *fields) { f.id = strings.Repeat("i", 257) }, false},
		{"repository of 255", func(f *fields) { f.repo = repo255 }, true},
		{"repository of 256", func(f *fields) { f.repo = repo255 + "a" }, false},
		{"tag of 128", func(f *fields) { f.tag = tag128 }, true},
		{"tag of 129", func(f *fields) { f.tag = tag128 + "1" }, false},
		{"digest of 256", func(f *fields) { f.digest = digest256 }, true},
		{"digest of 257", func(f *fields) { f.digest = digest256 + "a" }, false},
		{"id with a space and a tilde", func(f *fields) { f.id = " id ~" }, true},
		{"id with 0x1f", func(f *fields) { f.id = "id\x1f" }, false},
		{"id with DEL", func(f *fields) { f.id = "id\x7f" }, false},
	} {
		f := base
		c.mod(&f)
		evs, skipped, err := events.DecodeEnvelope([]byte(envelope(mk(f))))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if applied := len(evs) == 1 && len(skipped) == 0; applied != c.applied {
			t.Errorf("%s: applied %v (skipped %+v), want %v", c.name, applied, skipped, c.applied)
		}
		if !c.applied && len(skipped) == 1 && skipped[0].Rejected {
			// The length check comes first: an overlong name is ignored,
			// not counted as a hostile one outside the grammar.
			t.Errorf("%s: rejected as outside the grammar, want ignored by the length limit", c.name)
		}
	}
	for _, c := range []struct {
		actor string
		want  int
	}{{strings.Repeat("x", 256), 256}, {strings.Repeat("x", 257), 256}} {
		f := base
		f.actor = c.actor
		evs, _, err := events.DecodeEnvelope([]byte(envelope(mk(f))))
		if err != nil || len(evs) != 1 {
			t.Fatalf("actor of %d: %v, %d events", len(c.actor), err, len(evs))
		}
		if n := len(evs[0].Actor); n != c.want {
			t.Errorf("actor of %d stored as %d bytes, want %d", len(c.actor), n, c.want)
		}
	}
}

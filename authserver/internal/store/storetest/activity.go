package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// testActivity: pushes and pulls per day, by repository or namespace
// (a namespace is a whole first segment: "a" is not "ab").
func testActivity(t *testing.T, s store.Store) {
	as, isAS := s.(store.ActivityStore)
	rs, isRS := s.(store.RegistryStore)
	if !isAS || !isRS {
		t.Fatalf("%T does not implement store.ActivityStore and store.RegistryStore", s)
	}
	n := 0
	event := func(action, repo string) {
		t.Helper()
		n++
		e := store.RegistryEvent{ID: fmt.Sprintf("ev%d", n), Action: action, Repository: repo}
		if action == store.ActionPush {
			e.Tag, e.Digest, e.MediaType = "1", fmt.Sprintf("sha256:%064d", n), "application/vnd.oci.image.manifest.v1+json"
		}
		if _, err := rs.ApplyEvent(ctx(t), e, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range [][2]string{{"push", "a/x"}, {"push", "a/x"}, {"pull", "a/x"}, {"pull", "a/x"}, {"pull", "a/x"},
		{"pull", "a/y"}, {"push", "ab/z"}, {"pull", "ab/z"}, {"delete", "a/y"}} {
		event(e[0], e[1])
	}
	sum := func(f store.ActivityFilter) (pushes, pulls int) {
		t.Helper()
		f.Since = time.Now().Add(-time.Hour)
		days, err := as.Activity(ctx(t), f)
		ok(t, err)
		for _, d := range days {
			if d.Day.Location() != time.UTC || !d.Day.Equal(d.Day.Truncate(24*time.Hour)) {
				t.Fatalf("day %v is not a UTC day", d.Day)
			}
			pushes += d.Pushes
			pulls += d.Pulls
		}
		return pushes, pulls
	}
	p, l := sum(store.ActivityFilter{Repository: "a/x"})
	eq(t, "a/x pushes", p, 2)
	eq(t, "a/x pulls", l, 3)
	p, l = sum(store.ActivityFilter{Namespace: "a"})
	eq(t, "a pushes", p, 2)
	eq(t, "a pulls", l, 4)
	p, l = sum(store.ActivityFilter{Namespace: "a%"})
	eq(t, "a% pushes", p+l, 0)
	days, err := as.Activity(ctx(t), store.ActivityFilter{Repository: "a/x", Since: time.Now().Add(48 * time.Hour)})
	ok(t, err)
	eq(t, "future days", len(days), 0)
	// A replayed event counts once.
	if _, err := rs.ApplyEvent(ctx(t), store.RegistryEvent{ID: "ev1", Action: store.ActionPush, Repository: "a/x"}, ""); err != nil {
		t.Fatal(err)
	}
	p, l = sum(store.ActivityFilter{Repository: "a/x"})
	eq(t, "a/x pushes after a replay", p, 2)
	eq(t, "a/x pulls after a replay", l, 3)
	// The group commit's path counts the same, once per event.
	bs, isBS := s.(batchStore)
	if !isBS {
		t.Fatalf("%T has no ApplyEvents", s)
	}
	var evs []store.RegistryEvent
	for i, action := range []string{"push", "push", "pull", "delete"} {
		e := store.RegistryEvent{ID: fmt.Sprintf("batch%d", i), Action: action, Repository: "c/z"}
		if action == store.ActionPush {
			e.Tag, e.Digest, e.MediaType = fmt.Sprint(i), fmt.Sprintf("sha256:%064d", 100+i), "application/vnd.oci.image.manifest.v1+json"
		}
		evs = append(evs, e)
	}
	for range 2 { // the second time, replays
		_, err := bs.ApplyEvents(ctx(t), evs, "")
		ok(t, err)
	}
	p, l = sum(store.ActivityFilter{Namespace: "c"})
	eq(t, "c pushes", p, 2)
	eq(t, "c pulls", l, 1)
	_, err = as.Activity(ctx(t), store.ActivityFilter{})
	if err == nil {
		t.Fatal("Activity without a repository or namespace succeeded")
	}
}

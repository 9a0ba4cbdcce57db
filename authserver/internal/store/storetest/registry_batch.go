package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// testEventsBatchEqualsSequential: random event streams (pushes, retags,
// pulls, tag, manifest and repository deletes, replays, out-of-order
// times, namespaces to create) end in the same state whether they are
// applied one by one (ApplyEvent) or in batches of any size (ApplyEvents,
// which handles runs of pushes together).
func testEventsBatchEqualsSequential(t *testing.T, s registryStore) {
	bs, isBS := s.RegistryStore.(batchStore)
	if !isBS {
		t.Fatalf("%T has no ApplyEvents", s.RegistryStore)
	}
	user(t, s, "alice", true)
	team(t, s, "admins", "alice")
	const seed = 20261128
	rng := rand.New(rand.NewPCG(seed, seed))
	for round := range 6 {
		// The same stream under two name prefixes: one applied singly, one
		// in batches.
		stream := randomEvents(rng, 150)
		one, batched := fmt.Sprintf("one%d", round), fmt.Sprintf("bat%d", round)
		for _, e := range stream {
			apply(t, s, renamed(e, one), "admins")
		}
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(40))
			evs := make([]store.RegistryEvent, n)
			for i, e := range rest[:n] {
				evs[i] = renamed(e, batched)
			}
			_, err := bs.ApplyEvents(ctx(t), evs, "admins")
			ok(t, err)
			rest = rest[n:]
		}
		want, got := registryDump(t, s, one), registryDump(t, s, batched)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (seed %d): batched state differs from one by one:\n%s", round, seed, lineDiff(want, got))
		}
		if len(want) == 0 {
			t.Fatalf("round %d: the stream left nothing to compare", round)
		}
	}
}

// randomEvents draws n events over a few namespaces, repositories, tags and
// digests, with times that go back and forth and ids that repeat.
func randomEvents(rng *rand.Rand, n int) []store.RegistryEvent {
	digests := []string{digestA, digestB, digestC}
	var out []store.RegistryEvent
	for range n {
		if len(out) > 0 && rng.IntN(10) == 0 {
			out = append(out, out[rng.IntN(len(out))]) // a replay
			continue
		}
		repo := fmt.Sprintf("NS%d/app%d", rng.IntN(3), rng.IntN(3))
		if rng.IntN(8) == 0 {
			repo = fmt.Sprintf("NSglobal%d", rng.IntN(2)) // renamed into the global namespace
		}
		tag := fmt.Sprintf("v%d", rng.IntN(4))
		if rng.IntN(10) == 0 {
			tag = mediatype.FallbackTagPrefix(digestA) // an accessory of A
		}
		digest := digests[rng.IntN(len(digests))]
		sec := 1 + rng.IntN(60)
		var e store.RegistryEvent
		switch r := rng.IntN(20); {
		case r < 11:
			e = push(repo, tag, digest, sec)
			if rng.IntN(5) == 0 {
				e.Tag = "" // a push by digest
			}
			e.Size = int64(rng.IntN(1000))
		case r < 15:
			e = pull(repo, tag, sec)
		case r < 17:
			e = del(repo, tag, "", sec)
		case r < 19:
			e = del(repo, "", digest, sec)
		default:
			e = del(repo, "", "", sec)
		}
		out = append(out, e)
	}
	return out
}

// renamed puts e under prefix: "NS1/app2" → "<prefix>n1/app2",
// "NSglobal0" → "<prefix>global0", and its id likewise.
func renamed(e store.RegistryEvent, prefix string) store.RegistryEvent {
	if rest, ok := strings.CutPrefix(e.Repository, "NSglobal"); ok {
		e.Repository = prefix + "global" + rest
	} else {
		e.Repository = prefix + "n" + strings.TrimPrefix(e.Repository, "NS")
	}
	e.ID = prefix + "-" + e.ID
	return e
}

// registryDump lists, with prefix taken off the names, every repository,
// tag and namespace whose name starts with prefix, with what events set
// (not the server's own created/updated times).
func registryDump(t *testing.T, s registryStore, prefix string) []string {
	t.Helper()
	var out []string
	repos, err := s.ListRepositories(ctx(t), store.RepositoryFilter{ListOptions: store.ListOptions{Limit: 1000}})
	ok(t, err)
	for _, r := range repos {
		name, mine := strings.CutPrefix(r.Name, prefix)
		if !mine {
			continue
		}
		out = append(out, fmt.Sprintf("repo %s pulls=%d last=%s", name, r.PullCount, r.LastPulledAt.Format("15:04:05")))
		tags, err := s.ListTags(ctx(t), r.Name, store.ListOptions{Limit: 1000})
		ok(t, err)
		for _, tg := range tags {
			out = append(out, fmt.Sprintf("tag %s:%s %s %s size=%d by=%s at=%s pulls=%d last=%s", name, tg.Name, tg.Digest[:8],
				tg.MediaType, tg.Size, tg.PushedBy, tg.PushedAt.Format("15:04:05"), tg.PullCount, tg.LastPulledAt.Format("15:04:05")))
		}
		for _, m := range manifestsOf(t, s, r.Name) {
			out = append(out, "manifest "+name+" "+m)
		}
	}
	for i := range 3 {
		ns, err := s.GetNamespace(ctx(t), fmt.Sprintf("%sn%d", prefix, i))
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			t.Fatal(err)
		default:
			out = append(out, fmt.Sprintf("namespace n%d team=%s visibility=%s", i, ns.Team, ns.Visibility))
		}
	}
	return out
}

// lineDiff shows the lines only one side has.
func lineDiff(want, got []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

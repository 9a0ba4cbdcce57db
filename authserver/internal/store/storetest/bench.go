package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// BenchmarkReads measures the reads the token endpoint makes on every
// request, on a small site: a user in a team owning a namespace, a robot with
// access to it, and an application token. Each sub-benchmark also runs in
// parallel (…/parallel) since the endpoint serves many clients at once.
func BenchmarkReads(b *testing.B, s store.Store) {
	user(b, s, "alice", false)
	user(b, s, "bob", false)
	team(b, s, "eng", "alice")
	ok(b, s.AddMember(ctx(b), store.Member{Team: "eng", Username: "bob", Role: rbac.RoleContributor}))
	namespace(b, s, "eng", "eng")
	ok(b, s.CreatePermission(ctx(b), store.Permission{Namespace: "eng", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleViewer}))
	ok(b, s.CreateRobot(ctx(b), store.Robot{Name: "robot$ci", Team: "eng", SecretHash: "robot-hash", Enabled: true,
		Access: []store.Access{{Namespace: "eng", Role: rbac.RoleContributor}}}))
	ok(b, s.CreateToken(ctx(b), store.Token{ID: "t1", Username: "bob", Name: "laptop", Hash: "token-hash"}))

	reads := []struct {
		name string
		read func() error
	}{
		{"GetUser", func() error { _, err := s.GetUser(ctx(b), "bob"); return err }},
		{"GetSettings", func() error { _, err := s.GetSettings(ctx(b)); return err }},
		{"GetNamespace", func() error { _, err := s.GetNamespace(ctx(b), "eng"); return err }},
		{"RolesOn", func() error {
			roles, err := s.RolesOn(ctx(b), "eng", rbac.UserKind, "bob")
			if err == nil && len(roles) != 2 {
				err = fmt.Errorf("RolesOn = %v, want viewer and contributor", roles)
			}
			return err
		}},
		{"GetRobot", func() error {
			r, err := s.GetRobot(ctx(b), "robot$ci")
			if err == nil && len(r.Access) != 1 {
				err = fmt.Errorf("GetRobot access = %v, want one", r.Access)
			}
			return err
		}},
		{"GetTokenByHash", func() error { _, err := s.GetTokenByHash(ctx(b), "token-hash"); return err }},
	}
	for _, r := range reads {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.read(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(r.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := r.read(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkApplyEvents measures event ingestion as the receiver's group
// commit drives it: batches of 50 manifest pushes (fresh digests, 50 tags
// in 100 repositories, as `make bench` posts them), and the same followed
// by the enrichment's write of what it read (…/enriched). It reports
// events/s; the applier must be a store.Store with ApplyEvents.
func BenchmarkApplyEvents(b *testing.B, s store.Store) {
	ap, isBatch := s.(batchStore)
	if !isBatch {
		b.Fatalf("%T has no ApplyEvents", s)
	}
	user(b, s, "alice", false)
	team(b, s, "team", "alice")
	namespace(b, s, "team", "team")
	const batch = 50
	var seq int
	pushes := func() []store.RegistryEvent {
		evs := make([]store.RegistryEvent, batch)
		for i := range evs {
			seq++
			var d [32]byte
			_, _ = rand.Read(d[:])
			evs[i] = store.RegistryEvent{ID: fmt.Sprintf("bench-%d", seq), Action: store.ActionPush,
				Repository: fmt.Sprintf("team/svc-%02d", seq%100), Tag: fmt.Sprintf("v1.%d", seq%50),
				Digest: "sha256:" + hex.EncodeToString(d[:]), MediaType: "application/vnd.oci.image.manifest.v1+json",
				Size: 1579, Actor: "ci-bot", Timestamp: time.Now()}
		}
		return evs
	}
	for _, enriched := range []bool{false, true} {
		name := "pushes"
		if enriched {
			name = "pushes/enriched"
		}
		b.Run(name, func(b *testing.B) {
			events := 0
			for b.Loop() {
				evs := pushes()
				applied, err := ap.ApplyEvents(ctx(b), evs, "")
				if err != nil {
					b.Fatal(err)
				}
				if !slices.Contains(applied, true) {
					b.Fatal("no event applied")
				}
				events += len(evs)
				if !enriched {
					continue
				}
				ds := make([]store.ManifestDetails, len(evs))
				for i, e := range evs {
					ds[i] = store.ManifestDetails{Repository: e.Repository, Digest: e.Digest, Kind: "unknown", Problem: "manifest unknown"}
				}
				ok(b, s.SetManifestDetailsBatch(ctx(b), ds))
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

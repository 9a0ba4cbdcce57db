package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

type pushedImage struct{ repo, tag, digest string }

type loadResult struct {
	mu         sync.Mutex
	ops        map[string]int
	failures   map[string]int
	overGrants []string
	errs       []string
	pushed     []pushedImage
}

func (l *loadResult) note(kind string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops[kind]++
	if err != nil {
		l.failures[kind]++
		if len(l.errs) < 30 {
			l.errs = append(l.errs, fmt.Sprintf("%s %s: %v", time.Now().Format("15:04:05.000"), kind, err))
		}
	}
}

func (l *loadResult) totals() (ops, fails int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, n := range l.ops {
		ops += n
		fails += l.failures[k]
	}
	return ops, fails
}

// runLoad drives token requests, pulls and pushes from several clients (each
// its own connections) for dur, pacing each client so the shared machine
// keeps breathing, and checks every token against the RBAC of examples/rbac:
// the viewer gets pull only, the contributor never delete, anonymous nothing
// on the private namespace.
func runLoad(ctx context.Context, tb testing.TB, e *env, fx *rbac, workers int, dur time.Duration) *loadResult {
	tb.Helper()
	res := &loadResult{ops: map[string]int{}, failures: map[string]int{}}
	ns := fx.namespace
	base := ns + "/hello"
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc := regClient{base: e.publicURL(), hc: e.httpClient(tb)}
			for i := 0; time.Now().Before(deadline) && i < 100000; i++ {
				if ctx.Err() != nil {
					return
				}
				switch (i + w) % 5 {
				case 0:
					_, acc, err := rc.token(ctx, fx.viewer.user, fx.viewer.pass, "repository:"+base+":pull,push,delete")
					if err == nil && !slices.Equal(granted(acc, base), []string{"pull"}) {
						res.overGrant(fmt.Sprintf("viewer %s got %v on %s", fx.viewer.user, granted(acc, base), base))
					}
					res.note("token", err)
				case 1:
					_, acc, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+base+":pull,push,delete")
					if g := granted(acc, base); err == nil && !slices.Equal(g, []string{"pull", "push"}) {
						if slices.Contains(g, "delete") || len(g) > 2 {
							res.overGrant(fmt.Sprintf("contributor %s got %v on %s", fx.contributor.user, g, base))
						} else {
							err = fmt.Errorf("contributor %s got %v, want [pull push]", fx.contributor.user, g)
						}
					}
					res.note("token", err)
				case 2:
					_, acc, err := rc.token(ctx, "", "", "repository:"+base+":pull")
					if err == nil && len(granted(acc, base)) > 0 {
						res.overGrant(fmt.Sprintf("anonymous got %v on private %s", granted(acc, base), base))
					}
					res.note("token", err)
				case 3:
					tok, _, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+base+":pull")
					if err == nil {
						_, err = rc.pull(ctx, tok, base, "1")
					}
					res.note("pull", err)
				case 4:
					repo := fmt.Sprintf("%s/load-%d", ns, w)
					tag := fmt.Sprintf("t%d", i)
					tok, _, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+repo+":pull,push")
					var d string
					if err == nil {
						d, err = rc.pushImage(ctx, tok, repo, tag, []byte(fmt.Sprintf("load %d %d %d\n", w, i, time.Now().UnixNano())))
					}
					if err == nil {
						res.mu.Lock()
						res.pushed = append(res.pushed, pushedImage{repo, tag, d})
						res.mu.Unlock()
					}
					res.note("push", err)
				}
				time.Sleep(25 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	return res
}

func (l *loadResult) overGrant(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.overGrants) < 50 {
		l.overGrants = append(l.overGrants, s)
	} else {
		l.overGrants[49] = "… and more"
	}
}

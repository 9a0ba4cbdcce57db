package registryclient

import (
	"context"
	"fmt"
	"testing"
	"time"
)

type countingTokens struct{ n int }

func (s *countingTokens) Token(context.Context, []string) (string, error) {
	s.n++
	return fmt.Sprint("t", s.n), nil // not a JWT: kept for tokenFallbackLife
}

// TestTokenCacheBounded: tokens for ever new scope sets do not pile up; the
// expired ones go first, and a live one is still reused.
func TestTokenCacheBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	src := &countingTokens{}
	c, err := New("http://registry.invalid", Options{Tokens: src, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range maxCachedTokens {
		if _, err := c.token(ctx, []string{fmt.Sprintf("repository:r%d:pull", i)}, false); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(c.cache); got != maxCachedTokens {
		t.Fatalf("cache holds %d tokens, want %d", got, maxCachedTokens)
	}
	now = now.Add(2 * tokenFallbackLife)
	live, _ := c.token(ctx, []string{"repository:live:pull"}, false)
	if got := len(c.cache); got != 1 {
		t.Fatalf("after expiry the cache holds %d tokens, want 1", got)
	}
	again, _ := c.token(ctx, []string{"repository:live:pull"}, false)
	if again != live {
		t.Fatalf("live token not reused: %q then %q", live, again)
	}
}

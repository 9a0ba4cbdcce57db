package token

import (
	"context"
	"testing"
	"time"
)

// countingStore counts ListKeys calls.
type countingStore struct {
	*MemoryKeyStore
	lists int
}

func (c *countingStore) ListKeys(ctx context.Context) ([]StoredKey, error) {
	c.lists++
	return c.MemoryKeyStore.ListKeys(ctx)
}

func TestKeyringCacheList(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{MemoryKeyStore: NewMemoryKeyStore()}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	kr := NewKeyring(st, "test").CacheList(10 * time.Second)
	kr.now = func() time.Time { return clock }
	first, err := kr.Ensure(ctx, KeySpec{Alg: AlgES256}, clock)
	if err != nil {
		t.Fatal(err)
	}
	st.lists = 0
	for range 100 {
		k, err := kr.Signer(ctx)
		if err != nil || k.KID != first.KID {
			t.Fatalf("signer = %v, %v", k, err)
		}
	}
	if st.lists != 1 {
		t.Fatalf("100 signatures read the key list %d times, want 1", st.lists)
	}

	// Another replica rotates: this keyring keeps signing with the cached
	// (still published) key until the cache expires, then switches.
	other := NewKeyring(st, "test")
	second, err := other.Rotate(ctx, KeySpec{Alg: AlgES256}, clock.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := kr.Signer(ctx); k.KID != first.KID {
		t.Fatalf("signer switched before the cache expired")
	}
	clock = clock.Add(11 * time.Second)
	if k, _ := kr.Signer(ctx); k.KID != second.KID {
		t.Fatalf("signer after expiry = %s, want %s", k.KID, second.KID)
	}

	// A rotation on this keyring takes effect at once.
	third, err := kr.Rotate(ctx, KeySpec{Alg: AlgES256}, clock.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := kr.Signer(ctx); k.KID != third.KID {
		t.Fatalf("signer after own rotation = %s, want %s", k.KID, third.KID)
	}
}

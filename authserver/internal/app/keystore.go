package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
)

// The store and token packages know nothing of each other's key and
// refresh-token types; these adapters connect them. The types are converted
// directly (store.SigningKey(k)), so a field added on one side only is a
// compile error here rather than a silently dropped value.

// keyStoreAdapter is the token package's KeyStore and KeyDeleter over the
// database.
type keyStoreAdapter struct{ st store.TokenStore }

var (
	_ token.KeyStore   = keyStoreAdapter{}
	_ token.KeyDeleter = keyStoreAdapter{}
)

// ListKeys implements token.KeyStore.
func (a keyStoreAdapter) ListKeys(ctx context.Context) ([]token.StoredKey, error) {
	keys, err := a.st.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]token.StoredKey, len(keys))
	for i, k := range keys {
		out[i] = token.StoredKey(k)
	}
	return out, nil
}

// AddKey implements token.KeyStore; a duplicate kid is token.ErrDuplicateKey
// (and still store.ErrConflict).
func (a keyStoreAdapter) AddKey(ctx context.Context, k token.StoredKey) error {
	return keyErr(a.st.AddKey(ctx, store.SigningKey(k)))
}

// RetireKey implements token.KeyStore; an unknown kid is token.ErrKeyNotFound.
func (a keyStoreAdapter) RetireKey(ctx context.Context, kid string, at time.Time) error {
	return keyErr(a.st.RetireKey(ctx, kid, at))
}

// DeleteKey implements token.KeyDeleter; an unknown kid is token.ErrKeyNotFound.
func (a keyStoreAdapter) DeleteKey(ctx context.Context, kid string) error {
	return keyErr(a.st.DeleteKey(ctx, kid))
}

// keyErr adds the token package's sentinel to the store's, keeping both
// (and store.ErrUnavailable untouched) for errors.Is.
func keyErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", token.ErrKeyNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w: %w", token.ErrDuplicateKey, err)
	}
	return err
}

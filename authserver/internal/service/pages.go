package service

import (
	"context"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Page is one page of a list in name (key) order. Next, when not empty, is
// the key of the page's last item: more items follow, and the next page
// starts after it (store.ListOptions.After). Front ends wrap it in their
// own cursor (the REST API's opaque page_token).
type Page[T any] struct {
	Items []T
	Next  string
}

// Paginate fills one page of at most opt.Limit items from a store list
// ordered by name: it asks for pages after the cursor, keeps what keep
// accepts (an authorization filter, such as NamespaceFilter; nil keeps
// all) and stops once the page is full. Next is set only when one more
// kept item exists, so a full last page has no next page.
func Paginate[T any](ctx context.Context, opt store.ListOptions,
	fetch func(context.Context, store.ListOptions) ([]T, error),
	name func(T) string, keep func(T) (bool, error)) (Page[T], error) {
	size := opt.Limit
	items := make([]T, 0, size)
	cur := opt
	cur.Limit = size + 1
	for {
		batch, err := fetch(ctx, cur)
		if err != nil {
			return Page[T]{}, err
		}
		for _, it := range batch {
			ok := true
			if keep != nil {
				if ok, err = keep(it); err != nil {
					return Page[T]{}, err
				}
			}
			if !ok {
				continue
			}
			if len(items) == size {
				return Page[T]{Items: items, Next: name(items[len(items)-1])}, nil
			}
			items = append(items, it)
		}
		if len(batch) < cur.Limit {
			return Page[T]{Items: items}, nil
		}
		cur.After = name(batch[len(batch)-1])
	}
}

// PageSlice pages an in-memory list already sorted by key: items after
// opt.After whose key contains opt.Query (case-insensitive), at most
// opt.Limit of them.
func PageSlice[T any](all []T, opt store.ListOptions, key func(T) string) Page[T] {
	items := make([]T, 0, min(len(all), opt.Limit))
	for _, it := range all {
		k := key(it)
		if opt.After != "" && k <= opt.After {
			continue
		}
		if opt.Query != "" && !strings.Contains(strings.ToLower(k), strings.ToLower(opt.Query)) {
			continue
		}
		if len(items) == opt.Limit {
			return Page[T]{Items: items, Next: key(items[len(items)-1])}
		}
		items = append(items, it)
	}
	return Page[T]{Items: items}
}

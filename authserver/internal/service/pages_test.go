package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// TestPaginate: a page is filled after the filter, however many store
// pages that takes; Next names the page's last item only when one more
// kept item follows; following Next walks every kept item exactly once.
func TestPaginate(t *testing.T) {
	var all []string
	for i := range 30 {
		all = append(all, fmt.Sprintf("n%02d", i))
	}
	reads := 0
	fetch := func(_ context.Context, o store.ListOptions) ([]string, error) {
		reads++
		var out []string
		for _, n := range all {
			if n > o.After && len(out) < o.Limit {
				out = append(out, n)
			}
		}
		return out, nil
	}
	id := func(s string) string { return s }
	keepEven := func(s string) (bool, error) { return (s[2]-'0')%2 == 0, nil }
	ctx := context.Background()

	var got []string
	opt := store.ListOptions{Limit: 4}
	for pages := 0; ; pages++ {
		p, err := service.Paginate(ctx, opt, fetch, id, keepEven)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 4 || pages > 10 {
			t.Fatalf("page %d: %q", pages, p.Items)
		}
		got = append(got, p.Items...)
		if p.Next == "" {
			break
		}
		if p.Next != p.Items[len(p.Items)-1] {
			t.Fatalf("Next %q is not the page's last item %q", p.Next, p.Items)
		}
		opt.After = p.Next
	}
	var want []string
	for _, n := range all {
		if ok, _ := keepEven(n); ok {
			want = append(want, n)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("walked %q, want %q", got, want)
	}

	// Exactly a page of kept items: no next page.
	p, err := service.Paginate(ctx, store.ListOptions{Limit: 15}, fetch, id, keepEven)
	if err != nil || len(p.Items) != 15 || p.Next != "" {
		t.Errorf("15 kept items in a page of 15: %d items, next %q, %v", len(p.Items), p.Next, err)
	}
	reads = 0
	if p, _ = service.Paginate(ctx, store.ListOptions{Limit: 30}, fetch, id, nil); len(p.Items) != 30 || p.Next != "" || reads != 1 {
		t.Errorf("no filter, all in one page: %d items, next %q, %d reads", len(p.Items), p.Next, reads)
	}
}

// TestPageSlice: an in-memory list is paged after the cursor, filtered by
// the query case-insensitively, with Next only when more follow.
func TestPageSlice(t *testing.T) {
	all := []string{"Alpha", "beta", "gamma", "alphabet", "zeta"}
	slices.Sort(all)
	id := func(s string) string { return s }
	p := service.PageSlice(all, store.ListOptions{Limit: 2, Query: "ALPHA"}, id)
	if !slices.Equal(p.Items, []string{"Alpha", "alphabet"}) || p.Next != "" {
		t.Errorf("query: %q next %q", p.Items, p.Next)
	}
	p = service.PageSlice(all, store.ListOptions{Limit: 2}, id)
	if !slices.Equal(p.Items, []string{"Alpha", "alphabet"}) || p.Next != "alphabet" {
		t.Errorf("first page: %q next %q", p.Items, p.Next)
	}
	p = service.PageSlice(all, store.ListOptions{Limit: 2, After: p.Next}, id)
	if !slices.Equal(p.Items, []string{"beta", "gamma"}) || p.Next != "gamma" {
		t.Errorf("second page: %q next %q", p.Items, p.Next)
	}
	p = service.PageSlice(all, store.ListOptions{Limit: 2, After: p.Next}, id)
	if !slices.Equal(p.Items, []string{"zeta"}) || p.Next != "" {
		t.Errorf("last page: %q next %q", p.Items, p.Next)
	}
}

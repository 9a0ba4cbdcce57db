package service

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Search limits.
const (
	SearchPageSize   = 20
	MaxSearchQuery   = 256
	MaxSearchPage    = 10_000
	searchSideResult = 10 // namespaces and teams shown beside repositories
)

// SearchResult is one page of a search as a may see it.
type SearchResult struct {
	Query string
	Page  int
	// Repositories a may pull, ranked; Total counts every match a may pull.
	Repositories []store.Repository
	Total        int
	HasNext      bool
	// Namespaces a may see and teams (signed-in users only), ranked, on
	// the first page only.
	Namespaces []store.Namespace
	Teams      []store.Team
}

// Search finds the repositories, namespaces and teams a may see whose
// names contain query, ranked exact, prefix, substring, then by the most
// recent push. What a may see is decided here with rbac, the same way
// as the token endpoint and the REST API decide it.
func (s *Service) Search(ctx context.Context, a Actor, query string, page int) (SearchResult, error) {
	query = strings.TrimSpace(query)
	res := SearchResult{Query: query, Page: page}
	if len(query) > MaxSearchQuery || strings.ContainsRune(query, 0) {
		return res, Invalid("q", "the search text is limited to %d characters", MaxSearchQuery)
	}
	if page < 1 || page > MaxSearchPage {
		return res, Invalid("page", "page must be between 1 and %d", MaxSearchPage)
	}
	ss, ok := s.st.(store.SearchStore)
	if !ok {
		return res, fmt.Errorf("search: the store %T cannot search", s.st)
	}
	pullable, visible, err := s.visibleNamespaces(ctx, a)
	if err != nil {
		return res, err
	}
	repos, total, err := ss.SearchRepositories(ctx, store.RepositorySearch{Query: query, Namespaces: pullable,
		Offset: (page - 1) * SearchPageSize, Limit: SearchPageSize})
	if err != nil {
		return res, err
	}
	res.Repositories, res.Total = repos, total
	res.HasNext = (page-1)*SearchPageSize+len(repos) < total
	if page != 1 {
		return res, nil
	}
	lq := strings.ToLower(query)
	for _, n := range visible {
		if strings.Contains(strings.ToLower(n.Name), lq) {
			res.Namespaces = append(res.Namespaces, n)
		}
	}
	res.Namespaces = rankByName(res.Namespaces, lq, func(n store.Namespace) string { return n.Name })
	if a.subject().Kind == rbac.UserKind {
		// Teams are visible to every signed-in user (Team's rule).
		teams, err := s.st.ListTeams(ctx, store.ListOptions{Query: query, Limit: 200})
		if err != nil {
			return res, err
		}
		res.Teams = rankByName(teams, lq, func(t store.Team) string { return t.Name })
	}
	return res, nil
}

// visibleNamespaces walks every namespace once: the ones whose
// repositories a may pull ("" for the global namespace) and the ones a may
// see.
func (s *Service) visibleNamespaces(ctx context.Context, a Actor) ([]string, []store.Namespace, error) {
	d, err := s.NewDecider(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	if err := d.LoadRoles(ctx); err != nil {
		return nil, nil, err
	}
	pullable := []string{}
	var visible []store.Namespace
	if acts, _, err := d.Actions(ctx, ""); err != nil {
		return nil, nil, err
	} else if HasAction(acts, rbac.Pull) {
		pullable = append(pullable, "")
	}
	after := ""
	for {
		page, err := s.st.ListNamespaces(ctx, store.ListOptions{After: after, Limit: 1000})
		if err != nil {
			return nil, nil, err
		}
		for _, n := range page {
			t, err := d.TargetOf(ctx, n)
			if err != nil {
				return nil, nil, err
			}
			if HasAction(d.Decide(t), rbac.Pull) {
				pullable = append(pullable, n.Name)
			}
			if rbac.CanSeeNamespace(a.subject(), n.Visibility, t.Role) {
				visible = append(visible, n)
			}
		}
		if len(page) < 1000 {
			return pullable, visible, nil
		}
		after = page[len(page)-1].Name
	}
}

// rankByName orders items exact match first, then prefix, then the rest,
// by name within each group, and keeps the first searchSideResult.
func rankByName[T any](items []T, lq string, name func(T) string) []T {
	rank := func(it T) int {
		n := strings.ToLower(name(it))
		switch {
		case n == lq:
			return 0
		case strings.HasPrefix(n, lq):
			return 1
		}
		return 2
	}
	sort.SliceStable(items, func(i, j int) bool {
		ri, rj := rank(items[i]), rank(items[j])
		if ri != rj {
			return ri < rj
		}
		return name(items[i]) < name(items[j])
	})
	if len(items) > searchSideResult {
		items = items[:searchSideResult]
	}
	return items
}

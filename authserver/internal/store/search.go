package store

import "context"

// RepositorySearch asks for one page of repositories ranked for a search box.
type RepositorySearch struct {
	// Query is a case-insensitive substring of the full name ("" matches all).
	Query string
	// Namespaces restricts the result to these namespaces ("" is the global
	// namespace); nil means every namespace, empty none.
	Namespaces []string
	Offset     int
	Limit      int
}

// SearchStore ranks repositories for the web UI's search.
type SearchStore interface {
	// SearchRepositories returns one page of the matching repositories —
	// exact name (the full name or its last segment) first, then prefix (of
	// the name or a segment), then any substring, each group most recently
	// pushed first — and how many match in all.
	SearchRepositories(ctx context.Context, q RepositorySearch) ([]Repository, int, error)
}

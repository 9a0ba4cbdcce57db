package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
	maxQueryLength  = 256
)

// pageParams reads page_size, page_token and q. page_size defaults to 50 and
// is clamped to 200; zero, negative or non-numeric sizes are 400. page_token
// is the opaque base64url of the last name of the previous page.
func pageParams(r *http.Request) (store.ListOptions, error) {
	opt := store.ListOptions{Limit: defaultPageSize}
	if err := checkQuery(r.URL.RawQuery); err != nil {
		return opt, err
	}
	q := r.URL.Query()
	if v, ok := q["page_size"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n <= 0 {
			return opt, invalid("page_size", "page_size must be a positive integer (at most %d)", maxPageSize)
		}
		opt.Limit = min(n, maxPageSize)
	}
	if v := q.Get("page_token"); v != "" {
		after, err := decodePageToken(v)
		if err != nil {
			return opt, invalid("page_token", "page_token is not a token this server issued")
		}
		opt.After = after
	}
	opt.Query = q.Get("q")
	if len(opt.Query) > maxQueryLength {
		return opt, invalid("q", "q is longer than %d characters", maxQueryLength)
	}
	return opt, nil
}

func encodePageToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(last))
}

func decodePageToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(tok, "="))
	if err != nil {
		return "", err
	}
	if len(b) > 1024 {
		return "", strconv.ErrRange
	}
	return string(b), nil
}

// writePage writes one page of a list, converting each item with conv;
// the next page's cursor becomes the opaque page_token.
func writePage[T, U any](w http.ResponseWriter, p service.Page[T], conv func(T) U) {
	next := ""
	if p.Next != "" {
		next = encodePageToken(p.Next)
	}
	writeJSON(w, http.StatusOK, apiv1.Page[U]{Items: mapSlice(p.Items, conv), NextPageToken: next})
}

// mapSlice converts a slice.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// checkQuery refuses a query string Go would silently drop parts of (bad
// escapes, semicolons), naming the parameter, so that a malformed page_size
// is a 400 rather than quietly the default.
func checkQuery(raw string) error {
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		if _, err := url.ParseQuery(part); err != nil {
			key, _, _ := strings.Cut(part, "=")
			if k, err := url.QueryUnescape(key); err == nil {
				key = k
			}
			key = truncate(strings.SplitN(key, ";", 2)[0], 64)
			return invalid(key, "malformed query parameter %q", key)
		}
	}
	return nil
}

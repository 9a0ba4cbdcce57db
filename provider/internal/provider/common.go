package provider

import (
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/client"
)

// needData reports whether the provider was configured, adding the canned
// diagnostic when it was not.
func needData(d *providerData, diags *diag.Diagnostics) bool {
	if d == nil {
		diags.Append(notConfigured())
		return false
	}
	return true
}

// gone reports whether err says the object does not exist (a 404 of an
// existing route; a missing route is a too-old server, not a deletion).
func gone(err error) bool { return client.IsNotFound(err) && !client.IsNoRoute(err) }

// splitID splits an import ID of n names joined by '/'.
func splitID(id string, n int) ([]string, bool) {
	parts := strings.Split(id, "/")
	if len(parts) != n {
		return nil, false
	}
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
	}
	return parts, true
}

// timeValue renders a server time for state: the configured string when it
// names the same instant (so a user's time zone or precision is no diff),
// else RFC 3339 in UTC.
func timeValue(t *time.Time, prior types.String) types.String {
	if t == nil {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		if p, err := time.Parse(time.RFC3339, prior.ValueString()); err == nil && p.Equal(*t) {
			return prior
		}
		// The server may keep less precision than given (seconds, microseconds).
		if p, err := time.Parse(time.RFC3339, prior.ValueString()); err == nil && p.Truncate(time.Second).Equal(t.Truncate(time.Second)) {
			return prior
		}
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// parseTime parses an RFC 3339 attribute; null gives nil.
func parseTime(v types.String) (*time.Time, error) {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v.ValueString())
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func stringPtr(s string) *string { return &s }

func boolPtr(b bool) *bool { return &b }

// sortBy sorts items by a string key, for lists whose order the server does
// not promise.
func sortBy[T any](items []T, key func(T) string) {
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
}

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// TestUnknownErrorsAre500 (issue 8): an error nothing classifies is a bug
// (500 internal), not an outage — a 503 would have clients retry it; store
// outages and timeouts stay 503.
func TestUnknownErrorsAre500(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{errors.New("something nobody expected"), http.StatusInternalServerError},
		{fmt.Errorf("get user: %w", store.ErrUnavailable), http.StatusServiceUnavailable},
		{fmt.Errorf("get user: %w", context.DeadlineExceeded), http.StatusServiceUnavailable},
	} {
		if e := toError(tc.err); e.Status != tc.status {
			t.Errorf("%v: %d %s, want %d", tc.err, e.Status, e.Code, tc.status)
		}
	}
}

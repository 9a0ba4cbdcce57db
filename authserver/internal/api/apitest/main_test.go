package apitest

import (
	"testing"

	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
)

// TestMain stops the throwaway PostgreSQL server pgtest starts on demand.
func TestMain(m *testing.M) { pgtest.Main(m) }

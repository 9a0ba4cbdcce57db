//go:build unix

package registrytest

import (
	"testing"

	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

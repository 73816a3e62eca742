package loadtest_test

import (
	"os"
	"testing"

	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// TestMain removes the binary smoketest built when FLASHSCALE_BIN is unset.
func TestMain(m *testing.M) {
	code := m.Run()
	smoketest.Cleanup()
	os.Exit(code)
}

package server_test

import (
	"os"
	"testing"

	"rapport/internal/testdb"
)

// dsn is this package's own database, cloned from the migrated template.
var dsn string

func TestMain(m *testing.M) {
	if u := os.Getenv(liveServerEnv); u != "" {
		os.Exit(runLiveServer(u))
	}
	testdb.Main(m, &dsn)
}

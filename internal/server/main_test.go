package server_test

import (
	"testing"

	"rapport/internal/testdb"
)

// dsn is this package's own database, cloned from the migrated template.
var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

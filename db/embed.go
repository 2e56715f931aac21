// Package db holds the SQL schema migrations, embedded into the binary.
package db

import "embed"

// Migrations are goose SQL migrations, applied in file-name order.
//
//go:embed migrations/*.sql
var Migrations embed.FS

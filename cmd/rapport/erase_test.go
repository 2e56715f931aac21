package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testdb"
)

// An operator erases a person by address: first told whom, then with --yes
// erased; the organisation's last admin is refused.
func TestPersonEraseByAddress(t *testing.T) {
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	t.Setenv("RAPPORT_PASSWORD", "a long enough password")
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--email", "ana@example.com", "--name", "Ana Ruiz", "--org", "Acme"}, os.Stdin, &out, &errOut); err != nil {
		t.Fatalf("user create: %v\n%s", err, errOut.String())
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO users (org_id, email, name, role, time_zone, password_hash)
		SELECT org_id, 'bo@example.com', 'Bo Berg', 'employee', 'UTC', '' FROM users WHERE email = 'ana@example.com'`); err != nil {
		t.Fatal(err)
	}
	name := func(email string) string {
		var n string
		conn.QueryRow(ctx, "SELECT name FROM users WHERE email = $1 OR (name LIKE 'Erased person #%' AND $1 = '')", email).Scan(&n)
		return n
	}
	err = run(ctx, []string{"person", "erase", "--email", "bo@example.com"}, os.Stdin, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "Bo Berg <bo@example.com>") || !strings.Contains(err.Error(), "--yes") || name("bo@example.com") != "Bo Berg" {
		t.Fatalf("without --yes: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"person", "erase", "--email", "bo@example.com", "--org", "acme", "--yes"}, os.Stdin, &out, &errOut); err != nil {
		t.Fatalf("erase: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "Erased Bo Berg; they appear as Erased person #") || name("bo@example.com") != "" || name("") == "" {
		t.Fatalf("erase: %q, left %q", out.String(), name("bo@example.com"))
	}
	err = run(ctx, []string{"person", "erase", "--email", "ana@example.com", "--yes"}, os.Stdin, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "last active admin") || name("ana@example.com") != "Ana Ruiz" {
		t.Fatalf("last admin: %v", err)
	}
}

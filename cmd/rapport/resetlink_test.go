package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/testdb"
)

// An operator prints a reset link on the terminal; it is stored hashed, a
// newer one ends the older, and an unknown address is an error.
func TestUserResetLinkPrintsALinkAndEndsOlderOnes(t *testing.T) {
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	t.Setenv("RAPPORT_PASSWORD", "a long enough password")
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--email", "ana@example.com", "--name", "Ana Ruiz", "--org", "Acme"}, os.Stdin, &out, &errOut); err != nil {
		t.Fatalf("user create: %v\n%s", err, errOut.String())
	}
	link := regexp.MustCompile(`https://rapport\.example\.com/password/reset/([A-Za-z0-9_-]{40,})\n`)
	issue := func() string {
		t.Helper()
		out.Reset()
		err := run(ctx, []string{"user", "reset-link", "--email", "ANA@example.com", "--base-url", "https://rapport.example.com/"}, os.Stdin, &out, &errOut)
		m := link.FindStringSubmatch(out.String())
		if err != nil || m == nil || !strings.Contains(out.String(), "Ana Ruiz <ana@example.com>") {
			t.Fatalf("reset-link: %v\n%s%s", err, out.String(), errOut.String())
		}
		return m[1]
	}
	first, second := issue(), issue()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var live []bool
	for _, tok := range []string{first, second} {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
			FROM password_resets WHERE token_hash = $1`, auth.HashToken(tok)).Scan(&ok); err != nil {
			t.Fatalf("link not stored as its SHA-256: %v", err)
		}
		live = append(live, ok)
	}
	if live[0] || !live[1] {
		t.Fatalf("outstanding links (first, second) = %v, want only the second", live)
	}
	if strings.Contains(errOut.String(), second) {
		t.Error("the link was logged")
	}
	err = run(ctx, []string{"user", "reset-link", "--email", "nobody@example.com"}, os.Stdin, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no account uses nobody@example.com") {
		t.Fatalf("unknown address: %v", err)
	}
}

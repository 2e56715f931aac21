package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/postgres"
	"rapport/internal/secrets"
	"rapport/internal/testdb"
)

func TestServeConfigReportsBadSecretKeysAndPrivateRangesWithoutRepeatingKeys(t *testing.T) {
	t.Setenv("RAPPORT_SECRET_KEY", "hunter2-not-a-key")
	t.Setenv("RAPPORT_SECRET_KEY_OLD", secrets.GenerateKey()+",short")
	_, err := parseServe([]string{"--webhook-allow-private", "10.30.0.0/16,not-a-range,0.0.0.0/0,192.168.1.300/24"})
	if err == nil {
		t.Fatal("bad keys and ranges accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"RAPPORT_SECRET_KEY: use 32 random bytes",
		"RAPPORT_SECRET_KEY_OLD (key 2)",
		`--webhook-allow-private "not-a-range" is not a CIDR range`,
		`--webhook-allow-private "0.0.0.0/0" would allow every address`,
		`"192.168.1.300/24"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("no %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hunter2") || strings.Contains(msg, "10.30.0.0/16") {
		t.Errorf("the message repeats a key or a good range:\n%s", msg)
	}

	key := secrets.GenerateKey()
	t.Setenv("RAPPORT_SECRET_KEY", key)
	t.Setenv("RAPPORT_SECRET_KEY_OLD", "")
	t.Setenv("RAPPORT_WEBHOOK_ALLOW_PRIVATE", "10.20.0.0/16, fd12:3456::/48,192.168.7.9")
	c, err := parseServe(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.WebhookAllowPrivate); got != 3 || c.WebhookAllowPrivate[2].String() != "192.168.7.9/32" {
		t.Errorf("allowed ranges %v", c.WebhookAllowPrivate)
	}
	if want, _ := secrets.ParseKey(key); !bytes.Equal(c.Keys.Current, want) {
		t.Errorf("the configured key was not read")
	}
}

// `rapport secrets rotate` seals plain-text rows and re-seals rows of the old
// key with the new one; the data directory's generated key is kept for
// opening once a key is configured.
func TestSecretsRotateResealsStoredWebhooksWithTheCurrentKey(t *testing.T) {
	ctx := context.Background()
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	dataDir := t.TempDir()
	t.Setenv("RAPPORT_DATA_DIR", dataDir)
	if err := postgres.Migrate(ctx, db, newLogger(&bytes.Buffer{}, "warn", "text")); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var org int64
	if err := pool.QueryRow(ctx, "INSERT INTO orgs (name) VALUES ('Acme') RETURNING id").Scan(&org); err != nil {
		t.Fatal(err)
	}
	team := func(name, url string) int64 {
		var id int64
		if err := pool.QueryRow(ctx, "INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id", org, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "INSERT INTO team_webhooks (org_id, team_id, url) VALUES ($1, $2, $3)", org, id, url); err != nil {
			t.Fatal(err)
		}
		return id
	}
	team("Platform", "https://hooks.example.com/services/T1/B1/PLATFORMTOKEN")
	team("Sales", "https://hooks.example.com/services/T2/B2/SALESTOKEN")
	rotate := func() (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"secrets", "rotate"}, nil, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	keyIDs := func() map[string]int {
		rows, err := pool.Query(ctx, "SELECT coalesce(url_key_id, 'plain') FROM team_webhooks")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		ids := map[string]int{}
		for rows.Next() {
			var id string
			_ = rows.Scan(&id)
			ids[id]++
		}
		return ids
	}

	// No key configured: the rows are sealed with the generated one.
	t.Setenv("RAPPORT_SECRET_KEY", "")
	out, err := rotate()
	if err != nil || !strings.Contains(out, "2 were in plain text, 0 under an old key") {
		t.Fatalf("first rotate: %v\n%s", err, out)
	}
	fileKey, err := os.ReadFile(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := secrets.ParseKey(string(fileKey))
	if ids := keyIDs(); ids[secrets.KeyID(k)] != 2 {
		t.Errorf("key ids after sealing: %v", ids)
	}
	var dump string
	if err := pool.QueryRow(ctx, "SELECT string_agg(w::text, ' ') FROM team_webhooks w").Scan(&dump); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump, "TOKEN") {
		t.Errorf("tokens still stored: %s", dump)
	}

	// A key is configured: the generated one still opens, and rotating moves
	// every row to the configured key.
	newKey := secrets.GenerateKey()
	t.Setenv("RAPPORT_SECRET_KEY", newKey)
	out, err = rotate()
	if err != nil || !strings.Contains(out, "0 were in plain text, 2 under an old key") {
		t.Fatalf("second rotate: %v\n%s", err, out)
	}
	nk, _ := secrets.ParseKey(newKey)
	if ids := keyIDs(); ids[secrets.KeyID(nk)] != 2 {
		t.Errorf("key ids after rotating: %v", ids)
	}

	// Rows under a key nobody configured are reported, not lost.
	if err := os.Remove(filepath.Join(dataDir, "secret.key")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RAPPORT_SECRET_KEY", secrets.GenerateKey())
	if out, err := rotate(); err == nil || !strings.Contains(err.Error(), "2 webhook addresses are under a key that is not configured") {
		t.Errorf("rotate without the sealing key: %v\n%s", err, out)
	}
}

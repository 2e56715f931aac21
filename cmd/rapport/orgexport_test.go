package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/export"
	"rapport/internal/testdb"
)

// `rapport org export` writes the named organisation's archive to a file
// (every file of the format, the manifest counting them, nothing of another
// organisation), records it in the audit log without an actor, and refuses
// missing flags, an unknown organisation and a name two share.
func TestOrgExportWritesTheOrganisationsArchive(t *testing.T) {
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var orgID int64
	if err := conn.QueryRow(ctx, `
		WITH o AS (INSERT INTO orgs (name) VALUES ('Acme') RETURNING id),
		b AS (INSERT INTO users (org_id, email, name, password_hash) SELECT id, 'boss@acme.example', 'Boss', 'HASH-OF-BOSS' FROM o RETURNING id, org_id),
		r AS (INSERT INTO users (org_id, email, name, manager_id) SELECT org_id, 'report@acme.example', 'Report', id FROM b)
		SELECT id FROM o`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `
		WITH o AS (INSERT INTO orgs (name) VALUES ('Twin') RETURNING id)
		INSERT INTO users (org_id, email, name) SELECT id, 'someone@elsewhere.example', 'Elsewhere Person' FROM o;
		INSERT INTO orgs (name) VALUES ('Twin')`); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "acme.zip")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"org", "export", "--org", "acme", "--out", out}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("org export: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Exported Acme") {
		t.Fatalf("printed %q", stdout.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var all strings.Builder
	var m export.Manifest
	lines := map[string]int{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		all.Write(b)
		if f.Name == "manifest.json" {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l == "" {
				continue
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("%s: %v: %s", f.Name, err, l)
			}
			lines[f.Name]++
		}
	}
	if len(m.Files) != len(export.OrgFiles) || m.FormatVersion != export.OrgFormatVersion || m.ExportedBy != "the command line" {
		t.Fatalf("manifest %+v", m)
	}
	for _, f := range m.Files {
		if f.Lines != lines[f.Name] {
			t.Errorf("%s: manifest says %d lines, file has %d", f.Name, f.Lines, lines[f.Name])
		}
	}
	if lines["people.jsonl"] != 2 || lines["reporting_lines.jsonl"] != 3 {
		t.Errorf("people %d (want 2), reporting lines %d (want 3)", lines["people.jsonl"], lines["reporting_lines.jsonl"])
	}
	if s := all.String(); strings.Contains(s, "HASH-OF-BOSS") || strings.Contains(s, "elsewhere.example") {
		t.Fatal("the archive holds a password hash or another organisation's person")
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'export.organisation'
		AND actor_id IS NULL AND detail->>'complete' = 'true' AND detail->>'via' = 'command line'`, orgID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d audit entries (%v), want 1", n, err)
	}

	for _, args := range [][]string{
		{"org", "export", "--out", out},
		{"org", "export", "--org", "Acme"},
		{"org", "export", "--org", "Nobody Inc", "--out", filepath.Join(t.TempDir(), "x.zip")},
		{"org", "export", "--org", "twin", "--out", filepath.Join(t.TempDir(), "y.zip")},
		{"org", "import"},
	} {
		stderr.Reset()
		if err := run(ctx, args, nil, &stdout, &stderr); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	if err := run(ctx, []string{"org", "export", "--org", "twin", "--out", out}, nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "several organisations") {
		t.Errorf("a shared name: %v", err)
	}
	// A refused export leaves no file behind.
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the archive", len(entries))
	}
}

package server_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"rapport/internal/export"
	"rapport/internal/postgres"
	"rapport/internal/testfx"
)

// orgArchive is an unzipped organisation archive: each file's lines, and
// everything it holds as one text to search.
type orgArchive struct {
	files    map[string][]map[string]any
	manifest export.Manifest
	all      string
}

// readOrgArchive unzips an archive, failing unless every file is JSON
// lines of objects and the manifest parses.
func readOrgArchive(t *testing.T, body []byte) orgArchive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("archive is not a zip: %v", err)
	}
	a := orgArchive{files: map[string][]map[string]any{}}
	var all strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		all.Write(b)
		if f.Name == "manifest.json" {
			if err := json.Unmarshal(b, &a.manifest); err != nil {
				t.Fatalf("manifest.json: %v", err)
			}
			continue
		}
		lines := []map[string]any{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: line %d is not a JSON object: %v: %s", f.Name, len(lines)+1, err, sc.Bytes())
			}
			lines = append(lines, m)
		}
		a.files[f.Name] = lines
	}
	a.all = all.String()
	return a
}

// An admin's download holds every file of the format, each line an object,
// the manifest counting them; each file holds exactly its organisation's
// rows (as many as the database has); nothing of another organisation, no
// private note, password hash, unsubmitted draft, recipients-only kudo or
// anonymous card's author; health results only above the threshold; and the download is in
// the audit log.
func TestOrganisationArchiveHoldsTheOrganisationAndNothingPrivate(t *testing.T) {
	w := newExportWorld(t)
	ta, f, ctx := w.ta, w.ta.F, t.Context()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := ta.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	n := testfx.Next()
	private := fmt.Sprintf("Private worry %d about the reorg", n)
	elsewhere := fmt.Sprintf("Elsewhere kudo %d", n)

	series := f.Series(t, w.org, w.manager.ID, w.ana.ID, "2026-01-05")
	meeting := f.Meeting(t, w.org, series, "2026-01-05T10:00:00Z", "held")
	f.AgendaItem(t, w.org, meeting, w.ana.ID, "Growth plan")
	f.Action(t, w.org, meeting, w.ana.ID, "Draft the plan", "2026-01-12", nil)
	exec(`INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, $4)`, w.org, meeting, w.manager.ID, private)
	f.Observation(t, w.org, meeting, w.manager.ID, w.ana.ID, f.Competency(t, "trust"), "Calm in the incident review", "2026-01-05T10:30:00Z")
	kudo := f.Kudo(t, w.org, w.ana.ID, []int64{w.ben.ID}, "org", nil)
	exec(`INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji) VALUES ($1, $2, $3, 'clap'), ($1, $2, $4, 'heart')`, w.org, kudo, w.ben.ID, w.cai.ID)
	exec(`INSERT INTO kudo_comments (org_id, kudo_id, author_id, body) VALUES ($1, $2, $3, 'Thank you!')`, w.org, kudo, w.ben.ID)
	// A kudo for its recipients only, with a reaction and a comment.
	secret := f.Kudo(t, w.org, w.ana.ID, []int64{w.cai.ID}, "recipients", nil)
	quiet := fmt.Sprintf("Quiet thanks %d", n)
	exec(`UPDATE kudos SET did = $2 WHERE id = $1`, secret, quiet)
	exec(`INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji) VALUES ($1, $2, $3, 'clap')`, w.org, secret, w.cai.ID)
	exec(`INSERT INTO kudo_comments (org_id, kudo_id, author_id, body) VALUES ($1, $2, $3, $4)`, w.org, secret, w.cai.ID, quiet+" back")
	retro, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{Anonymous: true})
	f.RetroCard(t, w.org, retro, cols[0], w.ana.ID, "Pair more often")
	f.RetroAction(t, w.org, retro, w.cai.ID, "Book pairing slots", "2026-02-01")
	closed := f.HealthCheck(t, w.org, w.team, testfx.HealthOpts{Title: "Closed check", Closed: true, Answers: []int{4, 4, 4}})
	few := f.HealthCheck(t, w.org, w.team, testfx.HealthOpts{Title: "Too few", Closed: true, Answers: []int{1, 5}})
	exec(`INSERT INTO health_responders (check_id, user_id) SELECT $1, u FROM unnest($2::bigint[]) u`, closed, []int64{w.ana.ID, w.ben.ID, w.cai.ID})
	exec(`INSERT INTO health_responders (check_id, user_id) SELECT $1, u FROM unnest($2::bigint[]) u`, few, []int64{w.ana.ID, w.cai.ID})
	f.Pulse(t, w.org, testfx.PulseOpts{})
	// Another organisation's rows.
	otherTeam := f.Team(t, w.other, fmt.Sprintf("Elsewhere team %d", n), w.otherAdmin.ID)
	ok := f.Kudo(t, w.other, w.otherAdmin.ID, []int64{w.otherAdmin.ID}, "org", nil)
	exec(`UPDATE kudos SET did = $2 WHERE id = $1`, ok, elsewhere)
	f.Retro(t, w.other, otherTeam, testfx.RetroOpts{})

	// A first download, so that the second holds its audit entry.
	if r := w.clients["Ada Admin"].Get("/admin/export/organisation.zip"); r.Status != 200 {
		t.Fatalf("first download: %d", r.Status)
	}
	r := w.clients["Ada Admin"].Get("/admin/export/organisation.zip")
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	a := readOrgArchive(t, []byte(r.Body))

	// The manifest: the format, the organisation, every file counted.
	m := a.manifest
	var org struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(m.Organisation, &org); err != nil || org.ID != w.org || org.Name != "Export Co" {
		t.Fatalf("manifest organisation %s (%v)", m.Organisation, err)
	}
	if m.Format != "rapport-organisation" || m.FormatVersion != 1 || m.ExportedBy != "Ada Admin" {
		t.Fatalf("manifest %+v", m)
	}
	if _, err := time.Parse(time.RFC3339, m.ExportedAt); err != nil {
		t.Fatalf("exported_at %q: %v", m.ExportedAt, err)
	}
	if len(m.Files) != len(export.OrgFiles) || len(a.files) != len(export.OrgFiles) {
		t.Fatalf("manifest lists %d files, archive holds %d, format has %d", len(m.Files), len(a.files), len(export.OrgFiles))
	}
	for i, mf := range m.Files {
		if mf.Name != export.OrgFiles[i] || mf.Lines != len(a.files[mf.Name]) {
			t.Errorf("manifest %s: %d lines; archive %s has %d", mf.Name, mf.Lines, export.OrgFiles[i], len(a.files[export.OrgFiles[i]]))
		}
	}

	// Each file holds as many rows as the database has for the organisation.
	counts := map[string]string{
		"people.jsonl":          `SELECT count(*) FROM users WHERE org_id = $1`,
		"teams.jsonl":           `SELECT count(*) FROM teams WHERE org_id = $1`,
		"team_members.jsonl":    `SELECT count(*) FROM team_members WHERE org_id = $1`,
		"reporting_lines.jsonl": `SELECT count(*) FROM reporting_lines WHERE org_id = $1`,
		"oneonone_series.jsonl": `SELECT count(*) FROM oneonone_series WHERE org_id = $1`,
		"meetings.jsonl":        `SELECT count(*) FROM meetings WHERE org_id = $1`,
		"agenda_items.jsonl":    `SELECT count(*) FROM agenda_items WHERE org_id = $1`,
		"action_items.jsonl":    `SELECT count(*) FROM action_items WHERE org_id = $1`,
		"observations.jsonl":    `SELECT count(*) FROM observations WHERE org_id = $1`,
		// A kudo for its recipients only is theirs, with its reactions and comments.
		"kudos.jsonl": `SELECT count(*) FROM kudos WHERE org_id = $1 AND visibility <> 'recipients'`,
		"kudo_reactions.jsonl": `SELECT count(*) FROM kudo_reactions r JOIN kudos k ON k.id = r.kudo_id
			WHERE r.org_id = $1 AND k.visibility <> 'recipients'`,
		"kudo_comments.jsonl": `SELECT count(*) FROM kudo_comments c JOIN kudos k ON k.id = c.kudo_id
			WHERE c.org_id = $1 AND k.visibility <> 'recipients'`,
		"retros.jsonl":             `SELECT count(*) FROM retros WHERE org_id = $1`,
		"retro_cards.jsonl":        `SELECT count(*) FROM retro_cards WHERE org_id = $1`,
		"retro_actions.jsonl":      `SELECT count(*) FROM retro_actions WHERE org_id = $1`,
		"competencies.jsonl":       `SELECT count(*) FROM competencies WHERE org_id = $1 OR org_id IS NULL`,
		"framework_versions.jsonl": `SELECT count(*) FROM framework_versions WHERE org_id = $1`,
		"review_cycles.jsonl":      `SELECT count(*) FROM review_cycles WHERE org_id = $1`,
		"reviews.jsonl":            `SELECT count(*) FROM review_participants WHERE org_id = $1`,
		// A draft's ratings are its writers' alone: only submitted parts.
		"review_ratings.jsonl": `SELECT count(*) FROM review_ratings r JOIN review_participants p USING (cycle_id, person_id)
			WHERE r.org_id = $1 AND p.state <> 'draft'`,
		"health_checks.jsonl": `SELECT count(*) FROM health_checks WHERE org_id = $1`,
		"pulses.jsonl":        `SELECT count(*) FROM pulses WHERE org_id = $1`,
		// The download's own entry is written once the archive is complete.
		"audit_log.jsonl": `SELECT count(*) - 1 FROM audit_log WHERE org_id = $1`,
	}
	for _, file := range export.OrgFiles {
		q, ok := counts[file]
		if !ok {
			t.Errorf("no count for %s", file)
			continue
		}
		if want := f.Count(t, q, w.org); len(a.files[file]) != want || want == 0 {
			t.Errorf("%s: %d lines, the database has %d rows", file, len(a.files[file]), want)
		}
	}
	people := map[int64]bool{}
	for _, p := range a.files["people.jsonl"] {
		people[int64(p["id"].(float64))] = true
		if _, ok := p["password_hash"]; ok {
			t.Fatal("a person's line holds their password hash")
		}
	}
	if !people[w.ana.ID] || people[w.otherAdmin.ID] {
		t.Fatalf("people %v: want Ana and not the other organisation's admin", people)
	}

	// Nothing of another organisation, nothing private.
	var hashes []string
	rows, err := ta.Pool.Query(ctx, `SELECT password_hash FROM users WHERE org_id = $1 AND password_hash <> ''`, w.org)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	if rows.Err() != nil || len(hashes) == 0 {
		t.Fatalf("no password hashes to look for (%v)", rows.Err())
	}
	for what, s := range map[string]string{
		"a private note": private, "the other organisation's kudo": elsewhere, "the other organisation's admin": w.otherAdmin.Email,
		"the other organisation's team": fmt.Sprintf("Elsewhere team %d", n), "a draft's manager comment": "Draft: slipped in May.",
		"a draft's self-assessment": "Kept the cadence.", "a password hash": hashes[0], "argon2 parameters": "$argon2id$",
		"a kudo for its recipients only": quiet,
	} {
		if strings.Contains(a.all, s) {
			t.Errorf("the archive holds %s (%q)", what, s)
		}
	}
	if got := a.files["audit_log.jsonl"]; got[len(got)-1]["action"] != "export.organisation" {
		t.Errorf("the first download is not the last audit entry of the second: %v", got[len(got)-1])
	}
	for _, c := range a.files["retro_cards.jsonl"] {
		for k := range c {
			if strings.Contains(k, "author") || k == "created_at" {
				t.Errorf("an anonymous card has %s: %v", k, c)
			}
		}
	}
	// Health: averages of a closed check with enough answers; none below
	// the threshold.
	for _, h := range a.files["health_checks.jsonl"] {
		dims := h["dimensions"].([]any)
		if len(dims) == 0 {
			t.Fatalf("health check without dimensions: %v", h)
		}
		avg := dims[0].(map[string]any)["average"]
		switch int64(h["id"].(float64)) {
		case closed:
			if avg != 4.0 || h["responses"] != 3.0 {
				t.Errorf("closed check: average %v of %v responses, want 4 of 3", avg, h["responses"])
			}
		case few:
			if avg != nil {
				t.Errorf("a check below the threshold shows an average: %v", avg)
			}
		}
	}

	// The download is in the audit log, complete.
	var detail export.OrgDetail
	var raw []byte
	if err := ta.Pool.QueryRow(ctx, `SELECT detail FROM audit_log WHERE org_id = $1 AND actor_id = $2 AND action = 'export.organisation'
		ORDER BY id DESC LIMIT 1`, w.org, w.admin.ID).Scan(&raw); err != nil {
		t.Fatalf("no audit entry: %v", err)
	}
	if err := json.Unmarshal(raw, &detail); err != nil || !detail.Complete || detail.What != "organisation exported" ||
		detail.Lines == 0 || detail.Bytes != int64(len(r.Body)) {
		t.Fatalf("audit detail %+v (%v), body %d bytes", detail, err, len(r.Body))
	}
}

// Reading one row per page gives the same files as reading them all at
// once: the cursors move past every row exactly once, also past review
// ratings left out as drafts.
func TestOrganisationArchivePagesThroughEveryRowOnce(t *testing.T) {
	w := newExportWorld(t)
	f := w.ta.F
	kudo := f.Kudo(t, w.org, w.ana.ID, []int64{w.ben.ID}, "org", nil)
	if _, err := w.ta.Pool.Exec(t.Context(), `INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji)
		VALUES ($1, $2, $3, 'clap'), ($1, $2, $3, 'heart'), ($1, $2, $4, 'clap')`, w.org, kudo, w.ben.ID, w.cai.ID); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewExportStore(w.ta.Pool, nil)
	read := func(page int) map[string][]string {
		out := map[string][]string{}
		_, err := store.OrgExport(context.Background(), w.org, time.Now(), page, func(file string, lines [][]byte) error {
			if _, ok := out[file]; !ok {
				out[file] = []string{}
			}
			for _, l := range lines {
				out[file] = append(out[file], string(l))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	whole, paged := read(1000), read(1)
	if len(whole) != len(export.OrgFiles) {
		t.Fatalf("%d files, want %d", len(whole), len(export.OrgFiles))
	}
	for _, file := range export.OrgFiles {
		if !reflect.DeepEqual(whole[file], paged[file]) {
			t.Errorf("%s: one row a page gives %d lines, all at once %d", file, len(paged[file]), len(whole[file]))
		}
	}
	if len(whole["kudo_reactions.jsonl"]) != 3 || len(whole["review_ratings.jsonl"]) != 4 {
		t.Fatalf("reactions %d (want 3), ratings %d (want 4: the draft's 2 left out)", len(whole["kudo_reactions.jsonl"]), len(whole["review_ratings.jsonl"]))
	}
}

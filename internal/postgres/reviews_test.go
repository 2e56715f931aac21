package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/internal/postgres"
	"rapport/internal/review"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

func TestNewOrganisationGetsFrameworkVersionOne(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := postgres.NewReviewStore(pool)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Framework")
	fw, err := st.Framework(ctx, org, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fw.Version.Number != 1 || len(fw.Entries) != 10 || len(fw.Scale) != 4 {
		t.Fatalf("version %d with %d entries and %d levels, want 1, 10, 4", fw.Version.Number, len(fw.Entries), len(fw.Scale))
	}
	if got := len(fw.Group(review.GroupLeader)); got != 6 {
		t.Errorf("leader framework has %d entries, want 6", got)
	}
	if got := len(fw.Group(review.GroupBuildingBlock)); got != 4 {
		t.Errorf("building blocks have %d entries, want 4", got)
	}
	if l, _ := fw.Level(4); l.Label != "Role model" {
		t.Errorf("level 4 is %q, want Role model", l.Label)
	}
	for _, e := range fw.Entries {
		if e.Description == "" || e.Behaviour == "" || e.Result == "" || e.LeaderCheck == "" || e.MicroAction == "" {
			t.Errorf("%s is missing text: %+v", e.Key, e)
		}
	}

	// Saving creates version 2 and leaves version 1 as it was.
	admin := f.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	edited := append([]review.Entry(nil), fw.Entries...)
	edited[0].Name = "Rapport and warmth"
	v2, err := st.SaveFramework(ctx, org, admin.ID, "Warmer wording", "", edited, fw.Scale)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Number != 2 {
		t.Fatalf("new version is %d, want 2", v2.Number)
	}
	old, err := st.Framework(ctx, org, fw.Version.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Entries[0].Name != "Rapport" {
		t.Errorf("version 1 now says %q", old.Entries[0].Name)
	}
	latest, _ := st.Framework(ctx, org, 0)
	if latest.Version.Number != 2 || latest.Entries[0].Name != "Rapport and warmth" {
		t.Errorf("latest is version %d saying %q", latest.Version.Number, latest.Entries[0].Name)
	}
	if n := f.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'framework.edit'", org); n != 1 {
		t.Errorf("%d framework.edit audit rows, want 1", n)
	}
	// Another organisation's version is not found.
	other := f.Org(t, "Other")
	if _, err := st.Framework(ctx, other, fw.Version.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("other org's version: %v, want not found", err)
	}
}

// The coaching cues and evidence counts of a small organisation, computed by
// hand. Period: 1 Jan – 31 Mar 2026, so [1 Jan, 1 Apr). Ana's weekly Tuesday
// 1:1 with Mia has 13 slots in it: 6, 13, 20, 27 Jan; 3, 10, 17, 24 Feb;
// 3, 10, 17, 24, 31 Mar.
func TestCuesAndEvidenceMatchHandComputedFixture(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := postgres.NewReviewStore(pool)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Cues")
	mia := f.Person(t, org, testfx.PersonOpts{Name: "Mia", Role: core.RoleManager})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana", ManagerID: mia.ID})
	zed := f.Person(t, org, testfx.PersonOpts{Name: "Zed"})
	f.Team(t, org, "Alpha", mia.ID, ana.ID)
	beta := f.Team(t, org, "Beta", zed.ID)

	s := f.Series(t, org, mia.ID, ana.ID, "2026-01-01")
	jan6 := f.Meeting(t, org, s, "2026-01-06T10:00:00Z", "held")
	jan13 := f.Meeting(t, org, s, "2026-01-13T10:00:00Z", "held")
	feb3 := f.Meeting(t, org, s, "2026-02-03T10:00:00Z", "held")
	feb10 := f.Meeting(t, org, s, "2026-02-10T10:00:00Z", "cancelled")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec("UPDATE meetings SET shared_notes = 'Agreed the Q1 plan' WHERE id = $1", jan6)
	exec("UPDATE meetings SET shared_notes = 'Talked about the partner launch' WHERE id = $1", feb3)
	exec("INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, 'PRIVATE-XYZ')", org, jan6, mia.ID)
	f.AgendaItem(t, org, jan6, ana.ID, "Q1 goals")
	f.AgendaItem(t, org, jan13, mia.ID, "Budget")
	f.AgendaItem(t, org, feb3, ana.ID, "Partner launch")
	f.AgendaItem(t, org, feb10, ana.ID, "Training")
	// Ana's actions due in the period: on time, late, open.
	f.Action(t, org, jan6, ana.ID, "Draft plan", "2026-01-10", "2026-01-09T12:00:00Z")
	f.Action(t, org, feb3, ana.ID, "Call partner", "2026-02-05", "2026-02-07T12:00:00Z")
	f.Action(t, org, feb3, ana.ID, "Write summary", "2026-03-01", nil)
	f.Action(t, org, feb3, ana.ID, "Later", "2026-05-01", nil) // outside the period

	partnerships := f.Competency(t, "partnerships")
	trust := f.Competency(t, "trust")
	listening := f.Competency(t, "listening")
	k1 := f.Kudo(t, org, ana.ID, []int64{zed.ID}, "org", nil) // cross-team
	f.TagKudo(t, k1, "2026-02-15T09:00:00Z", partnerships)
	k2 := f.Kudo(t, org, ana.ID, []int64{mia.ID}, "org", nil) // same team
	f.TagKudo(t, k2, "2026-02-16T09:00:00Z", trust)
	k3 := f.Kudo(t, org, zed.ID, []int64{ana.ID}, "recipients", nil) // Mia sees it as Ana's manager
	f.TagKudo(t, k3, "2026-03-02T09:00:00Z", partnerships)
	k4 := f.Kudo(t, org, zed.ID, []int64{ana.ID}, "team", &beta) // Mia is not in Beta
	f.TagKudo(t, k4, "2026-03-03T09:00:00Z", listening)
	k5 := f.Kudo(t, org, ana.ID, []int64{zed.ID}, "org", nil) // before the period
	f.TagKudo(t, k5, "2025-12-15T09:00:00Z", partnerships)
	f.Observation(t, org, feb3, mia.ID, ana.ID, partnerships, "Set up the partner call", "2026-02-03T11:00:00Z")
	f.Observation(t, org, feb3, mia.ID, ana.ID, partnerships, "Too late", "2026-04-03T11:00:00Z")

	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cues, err := st.CuesForPeople(ctx, org, []int64{ana.ID, mia.ID, zed.ID}, from, until)
	if err != nil {
		t.Fatal(err)
	}
	want := review.Cues{
		Contact:        oneonone.Ratio{Num: 3, Den: 13},
		FollowThrough:  oneonone.Ratio{Num: 1, Den: 3},
		Communication:  oneonone.Ratio{Num: 2, Den: 3}, // 6 Jan and 3 Feb have agenda, notes and an action
		PointsAdded:    3,
		CrossTeamKudos: 1, OutsideContacts: 1,
	}
	if cues[ana.ID] != want {
		t.Errorf("Ana's cues\n got %+v\nwant %+v", cues[ana.ID], want)
	}
	if c := cues[mia.ID]; c.Contact != (oneonone.Ratio{Num: 3, Den: 13}) || c.PointsAdded != 1 || c.CrossTeamKudos != 0 {
		t.Errorf("Mia's cues: %+v", c)
	}
	if c := cues[zed.ID]; c.Contact.Valid() || c.CrossTeamKudos != 2 || c.OutsideContacts != 1 {
		t.Errorf("Zed's cues: %+v", c)
	}

	counts, err := st.EvidenceCounts(ctx, org, []int64{ana.ID, zed.ID}, from, until)
	if err != nil {
		t.Fatal(err)
	}
	// As Mia (Ana's reviewer) sees it: partnerships = kudo given to Zed,
	// recipients-only kudo from Zed, observation; the Beta team kudo is hidden.
	if got := counts[ana.ID]; got[partnerships] != 3 || got[trust] != 1 || got[listening] != 0 {
		t.Errorf("Ana's counts as her manager sees them: %v", got)
	}
	asAna, err := st.EvidenceCountsFor(ctx, org, ana.ID, []int64{ana.ID}, from, until)
	if err != nil {
		t.Fatal(err)
	}
	if asAna[ana.ID][listening] != 1 {
		t.Errorf("Ana sees her team kudo: %v", asAna[ana.ID])
	}

	// Shared notes are evidence only with Ana's consent; private notes never.
	items, err := st.EvidenceItems(ctx, org, mia.ID, ana.ID, from, until)
	if err != nil {
		t.Fatal(err)
	}
	if n := countKind(items, review.SharedNote); n != 0 {
		t.Errorf("%d shared notes before consent", n)
	}
	if n := countKind(items, review.KudoReceived) + countKind(items, review.KudoGiven); n != 3 {
		t.Errorf("%d kudos as Mia sees them, want 3", n)
	}
	if ok, err := st.SetEvidenceConsent(ctx, org, jan6, mia.ID, true); err != nil || ok {
		t.Errorf("the manager granted consent: %v %v", ok, err)
	}
	if ok, err := st.SetEvidenceConsent(ctx, org, jan6, ana.ID, true); err != nil || !ok {
		t.Fatalf("Ana could not grant consent: %v %v", ok, err)
	}
	items, _ = st.EvidenceItems(ctx, org, mia.ID, ana.ID, from, until)
	if n := countKind(items, review.SharedNote); n != 1 {
		t.Errorf("%d shared notes after consent, want 1", n)
	}
	for _, it := range items {
		if strings.Contains(it.Text, "PRIVATE") {
			t.Errorf("a private note became evidence: %+v", it)
		}
	}
	if ok, err := st.SetEvidenceConsent(ctx, org, jan6, ana.ID, false); err != nil || !ok {
		t.Fatalf("Ana could not revoke consent: %v %v", ok, err)
	}
	items, _ = st.EvidenceItems(ctx, org, mia.ID, ana.ID, from, until)
	if n := countKind(items, review.SharedNote); n != 0 {
		t.Errorf("%d shared notes after revoking, want 0", n)
	}
}

func countKind(items []review.EvidenceItem, k review.EvidenceKind) int {
	n := 0
	for _, it := range items {
		if it.Kind == k {
			n++
		}
	}
	return n
}

func TestRetroActionsCountTowardsFollowThrough(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := postgres.NewReviewStore(pool)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Retro follow-through")
	lead := f.Person(t, org, testfx.PersonOpts{Name: "Lead", Role: core.RoleManager})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana", ManagerID: lead.ID})
	team := f.Team(t, org, "Alpha", lead.ID, ana.ID)
	retroID, _ := f.Retro(t, org, team, testfx.RetroOpts{Phase: "done"})

	onTime := f.RetroAction(t, org, retroID, ana.ID, "Write the runbook", "2026-02-10")
	late := f.RetroAction(t, org, retroID, ana.ID, "Fix the alert", "2026-02-12")
	f.RetroAction(t, org, retroID, ana.ID, "Still open", "2026-02-20")
	dropped := f.RetroAction(t, org, retroID, ana.ID, "Dropped by the team", "2026-02-21")
	f.RetroAction(t, org, retroID, ana.ID, "Due after the period", "2026-05-01")
	for _, u := range []struct {
		id     int64
		status string
		at     any
	}{{onTime, "done", "2026-02-09T10:00:00Z"}, {late, "done", "2026-02-14T10:00:00Z"}, {dropped, "dropped", nil}} {
		if _, err := pool.Exec(ctx, `UPDATE retro_actions SET status = $2, done_at = $3 WHERE id = $1`, u.id, u.status, u.at); err != nil {
			t.Fatal(err)
		}
	}

	cues, err := st.CuesForPeople(ctx, org, []int64{ana.ID}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// Due in the period and not dropped: on time, late, still open.
	if got, want := cues[ana.ID].FollowThrough, (oneonone.Ratio{Num: 1, Den: 3}); got != want {
		t.Errorf("follow-through from retro actions = %+v, want %+v", got, want)
	}
}

package postgres_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

func TestExplainPrintsAPlanForEveryQueryItNames(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := postgres.NewExplainer(pool)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Explained")
	lead := f.Person(t, org, testfx.PersonOpts{Name: "Lead", Role: core.RoleLeader})
	mia := f.Person(t, org, testfx.PersonOpts{Name: "Mia", Role: core.RoleManager, ManagerID: lead.ID})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana", ManagerID: mia.ID})
	f.Series(t, org, mia.ID, ana.ID, "2026-01-01")
	f.Kudo(t, org, ana.ID, []int64{mia.ID}, "org", nil)
	f.Cycle(t, org, testfx.CycleOpts{}, ana.ID, mia.ID)

	var out bytes.Buffer
	if err := st.ExplainCheckins(ctx, &out, org, mia.ID, 90); err != nil {
		t.Fatal(err)
	}
	if err := st.ExplainKudos(ctx, &out, org, ana.ID, lead.ID, 90); err != nil {
		t.Fatal(err)
	}
	if err := st.ExplainReviews(ctx, &out, org); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, name := range []string{"(SeriesForManager)", "(MeetingStats)", "(RollupPage)", "(KudoFeed)", "(EquityEdges)", "(CueSeries)", "(CueFigures)", "(EvidenceCounts)"} {
		if !strings.Contains(text, name) {
			t.Errorf("no plan for %s", name)
		}
	}
	if got, want := strings.Count(text, "Execution Time"), strings.Count(text, "\n### "); got != want || got < 15 {
		t.Errorf("%d executed plans for %d headings", got, want)
	}
}

package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

func pickNames(ps []people.Pick) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// The picker's search folds accents and case, matches parts of words in
// any order, ranks names that start with the text first, and never crosses
// organisations; deactivated people appear only when an admin asks.
func TestPickerSearchFoldsAccentsAndStaysInTheOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	svc := people.NewService(postgres.NewPeopleStore(pool, nil), postgres.NewAccountStore(pool, nil), core.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f := testfx.Factory{Pool: pool}
	org, other := f.Org(t, "Picker"), f.Org(t, "Elsewhere")
	n := testfx.Next()
	mk := func(orgID int64, name, local string, inactive bool) testfx.Person {
		return f.Person(t, orgID, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s@p%d-%d.example", local, n, orgID), Inactive: inactive})
	}
	elodie := mk(org, "Élodie Marchand", "elodie.marchand", false)
	lukasz := mk(org, "Łukasz Wróbel", "lwrobel", false)
	mk(org, "Camille Lefebvre", "camille.lefebvre", false)
	mk(org, "Camille Martin", "cmartin", false)
	mk(org, "Marcel Odier", "modier", false) // "elod" inside "marcel odier"? no: "el od" has a space
	mk(org, "Ana Lodel", "ana.lodel", false)
	gone := mk(org, "Élodie Ancienne", "elodie.ancienne", true)
	mk(other, "Élodie Autre", "elodie.autre", false)
	f.Team(t, org, "Équipe Paiements", elodie.ID)
	f.Team(t, org, "Platform", lukasz.ID)
	f.Team(t, other, "Équipe Secrète")

	admin := core.Actor{OrgID: org, UserID: elodie.ID, Role: core.RoleAdmin}
	employee := core.Actor{OrgID: org, UserID: lukasz.ID, Role: core.RoleEmployee}
	for _, tc := range []struct {
		who      core.Actor
		q        string
		inactive bool
		want     []string
	}{
		{employee, "elod", false, []string{"Élodie Marchand"}},
		{employee, "ÉLOD", false, []string{"Élodie Marchand"}},
		{employee, "lukasz", false, []string{"Łukasz Wróbel"}},
		{employee, "wrob", false, []string{"Łukasz Wróbel"}},
		{employee, "@lwrobel", false, []string{"Łukasz Wróbel"}},
		{employee, "camille", false, []string{"Camille Lefebvre", "Camille Martin"}},
		{employee, "lef cam", false, []string{"Camille Lefebvre"}},
		{employee, "cmartin", false, []string{"Camille Martin"}},
		// A name starting with the text first, then a later word, then inside a word.
		{employee, "lod", false, []string{"Ana Lodel", "Élodie Marchand"}},
		{employee, "autre", false, nil},
		// Under three letters: names that start with the text.
		{employee, "ca", false, []string{"Camille Lefebvre", "Camille Martin"}},
		{employee, "É", false, []string{"Élodie Marchand"}},
		{employee, "ca m", false, []string{"Camille Martin"}},
		{admin, "el", true, []string{"Élodie Ancienne", "Élodie Marchand"}},
		{employee, "100%", false, nil},
		{employee, "_", false, nil},
		{employee, "   ", false, nil},
		{admin, "elodie", true, []string{"Élodie Marchand", "Élodie Ancienne"}},
		// Only admins see deactivated people, however they ask.
		{employee, "elodie", true, []string{"Élodie Marchand"}},
	} {
		got, err := svc.SearchPeople(ctx, tc.who, tc.q, tc.inactive)
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if fmt.Sprint(pickNames(got)) != fmt.Sprint(tc.want) {
			t.Errorf("search %q (inactive %v) = %q, want %q", tc.q, tc.inactive, pickNames(got), tc.want)
		}
	}
	got, _ := svc.SearchPeople(ctx, admin, "ancienne", true)
	if len(got) != 1 || got[0].ID != gone.ID || got[0].Active {
		t.Errorf("deactivated match = %+v, want %d marked inactive", got, gone.ID)
	}
	got, _ = svc.SearchPeople(ctx, employee, "elodie.marchand", false)
	if len(got) != 1 || got[0].Handle != "elodie.marchand" || got[0].Teams != "Équipe Paiements" {
		t.Errorf("match = %+v, want handle and teams", got)
	}

	for _, tc := range []struct{ q, want string }{
		{"equipe", "[Équipe Paiements]"},
		{"PAIE", "[Équipe Paiements]"},
		{"form", "[Platform]"},
		{"secrete", "[]"},
		{"pl", "[Platform]"},
		{"é", "[Équipe Paiements]"},
	} {
		got, err := svc.SearchTeams(ctx, employee, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(pickNames(got)) != tc.want {
			t.Errorf("teams %q = %q, want %s", tc.q, pickNames(got), tc.want)
		}
	}
}

// Typed recipients resolve by handle or whole name when one person fits,
// and stay open with the candidates when several do.
func TestResolveTypedNamesAndHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	svc := people.NewService(postgres.NewPeopleStore(pool, nil), postgres.NewAccountStore(pool, nil), core.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f := testfx.Factory{Pool: pool}
	org, other := f.Org(t, "Resolve"), f.Org(t, "Other")
	n := testfx.Next()
	mk := func(orgID int64, name, local string, inactive bool) testfx.Person {
		return f.Person(t, orgID, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s@r%d-%d.example", local, n, orgID), Inactive: inactive})
	}
	cl := mk(org, "Camille Lefebvre", "camille", false)
	mk(org, "Camille Martin", "cmartin", false)
	el := mk(org, "Élodie Marchand", "elodie.marchand", false)
	mk(org, "Sam Lee", "sam.lee", false)
	mk(org, "Sam Lee", "sam.lee2", false)
	mk(org, "Old Timer", "old.timer", true)
	mk(other, "Zed Outsider", "zed", false)
	a := core.Actor{OrgID: org, UserID: el.ID, Role: core.RoleEmployee}

	res, err := svc.Resolve(ctx, a, []string{"@camille", "camille lefebvre", "ELODIE MARCHAND", "Camille", "Sam Lee", "@old.timer", "@zed", "nobody", "elod"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id      int64
		matches int
	}{{cl.ID, 0}, {cl.ID, 0}, {el.ID, 0}, {0, 2}, {0, 2}, {0, 0}, {0, 0}, {0, 0}, {el.ID, 0}}
	for i, r := range res {
		var id int64
		if r.Person != nil {
			id = r.Person.ID
		}
		if id != want[i].id || len(r.Matches) != want[i].matches {
			t.Errorf("%q resolved to %d with %d candidates, want %d with %d", r.Typed, id, len(r.Matches), want[i].id, want[i].matches)
		}
	}
}

package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// retroWorld is a team (a manager who facilitates and two reports) with
// signed-in clients.
type retroWorld struct {
	app               *testapp.TestApp
	org, team         int64
	manager, ana, ben testfx.Person
	mgrC, anaC, benC  *testapp.Client
	outsider          testfx.Person
	outsiderC         *testapp.Client
	leader, admin     testfx.Person
	leaderC, adminC   *testapp.Client
}

func newRetroWorld(t *testing.T) *retroWorld {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	w := &retroWorld{app: ta}
	w.org = f.Org(t, "Retro Org")
	w.leader = f.Person(t, w.org, testfx.PersonOpts{Name: "Lea Leader", Role: core.RoleLeader})
	w.manager = f.Person(t, w.org, testfx.PersonOpts{Name: "Mia Manager", Role: core.RoleManager, ManagerID: w.leader.ID})
	w.ana = f.Person(t, w.org, testfx.PersonOpts{Name: "Ana Report", ManagerID: w.manager.ID})
	w.ben = f.Person(t, w.org, testfx.PersonOpts{Name: "Ben Report", ManagerID: w.manager.ID})
	w.outsider = f.Person(t, w.org, testfx.PersonOpts{Name: "Oz Outsider"})
	w.admin = f.Person(t, w.org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.team = f.Team(t, w.org, "Atlas", w.manager.ID, w.ana.ID, w.ben.ID)
	sign := func(p testfx.Person) *testapp.Client {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		return c
	}
	w.mgrC, w.anaC, w.benC = sign(w.manager), sign(w.ana), sign(w.ben)
	w.outsiderC, w.leaderC, w.adminC = sign(w.outsider), sign(w.leader), sign(w.admin)
	return w
}

func (w *retroWorld) phase(t *testing.T, id int64) string {
	t.Helper()
	var p string
	if err := w.app.Pool.QueryRow(t.Context(), "SELECT phase::text FROM retros WHERE id = $1", id).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *retroWorld) move(t *testing.T, c *testapp.Client, id int64, from, to string) testapp.Response {
	t.Helper()
	return c.Post(fmt.Sprintf("/retros/%d/phase", id), url.Values{"from": {from}, "to": {to}})
}

func TestRetroCreateStartsWithOpenActionsAndChecksTheForm(t *testing.T) {
	w := newRetroWorld(t)
	path := fmt.Sprintf("/teams/%d/retros", w.team)
	r := w.mgrC.Post(path, url.Values{"title": {""}, "template": {"custom"}, "custom_columns": {""}, "votes_per_person": {"0"},
		"max_votes_per_card": {"3"}, "anonymous": {"true"}, "kudos": {"true"}})
	if r.Status != 422 {
		t.Fatalf("bad form: status %d", r.Status)
	}
	for _, msg := range []string{"Give the retro a name", "Type at least one column", "between 1 and 20 votes", "Anonymous retros have no Kudos column"} {
		if !strings.Contains(r.Body, msg) {
			t.Errorf("bad form does not say %q", msg)
		}
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM retros WHERE team_id = $1", w.team); n != 0 {
		t.Fatalf("bad form stored %d retros", n)
	}
	r = w.mgrC.Post(path, url.Values{"title": {"Sprint 14"}, "template": {"4ls"}, "votes_per_person": {"3"}, "max_votes_per_card": {"2"}, "kudos": {"true"}})
	if r.Status != 303 {
		t.Fatalf("create: status %d\n%s", r.Status, r.Body)
	}
	var id int64
	fmt.Sscanf(r.Location(), "/retros/%d", &id)
	if got := w.phase(t, id); got != "open_actions" {
		t.Errorf("new retro phase %q, want open_actions", got)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM retro_columns WHERE retro_id = $1", id); n != 5 {
		t.Errorf("4Ls with kudos: %d columns, want 5", n)
	}
	// Employees may not start a retro; the form says so with a 403.
	if r := w.anaC.Post(path, url.Values{"title": {"Mine"}, "template": {"ssc"}, "votes_per_person": {"3"}, "max_votes_per_card": {"3"}}); r.Status != 403 {
		t.Errorf("employee created a retro: %d", r.Status)
	}
}

func TestRetroBadInputChangesNothing(t *testing.T) {
	w := newRetroWorld(t)
	f := w.app.F
	id, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{})
	cards := func() int { return f.Count(t, "SELECT count(*) FROM retro_cards WHERE retro_id = $1", id) }
	cardPath := fmt.Sprintf("/retros/%d/cards", id)

	// Empty card.
	r := w.anaC.Post(cardPath, url.Values{"column_id": {itoa(cols[0])}, "body": {"   "}})
	if r.Status != 422 || !strings.Contains(r.Body, "Write something on the card.") || cards() != 0 {
		t.Errorf("empty card: status %d, cards %d", r.Status, cards())
	}
	// Very long card: refused with a message, and the text is kept.
	long := strings.Repeat("Slow reviews block us. ", 100)
	r = w.anaC.Post(cardPath, url.Values{"column_id": {itoa(cols[0])}, "body": {long}})
	if r.Status != 422 || !strings.Contains(r.Body, "under 2,000 characters") || !strings.Contains(r.Body, "Slow reviews block us. Slow reviews") || cards() != 0 {
		t.Errorf("long card: status %d, cards %d", r.Status, cards())
	}
	// A column of another retro.
	other, otherCols := f.Retro(t, w.org, w.team, testfx.RetroOpts{})
	r = w.anaC.Post(cardPath, url.Values{"column_id": {itoa(otherCols[0])}, "body": {"Wrong column"}})
	if r.Status != 422 || !strings.Contains(r.Body, "Choose a column.") || cards() != 0 {
		t.Errorf("foreign column: status %d, cards %d", r.Status, cards())
	}
	// A good card, submitted twice: one card.
	good := url.Values{"column_id": {itoa(cols[0])}, "body": {"Pair on reviews"}, "key": {"card-1"}}
	w.anaC.Post(cardPath, good)
	if r = w.anaC.Post(cardPath, good); r.Status != 303 || cards() != 1 {
		t.Fatalf("double-submitted card: status %d, cards %d", r.Status, cards())
	}

	// Moving phases without facilitator rights.
	if r = w.move(t, w.anaC, id, "reflect", "group"); r.Status != 403 || w.phase(t, id) != "reflect" {
		t.Errorf("employee moved the phase: status %d, phase %s", r.Status, w.phase(t, id))
	}
	// Skipping a phase.
	if r = w.move(t, w.mgrC, id, "reflect", "discuss"); r.Status != 422 || w.phase(t, id) != "reflect" {
		t.Errorf("skip: status %d, phase %s", r.Status, w.phase(t, id))
	}
	// A double-submitted move moves once.
	w.move(t, w.mgrC, id, "reflect", "group")
	if r = w.move(t, w.mgrC, id, "reflect", "group"); r.Status != 303 || w.phase(t, id) != "group" {
		t.Errorf("double move: status %d, phase %s", r.Status, w.phase(t, id))
	}

	// Cards after Reflect.
	r = w.benC.Post(cardPath, url.Values{"column_id": {itoa(cols[0])}, "body": {"Late thought"}})
	if r.Status != 409 || !strings.Contains(r.Body, "only during Reflect") || cards() != 1 {
		t.Errorf("card after reflect: status %d, cards %d", r.Status, cards())
	}

	// Grouping a card into another retro's group.
	var card, foreignGroup int64
	w.app.Pool.QueryRow(t.Context(), "SELECT id FROM retro_cards WHERE retro_id = $1", id).Scan(&card)
	w.app.Pool.QueryRow(t.Context(), "INSERT INTO retro_groups (org_id, retro_id, name) VALUES ($1, $2, 'Elsewhere') RETURNING id", w.org, other).Scan(&foreignGroup)
	r = w.benC.Post(fmt.Sprintf("/retros/%d/group", id), url.Values{"card_id": {itoa(card)}, "group_id": {itoa(foreignGroup)}})
	if r.Status != 422 || !strings.Contains(r.Body, "Choose a group of this retro.") {
		t.Errorf("foreign group: status %d", r.Status)
	}
	if n := f.Count(t, "SELECT count(*) FROM retro_cards WHERE id = $1 AND group_id IS NOT NULL", card); n != 0 {
		t.Errorf("card joined another retro's group")
	}
	// A good group.
	if r = w.benC.Post(fmt.Sprintf("/retros/%d/group", id), url.Values{"card_id": {itoa(card)}, "group_name": {"Reviews"}}); r.Status != 303 {
		t.Fatalf("group: %d", r.Status)
	}

	// Votes: 3 per person, at most 2 per topic.
	w.app.Pool.Exec(t.Context(), "UPDATE retros SET max_votes_per_card = 2 WHERE id = $1", id)
	second := f.RetroCard(t, w.org, id, cols[1], w.ben.ID, "Fewer meetings")
	third := f.RetroCard(t, w.org, id, cols[2], w.ben.ID, "Keep demos")
	w.move(t, w.mgrC, id, "group", "vote")
	var group int64
	w.app.Pool.QueryRow(t.Context(), "SELECT group_id FROM retro_cards WHERE id = $1", card).Scan(&group)
	votes := func() int {
		return f.Count(t, "SELECT count(*) FROM retro_votes WHERE retro_id = $1 AND voter_id = $2", id, w.ana.ID)
	}
	vote := func(topic, key string) testapp.Response {
		return w.anaC.Post(fmt.Sprintf("/retros/%d/votes", id), url.Values{"topic": {topic}, "key": {key}})
	}
	// Double submit: one vote.
	vote(fmt.Sprintf("g%d", group), "k1")
	if r = vote(fmt.Sprintf("g%d", group), "k1"); r.Status != 303 || votes() != 1 {
		t.Errorf("double vote: status %d, votes %d", r.Status, votes())
	}
	vote(fmt.Sprintf("g%d", group), "k2")
	if r = vote(fmt.Sprintf("g%d", group), "k3"); r.Status != 422 || !strings.Contains(r.Body, "At most 2 votes") || votes() != 2 {
		t.Errorf("per-topic limit: status %d, votes %d", r.Status, votes())
	}
	vote(fmt.Sprintf("c%d", second), "k4")
	if r = vote(fmt.Sprintf("c%d", third), "k5"); r.Status != 422 || !strings.Contains(r.Body, "used all 3 of your votes") || votes() != 3 {
		t.Errorf("per-person limit: status %d, votes %d", r.Status, votes())
	}
	// A card of another retro is not a topic here.
	foreignCard := f.RetroCard(t, w.org, other, otherCols[0], w.ben.ID, "Elsewhere")
	w.benC.Post(fmt.Sprintf("/retros/%d/votes", id), url.Values{"topic": {fmt.Sprintf("c%d", foreignCard)}, "key": {"x"}})
	if n := f.Count(t, "SELECT count(*) FROM retro_votes WHERE card_id = $1", foreignCard); n != 0 {
		t.Errorf("vote landed on another retro's card")
	}

	// Notes: empty is refused next to its field; a double submit stores one.
	w.move(t, w.mgrC, id, "vote", "discuss")
	notePath := fmt.Sprintf("/retros/%d/notes", id)
	topic := fmt.Sprintf("g%d", group)
	if r = w.anaC.Post(notePath, url.Values{"topic": {topic}, "note": {" "}, "key": {"n0"}}); r.Status != 422 || !strings.Contains(r.Body, "Write the note.") {
		t.Errorf("empty note: status %d", r.Status)
	}
	note := url.Values{"topic": {topic}, "note": {"Reviews wait for one person"}, "key": {"n1"}}
	w.anaC.Post(notePath, note)
	w.anaC.Post(notePath, note)
	if n := f.Count(t, "SELECT count(*) FROM retro_notes WHERE retro_id = $1", id); n != 1 {
		t.Errorf("double-submitted note stored %d times", n)
	}

	// Actions: an owner from outside the team and a missing date.
	w.move(t, w.mgrC, id, "discuss", "actions")
	r = w.anaC.Post(fmt.Sprintf("/retros/%d/actions", id), url.Values{"action_body": {"Rotate the host"}, "owner_id": {itoa(w.outsider.ID)}, "due_on": {""}, "key": {"a1"}})
	if r.Status != 422 || !strings.Contains(r.Body, "Choose an owner from the team.") || !strings.Contains(r.Body, "Choose a due date.") || !strings.Contains(r.Body, "Rotate the host") {
		t.Errorf("bad action: status %d", r.Status)
	}
	ok := url.Values{"action_body": {"Rotate the host"}, "owner_id": {itoa(w.ben.ID)}, "due_on": {"2030-01-31"}, "key": {"a2"}}
	w.anaC.Post(fmt.Sprintf("/retros/%d/actions", id), ok)
	w.anaC.Post(fmt.Sprintf("/retros/%d/actions", id), ok)
	if n := f.Count(t, "SELECT count(*) FROM retro_actions WHERE retro_id = $1", id); n != 1 {
		t.Errorf("double-submitted action stored %d times", n)
	}
}

func TestRetroActionsReachHomeAndTheNextRetro(t *testing.T) {
	w := newRetroWorld(t)
	f := w.app.F
	first, _ := f.Retro(t, w.org, w.team, testfx.RetroOpts{Title: "Sprint 13", Phase: "done"})
	keep := f.RetroAction(t, w.org, first, w.ben.ID, "Write the on-call guide", "2030-02-01")
	done := f.RetroAction(t, w.org, first, w.ben.ID, "Book the demo room", "2030-02-01")
	drop := f.RetroAction(t, w.org, first, w.ana.ID, "Try mob programming", "2030-02-01")

	if r := w.benC.Get("/"); !strings.Contains(r.Body, "Write the on-call guide") || !strings.Contains(r.Body, "Book the demo room") {
		t.Errorf("owner's home page does not list their retro actions")
	}
	next, _ := f.Retro(t, w.org, w.team, testfx.RetroOpts{Title: "Sprint 14", Phase: "open_actions"})
	r := w.benC.Get(fmt.Sprintf("/retros/%d", next))
	if !strings.Contains(r.Body, "Write the on-call guide") {
		t.Fatalf("next retro does not start with the open actions")
	}
	review := func(c *testapp.Client, action int64, status string) testapp.Response {
		return c.Post(fmt.Sprintf("/retros/%d/review", next), url.Values{"action_id": {itoa(action)}, "status": {status}})
	}
	if r := review(w.benC, done, "done"); r.Status != 403 {
		t.Errorf("a participant reviewed an action: %d", r.Status)
	}
	review(w.mgrC, keep, "open")
	review(w.mgrC, done, "done")
	review(w.mgrC, drop, "dropped")
	var st string
	for id, want := range map[int64]string{keep: "open", done: "done", drop: "dropped"} {
		w.app.Pool.QueryRow(t.Context(), "SELECT status::text FROM retro_actions WHERE id = $1", id).Scan(&st)
		if st != want {
			t.Errorf("action %d: %s, want %s", id, st, want)
		}
	}
	if r := w.benC.Get("/"); strings.Contains(r.Body, "Book the demo room") || !strings.Contains(r.Body, "Write the on-call guide") {
		t.Errorf("home page after review should list only the kept action")
	}
}

func TestRetroKudosColumnBecomesKudosWhenTheRetroCloses(t *testing.T) {
	w := newRetroWorld(t)
	f := w.app.F
	id, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{Kudos: true, Phase: "actions"})
	handle := strings.Split(w.ben.Email, "@")[0]
	f.RetroCard(t, w.org, id, cols[3], w.ana.ID, "@"+handle+" untangled the release checklist for all of us")
	w.app.Pool.Exec(t.Context(), "UPDATE retro_cards SET kudo_visibility = 'org' WHERE retro_id = $1", id)
	if r := w.move(t, w.mgrC, id, "actions", "done"); r.Status != 303 {
		t.Fatalf("close: %d", r.Status)
	}
	if n := f.Count(t, `SELECT count(*) FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
		WHERE k.author_id = $1 AND r.user_id = $2 AND k.visibility = 'org'`, w.ana.ID, w.ben.ID); n != 1 {
		t.Fatalf("kudos from the card: %d, want 1", n)
	}
	// Reopening and closing again gives no second kudo.
	w.move(t, w.mgrC, id, "done", "actions")
	w.move(t, w.mgrC, id, "actions", "done")
	if n := f.Count(t, "SELECT count(*) FROM kudos WHERE author_id = $1", w.ana.ID); n != 1 {
		t.Errorf("closing twice gave %d kudos", n)
	}
}

func TestRetroExportNeutralisesFormulas(t *testing.T) {
	w := newRetroWorld(t)
	f := w.app.F
	id, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{Phase: "done"})
	f.RetroCard(t, w.org, id, cols[0], w.ana.ID, "=HYPERLINK(\"http://evil\")")
	f.RetroCard(t, w.org, id, cols[1], w.ana.ID, "@SUM(A1)")
	f.RetroAction(t, w.org, id, w.ben.ID, "+1 more demo", "2030-01-01")
	r := w.leaderC.Get(fmt.Sprintf("/retros/%d/export.csv", id))
	if r.Status != 200 {
		t.Fatalf("export: %d", r.Status)
	}
	for _, bad := range []string{"\n=HYPERLINK", ",=HYPERLINK", ",@SUM", ",+1 more"} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("CSV has a live formula %q:\n%s", bad, r.Body)
		}
	}
	if !strings.Contains(r.Body, "'@SUM(A1)") || !strings.Contains(r.Body, "'+1 more demo") {
		t.Errorf("CSV lost the neutralised text:\n%s", r.Body)
	}
	md := w.anaC.Get(fmt.Sprintf("/retros/%d/export.md", id))
	if md.Status != 200 || !strings.Contains(md.Body, "+1 more demo") || !strings.Contains(md.Body, "## Actions") {
		t.Errorf("markdown export: %d\n%s", md.Status, md.Body)
	}
	if r := w.outsiderC.Get(fmt.Sprintf("/retros/%d/export.csv", id)); r.Status != 404 {
		t.Errorf("outsider export: %d", r.Status)
	}
}

func TestNamingAFacilitatorTakesOnlyTeamMembers(t *testing.T) {
	w := newRetroWorld(t)
	path := fmt.Sprintf("/teams/%d/retros/facilitators", w.team)
	named := func() int {
		return w.app.F.Count(t, "SELECT count(*) FROM retro_facilitators WHERE team_id = $1", w.team)
	}

	for name, form := range map[string]url.Values{
		"someone outside the team": {"person_id": {itoa(w.outsider.ID)}, "on": {"true"}},
		"no one":                   {"person_id": {""}, "on": {"true"}},
		"not a number":             {"person_id": {"ana"}, "on": {"true"}},
	} {
		r := w.mgrC.Post(path, form)
		if r.Status != 422 || !strings.Contains(r.Body, "Choose someone from the team.") {
			t.Errorf("%s: status %d", name, r.Status)
		}
		if n := named(); n != 0 {
			t.Fatalf("%s: %d facilitators named", name, n)
		}
	}
	// A team member can be named, once however often the form is sent, and
	// only by a facilitator.
	for range 2 {
		if r := w.mgrC.Post(path, url.Values{"person_id": {itoa(w.ana.ID)}, "on": {"true"}}); r.Status != 303 {
			t.Fatalf("naming Ana: status %d", r.Status)
		}
	}
	if n := named(); n != 1 {
		t.Errorf("%d facilitators after naming Ana twice, want 1", n)
	}
	if r := w.benC.Post(path, url.Values{"person_id": {itoa(w.ben.ID)}, "on": {"true"}}); r.Status != 403 {
		t.Errorf("Ben named himself: status %d", r.Status)
	}
	if n := named(); n != 1 {
		t.Errorf("%d facilitators after Ben's attempt, want 1", n)
	}
}

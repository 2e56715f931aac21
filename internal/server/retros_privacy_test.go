package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// authorID is an id no other row of the test database comes near, so that
// finding it anywhere means the author was recorded.
const authorID = 987654321

// An anonymous retro run from start to end leaves no trace of who wrote its
// cards: not in any retro table, the live events, the sessions or the access
// log, and not on the facilitator's, the leader's or the admin's pages or in
// the exports.
func TestAnonymousRetroStoresNoAuthor(t *testing.T) {
	ta := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{})
	f := ta.F
	ctx := t.Context()
	org := f.Org(t, "Anon Org")
	leader := f.Person(t, org, testfx.PersonOpts{Name: "Lou Leader", Role: core.RoleLeader})
	manager := f.Person(t, org, testfx.PersonOpts{Name: "Mo Manager", Role: core.RoleManager, ManagerID: leader.ID})
	voter := f.Person(t, org, testfx.PersonOpts{Name: "Vic Voter", ManagerID: manager.ID})
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	// Give the author an id nothing else has.
	if _, err := ta.Pool.Exec(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", authorID-1); err != nil {
		t.Fatal(err)
	}
	author := f.Person(t, org, testfx.PersonOpts{Name: "Quinn Quietwriter", Email: "quinn.quietwriter@example.com", ManagerID: manager.ID})
	if author.ID != authorID {
		t.Fatalf("author id %d, want %d", author.ID, authorID)
	}
	team := f.Team(t, org, "Hush", manager.ID, authorID, voter.ID)
	sign := func(p testfx.Person) *testapp.Client {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		return c
	}
	mgrC, authC, voteC, leadC, adminC := sign(manager), sign(author), sign(voter), sign(leader), sign(admin)

	r := mgrC.Post(fmt.Sprintf("/teams/%d/retros", team), url.Values{"title": {"Quiet retro"}, "template": {"ssc"},
		"anonymous": {"true"}, "votes_per_person": {"3"}, "max_votes_per_card": {"3"}})
	if r.Status != 303 {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	var id int64
	fmt.Sscanf(r.Location(), "/retros/%d", &id)
	path := func(s string) string { return fmt.Sprintf("/retros/%d%s", id, s) }
	move := func(from, to string) {
		t.Helper()
		if r := mgrC.Post(path("/phase"), url.Values{"from": {from}, "to": {to}}); r.Status != 303 {
			t.Fatalf("move %s → %s: %d", from, to, r.Status)
		}
	}
	move("open_actions", "reflect")
	var col int64
	ta.Pool.QueryRow(ctx, "SELECT id FROM retro_columns WHERE retro_id = $1 ORDER BY position LIMIT 1", id).Scan(&col)

	secrets := [][]byte{}
	authC.Get(path(""))
	for _, body := range []string{"Releases on Friday scare me", "Nobody reads the design docs", "Typo to fix"} {
		if r := authC.Post(path("/cards"), url.Values{"column_id": {itoa(col)}, "body": {body}}); r.Status != 303 {
			t.Fatalf("card: %d\n%s", r.Status, r.Body)
		}
	}
	// The author's browser holds the secret, scoped to the retro.
	u, _ := url.Parse(ta.URL + path(""))
	for _, c := range authC.HTTP.Jar.Cookies(u) {
		if strings.Contains(c.Name, "retro") {
			b, _ := base64.RawURLEncoding.DecodeString(c.Value)
			secrets = append(secrets, b, []byte(c.Value))
		}
	}
	if len(secrets) == 0 {
		t.Fatal("the author's browser got no retro secret")
	}
	home, _ := url.Parse(ta.URL + "/")
	for _, c := range authC.HTTP.Jar.Cookies(home) {
		if strings.Contains(c.Name, "retro") {
			t.Errorf("the retro secret is sent outside the retro: %s", c.Name)
		}
	}
	// The author recognises and edits their own card; nobody else sees them yet.
	var typo int64
	ta.Pool.QueryRow(ctx, "SELECT id FROM retro_cards WHERE retro_id = $1 AND body = 'Typo to fix'", id).Scan(&typo)
	if r := authC.Get(path("/board")); !strings.Contains(r.Body, "Releases on Friday scare me") || strings.Count(r.Body, "Your card") != 3 {
		t.Errorf("the author does not see their own cards")
	}
	if r := authC.Post(path(fmt.Sprintf("/cards/%d", typo)), url.Values{"body": {"Typo fixed"}}); r.Status != 303 {
		t.Errorf("author edit: %d", r.Status)
	}
	if r := voteC.Post(path(fmt.Sprintf("/cards/%d/delete", typo)), nil); r.Status != 403 {
		t.Errorf("another member deleted the author's anonymous card: %d", r.Status)
	}
	for who, c := range map[string]*testapp.Client{"facilitator": mgrC, "member": voteC} {
		r := c.Get(path("/board"))
		if strings.Contains(r.Body, "Releases on Friday") || !strings.Contains(r.Body, "3 cards so far") {
			t.Errorf("%s sees private cards during Reflect, or no count", who)
		}
	}

	move("reflect", "group")
	move("group", "vote")
	var card int64
	ta.Pool.QueryRow(ctx, "SELECT id FROM retro_cards WHERE retro_id = $1 AND body LIKE 'Releases%'", id).Scan(&card)
	topic := fmt.Sprintf("c%d", card)
	voteC.Post(path("/votes"), url.Values{"topic": {topic}, "key": {"v1"}})
	voteC.Post(path("/votes"), url.Values{"topic": {topic}, "key": {"v2"}})
	mgrC.Post(path("/votes"), url.Values{"topic": {topic}, "key": {"m1"}})
	// Votes stay hidden until voting ends: each person sees only their own.
	totals := regexp.MustCompile(`\d+ votes?<`)
	for who, c := range map[string]*testapp.Client{"facilitator": mgrC, "voter": voteC, "leader": leadC} {
		r := c.Get(path(""))
		if totals.MatchString(r.Body) {
			t.Errorf("%s sees vote totals during Vote", who)
		}
	}
	if r := voteC.Get(path("/board")); !strings.Contains(r.Body, "You: 2") || !strings.Contains(r.Body, "1 of 3 votes left") {
		t.Errorf("the voter does not see their own votes")
	}
	if r := mgrC.Get(path("/board")); strings.Contains(r.Body, "You: 2") {
		t.Errorf("the facilitator sees another person's votes")
	}
	if r := mgrC.Get(path("/export.csv")); strings.Contains(r.Body, ",3,") {
		t.Errorf("the export shows vote totals during Vote:\n%s", r.Body)
	}
	move("vote", "discuss")
	if r := voteC.Get(path("/board")); !strings.Contains(r.Body, "3 votes<") {
		t.Errorf("totals are not shown once voting has ended")
	}
	mgrC.Post(path("/notes"), url.Values{"topic": {topic}, "note": {"Move releases to Tuesday"}})
	move("discuss", "actions")
	mgrC.Post(path("/actions"), url.Values{"action_body": {"Release on Tuesdays"}, "owner_id": {itoa(voter.ID)}, "due_on": {"2030-03-01"}, "key": {"a"}})
	move("actions", "done")

	// Pages and exports: nobody can see who wrote a card.
	pages := map[string]testapp.Response{
		"facilitator room":   mgrC.Get(path("")),
		"facilitator board":  mgrC.Get(path("/board")),
		"leader room":        leadC.Get(path("")),
		"member room":        voteC.Get(path("")),
		"markdown export":    mgrC.Get(path("/export.md")),
		"csv export":         leadC.Get(path("/export.csv")),
		"team retro history": mgrC.Get(fmt.Sprintf("/teams/%d/retros", team)),
	}
	for name, r := range pages {
		if r.Status != 200 {
			t.Errorf("%s: status %d", name, r.Status)
		}
		if !strings.Contains(r.Body, "Releases on Friday") && name != "team retro history" {
			t.Errorf("%s does not show the cards", name)
		}
		for _, trace := range []string{author.Name, "Quinn", "quinn.quietwriter", strconv.Itoa(authorID)} {
			if strings.Contains(r.Body, trace) {
				t.Errorf("%s shows the author (%q)", name, trace)
			}
		}
	}
	if r := adminC.Get(path("")); r.Status != 404 {
		t.Errorf("an admin outside the team opened the retro: %d", r.Status)
	}
	if r := adminC.Get(path("/export.csv")); r.Status != 404 || strings.Contains(r.Body, "Releases") {
		t.Errorf("an admin outside the team exported the retro: %d", r.Status)
	}

	// Every column of every retro table, the live events and the sessions.
	tables := []string{}
	rows, err := ta.Pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND (table_name LIKE 'retro%' OR table_name IN ('live_events', 'sessions'))`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 8 {
		t.Fatalf("found only these tables: %v", tables)
	}
	var nonces [][]byte
	nr, _ := ta.Pool.Query(ctx, "SELECT author_nonce, author_tag FROM retro_cards WHERE retro_id = $1", id)
	for nr.Next() {
		var n, tg []byte
		nr.Scan(&n, &tg)
		if len(n) == 0 || len(tg) == 0 {
			t.Errorf("an anonymous card has no nonce or tag")
		}
		nonces = append(nonces, n, tg)
	}
	nr.Close()
	traces := []string{author.Name, "Quinn", "quinn.quietwriter", "quinn", strconv.Itoa(authorID)}
	scanned := 0
	for _, table := range tables {
		rows, err := ta.Pool.Query(ctx, fmt.Sprintf(`SELECT row_to_json(t)::text FROM %q t`, table))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var js string
			rows.Scan(&js)
			scanned++
			for _, tr := range traces {
				if strings.Contains(strings.ToLower(js), strings.ToLower(tr)) {
					t.Errorf("table %s holds %q: %s", table, tr, js)
				}
			}
			if table == "sessions" {
				for _, s := range append(secrets, nonces...) {
					if len(s) > 0 && (strings.Contains(js, string(s)) || bytes.Contains([]byte(js), []byte(fmt.Sprintf("%x", s)))) {
						t.Errorf("a session holds the author's retro secret or a card's nonce")
					}
				}
			}
			if table == "live_events" && strings.Contains(js, `"voter`) {
				t.Errorf("an event names a voter: %s", js)
			}
		}
		rows.Close()
	}
	if n := f.Count(t, "SELECT count(*) FROM retro_cards WHERE retro_id = $1 AND (author_id IS NOT NULL OR created_at IS NOT NULL)", id); n != 0 {
		t.Errorf("%d anonymous cards carry an author or a timestamp", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM live_events WHERE topic = $1", fmt.Sprintf("retro:%d", id)); n < 10 {
		t.Errorf("only %d live events for a whole retro", n)
	}
	// The access log of the card posts names nobody.
	for _, line := range strings.Split(ta.Logs.String(), "\n") {
		if strings.Contains(line, path("/cards")) && (strings.Contains(line, "user_id") || strings.Contains(line, strconv.Itoa(authorID))) {
			t.Errorf("the access log ties a card post to a person: %s", line)
		}
	}
	t.Logf("scanned %d rows of %d tables", scanned, len(tables))
}

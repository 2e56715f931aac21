package server_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// offsetClock is the real clock shifted by an offset the test moves, so that
// sessions look idle for a while without the test sleeping through it.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) set(d time.Duration) {
	c.mu.Lock()
	c.off = d
	c.mu.Unlock()
}

// personRow is a row of any table that belongs to one person, with what an
// attacker can read of it: its transaction id and its timestamps.
type personRow struct {
	table  string
	person int64
	xmin   int64
	times  []time.Time
}

// cardTrace is what the database says about one anonymous card: its row's
// transaction id and physical place, and the time of any live event written
// in the same transaction.
type cardTrace struct {
	id, position, xmin int64
	block, offset      int64
	body               string
	times              []time.Time
}

// Someone who reads every table, its system columns (xmin, ctid) and the
// application log after an anonymous retro cannot tell who wrote which card
// any better than by naming the most prolific author for every card: not by
// transaction ids next to the cards', not by timestamps next to the cards'
// events, not by the cards' physical, id or board order.
func TestAnonymousRetroAuthorsCannotBeCorrelated(t *testing.T) {
	clock := &offsetClock{off: -10 * time.Minute}
	ta := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{Clock: clock})
	f := ta.F
	ctx := t.Context()
	org := f.Org(t, "Correlation Org")
	// People get ids no other value of the database comes near, so that a
	// number in a row that equals one names that person.
	if _, err := ta.Pool.Exec(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), 700000000)"); err != nil {
		t.Fatal(err)
	}
	manager := f.Person(t, org, testfx.PersonOpts{Name: "Fay Facilitator", Role: core.RoleManager})
	names := []string{"Ari", "Bo", "Cy", "Di"}
	authors := make([]testfx.Person, len(names))
	ids := []int64{manager.ID}
	for i, n := range names {
		authors[i] = f.Person(t, org, testfx.PersonOpts{Name: n + " Author", ManagerID: manager.ID})
		ids = append(ids, authors[i].ID)
	}
	team := f.Team(t, org, "Correlated", ids...)
	isPerson := map[int64]bool{}
	for _, id := range ids {
		isPerson[id] = true
	}

	// Everyone signs in and opens the room ten minutes "ago" by the app's
	// clock; then the clock is real again, so each person's next request
	// finds their session idle for over a minute.
	sign := func(p testfx.Person) *testapp.Client {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		return c
	}
	mgr := sign(manager)
	r := mgr.Post(fmt.Sprintf("/teams/%d/retros", team), url.Values{"title": {"Who said that"}, "template": {"ssc"},
		"anonymous": {"true"}, "votes_per_person": {"3"}, "max_votes_per_card": {"3"}})
	if r.Status != 303 {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	var id int64
	fmt.Sscanf(r.Location(), "/retros/%d", &id)
	path := func(s string) string { return fmt.Sprintf("/retros/%d%s", id, s) }
	move := func(from, to string) {
		t.Helper()
		if r := mgr.Post(path("/phase"), url.Values{"from": {from}, "to": {to}}); r.Status != 303 {
			t.Fatalf("move %s → %s: %d", from, to, r.Status)
		}
	}
	move("open_actions", "reflect")
	clients := make([]*testapp.Client, len(authors))
	for i, p := range authors {
		clients[i] = sign(p)
		if r := clients[i].Get(path("")); r.Status != 200 {
			t.Fatalf("room: %d", r.Status)
		}
	}
	var cols []int64
	rows, _ := ta.Pool.Query(ctx, "SELECT id FROM retro_columns WHERE retro_id = $1 ORDER BY position", id)
	for rows.Next() {
		var c int64
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	clock.set(0)

	// Who wrote what, and the order of the last write to each card.
	authorOf := map[string]int64{}
	var order []string
	write := func(i int, body string) {
		t.Helper()
		if r := clients[i].Post(path("/cards"), url.Values{"column_id": {itoa(cols[i%len(cols)])}, "body": {body}, "key": {body}}); r.Status != 303 {
			t.Fatalf("card: %d\n%s", r.Status, r.Body)
		}
		clients[i].Get(path(""))
		authorOf[body] = authors[i].ID
		order = append(order, body)
	}
	cardID := func(body string) int64 {
		var cid int64
		ta.Pool.QueryRow(ctx, "SELECT id FROM retro_cards WHERE retro_id = $1 AND body = $2", id, body).Scan(&cid)
		return cid
	}
	// First cards a second apart, as people finish typing; then seconds.
	for i, n := range names {
		write(i, n+"'s first thought")
		time.Sleep(1100 * time.Millisecond)
	}
	// The periodic batch runs once between the rounds.
	if _, err := ta.App.Retros.SealCards(ctx); err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		write(i, n+"'s second thought")
	}
	// Ari rewrites a card, Bo takes one back.
	edited := "Ari's second thought, rewritten"
	if r := clients[0].Post(path(fmt.Sprintf("/cards/%d", cardID("Ari's second thought"))), url.Values{"body": {edited}}); r.Status != 303 {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	delete(authorOf, "Ari's second thought")
	authorOf[edited] = authors[0].ID
	order = append(order, edited)
	if r := clients[1].Post(path(fmt.Sprintf("/cards/%d/delete", cardID("Bo's second thought"))), nil); r.Status != 303 {
		t.Fatalf("delete: %d\n%s", r.Status, r.Body)
	}
	delete(authorOf, "Bo's second thought")
	// created is the order the surviving cards were first written in (the
	// rewritten card where its first version was), order the order of the
	// last write to each.
	var created, kept []string
	for _, b := range order {
		switch _, ok := authorOf[b]; {
		case b == "Ari's second thought":
			created = append(created, edited)
		case ok && b != edited:
			created = append(created, b)
		}
		if _, ok := authorOf[b]; ok {
			kept = append(kept, b)
		}
	}
	order = kept

	// The rest of a retro: votes, a note, an action, done.
	move("reflect", "group")
	move("group", "vote")
	for i, c := range clients {
		c.Post(path("/votes"), url.Values{"topic": {fmt.Sprintf("c%d", cardID(order[(i+3)%len(order)]))}, "key": {"v" + itoa(int64(i))}})
	}
	move("vote", "discuss")
	mgr.Post(path("/notes"), url.Values{"topic": {fmt.Sprintf("c%d", cardID(order[0]))}, "note": {"Talk about it"}, "key": {"n"}})
	move("discuss", "actions")
	mgr.Post(path("/actions"), url.Values{"action_body": {"Do it"}, "owner_id": {itoa(authors[2].ID)}, "due_on": {"2030-03-01"}, "key": {"a"}})
	move("actions", "done")

	// The attacker's view: every row of every table with its xmin and the
	// person it belongs to, if any.
	tokenOwner := map[string]int64{}
	rows, err := ta.Pool.Query(ctx, "SELECT token, user_id FROM session_users")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tok string
		var uid int64
		rows.Scan(&tok, &uid)
		tokenOwner[tok] = uid
	}
	rows.Close()
	var tables []string
	rows, err = ta.Pool.Query(ctx, `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var people []personRow
	for _, table := range tables {
		rows, err := ta.Pool.Query(ctx, fmt.Sprintf("SELECT xmin::text::bigint, row_to_json(t)::text FROM %s t", table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		for rows.Next() {
			var x int64
			var js string
			if err := rows.Scan(&x, &js); err != nil {
				t.Fatal(err)
			}
			var row map[string]any
			dec := json.NewDecoder(strings.NewReader(js))
			dec.UseNumber()
			dec.Decode(&row)
			owners := map[int64]bool{}
			var times []time.Time
			var walk func(v any)
			walk = func(v any) {
				switch v := v.(type) {
				case json.Number:
					if n, err := v.Int64(); err == nil && isPerson[n] {
						owners[n] = true
					}
				case string:
					if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
						times = append(times, tm)
					} else if tm, err := time.Parse("2006-01-02T15:04:05.999999-07:00", v); err == nil {
						times = append(times, tm)
					}
				case map[string]any:
					for _, w := range v {
						walk(w)
					}
				case []any:
					for _, w := range v {
						walk(w)
					}
				}
			}
			walk(row)
			if table == "public.sessions" {
				if uid, ok := tokenOwner[fmt.Sprint(row["token"])]; ok {
					owners[uid] = true
				}
				if b, err := hex.DecodeString(strings.TrimPrefix(fmt.Sprint(row["data"]), `\x`)); err == nil {
					if _, vals, err := (scs.GobCodec{}).Decode(b); err == nil {
						if s, ok := vals["seen"].(int64); ok {
							times = append(times, time.Unix(s, 0))
						}
					}
				}
			}
			if len(owners) == 1 {
				for p := range owners {
					people = append(people, personRow{table: table, person: p, xmin: x, times: times})
				}
			}
		}
		rows.Close()
	}

	// The anonymous cards, with the times of events of their transaction.
	var cards []cardTrace
	rows, err = ta.Pool.Query(ctx, `SELECT c.id, c.position, c.xmin::text::bigint, (c.ctid::text::point)[0]::bigint, (c.ctid::text::point)[1]::bigint, c.body,
		       coalesce(array_agg(e.created_at) FILTER (WHERE e.id IS NOT NULL), '{}') || coalesce(array_agg(c.created_at) FILTER (WHERE c.created_at IS NOT NULL), '{}')
		FROM retro_cards c LEFT JOIN live_events e ON e.xmin = c.xmin
		WHERE c.retro_id = $1 GROUP BY c.id`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c cardTrace
		if err := rows.Scan(&c.id, &c.position, &c.xmin, &c.block, &c.offset, &c.body, &c.times); err != nil {
			t.Fatal(err)
		}
		cards = append(cards, c)
	}
	rows.Close()
	if len(cards) != len(order) {
		t.Fatalf("%d cards stored, %d written", len(cards), len(order))
	}

	// Attack 1: the person-owned row whose transaction is next to the card's.
	// Attack 2: the person-owned timestamp within a second of the card's.
	byXmin, byTime := 0, 0
	namedX, namedT := map[int64]int{}, map[int64]int{}
	for _, c := range cards {
		if p := nearest(people, func(r personRow) (float64, bool) {
			// The session is saved after the handler: just after is the
			// likeliest, just before the next likeliest.
			d := float64(r.xmin - c.xmin)
			if d < 0 {
				d = -d + 0.5
			}
			return d, d > 0 && d <= 2.5
		}); p != 0 {
			namedX[p]++
			if p == authorOf[c.body] {
				byXmin++
			}
		}
		if p := nearest(people, func(r personRow) (float64, bool) {
			best, ok := 0.0, false
			for _, ct := range c.times {
				for _, pt := range r.times {
					// Sessions keep whole seconds.
					d := ct.Truncate(time.Second).Sub(pt).Abs().Seconds()
					if d <= 1 && (!ok || d < best) {
						best, ok = d, true
					}
				}
			}
			return best, ok
		}); p != 0 {
			namedT[p]++
			if p == authorOf[c.body] {
				byTime++
			}
		}
	}
	// The baseline: name the most prolific author for every card.
	perAuthor := map[int64]int{}
	for _, a := range authorOf {
		perAuthor[a]++
	}
	chance := 0
	for _, n := range perAuthor {
		chance = max(chance, n)
	}
	t.Logf("%d tables read, %d rows of them a person's; %d anonymous cards by %d authors", len(tables), len(people), len(cards), len(perAuthor))
	authorsNamed := func(named map[int64]int) int {
		n := 0
		for p := range named {
			if perAuthor[p] > 0 {
				n++
			}
		}
		return n
	}
	t.Logf("xmin adjacency named the author of %d of %d cards, guessing %d different people (%d of them authors) for %d cards",
		byXmin, len(cards), len(namedX), authorsNamed(namedX), sum(namedX))
	t.Logf("time proximity named the author of %d of %d cards, guessing %d different people (%d of them authors) for %d cards",
		byTime, len(cards), len(namedT), authorsNamed(namedT), sum(namedT))
	t.Logf("chance: %d of %d cards, naming the most prolific of %d authors for every card", chance, len(cards), len(perAuthor))
	if byXmin > chance {
		t.Errorf("transaction ids next to the cards' name their authors: %d of %d cards, chance %d", byXmin, len(cards), chance)
	}
	if byTime > chance {
		t.Errorf("timestamps next to the cards' events name their authors: %d of %d cards, chance %d", byTime, len(cards), chance)
	}

	// Attack 3: physical order follows the order of the last writes, id and
	// board order that of the first.
	for _, o := range []struct {
		name  string
		less  func(a, b cardTrace) bool
		order []string
	}{
		{"ctid", func(a, b cardTrace) bool { return a.block < b.block || a.block == b.block && a.offset < b.offset }, order},
		{"id", func(a, b cardTrace) bool { return a.id < b.id }, created},
		{"position", func(a, b cardTrace) bool { return a.position < b.position }, created},
	} {
		rank := map[string]int{}
		for i, b := range o.order {
			rank[b] = i
		}
		cs := append([]cardTrace(nil), cards...)
		sort.Slice(cs, func(i, j int) bool { return o.less(cs[i], cs[j]) })
		concordant, pairs := 0, 0
		for i := range cs {
			for j := i + 1; j < len(cs); j++ {
				pairs++
				if rank[cs[i].body] < rank[cs[j].body] {
					concordant++
				}
			}
		}
		t.Logf("%s order agrees with the order of writing on %d of %d pairs (chance ≈ %d)", o.name, concordant, pairs, pairs/2)
		if concordant == pairs {
			t.Errorf("the cards' %s order is the order they were written in", o.name)
		}
	}

	// Attack 4: the application log. A card write's own line dates it; the
	// page load that follows it (the redirect), by address, counts each
	// person's cards.
	lines, room, phases := 0, 0, 0
	for _, line := range strings.Split(ta.Logs.String(), "\n") {
		if strings.Contains(line, path("/phase")) {
			phases++
			continue
		}
		if strings.Contains(line, path("/cards")) {
			lines++
		} else if phases == 1 && strings.Contains(line, "path="+path("")) {
			room++
		}
	}
	t.Logf("%d log lines name an anonymous card write; %d log the room during Reflect", lines, room)
	if lines > 0 {
		t.Errorf("the log records %d anonymous card writes with their time and address", lines)
	}
	if room > 0 {
		t.Errorf("the log records %d requests to the room during Reflect, with their time and address", room)
	}
}

func sum(m map[int64]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// nearest returns the one person whose rows score best (lowest) by score,
// considering only rows score accepts; 0 when none or several tie.
func nearest(rows []personRow, score func(personRow) (float64, bool)) int64 {
	var best float64
	found := map[int64]bool{}
	for _, r := range rows {
		d, ok := score(r)
		if !ok {
			continue
		}
		switch {
		case len(found) == 0 || d < best:
			best, found = d, map[int64]bool{r.person: true}
		case d == best:
			found[r.person] = true
		}
	}
	if len(found) != 1 {
		return 0
	}
	for p := range found {
		return p
	}
	return 0
}

// A request that writes, edits or deletes an anonymous card announces
// nothing and leaves nothing in the log; a batch then writes the retro's
// anonymous cards again in one transaction and announces them once; the move
// out of Reflect gives them fresh ids and board places. Named cards are still
// announced at once.
func TestAnonymousCardChangesAreAnnouncedInBatches(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	ctx := t.Context()
	org := f.Org(t, "Batch Org")
	manager := f.Person(t, org, testfx.PersonOpts{Role: core.RoleManager})
	member := f.Person(t, org, testfx.PersonOpts{ManagerID: manager.ID})
	team := f.Team(t, org, "Batched", manager.ID, member.ID)
	anon, cols := f.Retro(t, org, team, testfx.RetroOpts{Anonymous: true})
	named, namedCols := f.Retro(t, org, team, testfx.RetroOpts{Title: "Named"})
	c := ta.Client(t)
	c.SignIn(member.Email, testfx.Password)
	events := func(id int64) int {
		return f.Count(t, "SELECT count(*) FROM live_events WHERE topic = $1", fmt.Sprintf("retro:%d", id))
	}
	post := func(id, col int64, body string) {
		t.Helper()
		if r := c.Post(fmt.Sprintf("/retros/%d/cards", id), url.Values{"column_id": {itoa(col)}, "body": {body}}); r.Status != 303 {
			t.Fatalf("card: %d\n%s", r.Status, r.Body)
		}
	}

	post(named, namedCols[0], "Named and announced")
	if n := events(named); n != 1 {
		t.Errorf("a named card made %d events, want 1 at once", n)
	}
	c.Get(fmt.Sprintf("/retros/%d", anon))
	for _, b := range []string{"One", "Two", "Three"} {
		post(anon, cols[0], b)
	}
	var two, three int64
	ta.Pool.QueryRow(ctx, "SELECT id FROM retro_cards WHERE retro_id = $1 AND body = 'Two'", anon).Scan(&two)
	ta.Pool.QueryRow(ctx, "SELECT id FROM retro_cards WHERE retro_id = $1 AND body = 'Three'", anon).Scan(&three)
	if r := c.Post(fmt.Sprintf("/retros/%d/cards/%d", anon, two), url.Values{"body": {"Two, again"}}); r.Status != 303 {
		t.Fatalf("edit: %d", r.Status)
	}
	if r := c.Post(fmt.Sprintf("/retros/%d/cards/%d/delete", anon, three), nil); r.Status != 303 {
		t.Fatalf("delete: %d", r.Status)
	}
	if n := events(anon); n != 0 {
		t.Errorf("anonymous card writes made %d events of their own", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM retro_card_changes WHERE retro_id = $1", anon); n == 0 {
		t.Errorf("the retro is not marked for the next batch")
	}
	if strings.Contains(ta.Logs.String(), fmt.Sprintf("/retros/%d/cards", anon)) {
		t.Errorf("the log records an anonymous card write")
	}
	if !strings.Contains(ta.Logs.String(), fmt.Sprintf("/retros/%d/cards", named)) {
		t.Errorf("the log lost a named card write")
	}
	ids := func() (out []int64) {
		rows, _ := ta.Pool.Query(ctx, "SELECT id FROM retro_cards WHERE retro_id = $1 ORDER BY id", anon)
		defer rows.Close()
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			out = append(out, id)
		}
		return out
	}
	before := ids()
	if n := f.Count(t, "SELECT count(DISTINCT xmin::text) FROM retro_cards WHERE retro_id = $1", anon); n != 2 {
		t.Errorf("before the batch, %d transactions wrote the 2 cards", n)
	}

	n, err := ta.App.Retros.SealCards(ctx)
	if err != nil || n != 1 {
		t.Fatalf("batch: %d retros, %v", n, err)
	}
	if n := events(anon); n != 1 {
		t.Errorf("the batch made %d events, want 1", n)
	}
	if n := f.Count(t, "SELECT count(DISTINCT xmin::text) FROM retro_cards WHERE retro_id = $1", anon); n != 1 {
		t.Errorf("after the batch, %d transactions wrote the cards, want the batch's alone", n)
	}
	if n := f.Count(t, `SELECT count(*) FROM retro_cards c JOIN live_events e ON e.xmin = c.xmin
		WHERE c.retro_id = $1 AND e.kind = 'cards'`, anon); n != 2 {
		t.Errorf("the cards were not written with the batch's event: %d", n)
	}
	if got := ids(); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("a batch during Reflect changed card ids %v → %v (an author may be editing them)", before, got)
	}
	if r := c.Get(fmt.Sprintf("/retros/%d/board", anon)); strings.Count(r.Body, "Your card") != 2 || !strings.Contains(r.Body, "Two, again") {
		t.Errorf("the author does not see their cards after the batch")
	}
	if n, err := ta.App.Retros.SealCards(ctx); err != nil || n != 0 {
		t.Errorf("a batch with nothing changed sealed %d retros (%v)", n, err)
	}
	if n := events(anon); n != 1 {
		t.Errorf("a batch with nothing changed made an event")
	}

	// The move out of Reflect is the last batch: fresh ids, places 1..n.
	mgr := ta.Client(t)
	mgr.SignIn(manager.Email, testfx.Password)
	if r := mgr.Post(fmt.Sprintf("/retros/%d/phase", anon), url.Values{"from": {"reflect"}, "to": {"group"}}); r.Status != 303 {
		t.Fatalf("move: %d", r.Status)
	}
	after := ids()
	if len(after) != 2 || after[0] <= before[len(before)-1] {
		t.Errorf("leaving Reflect kept the card ids: %v → %v", before, after)
	}
	if n := f.Count(t, "SELECT count(*) FROM retro_cards WHERE retro_id = $1 AND position BETWEEN 1 AND 2", anon); n != 2 {
		t.Errorf("leaving Reflect did not renumber the board places")
	}
	if n := f.Count(t, "SELECT count(*) FROM retro_card_changes WHERE retro_id = $1", anon); n != 0 {
		t.Errorf("the retro is still marked after the last batch")
	}
	if r := mgr.Get(fmt.Sprintf("/retros/%d/board", anon)); !strings.Contains(r.Body, "Two, again") || !strings.Contains(r.Body, "One") {
		t.Errorf("the cards are not on the board after Reflect")
	}
}

// Batches run alongside card writes, edits and the move out of Reflect
// without deadlocks, lost cards or errors; a card that lands after the move
// is sealed by the next batch like the rest.
func TestAnonymousCardBatchesRunAlongsideWritesAndTheMove(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	ctx := t.Context()
	org := f.Org(t, "Busy Org")
	manager := f.Person(t, org, testfx.PersonOpts{Role: core.RoleManager})
	var members []testfx.Person
	ids := []int64{manager.ID}
	for range 4 {
		p := f.Person(t, org, testfx.PersonOpts{ManagerID: manager.ID})
		members = append(members, p)
		ids = append(ids, p.ID)
	}
	team := f.Team(t, org, "Busy", ids...)
	anon, cols := f.Retro(t, org, team, testfx.RetroOpts{Anonymous: true})
	mgr := ta.Client(t)
	mgr.SignIn(manager.Email, testfx.Password)

	stop := make(chan struct{})
	sealed := make(chan error, 1)
	go func() {
		var err error
		for {
			select {
			case <-stop:
				sealed <- err
				return
			default:
			}
			if _, e := ta.App.Retros.SealCards(ctx); e != nil && err == nil {
				err = e
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	posted := map[string]bool{}
	for i, m := range members {
		c := ta.Client(t)
		c.SignIn(m.Email, testfx.Password)
		c.Get(fmt.Sprintf("/retros/%d", anon))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 6 {
				body := fmt.Sprintf("Card %d of %d", j, i)
				r := c.Post(fmt.Sprintf("/retros/%d/cards", anon), url.Values{"column_id": {itoa(cols[0])}, "body": {body}})
				switch r.Status {
				case 303:
					mu.Lock()
					posted[body] = true
					mu.Unlock()
				case 409: // the retro moved on
				default:
					t.Errorf("card: %d\n%s", r.Status, r.Body)
				}
			}
		}()
	}
	// Move on mid-way through the writing.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(posted)
		mu.Unlock()
		if n >= 8 {
			break
		}
	}
	if r := mgr.Post(fmt.Sprintf("/retros/%d/phase", anon), url.Values{"from": {"reflect"}, "to": {"group"}}); r.Status != 303 {
		t.Errorf("move: %d\n%s", r.Status, r.Body)
	}
	wg.Wait()
	close(stop)
	if err := <-sealed; err != nil {
		t.Errorf("a batch failed: %v", err)
	}
	if _, err := ta.App.Retros.SealCards(ctx); err != nil {
		t.Fatal(err)
	}
	for body := range posted {
		if n := f.Count(t, "SELECT count(*) FROM retro_cards WHERE retro_id = $1 AND body = $2", anon, body); n != 1 {
			t.Errorf("%q is stored %d times", body, n)
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM retro_card_changes WHERE retro_id = $1", anon); n != 0 {
		t.Errorf("%d marks left after the last batch", n)
	}
	if n := f.Count(t, "SELECT count(DISTINCT xmin::text) FROM retro_cards WHERE retro_id = $1", anon); n != 1 {
		t.Errorf("after Reflect the cards carry %d transaction ids, want one batch's", n)
	}
	t.Logf("%d cards written while batches ran and the retro moved on", len(posted))
}

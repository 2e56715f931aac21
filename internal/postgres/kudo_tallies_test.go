package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// kudoTallyDiff compares the kept kudo tallies with a rebuild from the
// kudos (EXCEPT ALL both ways).
func kudoTallyDiff(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var missing, stale int
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT * FROM kudo_tallies_from_kudos() EXCEPT ALL SELECT * FROM kudo_tallies) x),
		(SELECT count(*) FROM (SELECT * FROM kudo_tallies EXCEPT ALL SELECT * FROM kudo_tallies_from_kudos()) x)`).
		Scan(&missing, &stale)
	if err != nil || missing+stale == 0 {
		return "", err
	}
	return fmt.Sprintf("kudo tallies %d missing, %d stale", missing, stale), nil
}

// equityOf computes the equity figures a viewer sees over members, from
// the edges the page reads (tallies and kudos) or from the kudos alone (the
// definition), with the last recognition as a day (UTC): the page shows a
// date, and tallied days carry no time.
func equityOf(ctx context.Context, st *postgres.KudosStore, org, viewer int64, members []kudos.Member, days int, now time.Time, fromKudos bool) (kudos.Equity, error) {
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	from, to := now.AddDate(0, 0, -days), now
	w := kudos.WindowFor(from, to, now)
	var edges []kudos.Edge
	var err error
	if fromKudos {
		edges, err = st.EquityEdgesFromKudos(ctx, org, viewer, ids, w.Since, w.Until)
	} else {
		edges, err = st.EquityEdges(ctx, org, viewer, ids, w)
	}
	if err != nil {
		return kudos.Equity{}, err
	}
	eq := kudos.Compute(members, edges, from, to, now)
	for i := range eq.People {
		if t := eq.People[i].LastReceived; !t.IsZero() {
			y, m, d := t.UTC().Date()
			eq.People[i].LastReceived = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	}
	return eq, nil
}

// TestKudoTalliesKeptOnWriteEqualRebuildAndEquityFromKudos makes random
// writes to kudos (posted alone and in bulk, edited, re-dated across day
// boundaries, made team-only, recipients-only or public, deleted, with
// their team; recipients and tags changed) and to people (teams joined and
// left, managers changed), and checks every 40 steps that the kept tallies
// equal a rebuild and that the equity figures of several viewers (an
// employee, a manager, a leader, an admin) read from them equal those read
// from the kudos alone.
func TestKudoTalliesKeptOnWriteEqualRebuildAndEquityFromKudos(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := postgres.NewKudosStore(pool, nil)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Kudos tallies")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin}).ID
	leader := f.Person(t, org, testfx.PersonOpts{Name: "Lee Leader", Role: core.RoleLeader}).ID
	var managers, people []int64
	for i := range 3 {
		managers = append(managers, f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Manager %d", i), Role: core.RoleManager, ManagerID: leader}).ID)
	}
	for i := range 10 {
		people = append(people, f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Person %d", i), ManagerID: managers[i%3]}).ID)
	}
	everyone := append(append([]int64{admin, leader}, managers...), people...)
	teams := []int64{
		f.Team(t, org, "Atlas", managers[0], people[0], people[3], people[6]),
		f.Team(t, org, "Borealis", managers[1], people[1], people[4], people[7], people[0]),
		f.Team(t, org, "Cirrus", managers[2], people[2], people[5]),
	}
	// Another organisation's kudos must not count anywhere.
	other := f.Org(t, "Elsewhere")
	o1 := f.Person(t, other, testfx.PersonOpts{Name: "Oz"}).ID
	o2 := f.Person(t, other, testfx.PersonOpts{Name: "Pia"}).ID
	f.Kudo(t, other, o1, []int64{o2}, "org", nil)
	comps := []int64{f.Competency(t, "partnerships"), f.Competency(t, "trust")}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 34))
	base := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	// Times around midnight UTC, and around midnight in other zones, are
	// likelier than others.
	at := func() time.Time {
		d := base.AddDate(0, 0, -rnd.IntN(120))
		switch rnd.IntN(4) {
		case 0:
			return d.Add(time.Duration(rnd.IntN(5)-2) * time.Second)
		case 1:
			return d.Add(time.Duration([]int{-8, -5, 1, 2, 9, 14}[rnd.IntN(6)])*time.Hour + time.Duration(rnd.IntN(3)-1)*time.Second)
		}
		return d.Add(time.Duration(rnd.IntN(24*60)) * time.Minute)
	}
	pick := func(xs []int64) int64 { return xs[rnd.IntN(len(xs))] }
	visibility := func() (string, any) {
		switch rnd.IntN(4) {
		case 0:
			return "team", pick(teams)
		case 1:
			return "recipients", nil
		}
		return "org", nil
	}
	try := func(sql string, args ...any) int64 {
		tag, err := pool.Exec(ctx, sql, args...)
		if err != nil {
			return 0
		}
		return tag.RowsAffected()
	}
	key := 0
	post := func() int64 {
		key++
		vis, team := visibility()
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO kudos (org_id, author_id, did, impact, visibility, team_id, idem_key, created_at)
			VALUES ($1, $2, 'Did', 'Impact', $3, $4, $5, $6) RETURNING id`, org, pick(everyone), vis, team, fmt.Sprint("k", key), at()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		// One to three recipients, sometimes the author too.
		n := 1 + rnd.IntN(3)
		try(`INSERT INTO kudo_recipients (org_id, kudo_id, user_id)
			SELECT DISTINCT $1::bigint, $2::bigint, u FROM unnest($3::bigint[]) u`, org, id, []int64{pick(everyone), pick(everyone), pick(everyone)}[:n])
		return id
	}
	randomKudo := `(SELECT id FROM kudos WHERE org_id = $1 ORDER BY random() LIMIT 1)`
	viewers := map[string]int64{"employee": people[0], "manager": managers[1], "leader": leader, "admin": admin}
	check := func(step int, what string) {
		t.Helper()
		if d, err := kudoTallyDiff(ctx, pool); err != nil || d != "" {
			t.Fatalf("seed %d, after step %d (%s): %s %v", seed, step, what, d, err)
		}
		members, err := st.EquityMembers(ctx, org, nil)
		if err != nil {
			t.Fatal(err)
		}
		under, err := st.EquityMembers(ctx, org, &managers[1])
		if err != nil {
			t.Fatal(err)
		}
		// "Now" on a day boundary, near one, or anywhere in a day.
		now := base.AddDate(0, 0, -rnd.IntN(30)).Add([]time.Duration{0, time.Second, -time.Second, 13 * time.Hour}[rnd.IntN(4)])
		for name, v := range viewers {
			ms := members
			if name == "manager" {
				ms = under
			}
			for _, days := range []int{30, 90} {
				want, err := equityOf(ctx, st, org, v, ms, days, now, true)
				if err != nil {
					t.Fatal(err)
				}
				got, err := equityOf(ctx, st, org, v, ms, days, now, false)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d, after step %d (%s), %s's equity over %d days at %s:\nfrom tallies %+v\nfrom kudos   %+v",
						seed, step, what, name, days, now, got, want)
				}
			}
		}
	}

	for range 40 {
		post()
	}
	done := map[string]int64{}
	const steps = 400
	for step := range steps {
		var what string
		switch k := rnd.IntN(16); k {
		case 0, 1, 2:
			what = "kudo posted"
			post()
			done[what]++
		case 3:
			what = "kudos posted in bulk"
			key++
			done[what] += try(`WITH k AS (
				INSERT INTO kudos (org_id, author_id, did, impact, idem_key, created_at)
				SELECT $1, $2, 'Did', 'Impact', $3 || g, $4::timestamptz + g * interval '7 hours' FROM generate_series(1, 6) g
				RETURNING id)
				INSERT INTO kudo_recipients (org_id, kudo_id, user_id) SELECT $1, k.id, u FROM k, unnest($5::bigint[]) u`,
				org, pick(everyone), fmt.Sprint("bulk", key), at(), []int64{pick(people), pick(managers)})
		case 4, 5:
			what = "visibility changed"
			vis, team := visibility()
			done[what] += try(`UPDATE kudos SET visibility = $2, team_id = $3, edited_at = now() WHERE id = `+randomKudo, org, vis, team)
		case 6:
			what = "text edited"
			done[what] += try(`UPDATE kudos SET did = 'Edited', edited_at = now() WHERE id = `+randomKudo, org)
		case 7:
			what = "kudo re-dated"
			done[what] += try(`UPDATE kudos SET created_at = created_at + $2 * interval '1 minute' WHERE id = `+randomKudo, org, rnd.IntN(3*24*60)-24*60)
		case 8:
			what = "kudo deleted"
			done[what] += try(`DELETE FROM kudos WHERE id = `+randomKudo, org)
		case 9, 10:
			what = "recipients replaced"
			id := int64(0)
			if pool.QueryRow(ctx, `SELECT id FROM kudos WHERE org_id = $1 ORDER BY random() LIMIT 1`, org).Scan(&id) == nil {
				tx, err := pool.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				tag, _ := tx.Exec(ctx, `DELETE FROM kudo_recipients WHERE kudo_id = $1`, id)
				tag2, _ := tx.Exec(ctx, `INSERT INTO kudo_recipients (org_id, kudo_id, user_id)
					SELECT DISTINCT $1::bigint, $2::bigint, u FROM unnest($3::bigint[]) u`, org, id, []int64{pick(everyone), pick(everyone)})
				if err := tx.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				done[what] += tag.RowsAffected() + tag2.RowsAffected()
			}
		case 11:
			what = "one recipient removed or added"
			if rnd.IntN(2) == 0 {
				done[what] += try(`DELETE FROM kudo_recipients WHERE (kudo_id, user_id) =
					(SELECT kudo_id, user_id FROM kudo_recipients WHERE org_id = $1 ORDER BY random() LIMIT 1)`, org)
			} else {
				done[what] += try(`INSERT INTO kudo_recipients (org_id, kudo_id, user_id) SELECT $1, `+randomKudo+`, $2`, org, pick(everyone))
			}
		case 12:
			what = "competency tags changed"
			if rnd.IntN(2) == 0 {
				done[what] += try(`INSERT INTO kudo_competencies (kudo_id, competency_id) SELECT `+randomKudo+`, $2`, org, pick(comps))
			} else {
				done[what] += try(`DELETE FROM kudo_competencies WHERE kudo_id = (SELECT kudo_id FROM kudo_competencies ORDER BY random() LIMIT 1)`)
			}
		case 13:
			what = "person joined or left a team"
			if rnd.IntN(2) == 0 {
				done[what] += try(`INSERT INTO team_members (org_id, team_id, user_id) VALUES ($1, $2, $3)`, org, pick(teams), pick(everyone))
			} else {
				done[what] += try(`DELETE FROM team_members WHERE (team_id, user_id) =
					(SELECT team_id, user_id FROM team_members WHERE org_id = $1 ORDER BY random() LIMIT 1)`, org)
			}
		case 14:
			what = "person moved to another manager"
			done[what] += try(`UPDATE users SET manager_id = $2 WHERE id = $1`, pick(people), pick(managers))
		case 15:
			what = "kudo author changed"
			done[what] += try(`UPDATE kudos SET author_id = $2 WHERE id = `+randomKudo, org, pick(everyone))
		}
		if step%40 == 39 || step == steps-1 {
			check(step, what)
		}
	}
	for what, n := range done {
		t.Logf("%s: %d rows", what, n)
	}
	if len(done) < 12 {
		t.Fatalf("only %d kinds of write changed anything: %v", len(done), done)
	}
	var rows, sum int
	if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(kudos), 0) FROM kudo_tallies WHERE org_id = $1`, org).Scan(&rows, &sum); err != nil || rows == 0 || sum <= rows {
		t.Fatalf("tallies hold %d rows for %d recognitions (%v); want some rows counting more than one", rows, sum, err)
	}
	missing, stale, err := st.RebuildKudoTallies(ctx)
	if err != nil || missing != 0 || stale != 0 {
		t.Fatalf("rebuild after churn: %d missing, %d stale, %v; want 0, 0", missing, stale, err)
	}
}

// The comparison catches tallies that miss a write (here: a recipient added
// while the trigger is off), the equity figures from them differ from the
// kudos', and the rebuild repairs them.
func TestKudoTalliesCheckCatchesAMissedWriteAndRebuildRepairs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := postgres.NewKudosStore(pool, nil)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Tallies")
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Mo", Role: core.RoleManager}).ID
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana", ManagerID: mgr}).ID
	sam := f.Person(t, org, testfx.PersonOpts{Name: "Sam", ManagerID: mgr}).ID
	k := f.Kudo(t, org, ana, []int64{sam}, "org", nil)
	f.TagKudo(t, k, "2026-02-03T10:00:00Z")
	if d, err := kudoTallyDiff(ctx, pool); err != nil || d != "" {
		t.Fatalf("before: %s %v", d, err)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE kudo_recipients DISABLE TRIGGER kudo_recipients_tallies_insert`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO kudo_recipients (org_id, kudo_id, user_id) VALUES ($1, $2, $3)`, org, k, mgr); err != nil {
		t.Fatal(err)
	}
	if d, err := kudoTallyDiff(ctx, pool); err != nil || d == "" {
		t.Fatalf("a missed recipient went unnoticed (%v)", err)
	}
	members, err := st.EquityMembers(ctx, org, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC)
	got, err1 := equityOf(ctx, st, org, mgr, members, 30, now, false)
	want, err2 := equityOf(ctx, st, org, mgr, members, 30, now, true)
	if err1 != nil || err2 != nil || want.Total != 2 || got.Total != 1 {
		t.Fatalf("totals from stale tallies %d, from kudos %d (%v, %v); want 1 and 2", got.Total, want.Total, err1, err2)
	}
	missing, stale, err := st.RebuildKudoTallies(ctx)
	if err != nil || missing != 1 || stale != 0 {
		t.Fatalf("rebuild: %d missing, %d stale, %v; want 1, 0", missing, stale, err)
	}
	if d, err := kudoTallyDiff(ctx, pool); err != nil || d != "" {
		t.Fatalf("after rebuild: %s %v", d, err)
	}
	if got, err := equityOf(ctx, st, org, mgr, members, 30, now, false); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after rebuild: %+v, want %+v (%v)", got, want, err)
	}
}

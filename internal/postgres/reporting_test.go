package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// treeDiff compares the kept reporting tree with a rebuild from users
// (EXCEPT both ways) and, when withOld, reports_under() with the recursive
// walk every query used before (the leader's reports, then theirs, and so
// on, active or not). It returns the differences found.
func treeDiff(ctx context.Context, pool *pgxpool.Pool, withOld bool) ([]string, error) {
	var diffs []string
	var missing, stale int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT * FROM reporting_lines_from_users() EXCEPT SELECT * FROM reporting_lines) x),
		(SELECT count(*) FROM (SELECT * FROM reporting_lines EXCEPT SELECT * FROM reporting_lines_from_users()) x)`).
		Scan(&missing, &stale); err != nil {
		return nil, err
	}
	if missing+stale > 0 {
		diffs = append(diffs, fmt.Sprintf("kept tree vs rebuild: %d rows missing, %d stale", missing, stale))
	}
	if !withOld {
		return diffs, nil
	}
	const old = `SELECT l.org_id, l.id, t.id FROM users l CROSS JOIN LATERAL (
		WITH RECURSIVE tree AS (
		    SELECT u.id FROM users u WHERE u.org_id = l.org_id AND u.manager_id = l.id
		  UNION ALL
		    SELECT u.id FROM users u JOIN tree t ON u.manager_id = t.id WHERE u.org_id = l.org_id
		) SELECT id FROM tree) t`
	const kept = `SELECT l.org_id, l.id, r.id FROM users l CROSS JOIN LATERAL reports_under(l.org_id, l.id) r`
	var onlyOld, onlyKept int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (`+old+` EXCEPT `+kept+`) x),
		(SELECT count(*) FROM (`+kept+` EXCEPT `+old+`) x)`).Scan(&onlyOld, &onlyKept); err != nil {
		return nil, err
	}
	if onlyOld+onlyKept > 0 {
		diffs = append(diffs, fmt.Sprintf("reports_under vs recursive walk: %d pairs only in the walk, %d only in reports_under", onlyOld, onlyKept))
	}
	return diffs, nil
}

type treeEnv struct {
	pool   *pgxpool.Pool
	st     *postgres.PeopleStore
	orgs   [2]int64
	admins [2]int64
}

func newTreeEnv(t *testing.T) treeEnv {
	t.Helper()
	pool, err := postgres.Open(context.Background(), testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := treeEnv{pool: pool, st: postgres.NewPeopleStore(pool, nil)}
	f := testfx.Factory{Pool: pool}
	for i := range e.orgs {
		e.orgs[i] = f.Org(t, fmt.Sprintf("Tree %d", i))
		e.admins[i] = f.Person(t, e.orgs[i], testfx.PersonOpts{Role: core.RoleAdmin}).ID
	}
	return e
}

type treePerson struct {
	id, manager int64
	active      bool
	reports     int
}

// people lists an organisation's people, with their direct report counts.
func (e treeEnv) people(ctx context.Context, org int64) ([]treePerson, error) {
	rows, err := e.pool.Query(ctx, `SELECT u.id, coalesce(u.manager_id, 0), u.active,
		(SELECT count(*) FROM users r WHERE r.manager_id = u.id)::int
		FROM users u WHERE u.org_id = $1 ORDER BY u.id`, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []treePerson
	for rows.Next() {
		var p treePerson
		if err := rows.Scan(&p.id, &p.manager, &p.active, &p.reports); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// under reports whether person reports to leader, by the recursive walk.
func (e treeEnv) under(ctx context.Context, org, leader, person int64) (bool, error) {
	var ok bool
	err := e.pool.QueryRow(ctx, `WITH RECURSIVE tree AS (
		    SELECT u.id FROM users u WHERE u.org_id = $1 AND u.manager_id = $2
		  UNION ALL
		    SELECT u.id FROM users u JOIN tree t ON u.manager_id = t.id WHERE u.org_id = $1
		) SELECT EXISTS (SELECT 1 FROM tree WHERE id = $3)`, org, leader, person).Scan(&ok)
	return ok, err
}

// churn makes steps random writes across both organisations through the
// people store (hires, manager changes — mostly of people with reports —,
// deactivations, which move reports up, and reactivations) and through
// plain SQL (a manager and two reports inserted in one statement, reports
// first; deletions of a person with their reports). After every step it
// compares the tree; it stops at the first difference and returns it.
func (e treeEnv) churn(ctx context.Context, rng *rand.Rand, steps int) ([]string, error) {
	n := 0
	hire := func(org, actor int64, manager *int64) error {
		n++
		_, _, err := e.st.CreatePerson(ctx, org, actor, people.PersonInput{
			Name: fmt.Sprintf("Hire %d", n), Email: fmt.Sprintf("hire%d.%d@example.com", n, org),
			Role: core.RoleEmployee, ManagerID: manager, TimeZone: "UTC",
		})
		return err
	}
	for i := range e.orgs { // a starting tree of about 30 people each
		for range 30 {
			ps, err := e.people(ctx, e.orgs[i])
			if err != nil {
				return nil, err
			}
			m := ps[rng.IntN(len(ps))].id
			if err := hire(e.orgs[i], e.admins[i], &m); err != nil {
				return nil, err
			}
		}
	}
	moves, refused, upMoves, bulk, deleted := 0, 0, 0, 0, 0
	for step := range steps {
		k := rng.IntN(2)
		org, admin := e.orgs[k], e.admins[k]
		ps, err := e.people(ctx, org)
		if err != nil {
			return nil, err
		}
		var active, managers []treePerson
		for _, p := range ps {
			if p.active {
				active = append(active, p)
			}
			if p.reports > 0 {
				managers = append(managers, p)
			}
		}
		pick := func(from []treePerson) treePerson { return from[rng.IntN(len(from))] }
		var what string
		switch r := rng.IntN(100); {
		case r < 25:
			what = "hire"
			var m *int64
			if rng.IntN(10) > 0 {
				id := pick(active).id
				m = &id
			}
			err = hire(org, admin, m)
		case r < 65:
			x := pick(ps)
			if len(managers) > 0 && rng.IntN(4) > 0 {
				x = pick(managers)
			}
			m := pick(active)
			if m.id == x.id || m.id == x.manager {
				continue
			}
			cycle, err := e.under(ctx, org, x.id, m.id)
			if err != nil {
				return nil, err
			}
			what = fmt.Sprintf("move %d (%d reports) under %d", x.id, x.reports, m.id)
			p, err := e.st.FindPerson(ctx, org, x.id)
			if err != nil {
				return nil, err
			}
			_, err = e.st.UpdatePerson(ctx, org, admin, x.id, people.PersonInput{
				Name: p.Name, Email: p.Email, Title: p.Title, Role: p.Role, ManagerID: &m.id, TimeZone: p.TimeZone,
			})
			var ce *core.Error
			switch {
			case cycle && errors.As(err, &ce) && ce.Fields["manager_id"] != "":
				refused++
			case cycle:
				return []string{fmt.Sprintf("step %d: %s: a loop was not refused (%v)", step, what, err)}, nil
			case err != nil:
				return nil, fmt.Errorf("step %d: %s: %w", step, what, err)
			default:
				moves++
			}
		case r < 85:
			x := pick(ps)
			if x.id == admin {
				continue
			}
			what = fmt.Sprintf("set %d (%d reports) active=%v", x.id, x.reports, !x.active)
			_, err = e.st.SetPersonActive(ctx, org, admin, x.id, !x.active, "")
			if x.active && x.reports > 0 {
				upMoves++
			}
		case r < 93:
			what = "insert a manager and two reports in one statement"
			_, err = e.pool.Exec(ctx, `WITH ids AS (SELECT nextval(pg_get_serial_sequence('users', 'id')) AS id FROM generate_series(1, 3))
				INSERT INTO users (id, org_id, email, name, manager_id) OVERRIDING SYSTEM VALUE
				SELECT v.id, $1, 'bulk' || v.id || '@example.com', 'Bulk ' || v.id, v.manager
				FROM (SELECT array_agg(id ORDER BY id) AS a FROM ids) i,
				LATERAL (VALUES (i.a[3], i.a[1]), (i.a[2], i.a[1]), (i.a[1], $2::bigint)) v (id, manager)`,
				org, pick(active).id)
			bulk++
		default:
			x := pick(ps)
			if x.id == admin {
				continue
			}
			what = fmt.Sprintf("delete %d with its %d reports", x.id, x.reports)
			tag, derr := e.pool.Exec(ctx, `DELETE FROM users u WHERE (u.id = $1 OR u.manager_id = $1)
				AND NOT EXISTS (SELECT 1 FROM users g JOIN users r ON r.id = g.manager_id WHERE r.manager_id = $1)`, x.id)
			deleted += int(tag.RowsAffected())
			err = derr
		}
		if err != nil {
			return nil, fmt.Errorf("step %d: %s: %w", step, what, err)
		}
		diffs, err := treeDiff(ctx, e.pool, step%10 == 9)
		if err != nil {
			return nil, err
		}
		if len(diffs) > 0 {
			return append(diffs, fmt.Sprintf("first seen after step %d: %s", step, what)), nil
		}
	}
	if moves < 20 || refused == 0 || upMoves == 0 || bulk == 0 || deleted == 0 {
		return nil, fmt.Errorf("churn made %d moves, %d refused loops, %d deactivations of managers, %d bulk inserts and %d deletions; want at least 20 and 1 of each other",
			moves, refused, upMoves, bulk, deleted)
	}
	return treeDiff(ctx, e.pool, true)
}

func TestReportingTreeKeptOnWriteEqualsRebuildAndRecursiveWalk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTreeEnv(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	diffs, err := e.churn(ctx, rand.New(rand.NewPCG(seed, 22)), 300)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("seed %d: %v", seed, diffs)
	}
	missing, stale, err := e.st.RebuildReportingLines(ctx)
	if err != nil || missing != 0 || stale != 0 {
		t.Fatalf("rebuild after churn: %d missing, %d stale, %v; want 0, 0", missing, stale, err)
	}
}

// The comparison above catches a trigger that moves only the person and
// not the people under them; the rebuild then repairs the table.
func TestReportingTreeCheckCatchesAMoveThatIgnoresTheSubtree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTreeEnv(t)
	if _, err := e.pool.Exec(ctx, `CREATE OR REPLACE FUNCTION reporting_lines_on_move() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
	    DELETE FROM reporting_lines WHERE org_id = OLD.org_id AND descendant_id = NEW.id AND ancestor_id <> NEW.id;
	    INSERT INTO reporting_lines (org_id, ancestor_id, descendant_id, depth)
	    SELECT NEW.org_id, l.ancestor_id, NEW.id, l.depth + 1 FROM reporting_lines l
	    WHERE l.org_id = NEW.org_id AND l.descendant_id = NEW.manager_id;
	    RETURN NULL;
	END $$`); err != nil {
		t.Fatal(err)
	}
	diffs, err := e.churn(ctx, rand.New(rand.NewPCG(1, 22)), 300)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		t.Fatal("a trigger that ignores subtree moves went unnoticed")
	}
	t.Logf("caught: %v", diffs)
	missing, stale, err := e.st.RebuildReportingLines(ctx)
	if err != nil || missing+stale == 0 {
		t.Fatalf("rebuild: %d missing, %d stale, %v; want differences repaired", missing, stale, err)
	}
	if diffs, err := treeDiff(ctx, e.pool, true); err != nil || len(diffs) > 0 {
		t.Fatalf("after rebuild: %v %v", diffs, err)
	}
}

// A manager change that would make a loop is refused by the people store
// with its own message, and by the table's trigger for any other writer.
func TestReportingLoopIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTreeEnv(t)
	f := testfx.Factory{Pool: e.pool}
	org := e.orgs[0]
	boss := f.Person(t, org, testfx.PersonOpts{Name: "Boss"})
	mid := f.Person(t, org, testfx.PersonOpts{Name: "Mid", ManagerID: boss.ID})
	low := f.Person(t, org, testfx.PersonOpts{ManagerID: mid.ID})
	p, err := e.st.FindPerson(ctx, org, boss.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.st.UpdatePerson(ctx, org, e.admins[0], boss.ID, people.PersonInput{
		Name: p.Name, Email: p.Email, Role: p.Role, ManagerID: &low.ID, TimeZone: p.TimeZone,
	})
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.EINVALID || ce.Fields["manager_id"] == "" {
		t.Fatalf("store accepted a loop: %v", err)
	}
	_, err = e.pool.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, low.ID, boss.ID)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23514" {
		t.Fatalf("plain UPDATE making a loop: %v, want check_violation", err)
	}
	if diffs, err := treeDiff(ctx, e.pool, true); err != nil || len(diffs) > 0 {
		t.Fatalf("tree after refused loops: %v %v", diffs, err)
	}
}

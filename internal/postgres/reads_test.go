package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// batchLog records each round trip: the names of the statements it carried.
type batchLog struct {
	mu    sync.Mutex
	trips [][]string
	open  map[*pgx.Conn][]string
}

func queryName(sql string) string {
	if i := strings.Index(sql, "-- name: "); i >= 0 {
		return strings.Fields(sql[i+len("-- name: "):])[0]
	}
	return sql
}

func (l *batchLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trips = append(l.trips, []string{queryName(d.SQL)})
	return ctx
}
func (l *batchLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (l *batchLog) TraceBatchStart(ctx context.Context, c *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open[c] = []string{}
	return ctx
}
func (l *batchLog) TraceBatchQuery(_ context.Context, c *pgx.Conn, d pgx.TraceBatchQueryData) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open[c] = append(l.open[c], queryName(d.SQL))
}
func (l *batchLog) TraceBatchEnd(_ context.Context, c *pgx.Conn, _ pgx.TraceBatchEndData) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trips = append(l.trips, l.open[c])
	delete(l.open, c)
}

func (l *batchLog) take() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.trips
	l.trips = nil
	return t
}

// Reads run together send one batch per step they take at once, in the
// order they were given, nested ones included, and each gets the same
// result it gets on its own.
func TestReadsTogetherShareRoundTripsInTheOrderGiven(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := &batchLog{open: map[*pgx.Conn][]string{}}
	pool, err := postgres.OpenTraced(ctx, testdb.NewDatabase(t), 4, log)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewPeopleStore(pool, nil)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Together")
	boss := f.Person(t, org, testfx.PersonOpts{Name: "Boss"})
	rep := f.Person(t, org, testfx.PersonOpts{Name: "Report", ManagerID: boss.ID})
	f.Team(t, org, "Alpha", boss.ID, rep.ID)
	log.take()

	alone := func() (people.Person, []people.Team, []people.Person) {
		p, err := store.FindPerson(ctx, org, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		teams, err := store.TeamsFor(ctx, org, boss.ID)
		if err != nil {
			t.Fatal(err)
		}
		reports, err := store.DirectReports(ctx, org, boss.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p, teams, reports
	}
	wantP, wantTeams, wantReports := alone()
	if got := len(log.take()); got != 3 {
		t.Fatalf("on their own the three reads made %d round trips, want 3", got)
	}

	var (
		p       people.Person
		p2      people.Person
		teams   []people.Team
		reports []people.Person
	)
	reads := postgres.NewReads(pool)
	rctx := core.WithReads(ctx, reads)
	err = core.Together(rctx,
		func(ctx context.Context) (err error) {
			// Two steps in a row: the second goes in the next batch.
			if p, err = store.FindPerson(ctx, org, rep.ID); err != nil {
				return err
			}
			p2, err = store.FindPerson(ctx, org, p.ID)
			return err
		},
		func(ctx context.Context) error {
			// Reads run together inside a read join the same batches.
			return core.Together(ctx,
				func(ctx context.Context) (err error) { teams, err = store.TeamsFor(ctx, org, boss.ID); return err },
				func(ctx context.Context) (err error) {
					reports, err = store.DirectReports(ctx, org, boss.ID)
					return err
				})
		})
	if err != nil {
		t.Fatal(err)
	}
	trips := log.take()
	want := [][]string{{"UserGet", "TeamsForUser", "UserListDirectReports"}, {"UserGet"}}
	if len(trips) != len(want) || strings.Join(trips[0], " ") != strings.Join(want[0], " ") || strings.Join(trips[1], " ") != strings.Join(want[1], " ") {
		t.Errorf("round trips %v, want %v", trips, want)
	}
	if p.Name != wantP.Name || p2.ID != wantP.ID || len(teams) != len(wantTeams) || teams[0].Name != wantTeams[0].Name ||
		len(reports) != len(wantReports) || reports[0].ID != wantReports[0].ID {
		t.Errorf("together: %v %v %v %v, alone: %v %v %v", p, p2, teams, reports, wantP, wantTeams, wantReports)
	}

	// A read that fails gives its error, in the order the reads were given;
	// the others still run, in the same batch.
	var found people.Person
	err = core.Together(rctx,
		func(ctx context.Context) (err error) { found, err = store.FindPerson(ctx, org, rep.ID); return err },
		func(ctx context.Context) error { _, err := store.FindPerson(ctx, org, 1<<40); return err },
		func(ctx context.Context) error { _, err := store.FindPerson(ctx, org+1000000, rep.ID); return err })
	if core.ErrorCode(err) != core.ENOTFOUND || found.ID != rep.ID {
		t.Errorf("err %v (want not found), found %v", err, found)
	}
	if trips := log.take(); len(trips) != 1 || len(trips[0]) != 3 {
		t.Errorf("round trips %v, want one batch of 3", trips)
	}

	// A read that panics panics in the caller's goroutine, where the
	// server recovers from it, once the others are done.
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want the read's panic", v)
			}
		}()
		_ = core.Together(rctx,
			func(ctx context.Context) error { _, err := store.FindPerson(ctx, org, rep.ID); return err },
			func(ctx context.Context) error { panic("boom") })
	}()
	log.take()

	// Without Reads in the context the same reads run one after another.
	err = core.Together(ctx,
		func(ctx context.Context) (err error) { teams, err = store.TeamsFor(ctx, org, boss.ID); return err },
		func(ctx context.Context) (err error) {
			reports, err = store.DirectReports(ctx, org, boss.ID)
			return err
		})
	if err != nil || len(teams) != 1 || len(reports) != 1 {
		t.Fatalf("in turn: %v %v %v", err, teams, reports)
	}
	if trips := log.take(); len(trips) != 2 {
		t.Errorf("in turn: round trips %v, want 2 statements on their own", trips)
	}
}

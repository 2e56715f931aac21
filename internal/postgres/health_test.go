package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/health"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// Each answer rewrites its check's answers in a random order: the physical
// order of the rows (ctid) is a shuffle, not the order of answering, and
// the "has answered" set is rewritten with them. Eight checks of five
// answers: the chance that one physical order equals the order of answering
// is 1/120, so more than two such checks would mean no shuffle.
func TestHealthAnswersKeepNoOrderOfAnswering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := testfx.Factory{Pool: pool}
	store := postgres.NewHealthStore(pool)
	org := f.Org(t, "Shuffle Org")
	var people []int64
	for range 5 {
		people = append(people, f.Person(t, org, testfx.PersonOpts{}).ID)
	}
	team := f.Team(t, org, "Shufflers", people...)
	same := 0
	for c := range 8 {
		id := f.HealthCheck(t, org, team, testfx.HealthOpts{Title: fmt.Sprintf("Check %d", c)})
		chk, err := store.FindCheck(ctx, org, id)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range people {
			// Answer i rates every dimension i%5+1 and comments its number.
			r := health.Response{Comment: fmt.Sprint(i)}
			for range chk.Dimensions {
				r.Scores = append(r.Scores, i%5+1)
				r.Trends = append(r.Trends, health.Same)
			}
			if err := store.AnswerCheck(ctx, org, id, p, r, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		var order string
		pool.QueryRow(ctx, "SELECT string_agg(comment, '' ORDER BY ctid) FROM health_responses WHERE check_id = $1", id).Scan(&order)
		if len(order) != 5 {
			t.Fatalf("check %d holds answers %q", c, order)
		}
		if order == "01234" {
			same++
		}
		if n := f.Count(t, `SELECT count(DISTINCT xmin::text) FROM (SELECT xmin FROM health_responses WHERE check_id = $1
			UNION ALL SELECT xmin FROM health_responders WHERE check_id = $1) x`, id); n != 1 {
			t.Errorf("check %d: answers and responders carry %d transaction ids", c, n)
		}
	}
	if same > 2 {
		t.Errorf("%d of 8 checks keep their answers in the order of answering", same)
	}
	// A second answer by the same person is refused and stores nothing.
	id := f.HealthCheck(t, org, team, testfx.HealthOpts{})
	chk, _ := store.FindCheck(ctx, org, id)
	r := health.Response{}
	for range chk.Dimensions {
		r.Scores = append(r.Scores, 3)
		r.Trends = append(r.Trends, health.Same)
	}
	if err := store.AnswerCheck(ctx, org, id, people[0], r, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.AnswerCheck(ctx, org, id, people[0], r, time.Now()); err == nil {
		t.Error("a second answer was taken")
	}
	if n := f.Count(t, "SELECT count(*) FROM health_responses WHERE check_id = $1", id); n != 1 {
		t.Errorf("%d answers after a refused second one", n)
	}
}

// Answers arriving at once are written one after another (the check is
// locked): every answer is kept, and all rows still share one transaction.
func TestHealthAnswersAtOnceAreAllKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := testfx.Factory{Pool: pool}
	store := postgres.NewHealthStore(pool)
	org := f.Org(t, "Rush Org")
	var people []int64
	for range 6 {
		people = append(people, f.Person(t, org, testfx.PersonOpts{}).ID)
	}
	team := f.Team(t, org, "Rushers", people...)
	id := f.HealthCheck(t, org, team, testfx.HealthOpts{})
	chk, err := store.FindCheck(ctx, org, id)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, len(people)*2)
	for _, p := range people {
		for range 2 { // each person twice: one must be refused
			go func() {
				r := health.Response{}
				for range chk.Dimensions {
					r.Scores = append(r.Scores, 4)
					r.Trends = append(r.Trends, health.Better)
				}
				errs <- store.AnswerCheck(ctx, org, id, p, r, time.Now())
			}()
		}
	}
	refused := 0
	for range len(people) * 2 {
		if err := <-errs; err != nil {
			refused++
		}
	}
	if refused != len(people) {
		t.Errorf("%d of %d second answers refused", refused, len(people))
	}
	if n := f.Count(t, "SELECT count(*) FROM health_responses WHERE check_id = $1", id); n != len(people) {
		t.Errorf("%d answers kept, want %d", n, len(people))
	}
	if n := f.Count(t, `SELECT count(DISTINCT xmin::text) FROM (SELECT xmin FROM health_responses WHERE check_id = $1
		UNION ALL SELECT xmin FROM health_responders WHERE check_id = $1) x`, id); n != 1 {
		t.Errorf("answers and responders carry %d transaction ids", n)
	}
}

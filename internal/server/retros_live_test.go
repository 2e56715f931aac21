package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
	"rapport/internal/retro"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

const liveWait = 5 * time.Second

// liveRoom is one retro's team signed in on two app servers that share one
// database, as two replicas behind a load balancer: even-numbered people on
// A, odd-numbered on B.
type liveRoom struct {
	a, b    *testapp.TestApp
	org     int64
	team    int64
	retroID int64
	cols    []int64
	people  []testfx.Person
	clients []*testapp.Client
}

func newLiveRoom(t *testing.T, n int, cfg func(*server.Config)) *liveRoom {
	t.Helper()
	r := &liveRoom{
		a: testapp.Start(t, dsn, testapp.Options{Config: cfg}),
		b: testapp.Start(t, dsn, testapp.Options{Config: cfg}),
	}
	f := r.a.F
	r.org = f.Org(t, "Live Org")
	var ids []int64
	for i := range n {
		p := f.Person(t, r.org, testfx.PersonOpts{Name: fmt.Sprintf("Member %d", i+1), Role: core.RoleEmployee})
		r.people = append(r.people, p)
		ids = append(ids, p.ID)
	}
	r.team = f.Team(t, r.org, "Orbit", ids...)
	r.retroID, r.cols = f.Retro(t, r.org, r.team, testfx.RetroOpts{Title: "Sprint 20"})
	for i, p := range r.people {
		c := r.server(i).Client(t)
		c.SignIn(p.Email, testfx.Password)
		r.clients = append(r.clients, c)
	}
	return r
}

func (r *liveRoom) server(i int) *testapp.TestApp {
	if i%2 == 0 {
		return r.a
	}
	return r.b
}

func (r *liveRoom) path(suffix string) string { return fmt.Sprintf("/retros/%d%s", r.retroID, suffix) }

func (r *liveRoom) topic() string { return retro.Topic(r.retroID) }

// waitWatching waits until each server has the given number of streams on
// the retro, so that what happens next is theirs to receive.
func (r *liveRoom) waitWatching(t *testing.T, onA, onB int) {
	t.Helper()
	deadline := time.Now().Add(liveWait)
	for r.a.Live.Subscribers(r.topic()) != onA || r.b.Live.Subscribers(r.topic()) != onB {
		if time.Now().After(deadline) {
			t.Fatalf("streams on the retro: %d on A, %d on B; want %d and %d",
				r.a.Live.Subscribers(r.topic()), r.b.Live.Subscribers(r.topic()), onA, onB)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// postCard writes a card as person i through the room's form and returns the
// id of the live event it published.
func (r *liveRoom) postCard(t *testing.T, i int, body string) string {
	t.Helper()
	resp := r.clients[i].Post(r.path("/cards"), url.Values{"column_id": {strconv.FormatInt(r.cols[i%len(r.cols)], 10)}, "body": {body}})
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("card by person %d: status %d\n%s", i, resp.Status, resp.Body)
	}
	return r.lastEvent(t)
}

func (r *liveRoom) lastEvent(t *testing.T) string {
	t.Helper()
	var id int64
	if err := r.a.Pool.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM live_events WHERE topic = $1`, r.topic()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func TestRetroCardReachesEveryoneInTheRoomOnBothServers(t *testing.T) {
	r := newLiveRoom(t, 6, nil)
	var streams []*testapp.Stream
	for _, c := range r.clients {
		s := c.Stream(r.path("/events"), "")
		if s.Resp.Uncompressed || s.Resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("the event stream was compressed (%q): gzip would hold events back", s.Resp.Header.Get("Content-Encoding"))
		}
		streams = append(streams, s)
	}
	r.waitWatching(t, 3, 3)

	id := r.postCard(t, 0, "Pairing on reviews helped a lot")
	for i, s := range streams {
		ev, ok := s.Next(liveWait)
		if !ok {
			t.Fatalf("person %d (server %c) got no event after a card was posted on A", i, "AB"[i%2])
		}
		if ev.ID != id || ev.Event != "card" {
			t.Errorf("person %d got id %s kind %q, want id %s kind card", i, ev.ID, ev.Event, id)
		}
		// The event names the retro, never the card's text or its author.
		if strings.Contains(ev.Data, "Pairing") || strings.Contains(ev.Data, r.people[0].Name) ||
			strings.Contains(ev.Data, strconv.FormatInt(r.people[0].ID, 10)+",") {
			t.Errorf("event data %s carries the card or its author", ev.Data)
		}
	}
	// What live.js then fetches: the board, with the new count, on either server.
	for _, i := range []int{1, 2} {
		req, _ := http.NewRequest("GET", r.server(i).URL+r.path("/board"), nil)
		req.Header.Set("HX-Request", "true")
		board := r.clients[i].Do(req)
		if board.Status != http.StatusOK || !regexp.MustCompile(`\b1 cards? so far`).MatchString(board.Body) {
			t.Errorf("person %d's board after the card: status %d\n%s", i, board.Status, board.Body)
		}
		if strings.Contains(board.Body, "Pairing on reviews") {
			t.Errorf("person %d sees another person's card text during Reflect", i)
		}
	}
	// And from B to everyone, A included.
	id = r.postCard(t, 3, "Stand-ups run long")
	for i, s := range streams {
		if ev, ok := s.Next(liveWait); !ok || ev.ID != id {
			t.Errorf("person %d: got %+v (ok=%v) after a card on B, want event %s", i, ev, ok, id)
		}
	}
}

func TestRetroEventsAreOnlyForPeopleWhoMaySeeTheRetro(t *testing.T) {
	r := newLiveRoom(t, 2, nil)
	other := r.a.F.Org(t, "Other Org")
	stranger := r.a.F.Person(t, other, testfx.PersonOpts{Name: "Sam Stranger"})
	colleague := r.a.F.Person(t, r.org, testfx.PersonOpts{Name: "Cat Colleague"})
	for _, p := range []testfx.Person{stranger, colleague} {
		c := r.a.Client(t)
		c.SignIn(p.Email, testfx.Password)
		req, _ := http.NewRequest("GET", r.a.URL+r.path("/events"), nil)
		req.Header.Set("Accept", "text/event-stream")
		if resp := c.Do(req); resp.Status != http.StatusNotFound {
			t.Errorf("%s opened the retro's events: status %d", p.Name, resp.Status)
		}
	}
	anon := r.a.Client(t)
	req, _ := http.NewRequest("GET", r.a.URL+r.path("/events"), nil)
	req.Header.Set("Accept", "text/event-stream")
	if resp := anon.Do(req); resp.Status != http.StatusSeeOther {
		t.Errorf("signed out, the retro's events answered %d, want a redirect to sign in", resp.Status)
	}
	if n := r.a.Live.Subscribers(r.topic()); n != 0 {
		t.Errorf("%d streams open after refused requests", n)
	}
}

func TestRetroStreamReconnectingWithLastEventIDGetsExactlyTheMissedEvents(t *testing.T) {
	// A request timeout far below the test's length: streams are exempt.
	r := newLiveRoom(t, 4, func(c *server.Config) { c.RequestTimeout = 300 * time.Millisecond })
	s := r.clients[1].Stream(r.path("/events"), "")
	r.waitWatching(t, 0, 1)
	seen := r.postCard(t, 0, "Our demo went well")
	if ev, ok := s.Next(liveWait); !ok || ev.ID != seen {
		t.Fatalf("first event: %+v (ok=%v), want %s", ev, ok, seen)
	}
	// The person's connection drops (a train tunnel).
	s.Close()
	r.waitWatching(t, 0, 0)

	// Meanwhile: two cards on A and B, and one card edited.
	r.postCard(t, 2, "Too many meetings")
	r.postCard(t, 3, "More pairing")
	var cardID int64
	if err := r.a.Pool.QueryRow(context.Background(), `SELECT id FROM retro_cards WHERE retro_id = $1 AND author_id = $2`,
		r.retroID, r.people[2].ID).Scan(&cardID); err != nil {
		t.Fatal(err)
	}
	if resp := r.clients[2].Post(r.path(fmt.Sprintf("/cards/%d", cardID)), url.Values{"body": {"Far too many meetings"}}); resp.Status != http.StatusSeeOther {
		t.Fatalf("edit card: %d\n%s", resp.Status, resp.Body)
	}
	rows, err := r.a.Pool.Query(context.Background(), `SELECT id::text FROM live_events WHERE topic = $1 AND id > $2 ORDER BY id`, r.topic(), seen)
	if err != nil {
		t.Fatal(err)
	}
	missed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(missed) != 3 {
		t.Fatalf("events while away: %v %v, want 3", missed, err)
	}
	time.Sleep(400 * time.Millisecond) // past the request timeout

	// The browser reconnects, here to the other server, with Last-Event-ID.
	back := r.clients[1].Stream(r.path("/events"), seen)
	var got []string
	for range missed {
		ev, ok := back.Next(liveWait)
		if !ok {
			t.Fatalf("after reconnecting got %v, want %v", got, missed)
		}
		got = append(got, ev.ID)
	}
	if !slices.Equal(got, missed) {
		t.Errorf("after reconnecting got %v, want exactly the missed %v", got, missed)
	}
	// Then live again, with nothing repeated, past the request timeout.
	time.Sleep(400 * time.Millisecond)
	next := r.postCard(t, 0, "Celebrate the release")
	if ev, ok := back.Next(liveWait); !ok || ev.ID != next {
		t.Errorf("after the replay got %+v (ok=%v), want the new event %s only", ev, ok, next)
	}
	if ev, ok := back.Next(300 * time.Millisecond); ok {
		t.Errorf("stray or repeated event %+v", ev)
	}
}

func TestRetroPhaseChangeReachesTheRoom(t *testing.T) {
	r := newLiveRoom(t, 3, nil)
	r.postCard(t, 1, "Ship smaller")
	streams := []*testapp.Stream{r.clients[1].Stream(r.path("/events"), ""), r.clients[2].Stream(r.path("/events"), "")}
	r.waitWatching(t, 1, 1)
	// Person 0 facilitates: the team has no manager, so any member may.
	resp := r.clients[0].Post(r.path("/phase"), url.Values{"from": {"reflect"}, "to": {"group"}})
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("move to group: %d\n%s", resp.Status, resp.Body)
	}
	for i, s := range streams {
		if ev, ok := s.Next(liveWait); !ok || ev.Event != "phase" {
			t.Errorf("stream %d: got %+v (ok=%v), want a phase event", i, ev, ok)
		}
	}
	req, _ := http.NewRequest("GET", r.b.URL+r.path("/board"), nil)
	req.Header.Set("HX-Request", "true")
	if board := r.clients[2].Do(req); !strings.Contains(board.Body, "Ship smaller") {
		t.Errorf("after the reveal the board on B lacks the card:\n%s", board.Body)
	}
}

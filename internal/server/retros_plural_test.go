package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/testfx"
)

// TestRetroCountsOfOneReadInTheSingular: a retro with one vote each, one
// vote per topic, a one-minute time box and one card says "1 vote", "1 card"
// and "1 minute", in the room and in what it refuses.
func TestRetroCountsOfOneReadInTheSingular(t *testing.T) {
	w := newRetroWorld(t)
	f := w.app.F
	id, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{Title: "Tiny retro"})
	if _, err := w.app.Pool.Exec(t.Context(), `UPDATE retros SET votes_per_person = 1, max_votes_per_card = 1,
		timebox_minutes = 1, phase_started_at = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	first := f.RetroCard(t, w.org, id, cols[0], w.ana.ID, "Pair on releases")
	room := fmt.Sprintf("/retros/%d", id)
	body := w.anaC.Get(room).Body
	for _, want := range []string{"1 vote each.", "1 card so far", "Time box: 1 minute,"} {
		if !strings.Contains(body, want) {
			t.Errorf("the room lacks %q", want)
		}
	}
	f.RetroCard(t, w.org, id, cols[1], w.ben.ID, "Shorter stand-ups")
	if w.move(t, w.mgrC, id, "reflect", "group").Status != 303 || w.move(t, w.mgrC, id, "group", "vote").Status != 303 {
		t.Fatal("moving to Vote failed")
	}
	body = w.anaC.Get(room).Body
	if !strings.Contains(body, "1 of 1 vote left.") {
		t.Errorf("the vote count does not read \"1 of 1 vote left.\"")
	}
	vote := func(card int64) string {
		t.Helper()
		r := w.anaC.Post(room+"/votes", url.Values{"topic": {fmt.Sprintf("c%d", card)}, "key": {fmt.Sprint(testfx.Next())}})
		return r.Body
	}
	vote(first)
	if b := vote(first); !strings.Contains(b, "You have used your only vote.") {
		t.Errorf("a second vote is not refused with \"You have used your only vote.\"")
	}
	if _, err := w.app.Pool.Exec(t.Context(), `UPDATE retros SET votes_per_person = 3 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if b := vote(first); !strings.Contains(b, "At most 1 vote can go to one topic.") {
		t.Errorf("a second vote on one topic is not refused with \"At most 1 vote can go to one topic.\"")
	}
	for _, bad := range []string{"1 votes", "1 cards", "1 minutes", "all 1 of"} {
		if strings.Contains(w.anaC.Get(room).Body, bad) {
			t.Errorf("the room says %q", bad)
		}
	}
	if w.move(t, w.mgrC, id, "vote", "discuss").Status != 303 {
		t.Fatal("moving to Discuss failed")
	}
	if md := w.anaC.Get(room + "/export.md").Body; !strings.Contains(md, "Pair on releases — 1 vote\n") {
		t.Errorf("the Markdown export does not say \"— 1 vote\":\n%s", md)
	}
}

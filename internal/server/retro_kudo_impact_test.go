package server_test

import (
	"fmt"
	"strings"
	"testing"

	"rapport/internal/testfx"
)

// TestKudoFromARetroCardDoesNotInventWhatItChanged: a Kudos-column card
// becomes a kudo with the card's words and an empty "What it changed": the
// kudo shows a dash there and asks its author to say it, instead of text
// nobody wrote.
func TestKudoFromARetroCardDoesNotInventWhatItChanged(t *testing.T) {
	w := newRetroWorld(t)
	f := w.app.F
	id, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{Kudos: true, Phase: "actions"})
	handle := strings.Split(w.ben.Email, "@")[0]
	f.RetroCard(t, w.org, id, cols[3], w.ana.ID, "@"+handle+" untangled the release checklist for all of us")
	if r := w.move(t, w.mgrC, id, "actions", "done"); r.Status != 303 {
		t.Fatalf("close: %d", r.Status)
	}
	var kudo int64
	var impact string
	if err := w.app.Pool.QueryRow(t.Context(), `SELECT id, impact FROM kudos WHERE author_id = $1`, w.ana.ID).Scan(&kudo, &impact); err != nil {
		t.Fatalf("no kudo from the card: %v", err)
	}
	if impact != "" {
		t.Errorf("the kudo says it changed %q; nobody wrote that", impact)
	}
	page := fmt.Sprintf("/kudos/%d", kudo)
	body := w.anaC.Get(page).Body
	cardText := mustDoc(t, body).Find("article.kudo").Text()
	if !strings.Contains(cardText, "What it changed") || !strings.Contains(cardText, "—") {
		t.Errorf("the kudo does not show a dash for what it changed:\n%s", cardText)
	}
	if href, _ := mustDoc(t, body).Find(`a[href="` + page + `/edit"]`).Attr("href"); href == "" ||
		!strings.Contains(body, "Add what it changed") {
		t.Error("the author is not asked to add what it changed")
	}
	if b := w.benC.Get(page).Body; strings.Contains(b, "Add what it changed") || strings.Contains(b, "Shared in the team") {
		t.Error("the recipient is asked to add what it changed, or sees invented text")
	}
	if b := w.benC.Get("/kudos").Body; !strings.Contains(b, "untangled the release checklist") || strings.Contains(b, "Shared in the team") {
		t.Error("the feed lacks the kudo or shows invented text")
	}
}

package server_test

import (
	"fmt"
	"testing"
)

// TestEveryKudosPageHasOneHeading: each page of kudos and rituals has
// exactly one h1, so a screen reader's "next heading" lands on what the
// page is about.
func TestEveryKudosPageHasOneHeading(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	kudo := f.Kudo(t, w.orgA, w.report.ID, []int64{w.manager.ID}, "org", nil)
	ritual := f.Ritual(t, w.orgA, w.team, "Friday shout-outs")
	c := w.clients[employee]
	for _, path := range []string{
		"/kudos", "/kudos/new", fmt.Sprintf("/kudos/%d", kudo), fmt.Sprintf("/kudos/%d/edit", kudo),
		fmt.Sprintf("/people/%d/kudos", w.manager.ID), fmt.Sprintf("/teams/%d/rituals/new", w.team),
		fmt.Sprintf("/rituals/%d", ritual), fmt.Sprintf("/rituals/%d/present", ritual),
	} {
		r := c.Get(path)
		if r.Status != 200 {
			t.Errorf("%s: status %d", path, r.Status)
			continue
		}
		if n := mustDoc(t, r.Body).Find("h1").Length(); n != 1 {
			t.Errorf("%s has %d h1, want 1", path, n)
		}
	}
	if r := w.clients[managerOwn].Get("/recognition/equity"); mustDoc(t, r.Body).Find("h1").Length() != 1 {
		t.Errorf("/recognition/equity does not have one h1 (status %d)", r.Status)
	}
}

package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A point left unticked on two earlier 1:1s (raised again at the second)
// reaches the next agenda once, and stays one copy as it carries on again.
func TestCarriedOverPointKeepsOneCopyMeetingAfterMeeting(t *testing.T) {
	now := time.Now().UTC()
	p := dailyPairAt(t, now.Add(-time.Hour))
	const point = "Priorities for the next two weeks"
	first := now.Add(-49 * time.Hour).Truncate(time.Minute)
	second := now.Add(-25 * time.Hour).Truncate(time.Minute)
	a := p.ta.F.Meeting(t, p.org, p.series, first.Format(time.RFC3339), "held")
	b := p.ta.F.Meeting(t, p.org, p.series, second.Format(time.RFC3339), "held")
	p.ta.F.AgendaItem(t, p.org, a, p.rep.ID, point)
	p.ta.F.AgendaItem(t, p.org, b, p.rep.ID, point)

	next := fmt.Sprintf("/oneonones/%d/next", p.series)
	copies := func(meeting string) int {
		return p.ta.F.Count(t, "SELECT count(*) FROM agenda_items WHERE meeting_id = $1 AND body = $2",
			strings.TrimPrefix(meeting, "/meetings/"), point)
	}
	open := func() string {
		r := p.r.Post(next, nil)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/meetings/") {
			t.Fatalf("next: %d %q", r.Status, r.Location())
		}
		return r.Location()
	}
	m1 := open()
	if n := copies(m1); n != 1 {
		t.Fatalf("first carry-over: %d copies of the point on the next agenda, want 1", n)
	}
	page := p.r.Get(m1).Body
	if n := strings.Count(page, `dir="auto">`+point+"<"); n != 1 {
		t.Fatalf("the next 1:1 page lists the point %d times", n)
	}
	if from := "from " + first.Format("2 Jan"); !strings.Contains(page, from) {
		t.Errorf("the carried point does not say where it came from (%q)", from)
	}

	if r := p.m.Post(m1+"/status", url.Values{"status": {"held"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("held: %d", r.Status)
	}
	m2 := open()
	if m2 == m1 {
		t.Fatal("next is still the meeting just held")
	}
	if n := copies(m2); n != 1 {
		t.Fatalf("second carry-over: %d copies of the point, want 1", n)
	}
	if n := p.ta.F.Count(t, `SELECT count(*) FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
		WHERE m.series_id = $1 AND a.body = $2 AND NOT a.done AND a.carried_to IS NULL AND a.dropped_at IS NULL`, p.series, point); n != 1 {
		t.Fatalf("%d open copies of the point would carry on, want 1", n)
	}
	// Held meetings keep their points as they were: the record of what was
	// on the agenda does not change when the next 1:1 is prepared.
	for _, held := range []string{fmt.Sprint(a), fmt.Sprint(b), strings.TrimPrefix(m1, "/meetings/")} {
		if n := copies(held); n != 1 {
			t.Errorf("held meeting %s has %d copies of the point, want its own 1", held, n)
		}
	}
}

// A 1:1 held before its slot (allowed on its day) is not the series page's
// next one: the page links the meeting after it.
func TestSeriesPageNextOneOnOneIsNotTheMeetingHeldEarly(t *testing.T) {
	p := dailyPairAt(t, time.Now().Add(2*time.Hour))
	series := fmt.Sprintf("/oneonones/%d", p.series)
	held := p.m.Post(series+"/next", nil).Location()
	if !strings.HasPrefix(held, "/meetings/") {
		t.Fatalf("next: %q", held)
	}
	if r := p.m.Post(held+"/status", url.Values{"status": {"held"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("held: %d", r.Status)
	}
	var heldAt time.Time
	p.ta.Pool.QueryRow(t.Context(), "SELECT scheduled_at FROM meetings WHERE id = $1", strings.TrimPrefix(held, "/meetings/")).Scan(&heldAt)
	page := p.m.Get(series).Body
	if strings.Contains(page, heldAt.Format("Mon 2 Jan 15:04")) {
		t.Fatalf("the series page still gives the held meeting's slot %s as next", heldAt.Format("Mon 2 Jan 15:04"))
	}
	want := p.m.Post(series+"/next", nil).Location()
	if want == held || !strings.Contains(page, `href="`+want+`"`) {
		t.Fatalf("the series page does not link the next 1:1 %q (held: %q)", want, held)
	}
}

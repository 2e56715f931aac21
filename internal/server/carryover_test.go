package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// nextMeeting opens the series' next 1:1 and returns its path.
func (p *pair) nextMeeting(t *testing.T) string {
	t.Helper()
	r := p.m.Post(fmt.Sprintf("/oneonones/%d/next", p.series), nil)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/meetings/") {
		t.Fatalf("next 1:1: %d %q", r.Status, r.Location())
	}
	return r.Location()
}

func (p *pair) openPoints(t *testing.T, meetingPath, body string) int {
	t.Helper()
	return p.ta.F.Count(t, `SELECT count(*) FROM agenda_items WHERE meeting_id = $1 AND lower(body) = lower($2) AND NOT done`,
		strings.TrimPrefix(meetingPath, "/meetings/"), body)
}

func TestMarkHeldReadiesTheNextMeetingWithItsCarriedPoints(t *testing.T) {
	slot := time.Now().Add(-time.Hour).Truncate(time.Minute)
	p := dailyPairAt(t, slot)
	first := p.nextMeeting(t)
	point := fmt.Sprintf("Conference budget %d", time.Now().UnixNano())
	p.r.Post(first+"/agenda", url.Values{"body": {point}})
	if r := p.m.Post(first+"/status", url.Values{"status": {"held"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("held: %d", r.Status)
	}
	// Ready at once: nobody has to open it for the report to prepare it.
	var id int64
	var at time.Time
	if err := p.ta.Pool.QueryRow(t.Context(), `SELECT id, scheduled_at FROM meetings
		WHERE series_id = $1 AND status = 'scheduled' AND scheduled_at > now()`, p.series).Scan(&id, &at); err != nil {
		t.Fatalf("no next meeting after mark held: %v", err)
	}
	next := fmt.Sprintf("/meetings/%d", id)
	if got := p.nextMeeting(t); got != next {
		t.Fatalf("Next 1:1 opens %q, want the meeting readied on mark held %q", got, next)
	}
	if n := p.openPoints(t, next, point); n != 1 {
		t.Fatalf("the unticked point is on the next 1:1 %d times, want once", n)
	}
	page := p.r.Get(next).Body
	if want := "carried over from " + slot.Format("2 Jan"); !strings.Contains(page, want) {
		t.Errorf("the carried point has no %q label", want)
	}
	if home := p.r.Get("/").Body; !strings.Contains(home, at.Format("Mon 2 Jan")) {
		t.Errorf("home's Next 1:1 does not show %s", at.Format("Mon 2 Jan"))
	}
}

func TestAPointCarriesOverOnce(t *testing.T) {
	slot := time.Now().Add(-time.Hour).Truncate(time.Minute)
	p := dailyPairAt(t, slot)
	// Three earlier meetings each left the same point unticked (as copies),
	// and someone already typed it on the next agenda in another case.
	body := "Priorities for the next two weeks"
	var oldest time.Time
	for i := 3; i >= 1; i-- {
		at := slot.AddDate(0, 0, -i)
		if oldest.IsZero() {
			oldest = at
		}
		m := p.ta.F.Meeting(t, p.org, p.series, at.Format(time.RFC3339), "held")
		p.ta.F.AgendaItem(t, p.org, m, p.rep.ID, body)
	}
	first := p.nextMeeting(t)
	if n := p.openPoints(t, first, body); n != 1 {
		t.Fatalf("after one carry-over the point is there %d times, want once", n)
	}
	if page := p.r.Get(first).Body; !strings.Contains(page, "carried over from "+oldest.Format("2 Jan")) {
		t.Errorf("the label does not give the day the point was first raised (%s)", oldest.Format("2 Jan"))
	}
	// Carried again, unticked: still one copy, in one place.
	p.m.Post(first+"/status", url.Values{"status": {"held"}})
	second := p.nextMeeting(t)
	if n := p.openPoints(t, second, body); n != 1 {
		t.Fatalf("after a second carry-over the point is there %d times, want once", n)
	}
	if n := p.ta.F.Count(t, `SELECT count(*) FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
		WHERE m.series_id = $1 AND lower(a.body) = lower($2) AND NOT a.done AND a.carried_to IS NULL`, p.series, body); n != 1 {
		t.Errorf("the series holds %d open copies of the point that would carry on, want 1", n)
	}

	// A point already typed on the next agenda is not added again.
	typed := "Hiring plan"
	p.ta.F.AgendaItem(t, p.org, p.ta.F.Meeting(t, p.org, p.series, slot.AddDate(0, 0, -5).Format(time.RFC3339), "held"), p.mgr.ID, typed)
	p.m.Post(second+"/agenda", url.Values{"body": {"hiring plan"}})
	p.m.Post(second+"/status", url.Values{"status": {"held"}})
	third := p.nextMeeting(t)
	if n := p.openPoints(t, third, typed); n != 1 {
		t.Errorf("a point both typed and carried is there %d times, want once", n)
	}
}

func TestADroppedPointDoesNotCarryOver(t *testing.T) {
	p := dailyPairAt(t, time.Now().Add(-time.Hour).Truncate(time.Minute))
	first := p.nextMeeting(t)
	p.r.Post(first+"/agenda", url.Values{"body": {"Desk move"}})
	p.r.Post(first+"/agenda", url.Values{"body": {"Team offsite"}})
	var item int64
	p.ta.Pool.QueryRow(t.Context(), `SELECT id FROM agenda_items WHERE meeting_id = $1 AND body = 'Desk move'`,
		strings.TrimPrefix(first, "/meetings/")).Scan(&item)
	if r := p.m.Post(fmt.Sprintf("%s/agenda/%d/drop", first, item), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("drop: %d", r.Status)
	}
	if page := p.m.Get(first).Body; !strings.Contains(page, "won't carry over") {
		t.Error("the dropped point is not shown as dropped")
	}
	p.m.Post(first+"/status", url.Values{"status": {"held"}})
	next := p.nextMeeting(t)
	if n := p.openPoints(t, next, "Desk move"); n != 0 {
		t.Errorf("the dropped point carried over")
	}
	if n := p.openPoints(t, next, "Team offsite"); n != 1 {
		t.Errorf("the kept point carried over %d times, want once", n)
	}
	if n := p.openPoints(t, first, "Desk move"); n != 1 {
		t.Errorf("the dropped point left its meeting")
	}
}

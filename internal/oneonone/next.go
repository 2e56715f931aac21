package oneonone

import "time"

// NextMeeting says when the series' next 1:1 is: the earliest meeting still
// scheduled that has not ended more than Grace ago (its id is returned too),
// else the first slot from now on whose meeting was not already held,
// cancelled or moved (id 0). history is the series' meetings, in any order.
func NextMeeting(sr Series, history []MeetingSummary, now time.Time) (time.Time, int64) {
	dur := time.Duration(sr.DurationMinutes) * time.Minute
	cutoff := now.Add(-Grace)
	var at time.Time
	var id int64
	closed := map[int64]bool{}
	for _, m := range history {
		if m.Status != Scheduled {
			closed[m.ScheduledAt.Unix()] = true
			continue
		}
		if m.ScheduledAt.Add(dur).After(cutoff) && (id == 0 || m.ScheduledAt.Before(at)) {
			at, id = m.ScheduledAt, m.ID
		}
	}
	if id != 0 {
		return at, id
	}
	rule := sr.Rule()
	from := now
	for range 64 {
		at = rule.Next(from)
		if at.IsZero() || !closed[at.Unix()] {
			return at, 0
		}
		from = at.Add(time.Minute)
	}
	return time.Time{}, 0
}

package oneonone

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file writes a person's private calendar feed of upcoming 1:1s as an
// RFC 5545 iCalendar document that calendar apps subscribe to.

// FeedEvent is one 1:1 in the feed.
type FeedEvent struct {
	UID          string // stable across edits, e.g. FeedUID(seriesID, slot, host)
	Start        time.Time
	Duration     time.Duration
	Summary      string // e.g. "1:1 with Marco Bianchi"
	Description  string // optional; any text, escaped on output
	URL          string // link to the meeting page; must be a URI (no spaces or control characters)
	Cancelled    bool   // STATUS:CANCELLED instead of STATUS:CONFIRMED
	Sequence     int    // bumped when the time or the status changes
	LastModified time.Time
}

// Feed settings.
const (
	feedProdID = "-//Rapport//1:1 calendar feed//EN"
	// feedRefresh is how often subscribers should poll, as an RFC 5545
	// duration. Clients treat it as a hint (Google polls on its own schedule).
	feedRefresh = "PT1H"
	// feedLineOctets is the longest content line RFC 5545 allows, not
	// counting the CRLF.
	feedLineOctets = 75
	// feedDefaultDuration is used when neither the meeting nor the series
	// knows its length.
	feedDefaultDuration = 30 * time.Minute
	// utcStamp is the UTC DATE-TIME form, e.g. 20260319T090000Z.
	utcStamp = "20060102T150405Z"
)

// FeedUID builds an event UID from the series and the calendar date of the
// ORIGINAL slot, read in slot's own location: pass the slot in the series'
// time zone. Editing notes, changing the status or moving the meeting within
// its day keeps the UID, so calendars update the event in place; a slot on
// another day is another event.
func FeedUID(seriesID int64, slot time.Time, host string) string {
	y, m, d := slot.Date()
	if host == "" {
		host = "rapport"
	}
	return fmt.Sprintf("oneonone-%d-%04d%02d%02d@%s", seriesID, y, int(m), d, host)
}

// WriteFeed writes a VCALENDAR with the events, sorted by start, to w.
// Nothing is written when an event is invalid.
//
// Times are written in UTC ("Z" form) rather than with TZID parameters and
// VTIMEZONE components: a UTC DATE-TIME is always valid and unambiguous, every
// client shows it in the viewer's local time, and it cannot go wrong the way
// a hand-written VTIMEZONE can (stale or missing DST rules, or a TZID the
// client does not know). The series' rule already computed the right instant
// for each occurrence, DST included, and the feed lists occurrences one by one
// (no RRULE), so nothing needs the original zone's rules.
func WriteFeed(w io.Writer, calendarName string, now time.Time, events []FeedEvent) error {
	for i, e := range events {
		if err := e.validate(); err != nil {
			return fmt.Errorf("ics: event %d: %w", i, err)
		}
	}
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b FeedEvent) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.UID, b.UID)
	})

	var b bytes.Buffer
	line := func(name, value string) { writeContentLine(&b, name+":"+value) }
	stamp := utcTime(now)

	line("BEGIN", "VCALENDAR")
	line("PRODID", escapeText(feedProdID))
	line("VERSION", "2.0")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if calendarName != "" {
		line("NAME", escapeText(calendarName)) // RFC 7986
		line("X-WR-CALNAME", escapeText(calendarName))
	}
	line("REFRESH-INTERVAL;VALUE=DURATION", feedRefresh) // RFC 7986
	line("X-PUBLISHED-TTL", feedRefresh)
	for _, e := range sorted {
		line("BEGIN", "VEVENT")
		line("UID", escapeText(e.UID))
		line("DTSTAMP", stamp)
		line("DTSTART", utcTime(e.Start))
		line("DTEND", utcTime(e.Start.Add(e.Duration)))
		line("SUMMARY", escapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION", escapeText(e.Description))
		}
		if e.URL != "" {
			line("URL", e.URL)
		}
		if e.Cancelled {
			line("STATUS", "CANCELLED")
			line("TRANSP", "TRANSPARENT") // a cancelled 1:1 does not block the time
		} else {
			line("STATUS", "CONFIRMED")
			line("TRANSP", "OPAQUE")
		}
		line("SEQUENCE", strconv.Itoa(max(e.Sequence, 0)))
		lastMod := e.LastModified
		if lastMod.IsZero() {
			lastMod = now
		}
		line("LAST-MODIFIED", utcTime(lastMod))
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	_, err := w.Write(b.Bytes())
	return err
}

func (e FeedEvent) validate() error {
	switch {
	case strings.TrimSpace(e.UID) == "":
		return errors.New("missing UID")
	case e.Start.IsZero():
		return errors.New("missing start")
	case e.Duration <= 0:
		return errors.New("duration must be positive")
	}
	for _, r := range e.URL {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("URL %q has a space or control character", e.URL)
		}
	}
	return nil
}

// utcTime formats t as a UTC DATE-TIME, dropping fractions of a second.
func utcTime(t time.Time) string { return t.UTC().Format(utcStamp) }

// escapeText turns s into an RFC 5545 TEXT value: backslash, semicolon and
// comma get a backslash, every line break (CRLF, CR or LF) becomes \n, and
// the control characters TEXT does not allow are dropped, as are invalid
// UTF-8 bytes (replaced with U+FFFD).
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n', '\r':
			b.WriteString(`\n`)
		case '\t':
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeContentLine writes one content line, folded so that no physical line
// is longer than 75 octets before its CRLF. Continuation lines start with a
// space, which counts towards their 75. Folds fall only between whole UTF-8
// sequences and never inside a backslash escape, so each physical line is
// valid UTF-8 and even naive readers that unescape before unfolding cope.
func writeContentLine(b *bytes.Buffer, line string) {
	limit := feedLineOctets
	for len(line) > limit {
		cut := foldPoint(line, limit)
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = feedLineOctets - 1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// foldPoint returns the longest prefix of s, at most limit octets, that ends
// on a boundary between whole runes and whole escapes. s must start on such a
// boundary.
func foldPoint(s string, limit int) int {
	i := 0
	for i < len(s) {
		n := 1
		if s[i] == '\\' && i+1 < len(s) {
			_, size := utf8.DecodeRuneInString(s[i+1:])
			n = 1 + size
		} else {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		if i+n > limit {
			break
		}
		i += n
	}
	if i == 0 { // cannot happen with limit >= 5; never loop forever
		i = min(limit, len(s))
	}
	return i
}

// FeedEvents builds the feed for person me: for each active series they take
// part in (paused and ended series contribute nothing), the slots from now up
// to until from the series' rule, merged with the meetings already created:
//
//   - a meeting on a slot's day replaces the slot (same UID), so one that was
//     moved within its day stays one event rather than two with the same UID;
//   - a cancelled meeting appears with Cancelled set;
//   - a rescheduled meeting is dropped, since a new meeting row carries the
//     new time, but it still hides the slot it came from;
//   - any other meeting in range is included at its own time.
//
// An event is in range when it starts before until and ends after now, so a
// 1:1 in progress stays in calendars until it is over. Sequence counts the
// changes from the plain slot (moved or resized: 1, cancelled: 1), which grows along the
// usual path slot → moved → cancelled. LastModified is the series' creation
// time, the latest change time Meeting carries. baseURL is the app's root,
// host the UID domain.
func FeedEvents(series []Series, meetings []Meeting, now, until time.Time, baseURL, host string, me int64) []FeedEvent {
	baseURL = strings.TrimRight(baseURL, "/")
	bySeries := map[int64][]Meeting{}
	for _, m := range meetings {
		bySeries[m.SeriesID] = append(bySeries[m.SeriesID], m)
	}
	var out []FeedEvent
	seen := map[int64]bool{}
	for _, s := range series {
		if s.Status != SeriesActive || !s.Includes(me) || seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		out = append(out, seriesFeed(s, bySeries[s.ID], now, until, baseURL, host, me)...)
	}
	slices.SortStableFunc(out, func(a, b FeedEvent) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.UID, b.UID)
	})
	return out
}

// dayKey is a calendar date in the series' time zone.
type dayKey struct {
	y int
	m time.Month
	d int
}

func dayOf(t time.Time, loc *time.Location) dayKey {
	y, m, d := t.In(loc).Date()
	return dayKey{y, m, d}
}

func seriesFeed(s Series, meetings []Meeting, now, until time.Time, baseURL, host string, me int64) []FeedEvent {
	r := s.Rule()
	loc := r.Loc()
	_, other := s.Other(me)
	summary := "1:1"
	if other != "" {
		summary = "1:1 with " + other
	}
	seriesDur := feedDefaultDuration
	if s.DurationMinutes > 0 {
		seriesDur = time.Duration(s.DurationMinutes) * time.Minute
	}
	inRange := func(start time.Time, d time.Duration) bool {
		return start.Before(until) && start.Add(d).After(now)
	}
	// slotOn is the rule's slot on the given day, if it has one.
	slotOn := func(k dayKey) (time.Time, bool) {
		t := r.Next(time.Date(k.y, k.m, k.d, 0, 0, 0, 0, loc))
		return t, dayOf(t, loc) == k
	}
	event := func(start time.Time, d time.Duration, uid, path string) FeedEvent {
		url := ""
		if baseURL != "" {
			url = baseURL + path
		}
		desc := s.Cadence.Label(s.IntervalDays) + ", " + strconv.Itoa(int(d/time.Minute)) + " minutes."
		if url != "" {
			desc += "\nAgenda and notes: " + url
		}
		return FeedEvent{UID: uid, Start: start, Duration: d, Summary: summary,
			Description: desc, URL: url, LastModified: s.CreatedAt}
	}

	// Meetings claim their day; the one at the slot's time, else the
	// earliest, takes the day's UID.
	slices.SortStableFunc(meetings, func(a, b Meeting) int {
		if c := a.ScheduledAt.Compare(b.ScheduledAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	claimed := map[dayKey]bool{}
	owner := map[dayKey]int64{} // meeting that takes the day's UID
	for _, m := range meetings {
		k := dayOf(m.ScheduledAt, loc)
		claimed[k] = true
		if m.Status == Rescheduled {
			continue
		}
		slot, ok := slotOn(k)
		if _, taken := owner[k]; !taken || (ok && slot.Equal(m.ScheduledAt)) {
			owner[k] = m.ID
		}
	}

	var out []FeedEvent
	from := now.Add(-seriesDur) // a slot in progress is still in the feed
	for _, slot := range r.Occurrences(from, until) {
		if s.EndedAt != nil && !slot.Before(*s.EndedAt) {
			break
		}
		if claimed[dayOf(slot, loc)] || !inRange(slot, seriesDur) {
			continue
		}
		out = append(out, event(slot, seriesDur, FeedUID(s.ID, slot.In(loc), host),
			"/oneonones/"+strconv.FormatInt(s.ID, 10)))
	}
	for _, m := range meetings {
		if m.Status == Rescheduled {
			continue
		}
		d := seriesDur
		if m.DurationMinutes > 0 {
			d = time.Duration(m.DurationMinutes) * time.Minute
		}
		if !inRange(m.ScheduledAt, d) {
			continue
		}
		local := m.ScheduledAt.In(loc)
		uid := FeedUID(s.ID, local, host)
		if owner[dayOf(local, loc)] != m.ID {
			// A second live meeting on the same day needs its own UID.
			uid = strings.Replace(uid, "@", "-"+strconv.FormatInt(m.ID, 10)+"@", 1)
		}
		e := event(m.ScheduledAt, d, uid, "/meetings/"+strconv.FormatInt(m.ID, 10))
		if slot, ok := slotOn(dayOf(local, loc)); !ok || !slot.Equal(m.ScheduledAt) || d != seriesDur {
			e.Sequence++ // moved or resized
		}
		if m.Status == Cancelled {
			e.Cancelled = true
			e.Sequence++
			e.Description = "Cancelled.\n" + e.Description
		}
		out = append(out, e)
	}
	return out
}

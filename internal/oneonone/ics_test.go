package oneonone

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// --- A small, strict iCalendar reader used to check the writer's output. ---

type icsProp struct {
	Name   string
	Params map[string]string
	Value  string // raw, still escaped
}

type icsComp struct {
	Name     string
	Props    []icsProp
	Children []*icsComp
}

func (c *icsComp) all(name string) []icsProp {
	var out []icsProp
	for _, p := range c.Props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// one returns the raw value of a property that must appear exactly once.
func (c *icsComp) one(name string) (string, error) {
	ps := c.all(name)
	if len(ps) != 1 {
		return "", fmt.Errorf("%s: %d %s properties, want 1", c.Name, len(ps), name)
	}
	return ps[0].Value, nil
}

// physicalLines splits raw output into lines, insisting on CRLF after every
// line, no bare CR or LF, at most 75 octets per line and valid UTF-8 on each
// line (so no multi-byte character was split by folding).
func physicalLines(raw string) ([]string, error) {
	if !strings.HasSuffix(raw, "\r\n") {
		return nil, errors.New("output does not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			return nil, fmt.Errorf("line %d: bare CR or LF in %q", i+1, l)
		}
		if len(l) > 75 {
			return nil, fmt.Errorf("line %d: %d octets: %q", i+1, len(l), l)
		}
		if l == "" {
			return nil, fmt.Errorf("line %d: empty", i+1)
		}
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("line %d: invalid UTF-8 (split character?): %q", i+1, l)
		}
	}
	return lines, nil
}

// unfold joins continuation lines (those starting with a space or tab).
func unfold(lines []string) ([]string, error) {
	var out []string
	for i, l := range lines {
		if l[0] == ' ' || l[0] == '\t' {
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: continuation with nothing to continue", i+1)
			}
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

var icsName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// parseContentLine splits NAME *(;PARAM=VALUE) : VALUE.
func parseContentLine(l string) (icsProp, error) {
	p := icsProp{Params: map[string]string{}}
	i := strings.IndexAny(l, ";:")
	if i < 0 {
		return p, fmt.Errorf("no colon in %q", l)
	}
	p.Name = strings.ToUpper(l[:i])
	if !icsName.MatchString(p.Name) {
		return p, fmt.Errorf("bad name in %q", l)
	}
	rest := l[i:]
	for rest[0] == ';' {
		rest = rest[1:]
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || !icsName.MatchString(rest[:eq]) {
			return p, fmt.Errorf("bad parameter in %q", l)
		}
		name := strings.ToUpper(rest[:eq])
		rest = rest[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return p, fmt.Errorf("unterminated quote in %q", l)
			}
			val, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexAny(rest, ";:")
			if end < 0 {
				return p, fmt.Errorf("parameter runs off the end of %q", l)
			}
			val, rest = rest[:end], rest[end:]
			if strings.ContainsRune(val, '"') {
				return p, fmt.Errorf("quote inside unquoted parameter in %q", l)
			}
		}
		if _, dup := p.Params[name]; dup {
			return p, fmt.Errorf("duplicate parameter %s in %q", name, l)
		}
		p.Params[name] = val
		if rest == "" {
			return p, fmt.Errorf("no value in %q", l)
		}
	}
	if rest[0] != ':' {
		return p, fmt.Errorf("expected colon in %q", l)
	}
	p.Value = rest[1:]
	for _, r := range p.Value {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return p, fmt.Errorf("control character %U in value of %q", r, l)
		}
	}
	return p, nil
}

// unescapeText reverses TEXT escaping strictly: only \\ \; \, \n \N are
// escapes, and a bare ; or , is an error in these single-valued properties.
func unescapeText(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\\':
			if i+1 >= len(v) {
				return "", fmt.Errorf("dangling backslash in %q", v)
			}
			i++
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				return "", fmt.Errorf("bad escape \\%c in %q", v[i], v)
			}
		case ';', ',':
			return "", fmt.Errorf("unescaped %c in %q", c, v)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// parseICS reads a whole document, checking BEGIN/END nesting.
func parseICS(raw string) (*icsComp, error) {
	lines, err := physicalLines(raw)
	if err != nil {
		return nil, err
	}
	logical, err := unfold(lines)
	if err != nil {
		return nil, err
	}
	root := &icsComp{}
	stack := []*icsComp{root}
	for _, l := range logical {
		p, err := parseContentLine(l)
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch p.Name {
		case "BEGIN":
			c := &icsComp{Name: p.Value}
			top.Children = append(top.Children, c)
			stack = append(stack, c)
		case "END":
			if len(stack) == 1 || top.Name != p.Value {
				return nil, fmt.Errorf("END:%s does not close BEGIN:%s", p.Value, top.Name)
			}
			stack = stack[:len(stack)-1]
		default:
			if top == root {
				return nil, fmt.Errorf("property %s outside any component", p.Name)
			}
			top.Props = append(top.Props, p)
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("BEGIN:%s never ended", stack[len(stack)-1].Name)
	}
	if len(root.Children) != 1 || root.Children[0].Name != "VCALENDAR" {
		return nil, fmt.Errorf("want exactly one VCALENDAR, got %d components", len(root.Children))
	}
	return root.Children[0], nil
}

type parsedEvent struct {
	UID, Summary, Description, URL, Status, Transp string
	Start, End, Stamp, LastModified                time.Time
	Sequence                                       int
	StartRaw                                       string
}

type parsedFeed struct {
	Header map[string]string // raw values of the calendar's properties
	Events []parsedEvent
}

var utcDateTime = regexp.MustCompile(`^\d{8}T\d{6}Z$`)

func parseUTC(c *icsComp, name string) (time.Time, string, error) {
	v, err := c.one(name)
	if err != nil {
		return time.Time{}, "", err
	}
	if !utcDateTime.MatchString(v) {
		return time.Time{}, v, fmt.Errorf("%s %q is not a UTC DATE-TIME", name, v)
	}
	t, err := time.Parse("20060102T150405Z", v)
	return t, v, err
}

// validateFeed checks required properties and their forms and decodes events.
func validateFeed(cal *icsComp) (parsedFeed, error) {
	f := parsedFeed{Header: map[string]string{}}
	calProps := map[string]bool{"PRODID": true, "VERSION": true, "CALSCALE": true, "METHOD": true,
		"NAME": false, "X-WR-CALNAME": false, "REFRESH-INTERVAL": true, "X-PUBLISHED-TTL": true}
	for name, required := range calProps {
		ps := cal.all(name)
		if len(ps) > 1 || (required && len(ps) == 0) {
			return f, fmt.Errorf("VCALENDAR: %d %s properties", len(ps), name)
		}
		if len(ps) == 1 {
			f.Header[name] = ps[0].Value
		}
	}
	for _, p := range cal.Props {
		if _, known := calProps[p.Name]; !known {
			return f, fmt.Errorf("VCALENDAR: unexpected property %s", p.Name)
		}
	}
	if f.Header["VERSION"] != "2.0" {
		return f, fmt.Errorf("VERSION %q", f.Header["VERSION"])
	}
	if p := cal.all("REFRESH-INTERVAL"); p[0].Params["VALUE"] != "DURATION" {
		return f, errors.New("REFRESH-INTERVAL needs VALUE=DURATION")
	}
	evProps := map[string]bool{"UID": true, "DTSTAMP": true, "DTSTART": true, "DTEND": true,
		"SUMMARY": true, "DESCRIPTION": false, "URL": true, "STATUS": true, "TRANSP": false,
		"SEQUENCE": true, "LAST-MODIFIED": true}
	uids := map[string]bool{}
	for _, c := range cal.Children {
		if c.Name != "VEVENT" {
			return f, fmt.Errorf("unexpected component %s", c.Name)
		}
		if len(c.Children) != 0 {
			return f, errors.New("VEVENT has nested components")
		}
		for _, p := range c.Props {
			if _, known := evProps[p.Name]; !known {
				return f, fmt.Errorf("VEVENT: unexpected property %s", p.Name)
			}
		}
		for name, required := range evProps {
			if n := len(c.all(name)); n > 1 || (required && n == 0) {
				return f, fmt.Errorf("VEVENT: %d %s properties", n, name)
			}
		}
		var e parsedEvent
		var err error
		text := map[string]*string{"UID": &e.UID, "SUMMARY": &e.Summary, "DESCRIPTION": &e.Description}
		for name, dst := range text {
			for _, p := range c.all(name) {
				if *dst, err = unescapeText(p.Value); err != nil {
					return f, fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		e.URL, _ = c.one("URL")
		e.Status, _ = c.one("STATUS")
		if e.Status != "CONFIRMED" && e.Status != "CANCELLED" {
			return f, fmt.Errorf("STATUS %q", e.Status)
		}
		for _, p := range c.all("TRANSP") {
			e.Transp = p.Value
		}
		seq, _ := c.one("SEQUENCE")
		if e.Sequence, err = strconv.Atoi(seq); err != nil || e.Sequence < 0 {
			return f, fmt.Errorf("SEQUENCE %q", seq)
		}
		if e.Start, e.StartRaw, err = parseUTC(c, "DTSTART"); err != nil {
			return f, err
		}
		if e.End, _, err = parseUTC(c, "DTEND"); err != nil {
			return f, err
		}
		if e.Stamp, _, err = parseUTC(c, "DTSTAMP"); err != nil {
			return f, err
		}
		if e.LastModified, _, err = parseUTC(c, "LAST-MODIFIED"); err != nil {
			return f, err
		}
		if !e.End.After(e.Start) {
			return f, fmt.Errorf("%s: DTEND not after DTSTART", e.UID)
		}
		if uids[e.UID] {
			return f, fmt.Errorf("duplicate UID %s", e.UID)
		}
		uids[e.UID] = true
		f.Events = append(f.Events, e)
	}
	return f, nil
}

// writeAndParse writes a feed and reads it back strictly.
func writeAndParse(t *testing.T, now time.Time, events []FeedEvent) (string, parsedFeed) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteFeed(&b, "Ana's 1:1s", now, events); err != nil {
		t.Fatalf("WriteFeed: %v", err)
	}
	raw := b.String()
	cal, err := parseICS(raw)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	f, err := validateFeed(cal)
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, raw)
	}
	return raw, f
}

// --- Fixtures. ---

func madridLoc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var feedNow = time.Date(2026, 2, 16, 7, 0, 0, 0, time.UTC) // a Monday

func feedEvent(uid string, start time.Time) FeedEvent {
	return FeedEvent{UID: uid, Start: start, Duration: 30 * time.Minute, Summary: "1:1 with Marco Bianchi",
		URL: "https://rapport.example/meetings/1", LastModified: date(2026, 1, 2)}
}

// weekly is Ana (manager, 1) and Marco (report, 2), Thursdays 10:00 Madrid.
func weekly(id int64) Series {
	return Series{ID: id, ManagerID: 1, ReportID: 2, ManagerName: "Ana Ruiz", ReportName: "Marco Bianchi",
		Cadence: Weekly, IntervalDays: 7, Weekday: time.Thursday, Hour: 10, DurationMinutes: 30,
		TimeZone: "Europe/Madrid", StartsOn: date(2026, 1, 1), Status: SeriesActive, CreatedAt: date(2025, 12, 1)}
}

func meetingAt(id, seriesID int64, at time.Time, status MeetingStatus) Meeting {
	return Meeting{ID: id, SeriesID: seriesID, ManagerID: 1, ReportID: 2, ManagerName: "Ana Ruiz",
		ReportName: "Marco Bianchi", ScheduledAt: at.UTC(), DurationMinutes: 30, TimeZone: "Europe/Madrid",
		Status: status}
}

const feedBase, feedHost = "https://rapport.example/", "rapport.example"

func feedFor(series []Series, meetings []Meeting, now time.Time, me int64) []FeedEvent {
	return FeedEvents(series, meetings, now, now.AddDate(0, 0, 12*7), feedBase, feedHost, me)
}

// --- Writer tests. ---

func TestWriteFeedStructureAndOrder(t *testing.T) {
	a := feedEvent("a@x", time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC))
	b := feedEvent("b@x", time.Date(2026, 2, 19, 9, 0, 0, 0, time.UTC))
	b.Description = "Agenda and notes: https://rapport.example/meetings/1"
	c := feedEvent("c@x", time.Date(2026, 2, 26, 9, 30, 0, 0, time.UTC))
	c.Cancelled, c.Sequence = true, 2
	raw, f := writeAndParse(t, feedNow, []FeedEvent{a, b, c})

	for _, want := range []string{"VERSION:2.0\r\n", "CALSCALE:GREGORIAN\r\n", "METHOD:PUBLISH\r\n",
		"X-WR-CALNAME:Ana's 1:1s\r\n", "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", "X-PUBLISHED-TTL:PT1H\r\n",
		"DTSTART:20260219T090000Z\r\nDTEND:20260219T093000Z\r\n", "DTSTAMP:20260216T070000Z\r\n",
		"LAST-MODIFIED:20260102T000000Z\r\n"} {
		if !strings.Contains(raw, want) {
			t.Errorf("missing %q", want)
		}
	}
	if !strings.HasPrefix(raw, "BEGIN:VCALENDAR\r\nPRODID:") || !strings.HasSuffix(raw, "END:VEVENT\r\nEND:VCALENDAR\r\n") {
		t.Errorf("document frame:\n%s", raw)
	}
	var uids []string
	for _, e := range f.Events {
		uids = append(uids, e.UID)
	}
	if strings.Join(uids, " ") != "b@x c@x a@x" {
		t.Errorf("order %v, want sorted by start", uids)
	}
	if e := f.Events[1]; e.Status != "CANCELLED" || e.Sequence != 2 || e.Transp != "TRANSPARENT" {
		t.Errorf("cancelled event: %+v", e)
	}
	if e := f.Events[0]; e.Status != "CONFIRMED" || e.Sequence != 0 || e.Description == "" || e.URL != a.URL {
		t.Errorf("confirmed event: %+v", e)
	}
	if f.Events[2].Description != "" || strings.Count(raw, "DESCRIPTION:") != 1 {
		t.Error("an empty description should be left out")
	}
}

func TestWriteFeedConvertsToUTCAndDropsFractions(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	e := feedEvent("u@x", time.Date(2026, 1, 1, 8, 30, 15, 999, tokyo))
	e.Duration = 45 * time.Minute
	_, f := writeAndParse(t, feedNow, []FeedEvent{e})
	if got := f.Events[0].StartRaw; got != "20251231T233015Z" {
		t.Errorf("DTSTART %s", got)
	}
	if d := f.Events[0].End.Sub(f.Events[0].Start); d != 45*time.Minute {
		t.Errorf("duration %v", d)
	}
}

func TestWriteFeedEveryLineEndsInCRLFAndFits75Octets(t *testing.T) {
	e := feedEvent("long@x", feedNow)
	e.Summary = "1:1 with " + strings.Repeat("Maximiliano Alejandro de la Santísima Trinidad ", 6)
	e.Description = strings.Repeat("Talk about the roadmap, hiring; and \\ the offsite.\n", 12)
	e.URL = "https://rapport.example/meetings/1?" + strings.Repeat("x=1&", 40)
	raw, f := writeAndParse(t, feedNow, []FeedEvent{e}) // physicalLines enforces both
	if !strings.Contains(raw, "\r\n ") {
		t.Fatal("expected folded lines")
	}
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") || strings.Count(raw, "\r") != strings.Count(raw, "\r\n") {
		t.Error("bare CR or LF")
	}
	got := f.Events[0]
	if got.Summary != e.Summary || got.Description != e.Description || got.URL != e.URL {
		t.Errorf("unfolding did not restore the text:\n%q\n%q\n%q", got.Summary, got.Description, got.URL)
	}
}

func TestFoldingKeepsMultibyteCharactersIntact(t *testing.T) {
	// Shift the text one octet at a time so every kind of character (2, 3
	// and 4 octets, and a ZWJ emoji sequence) lands on the fold point.
	text := "週次の1on1ミーティング：キャリアの話、目標と振り返り🎯😀👩‍💻 café ñandú ✔ "
	for pad := 0; pad < 80; pad++ {
		e := feedEvent("ja@x", feedNow)
		e.Summary = strings.Repeat("a", pad) + strings.Repeat(text, 4)
		e.Description = strings.Repeat("é", pad) + strings.Repeat(text, 3)
		raw, f := writeAndParse(t, feedNow, []FeedEvent{e}) // each line must be valid UTF-8
		if got := f.Events[0].Summary; got != e.Summary {
			t.Fatalf("pad %d: summary %q, want %q", pad, got, e.Summary)
		}
		if got := f.Events[0].Description; got != e.Description {
			t.Fatalf("pad %d: description %q, want %q", pad, got, e.Description)
		}
		if pad == 0 && strings.Count(raw, "\r\n ") < 8 {
			t.Fatalf("expected many folds:\n%s", raw)
		}
	}
}

func TestFoldingNeverSplitsAnEscape(t *testing.T) {
	for pad := 0; pad < 80; pad++ {
		e := feedEvent("esc@x", feedNow)
		e.Description = strings.Repeat("a", pad) + strings.Repeat(`\,;`+"\n", 40)
		raw, f := writeAndParse(t, feedNow, []FeedEvent{e})
		lines, _ := physicalLines(raw)
		for _, l := range lines {
			// An odd run of trailing backslashes means an escape was cut.
			n := len(l) - len(strings.TrimRight(l, `\`))
			if n%2 == 1 {
				t.Fatalf("pad %d: line ends inside an escape: %q", pad, l)
			}
		}
		if f.Events[0].Description != e.Description {
			t.Fatalf("pad %d: round trip", pad)
		}
	}
}

func TestTextEscapingRoundTrips(t *testing.T) {
	cases := []struct{ in, want, raw string }{
		{`a;b,c\d`, `a;b,c\d`, `a\;b\,c\\d`},
		{"one\ntwo", "one\ntwo", `one\ntwo`},
		{"crlf\r\nand cr\rend", "crlf\nand cr\nend", `crlf\nand cr\nend`},
		{`literal \n stays`, `literal \n stays`, `literal \\n stays`},
		{`trailing\`, `trailing\`, `trailing\\`},
		{"tab\tkept, nul\x00 bell\x07 del\x7f gone", "tab\tkept, nul bell del gone", "tab\tkept\\, nul bell del gone"},
		{"colon: fine \"quoted\"", "colon: fine \"quoted\"", "colon: fine \"quoted\""},
		{"bad \xff byte", "bad \uFFFD byte", "bad \uFFFD byte"},
	}
	for _, c := range cases {
		e := feedEvent("esc@x", feedNow)
		e.Summary, e.Description = c.in, c.in
		raw, f := writeAndParse(t, feedNow, []FeedEvent{e})
		if !strings.Contains(raw, "\r\nSUMMARY:"+c.raw+"\r\n") {
			t.Errorf("%q: raw SUMMARY not %q in\n%s", c.in, c.raw, raw)
		}
		if got := f.Events[0]; got.Summary != c.want || got.Description != c.want {
			t.Errorf("%q: round trip gave %q / %q, want %q", c.in, got.Summary, got.Description, c.want)
		}
	}
	// The calendar name is TEXT too.
	var b bytes.Buffer
	if err := WriteFeed(&b, `Ana, Marco; \ 1:1s`, feedNow, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "X-WR-CALNAME:Ana\\, Marco\\; \\\\ 1:1s\r\n") {
		t.Errorf("calendar name not escaped:\n%s", b.String())
	}
}

func TestWriteFeedRejectsInvalidEventsAndWritesNothing(t *testing.T) {
	ok := feedEvent("ok@x", feedNow)
	noUID := feedEvent(" ", feedNow)
	noDur := feedEvent("d@x", feedNow)
	noDur.Duration = 0
	noStart := feedEvent("s@x", time.Time{})
	badURL := feedEvent("u@x", feedNow)
	badURL.URL = "https://rapport.example/a b"
	injected := feedEvent("i@x", feedNow)
	injected.URL = "https://rapport.example/\r\nSTATUS:CANCELLED"
	for _, bad := range []FeedEvent{noUID, noDur, noStart, badURL, injected} {
		var b bytes.Buffer
		if err := WriteFeed(&b, "x", feedNow, []FeedEvent{ok, bad}); err == nil {
			t.Errorf("%+v: no error", bad)
		}
		if b.Len() != 0 {
			t.Errorf("%+v: wrote %d bytes", bad, b.Len())
		}
	}
}

func TestWriteFeedEmptyAndDoesNotReorderInput(t *testing.T) {
	_, f := writeAndParse(t, feedNow, nil)
	if len(f.Events) != 0 {
		t.Fatal(f.Events)
	}
	in := []FeedEvent{feedEvent("late@x", feedNow.Add(time.Hour)), feedEvent("early@x", feedNow)}
	writeAndParse(t, feedNow, in)
	if in[0].UID != "late@x" {
		t.Error("WriteFeed sorted the caller's slice")
	}
}

// --- UIDs. ---

func TestFeedUIDIsPerSeriesAndDay(t *testing.T) {
	madrid := madridLoc(t)
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, madrid) }
	u := FeedUID(7, at(5, 10), feedHost)
	if u != "oneonone-7-20260305@rapport.example" {
		t.Errorf("uid %s", u)
	}
	if FeedUID(7, at(5, 16), feedHost) != u {
		t.Error("moving within the day changed the UID")
	}
	if FeedUID(7, at(6, 10), feedHost) == u || FeedUID(8, at(5, 10), feedHost) == u {
		t.Error("another day or series must give another UID")
	}
	if !strings.HasSuffix(FeedUID(7, at(5, 10), ""), "@rapport") {
		t.Error("empty host")
	}
}

func TestFeedEventUIDsSurviveNotesEditsAndMovesWithinTheDay(t *testing.T) {
	madrid := madridLoc(t)
	s := weekly(3)
	slot := time.Date(2026, 2, 26, 10, 0, 0, 0, madrid)
	plain := feedFor([]Series{s}, nil, feedNow, 1)
	uidOn := func(evs []FeedEvent, day int) []string {
		var out []string
		for _, e := range evs {
			if e.Start.In(madrid).Day() == day && e.Start.Month() == time.February {
				out = append(out, e.UID)
			}
		}
		return out
	}
	want := uidOn(plain, 26)
	if len(want) != 1 || want[0] != "oneonone-3-20260226@rapport.example" {
		t.Fatalf("plain slot UID %v", want)
	}

	// A meeting row at the slot replaces it; editing its notes changes nothing in the feed.
	m := meetingAt(40, 3, slot, Scheduled)
	m.SharedNotes = "first draft"
	before := feedFor([]Series{s}, []Meeting{m}, feedNow, 1)
	m.SharedNotes = "rewritten; with, punctuation\nand lines"
	after := feedFor([]Series{s}, []Meeting{m}, feedNow, 1)
	if !reflect.DeepEqual(before, after) {
		t.Error("editing notes changed the feed")
	}
	if got := uidOn(after, 26); !reflect.DeepEqual(got, want) {
		t.Errorf("meeting row UID %v, want %v", got, want)
	}
	if len(after) != len(plain) {
		t.Errorf("%d events, want %d", len(after), len(plain))
	}

	// Moved to 16:00 the same day, in place or via a rescheduled row: one
	// event, same UID, new time, sequence bumped.
	moved := meetingAt(41, 3, slot.Add(6*time.Hour), Scheduled)
	old := meetingAt(40, 3, slot, Rescheduled)
	for name, ms := range map[string][]Meeting{"in place": {moved}, "rescheduled row": {old, moved}} {
		evs := feedFor([]Series{s}, ms, feedNow, 1)
		if got := uidOn(evs, 26); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: UIDs %v, want %v", name, got, want)
		}
		for _, e := range evs {
			if e.UID == want[0] && (!e.Start.Equal(moved.ScheduledAt) || e.Sequence != 1 || !strings.HasSuffix(e.URL, "/meetings/41")) {
				t.Errorf("%s: %+v", name, e)
			}
		}
		writeAndParse(t, feedNow, evs) // no duplicate UIDs
	}

	// Moved to the next day: another UID.
	nextDay := feedFor([]Series{s}, []Meeting{old, meetingAt(42, 3, slot.AddDate(0, 0, 1), Scheduled)}, feedNow, 1)
	if len(uidOn(nextDay, 26)) != 0 || len(uidOn(nextDay, 27)) != 1 || uidOn(nextDay, 27)[0] == want[0] {
		t.Errorf("next day: %v / %v", uidOn(nextDay, 26), uidOn(nextDay, 27))
	}
}

func TestFeedUIDUsesTheSeriesLocalDate(t *testing.T) {
	// 00:30 in Madrid is 23:30Z the day before; the UID follows Madrid.
	s := weekly(4)
	s.Hour, s.Minute = 0, 30
	evs := feedFor([]Series{s}, nil, feedNow, 1)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	e := evs[0]
	if e.Start.UTC().Format("2006-01-02 15:04") != "2026-02-18 23:30" || e.UID != "oneonone-4-20260219@rapport.example" {
		t.Errorf("start %v uid %s", e.Start.UTC(), e.UID)
	}
}

// --- Feed contents. ---

func TestFeedEventsWeeklyOver12WeeksIsDSTCorrect(t *testing.T) {
	madrid := madridLoc(t)
	cases := []struct {
		now     time.Time
		checks  map[string]string // local date → DTSTART
		lastDay string
	}{
		{ // Spring: Madrid moves to CEST on 29 March 2026.
			now: time.Date(2026, 2, 16, 8, 0, 0, 0, madrid),
			checks: map[string]string{"2026-02-19": "20260219T090000Z", "2026-03-26": "20260326T090000Z",
				"2026-04-02": "20260402T080000Z"},
			lastDay: "2026-05-07",
		},
		{ // Autumn: back to CET on 25 October 2026.
			now: time.Date(2026, 9, 28, 8, 0, 0, 0, madrid),
			checks: map[string]string{"2026-10-01": "20261001T080000Z", "2026-10-22": "20261022T080000Z",
				"2026-10-29": "20261029T090000Z"},
			lastDay: "2026-12-17",
		},
	}
	for _, c := range cases {
		evs := FeedEvents([]Series{weekly(5)}, nil, c.now, c.now.AddDate(0, 0, 12*7), feedBase, feedHost, 1)
		if len(evs) != 12 {
			t.Fatalf("%v: %d events, want 12", c.now, len(evs))
		}
		_, f := writeAndParse(t, c.now, evs)
		seen := map[string]string{}
		for _, e := range f.Events {
			local := e.Start.In(madrid)
			if local.Hour() != 10 || local.Minute() != 0 || local.Weekday() != time.Thursday {
				t.Errorf("%s is not Thursday 10:00 in Madrid", local)
			}
			if e.End.Sub(e.Start) != 30*time.Minute {
				t.Errorf("%s: duration %v", e.UID, e.End.Sub(e.Start))
			}
			if e.Summary != "1:1 with Marco Bianchi" || e.URL != "https://rapport.example/oneonones/5" || e.Status != "CONFIRMED" {
				t.Errorf("%+v", e)
			}
			seen[local.Format("2006-01-02")] = e.StartRaw
		}
		for day, want := range c.checks {
			if seen[day] != want {
				t.Errorf("%s: DTSTART %q, want %q", day, seen[day], want)
			}
		}
		if last := f.Events[11].Start.In(madrid).Format("2006-01-02"); last != c.lastDay {
			t.Errorf("last %s, want %s", last, c.lastDay)
		}
	}
}

func TestFeedEventsSummaryNamesTheOtherPerson(t *testing.T) {
	s := weekly(6)
	for me, want := range map[int64]string{1: "1:1 with Marco Bianchi", 2: "1:1 with Ana Ruiz"} {
		evs := feedFor([]Series{s}, nil, feedNow, me)
		if len(evs) == 0 || evs[0].Summary != want {
			t.Errorf("me %d: %+v", me, evs)
		}
	}
	if evs := feedFor([]Series{s}, nil, feedNow, 99); len(evs) != 0 {
		t.Errorf("someone outside the series got %d events", len(evs))
	}
}

func TestFeedEventsCancelledRescheduledAndExtraMeetings(t *testing.T) {
	madrid := madridLoc(t)
	s := weekly(8)
	slot1 := time.Date(2026, 2, 19, 10, 0, 0, 0, madrid)
	slot2 := slot1.AddDate(0, 0, 7)
	slot3 := slot1.AddDate(0, 0, 14)
	extra := time.Date(2026, 3, 9, 15, 0, 0, 0, madrid)   // a Monday, no slot
	outside := time.Date(2026, 6, 1, 10, 0, 0, 0, madrid) // after until
	ms := []Meeting{
		meetingAt(1, 8, slot1, Cancelled),
		meetingAt(2, 8, slot2, Rescheduled),                // moved to Friday
		meetingAt(3, 8, slot2.AddDate(0, 0, 1), Scheduled), // the new row
		meetingAt(4, 8, slot3, Scheduled),
		meetingAt(5, 8, extra, Scheduled),
		meetingAt(6, 8, outside, Scheduled),
		meetingAt(7, 99, slot3, Scheduled), // another person's series
	}
	evs := feedFor([]Series{s}, ms, feedNow, 2)
	raw, f := writeAndParse(t, feedNow, evs)
	if len(f.Events) != 13 { // 12 Thursdays, one moved to Friday, plus the extra Monday
		t.Fatalf("%d events:\n%s", len(f.Events), raw)
	}
	byStart := map[string]parsedEvent{}
	for _, e := range f.Events {
		byStart[e.Start.In(madrid).Format("Mon 01-02 15:04")] = e
	}
	if e := byStart["Thu 02-19 10:00"]; e.Status != "CANCELLED" || e.Sequence != 1 || !strings.HasPrefix(e.Description, "Cancelled.") {
		t.Errorf("cancelled: %+v", e)
	}
	if strings.Count(raw, "STATUS:CANCELLED\r\n") != 1 {
		t.Error("want exactly one STATUS:CANCELLED")
	}
	if e, ok := byStart["Thu 02-26 10:00"]; ok {
		t.Errorf("rescheduled slot still there: %+v", e)
	}
	if e := byStart["Fri 02-27 10:00"]; e.URL != "https://rapport.example/meetings/3" || e.Sequence != 1 || e.Status != "CONFIRMED" {
		t.Errorf("new row: %+v", e)
	}
	if e := byStart["Thu 03-05 10:00"]; e.URL != "https://rapport.example/meetings/4" || e.Sequence != 0 || e.Summary != "1:1 with Ana Ruiz" {
		t.Errorf("meeting at its slot: %+v", e)
	}
	if e := byStart["Mon 03-09 15:00"]; e.URL != "https://rapport.example/meetings/5" {
		t.Errorf("extra meeting: %+v", e)
	}
	if strings.Contains(raw, "/meetings/6") || strings.Contains(raw, "/meetings/7") {
		t.Error("meeting outside the range or series leaked in")
	}
	if e := byStart["Thu 03-12 10:00"]; e.URL != "https://rapport.example/oneonones/8" || !e.LastModified.Equal(s.CreatedAt) {
		t.Errorf("plain slot: %+v", e)
	}
}

func TestFeedEventsTwoLiveMeetingsOnOneDayGetDistinctUIDs(t *testing.T) {
	madrid := madridLoc(t)
	slot := time.Date(2026, 2, 19, 10, 0, 0, 0, madrid)
	ms := []Meeting{meetingAt(11, 9, slot.Add(-2*time.Hour), Scheduled), meetingAt(12, 9, slot, Scheduled)}
	evs := feedFor([]Series{weekly(9)}, ms, feedNow, 1)
	writeAndParse(t, feedNow, evs) // rejects duplicate UIDs
	for _, e := range evs {
		if e.Start.Equal(slot) && e.UID != "oneonone-9-20260219@rapport.example" {
			t.Errorf("the meeting at the slot should keep the day's UID: %s", e.UID)
		}
	}
}

func TestFeedEventsPausedAndEndedSeriesContributeNothing(t *testing.T) {
	madrid := madridLoc(t)
	m := meetingAt(1, 10, time.Date(2026, 2, 19, 10, 0, 0, 0, madrid), Scheduled)
	for _, st := range []SeriesStatus{SeriesPaused, SeriesEnded} {
		s := weekly(10)
		s.Status = st
		if evs := feedFor([]Series{s}, []Meeting{m}, feedNow, 1); len(evs) != 0 {
			t.Errorf("%s series gave %d events", st, len(evs))
		}
	}
	// An end date inside the window stops the slots there.
	s := weekly(10)
	end := time.Date(2026, 3, 6, 0, 0, 0, 0, madrid)
	s.EndedAt = &end
	if evs := feedFor([]Series{s}, nil, feedNow, 1); len(evs) != 3 { // Feb 19, 26, Mar 5
		t.Errorf("%d events before the end date, want 3", len(evs))
	}
}

func TestFeedEventsKeepAMeetingInProgressAndMergeSeries(t *testing.T) {
	madrid := madridLoc(t)
	slot := time.Date(2026, 2, 19, 10, 0, 0, 0, madrid)
	first := func(now time.Time) time.Time {
		evs := feedFor([]Series{weekly(12)}, nil, now, 1)
		return evs[0].Start
	}
	if got := first(slot.Add(20 * time.Minute)); !got.Equal(slot) {
		t.Errorf("in progress: first event %v", got)
	}
	if got := first(slot.Add(30 * time.Minute)); got.Equal(slot) {
		t.Error("a finished 1:1 is still in the feed")
	}

	// Two series interleave by start time.
	mon := weekly(13)
	mon.Weekday, mon.ReportID, mon.ReportName = time.Monday, 3, "Lena Park"
	evs := feedFor([]Series{weekly(12), mon}, nil, feedNow, 1)
	if len(evs) != 24 {
		t.Fatalf("%d events", len(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Start.Before(evs[i-1].Start) {
			t.Fatalf("not sorted at %d", i)
		}
	}
	if evs[0].Summary != "1:1 with Lena Park" || evs[1].Summary != "1:1 with Marco Bianchi" {
		t.Errorf("%s / %s", evs[0].Summary, evs[1].Summary)
	}
}

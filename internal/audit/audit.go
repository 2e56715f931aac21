// Package audit is the organisation's audit log as admins read it: who did
// what and when, filtered by action, person and dates, a page at a time.
// It imports only core.
package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"rapport/internal/core"
)

// PageSize is how many entries one page shows.
const PageSize = 50

// Entry is one line of the audit log.
type Entry struct {
	ID        int64
	At        time.Time
	ActorID   int64  // 0: the system or a command-line tool
	ActorName string // empty when the actor is unknown
	Action    string // e.g. "export.cycle", "person.role"
	Subject   string // e.g. "person:12", "cycle:3 person:12"
	About     []Ref  // Subject read part by part, with names where found
	Detail    []Fact // the detail JSON, flattened for reading
}

// Ref is one part of what an entry is about: a thing of a known kind
// ("person:12") with its name once found, or the subject's own words.
type Ref struct {
	Kind string // "person", "team", "cycle", "retro", "series", "meeting", "invitation"; "" for words
	ID   int64
	Name string // "" when not found (since deleted, or words): show Text
	Text string // this part of the subject as written
}

// Kinds are the kinds of thing a subject can name by id.
var Kinds = []string{"person", "team", "cycle", "retro", "series", "meeting", "invitation"}

// ParseSubject splits a subject such as "cycle:2 person:10" into its parts.
func ParseSubject(subject string) []Ref {
	var out []Ref
	for _, part := range strings.Fields(subject) {
		r := Ref{Text: part}
		if kind, id, ok := strings.Cut(part, ":"); ok {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
				for _, k := range Kinds {
					if k == kind {
						r.Kind, r.ID = kind, n
					}
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// Fact is one key and value of an entry's detail.
type Fact struct{ Key, Value string }

// Cursor marks the last entry of a page: the next page starts after it.
type Cursor struct {
	At time.Time
	ID int64
}

// Query is a validated filter.
type Query struct {
	Action string     // exact action, or a group such as "export" (matches "export.*")
	Person string     // part of the acting person's name or email
	From   *time.Time // entries at or after (UTC midnight)
	Until  *time.Time // entries before (UTC midnight after the last day)
	After  *Cursor
}

// Filter is what the admin typed, kept as text so a bad value can be shown
// back next to its field.
type Filter struct {
	Action string
	Person string
	From   string // YYYY-MM-DD
	To     string // YYYY-MM-DD, inclusive
	After  string // opaque cursor from the previous page
}

// IsZero reports whether nothing is filtered.
func (f Filter) IsZero() bool { return f.Action == "" && f.Person == "" && f.From == "" && f.To == "" }

// Page is one page of entries.
type Page struct {
	Entries []Entry
	Next    string   // cursor of the following (older) page; empty on the last page
	Actions []string // every action recorded in the organisation, for the filter
}

// Store reads the audit log.
type Store interface {
	AuditEntries(ctx context.Context, orgID int64, q Query, limit int) ([]Entry, error)
	AuditActions(ctx context.Context, orgID int64) ([]string, error)
}

// Service reads the audit log for admins.
type Service struct{ Store Store }

// NewService returns a Service.
func NewService(store Store) *Service { return &Service{Store: store} }

const dateLayout = "2006-01-02"

// parse validates a filter.
func (f Filter) parse() (Query, error) {
	var v core.Validator
	q := Query{Action: strings.TrimSpace(f.Action), Person: strings.TrimSpace(f.Person)}
	v.Check(len(q.Action) <= 100, "action", "Choose an action from the list.")
	v.Check(len(q.Person) <= 200, "person", "Type at most 200 characters of a name or email.")
	if s := strings.TrimSpace(f.From); s != "" {
		t, err := time.Parse(dateLayout, s)
		v.Check(err == nil, "from", "Enter a date like 2026-07-01.")
		if err == nil {
			q.From = &t
		}
	}
	if s := strings.TrimSpace(f.To); s != "" {
		t, err := time.Parse(dateLayout, s)
		v.Check(err == nil, "to", "Enter a date like 2026-12-31.")
		if err == nil {
			end := t.AddDate(0, 0, 1)
			q.Until = &end
		}
	}
	if q.From != nil && q.Until != nil {
		v.Check(q.From.Before(*q.Until), "to", "The end date is before the start date.")
	}
	if f.After != "" {
		c, err := DecodeCursor(f.After)
		if err == nil {
			q.After = &c
		}
		// A damaged cursor starts again from the newest entry.
	}
	return q, v.Err()
}

// List returns one page of the actor's organisation's audit log, newest first.
// Only admins read it.
func (s *Service) List(ctx context.Context, a core.Actor, f Filter) (Page, error) {
	if !a.Is(core.RoleAdmin) {
		return Page{}, core.Forbidden()
	}
	var p Page
	actions, err := s.Store.AuditActions(ctx, a.OrgID)
	if err != nil {
		return p, err
	}
	p.Actions = actions
	q, err := f.parse()
	if err != nil {
		return p, err
	}
	entries, err := s.Store.AuditEntries(ctx, a.OrgID, q, PageSize+1)
	if err != nil {
		return p, err
	}
	if len(entries) > PageSize {
		entries = entries[:PageSize]
		last := entries[len(entries)-1]
		p.Next = EncodeCursor(Cursor{At: last.At, ID: last.ID})
	}
	p.Entries = entries
	return p, nil
}

// EncodeCursor makes a cursor safe for a query string.
func EncodeCursor(c Cursor) string {
	s := strconv.FormatInt(c.At.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, err
	}
	at, id, ok := strings.Cut(string(b), ".")
	if !ok {
		return Cursor{}, fmt.Errorf("cursor %q: no separator", s)
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return Cursor{}, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return Cursor{}, err
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: n}, nil
}

// Facts flattens a detail JSON object into sorted key/value pairs; nested
// values are shown as compact JSON.
func Facts(detail []byte) []Fact {
	var m map[string]any
	if len(detail) == 0 || json.Unmarshal(detail, &m) != nil || len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Fact, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		case float64:
			v = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			v = strconv.FormatBool(x)
		case nil:
			v = "—"
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		out = append(out, Fact{Key: k, Value: v})
	}
	return out
}

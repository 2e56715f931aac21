package audit

import (
	"testing"

	"rapport/internal/core"
)

// A filter parses to a query or to field errors naming only its own fields;
// a cursor decodes or errs, and what EncodeCursor writes reads back.
func FuzzFilterParse(f *testing.F) {
	for _, s := range [][5]string{
		{"", "", "", "", ""}, {"export", "ana", "2026-01-01", "2026-12-31", ""},
		{"person.role", "", "2026-02-30", "2026-01-01", "bm9uc2Vuc2U"}, {"\x00", "\xff", "0000-01-01", "9999-12-31", "%%%"},
		{"", "", "2026-12-31", "2026-01-01", EncodeCursor(Cursor{ID: 5})}, {"", "", " 2026-01-01 ", "", "OTIyMzM3MjAzNjg1NDc3NTgwNy4x"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	fields := map[string]bool{"action": true, "person": true, "from": true, "to": true}
	f.Fuzz(func(t *testing.T, action, person, from, to, after string) {
		q, err := Filter{Action: action, Person: person, From: from, To: to, After: after}.parse()
		if err != nil {
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("parse: error %v, want EINVALID", err)
			}
			for k := range core.FieldErrors(err) {
				if !fields[k] {
					t.Fatalf("parse: error on unknown field %q", k)
				}
			}
			return
		}
		if q.From != nil && q.Until != nil && !q.From.Before(*q.Until) {
			t.Fatalf("parse: from %v not before until %v", q.From, q.Until)
		}
		if q.After != nil {
			c, err := DecodeCursor(EncodeCursor(*q.After))
			if err != nil || !c.At.Equal(q.After.At) || c.ID != q.After.ID {
				t.Fatalf("cursor %q does not round-trip: %v %v", after, c, err)
			}
		}
	})
}

package people

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// storable reports whether PostgreSQL accepts s as text.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// The import check never panics, reports a whole-file problem without rows,
// holds at most MaxImportRows rows, and a file it passes holds only text
// PostgreSQL can store; the directory lookup only ever asks about such text.
func FuzzCheckImport(f *testing.F) {
	for _, s := range []string{
		"", "name,email\n", "name,email\nAna,ana@example.com\n",
		"\xEF\xBB\xBFName;Email;Manager email\nAna;ana@example.com;boss@example.com\n",
		"name,email\nNul,nul\x00@example.com\n", "name,email\nNot UTF-8,\xff@example.com\n",
		"name,email,team\nAna,ana@example.com,Ops\x00\n", "name\tEmail\tRole\nAna\tana@example.com\tWIZARD\n",
		"name,email\n\"unterminated,ana@example.com\n", "name,email,manager\nA,a@x.io,b@x.io\nB,b@x.io,a@x.io\n",
		"email\n@\n", "name,email\n\u202eAna,ana@example.com\n", "name,name\nA,B\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range scanEmails(data) {
			if !storable(e) {
				t.Fatalf("scanEmails offers %q to the database", e)
			}
		}
		p := CheckImport(bytes.NewReader(data), testDirectory())
		if p.FileError != "" && len(p.Rows) > 0 {
			t.Fatalf("a file error (%q) with %d rows", p.FileError, len(p.Rows))
		}
		if len(p.Rows) > MaxImportRows {
			t.Fatalf("%d rows, more than %d", len(p.Rows), MaxImportRows)
		}
		if !p.Valid() {
			return
		}
		for _, r := range p.Rows {
			for _, s := range []string{r.Name, r.Email, r.Title, r.ManagerEmail, r.Team, string(r.Role)} {
				if !storable(s) {
					t.Fatalf("line %d passed the check with %q", r.Line, s)
				}
			}
		}
		if n := len(p.ImportOrder()); n != len(p.Rows) {
			t.Fatalf("import order has %d rows of %d", n, len(p.Rows))
		}
	})
}

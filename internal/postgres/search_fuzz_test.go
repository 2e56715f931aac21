package postgres

import (
	"strings"
	"testing"
)

// likeEscape leaves no wildcard unescaped and no escape dangling, and reading
// its output back as a LIKE pattern gives the typed text: a search for "_"
// or "100%" matches those characters only.
func FuzzLikeEscape(f *testing.F) {
	for _, s := range []string{"", "a", "_", "%", `\`, `a\`, `\%`, "100%", "R&D lead", "ops_night", `%_\`, "\u202e", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := likeEscape(s)
		var lit strings.Builder
		for i := 0; i < len(p); i++ {
			switch c := p[i]; c {
			case '\\':
				if i+1 == len(p) {
					t.Fatalf("likeEscape(%q) = %q ends with an escape", s, p)
				}
				i++
				lit.WriteByte(p[i])
			case '%', '_':
				t.Fatalf("likeEscape(%q) = %q has an unescaped wildcard at %d", s, p, i)
			default:
				lit.WriteByte(c)
			}
		}
		if lit.String() != s {
			t.Fatalf("likeEscape(%q) = %q reads back as %q", s, p, lit.String())
		}
	})
}

package server

import "testing"

// Known ways to make a "local" path leave the site, after the browser
// drops tabs and newlines and reads backslashes as slashes.
func TestSafeNextRefusesEveryWayOffTheSite(t *testing.T) {
	for _, next := range []string{
		"",
		"//evil.example",
		"///evil.example",
		"/\\evil.example",
		"\\\\evil.example",
		"\\/evil.example",
		"/\t/evil.example",
		"/%09/evil.example",
		"/%0a/evil.example",
		"/%0D/evil.example",
		"/\n/evil.example",
		"/\r/evil.example",
		"/\x00/evil.example",
		"/\x7f/evil.example",
		"/%2F/evil.example",
		"/%2f%2fevil.example",
		"/%5Cevil.example",
		"/%5cevil.example",
		"/%252F/evil.example",
		"/%25252F/evil.example",
		"/%2509/evil.example",
		"https:evil.example",
		"https://evil.example",
		"http:/evil.example",
		"javascript:alert(1)",
		"evil.example",
		" /\t/evil.example",
		"/ /evil.example",
		"/\u2028/evil.example",
		"/\u00a0/evil.example",
		"/%E2%80%A8/evil.example",
		"/%zz",
		"/login",
		"/login?next=//evil.example",
		"/logout",
		"/kudos//evil.example",
		"/kudos?q=%0a",
		"/kudos?q=\\evil",
	} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
}

func TestSafeNextKeepsOrdinaryPaths(t *testing.T) {
	for _, next := range []string{
		"/",
		"/people/12",
		"/kudos?team=3&page=2",
		"/reviews/cycles/4/people/9#evidence",
		"/kudos?q=caf%C3%A9",
		"/retros/7/board",
		"/people?q=Ana%20Ruiz",
		"/people?q=Ana+Ruiz&page=2",
	} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
}

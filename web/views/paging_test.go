package views

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/a-h/templ"

	"rapport/internal/kudos"
)

// Next-page links carry the filters as typed: an "&", a space, "#", "%" or
// "+" in a filter comes back unchanged from the link's query string.
func TestPageLinksCarryFiltersVerbatim(t *testing.T) {
	const odd = "R&D lead #1 100%+"
	query := func(u templ.SafeURL) url.Values {
		t.Helper()
		p, err := url.Parse(string(u))
		if err != nil {
			t.Errorf("%q: %v", u, err)
			return nil
		}
		v, err := url.ParseQuery(p.RawQuery)
		if err != nil {
			t.Errorf("%q: %v", u, err)
		}
		return v
	}
	cases := []struct {
		name string
		got  url.Values
		want url.Values
	}{
		{"people", query(pageURL(odd, true, 2)), url.Values{"q": {odd}, "inactive": {"1"}, "page": {"2"}}},
		{"people without filters", query(pageURL("", false, 3)), url.Values{"page": {"3"}}},
		{"kudos", query(FeedQuery{Team: "1 & 2", Person: " 7", Competency: odd, Days: "30"}.olderURL("1700000000000000000-5")),
			url.Values{"team": {"1 & 2"}, "person": {" 7"}, "competency": {odd}, "days": {"30"}, "before": {"1700000000000000000-5"}}},
		{"kudos without filters", query(FeedQuery{}.olderURL("1-2")), url.Values{"before": {"1-2"}}},
		{"ritual slides", query(slideURL(PresentProps{Board: kudos.Board{Ritual: kudos.Ritual{ID: 4}}, At: "2026-01-05 & more"}, 3)),
			url.Values{"i": {"3"}, "at": {"2026-01-05 & more"}}},
	}
	for _, tc := range cases {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: link query %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

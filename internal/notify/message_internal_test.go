package notify

import (
	"strings"
	"testing"
)

// TestKudoMessageWithoutImpactEndsAtWhatTheyDid: a kudo from a retro card
// that does not say yet what it changed is posted without a dangling dash.
func TestKudoMessageWithoutImpactEndsAtWhatTheyDid(t *testing.T) {
	for _, tc := range []struct{ impact, want string }{
		{"", "*Ana* → Ben: Untangled the checklist\n"},
		{"Saved a day", "*Ana* → Ben: Untangled the checklist — Saved a day\n"},
	} {
		m := kudoMessage(kudoView{ID: 7, AuthorName: "Ana", Recipients: []string{"Ben"}, Did: "Untangled the checklist", Impact: tc.impact}, "https://rapport.example")
		if !strings.HasPrefix(m.Text, tc.want) {
			t.Errorf("impact %q: message %q, want it to start %q", tc.impact, m.Text, tc.want)
		}
	}
}

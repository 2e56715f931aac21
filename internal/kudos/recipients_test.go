package kudos

import (
	"fmt"
	"testing"
)

func TestRecipientTokensTakeHandlesNamesAndEmails(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "[]"},
		{" , ;\n", "[]"},
		{"@ana.ruiz, @sam.lee", "[@ana.ruiz @sam.lee]"},
		{"@Ana.Ruiz @sam.lee", "[@ana.ruiz @sam.lee]"},
		{"Camille Lefebvre, @sam", "[Camille Lefebvre @sam]"},
		{"Élodie; Łukasz Wróbel\nana@example.com", "[Élodie Łukasz Wróbel ana@example.com]"},
		{"thanks @ana", "[@ana]"},
	} {
		if got := fmt.Sprint(RecipientTokens(tc.in)); got != tc.want {
			t.Errorf("RecipientTokens(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

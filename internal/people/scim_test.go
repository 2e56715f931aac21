package people

import (
	"context"
	"strings"
	"testing"

	"rapport/internal/core"
)

func TestProvisionedUserInputRules(t *testing.T) {
	cases := []struct {
		name  string
		in    ProvisionedUserInput
		field string // "" when valid
	}{
		{"full", ProvisionedUserInput{Email: " Ana@Example.com ", GivenName: "Ana", FamilyName: "Ruiz", TimeZone: "Europe/Madrid"}, ""},
		{"name from its parts", ProvisionedUserInput{Email: "a@example.com", GivenName: "Ana"}, ""},
		{"no name at all", ProvisionedUserInput{Email: "a@example.com"}, "name"},
		{"userName not an address", ProvisionedUserInput{Email: "ana", Name: "Ana"}, "userName"},
		{"unknown time zone", ProvisionedUserInput{Email: "a@example.com", Name: "Ana", TimeZone: "Mars/Olympus"}, "timezone"},
		{"long title", ProvisionedUserInput{Email: "a@example.com", Name: "Ana", Title: strings.Repeat("t", 201)}, "title"},
		{"long external id", ProvisionedUserInput{Email: "a@example.com", Name: "Ana", ExternalID: strings.Repeat("x", 256)}, "externalId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.Normalize()
			fields := core.FieldErrors(in.Validate().Err())
			if c.field == "" && len(fields) > 0 {
				t.Fatalf("refused: %v", fields)
			}
			if c.field != "" && fields[c.field] == "" {
				t.Fatalf("no error on %s: %v", c.field, fields)
			}
		})
	}
	in := ProvisionedUserInput{Email: " Ana@Example.COM ", GivenName: " Ana ", FamilyName: "Ruiz"}
	in.Normalize()
	if in.Email != "ana@example.com" || in.Name != "Ana Ruiz" || in.TimeZone != "UTC" {
		t.Errorf("normalized: %+v", in)
	}
}

// A token that is not one of ours is refused before any lookup, with the
// same error as an unknown one.
func TestScimAuthenticateRefusesForeignTokens(t *testing.T) {
	s := &Scim{Clock: core.SystemClock{}} // no store: nothing may be looked up
	for _, tok := range []string{"", "Bearer", "hunter2", "rapport_scim", "rapport_scim_" + strings.Repeat("a", 300)} {
		if _, err := s.Authenticate(context.Background(), tok); err != errScimAuth {
			t.Errorf("%q: %v", tok, err)
		}
	}
}

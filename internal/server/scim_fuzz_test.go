package server

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"rapport/internal/people"
)

// FuzzScimRequests feeds arbitrary bodies and filters to the SCIM parsers: a
// request is either understood or refused with a 4xx SCIM error, and nothing
// it holds reaches the store unless PostgreSQL can keep it.
func FuzzScimRequests(f *testing.F) {
	for _, s := range []string{
		`{"userName": "a@example.com", "name": {"givenName": "A", "familyName": "B"}, "active": "False"}`,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "value": {"active": false}}]}`,
		`{"Operations": [{"op": "Replace", "path": "title", "value": "Lead"}]}`,
		`{"Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "7"}}]}`,
		`{"Operations": [{"op": "remove", "path": "members[value eq \"3\"]"}]}`,
		`{"Operations": [{"op": "add", "path": "members", "value": [{"value": "3"}, {"value": 4}]}]}`,
		`{"Operations": [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@example.com"}]}`,
		`{"displayName": "Atlas", "members": [{"value": "1", "type": "Group"}]}`,
		`{"userName": "\u0000@x"}`, `[]`, `{`, `{"Operations": []}`, `null`, `{"a": 1} {}`, "\xff",
		`userName eq "a@example.com"`, `members[value eq "1"]`, `title eq "\u0000"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fail := func(where string, err error) {
			var se *scimError
			if !errors.As(err, &se) || se.Status < 400 || se.Status >= 500 || se.Detail == "" {
				t.Fatalf("%s: %v is not a 4xx SCIM error", where, err)
			}
		}
		stored := func(in people.ProvisionedUserInput) {
			for _, s := range []string{in.Email, in.Name, in.GivenName, in.FamilyName, in.Title, in.ExternalID, in.TimeZone} {
				if !storableText(s) {
					t.Fatalf("unstorable text %q passed the parser", s)
				}
			}
		}
		req := httptest.NewRequest("POST", "/scim/v2/Users", strings.NewReader(body))
		if a, err := readSCIMBody(req); err != nil {
			fail("body", err)
		} else {
			st := &userState{ProvisionedUserInput: people.ProvisionedUserInput{Active: true}}
			if err := st.apply(a); err != nil {
				fail("user", err)
			} else {
				stored(st.finish())
			}
			if _, err := groupChange(a, true); err != nil {
				fail("group", err)
			}
		}
		req = httptest.NewRequest("PATCH", "/scim/v2/Users/1", strings.NewReader(body))
		if ops, err := readPatch(req); err != nil {
			fail("patch", err)
		} else {
			st := userStateFrom(people.ProvisionedUser{Person: people.Person{Email: "a@example.com", Name: "A"}})
			if err := st.applyPatch(ops); err != nil {
				fail("user patch", err)
			} else {
				stored(st.finish())
			}
			if _, err := groupPatch(ops); err != nil {
				fail("group patch", err)
			}
		}
		if _, v, err := parseEqFilter(body); err != nil {
			fail("filter", err)
		} else if !storableText(v) {
			t.Fatalf("filter value %q is not storable", v)
		}
	})
}

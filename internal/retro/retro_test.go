package retro

import (
	"strings"
	"testing"
)

func TestInputValidate(t *testing.T) {
	ok := Input{Title: "Sprint 9", Template: "ssc", VotesPerPerson: 3, MaxVotesPerCard: 3}
	cases := []struct {
		name  string
		edit  func(*Input)
		field string // "" when valid
	}{
		{"valid", func(*Input) {}, ""},
		{"blank title", func(in *Input) { in.Title = "  " }, "title"},
		{"long title", func(in *Input) { in.Title = strings.Repeat("x", 121) }, "title"},
		{"unknown template", func(in *Input) { in.Template = "nope" }, "template"},
		{"custom without columns", func(in *Input) { in.Template = "custom" }, "custom_columns"},
		{"custom with seven columns", func(in *Input) { in.Template = "custom"; in.CustomColumns = "a\nb\nc\nd\ne\nf\ng" }, "custom_columns"},
		{"custom named Kudos", func(in *Input) { in.Template = "custom"; in.CustomColumns = "Kudos" }, "custom_columns"},
		{"custom ok", func(in *Input) { in.Template = "custom"; in.CustomColumns = "Wins\n\n Worries \n" }, ""},
		{"no votes", func(in *Input) { in.VotesPerPerson = 0 }, "votes_per_person"},
		{"too many per card", func(in *Input) { in.MaxVotesPerCard = 21 }, "max_votes_per_card"},
		{"time box too long", func(in *Input) { in.TimeboxMinutes = 241 }, "timebox_minutes"},
		{"anonymous with kudos", func(in *Input) { in.Anonymous, in.Kudos = true, true }, "kudos"},
	}
	for _, c := range cases {
		in := ok
		c.edit(&in)
		v := in.Validate()
		if c.field == "" {
			if !v.Valid() {
				t.Errorf("%s: unexpected errors %v", c.name, v.Fields)
			}
			continue
		}
		if _, bad := v.Fields[c.field]; !bad {
			t.Errorf("%s: no error on %s (got %v)", c.name, c.field, v.Fields)
		}
	}
	in := Input{Template: "custom", CustomColumns: "Wins\n\n Worries \n"}
	if got := in.Columns(); len(got) != 2 || got[1] != "Worries" {
		t.Errorf("custom columns %q", got)
	}
}

func TestParseTopic(t *testing.T) {
	for s, want := range map[string]string{"c12": "c12", "g3": "g3", "x1": "", "c": "", "c-1": "", "g0": "", "cabc": ""} {
		ref, ok := ParseTopic(s)
		if got := ref.Key(); ok != (want != "") || got != want {
			t.Errorf("ParseTopic(%q) = %q, %v", s, got, ok)
		}
	}
}

func TestQuarterRate(t *testing.T) {
	for _, c := range []struct{ due, done, want int }{{0, 0, -1}, {3, 2, 67}, {4, 4, 100}, {2, 0, 0}} {
		if got := (Quarter{Due: c.due, DoneOnDue: c.done}).Rate(); got != c.want {
			t.Errorf("%d of %d: %d, want %d", c.done, c.due, got, c.want)
		}
	}
}

func TestAnonymousTagNeedsTheSecret(t *testing.T) {
	secret, other := NewSecret(), NewSecret()
	nonce := NewSecret()[:16]
	c := StoredCard{Nonce: nonce, Tag: tag(secret, nonce)}
	if !mine(c, 1, secret) {
		t.Error("the author's secret does not recognise their card")
	}
	if mine(c, 1, other) || mine(c, 1, nil) {
		t.Error("another secret, or none, recognises the card")
	}
	uid := int64(7)
	if !mine(StoredCard{AuthorID: &uid}, 7, nil) || mine(StoredCard{AuthorID: &uid}, 8, secret) {
		t.Error("named cards are recognised by their author id only")
	}
}

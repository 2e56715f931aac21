package review_test

import (
	"testing"

	"rapport/internal/review"
)

// Each part of a review is its writer's alone until it is submitted, for
// every viewer: the person, the reviewer, and anyone above them.
func TestEachPartIsItsWritersUntilSubmitted(t *testing.T) {
	const person, reviewer, leader = 1, 2, 3
	type parts struct{ self, manager bool }
	cases := []struct {
		state                          review.State
		asPerson, asReviewer, asOthers parts
	}{
		{review.StateDraft, parts{true, false}, parts{false, true}, parts{false, false}},
		{review.StateSelfSubmitted, parts{true, false}, parts{true, true}, parts{true, false}},
		{review.StateManagerSubmitted, parts{true, true}, parts{true, true}, parts{true, true}},
		{review.StateAcknowledged, parts{true, true}, parts{true, true}, parts{true, true}},
		{review.StateFinalised, parts{true, true}, parts{true, true}, parts{true, true}},
	}
	full := review.Rating{CompetencyID: 9, SelfRating: 1, SelfComment: "mine", ManagerRating: 4, ManagerComment: "theirs"}
	for _, c := range cases {
		p := review.Participant{PersonID: person, ManagerID: reviewer, State: c.state, Summary: "summary"}
		for _, v := range []struct {
			name   string
			viewer int64
			want   parts
		}{{"person", person, c.asPerson}, {"reviewer", reviewer, c.asReviewer}, {"leader", leader, c.asOthers}} {
			m := review.PermissionFor(v.viewer, p)
			got := parts{m.CanRead(review.SelfPart), m.CanRead(review.ManagerPart)}
			if got != v.want {
				t.Errorf("%s, %s: reads self %v manager %v, want %v %v", c.state, v.name, got.self, got.manager, v.want.self, v.want.manager)
			}
			// What is left of a rating and the summary follows the same answer.
			r := m.Rating(full)
			if (r.SelfRating != 0 || r.SelfComment != "") != v.want.self || (r.ManagerRating != 0 || r.ManagerComment != "") != v.want.manager {
				t.Errorf("%s, %s: rating left as %+v", c.state, v.name, r)
			}
			if (m.Participant(p).Summary != "") != v.want.manager {
				t.Errorf("%s, %s: summary %q", c.state, v.name, m.Participant(p).Summary)
			}
		}
	}
	// Nobody's draft is a reviewer's when the person has no manager.
	alone := review.Participant{PersonID: person, State: review.StateSelfSubmitted}
	if review.PermissionFor(0, alone).CanRead(review.ManagerPart) {
		t.Error("viewer 0 reads the manager part of a review without a reviewer")
	}
}

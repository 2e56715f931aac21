package review_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/postgres"
	"rapport/internal/review"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// org is a small organisation: Lea leads; Max manages Eve and Ian; Ola is
// an admin; Kim manages Sam in another part of the tree; Una is in another
// organisation.
type org struct {
	svc                               *review.Service
	f                                 testfx.Factory
	id                                int64
	lea, max, eve, ian, ola, kim, sam testfx.Person
	una                               testfx.Person
	cycle                             int64
	fw                                review.Framework
}

func (o *org) actor(p testfx.Person) core.Actor {
	return core.Actor{UserID: p.ID, OrgID: p.OrgID, Role: p.Role, Name: p.Name}
}

func setup(t *testing.T) *org {
	t.Helper()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := postgres.NewReviewStore(pool)
	o := &org{svc: review.NewService(st, core.FixedClock{T: time.Date(2026, 7, 5, 12, 0, 0, 0, time.UTC)}), f: testfx.Factory{Pool: pool}}
	o.id = o.f.Org(t, "Reviews")
	o.ola = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Ola Admin", Role: core.RoleAdmin})
	o.lea = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Lea Leader", Role: core.RoleLeader})
	o.max = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager, ManagerID: o.lea.ID})
	o.eve = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Eve Employee", ManagerID: o.max.ID})
	o.ian = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Ian Employee", ManagerID: o.max.ID})
	o.kim = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Kim Manager", Role: core.RoleManager})
	o.sam = o.f.Person(t, o.id, testfx.PersonOpts{Name: "Sam Employee", ManagerID: o.kim.ID})
	other := o.f.Org(t, "Elsewhere")
	o.una = o.f.Person(t, other, testfx.PersonOpts{Name: "Una Other", Role: core.RoleAdmin})
	id, err := o.svc.CreateCycle(ctx, o.actor(o.lea), review.CycleInput{Name: "2026 H1", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30",
		SelfDue: "2026-07-10", ManagerDue: "2026-07-24", Scope: "tree", RootID: o.lea.ID})
	if err != nil {
		t.Fatal(err)
	}
	o.cycle = id
	if o.fw, err = st.Framework(ctx, o.id, 0); err != nil {
		t.Fatal(err)
	}
	return o
}

// ratings fills every competency with the same rating.
func (o *org) ratings(v string) []review.RatingInput {
	var out []review.RatingInput
	for _, e := range o.fw.Entries {
		out = append(out, review.RatingInput{CompetencyID: e.CompetencyID, Rating: v, Comment: "Because " + e.Name})
	}
	return out
}

func TestCycleTakesTheLeadersTreeOnce(t *testing.T) {
	o := setup(t)
	ctx := context.Background()
	v, err := o.svc.Cycle(ctx, o.actor(o.lea), o.cycle)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Participants) != 3 {
		t.Fatalf("%d people in the cycle, want Max, Eve and Ian", len(v.Participants))
	}
	for _, p := range v.Participants {
		if p.PersonID == o.eve.ID && p.ManagerID != o.max.ID {
			t.Errorf("Eve's reviewer is %d, want Max", p.ManagerID)
		}
	}
	// Adding Eve again is refused and changes nothing.
	err = o.svc.AddPerson(ctx, o.actor(o.lea), o.cycle, o.eve.ID)
	if core.FieldErrors(err)["person_id"] != "This person is already in the cycle." {
		t.Errorf("second add of Eve: %v", err)
	}
	if n := o.f.Count(t, "SELECT count(*) FROM review_participants WHERE cycle_id = $1", o.cycle); n != 3 {
		t.Errorf("%d participants after the second add, want 3", n)
	}
	// Sam is outside Lea's part of the organisation.
	if err := o.svc.AddPerson(ctx, o.actor(o.lea), o.cycle, o.sam.ID); core.FieldErrors(err)["person_id"] == "" {
		t.Errorf("Lea added Sam from outside her tree: %v", err)
	}
	// The admin may add anyone.
	if err := o.svc.AddPerson(ctx, o.actor(o.ola), o.cycle, o.sam.ID); err != nil {
		t.Errorf("admin adding Sam: %v", err)
	}
	// The same name again is a conflict on the name field.
	_, err = o.svc.CreateCycle(ctx, o.actor(o.lea), review.CycleInput{Name: "2026 h1", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30",
		SelfDue: "2026-07-10", ManagerDue: "2026-07-24", Scope: "everyone"})
	if core.FieldErrors(err)["name"] == "" {
		t.Errorf("duplicate cycle name: %v", err)
	}
}

func TestCycleFormRejectsBadInput(t *testing.T) {
	cases := []struct {
		name  string
		in    review.CycleInput
		field string
	}{
		{"no name", review.CycleInput{PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30", SelfDue: "2026-07-01", ManagerDue: "2026-07-02", Scope: "everyone"}, "name"},
		{"end before start", review.CycleInput{Name: "X", PeriodStart: "2026-06-01", PeriodEnd: "2026-01-30", SelfDue: "2026-07-01", ManagerDue: "2026-07-02", Scope: "everyone"}, "period_end"},
		{"bad date", review.CycleInput{Name: "X", PeriodStart: "June", PeriodEnd: "2026-06-30", SelfDue: "2026-07-01", ManagerDue: "2026-07-02", Scope: "everyone"}, "period_start"},
		{"manager due before self", review.CycleInput{Name: "X", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30", SelfDue: "2026-07-10", ManagerDue: "2026-07-02", Scope: "everyone"}, "manager_due"},
		{"no scope", review.CycleInput{Name: "X", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30", SelfDue: "2026-07-01", ManagerDue: "2026-07-02"}, "scope"},
		{"team without team", review.CycleInput{Name: "X", PeriodStart: "2026-01-01", PeriodEnd: "2026-06-30", SelfDue: "2026-07-01", ManagerDue: "2026-07-02", Scope: "team"}, "team_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := review.ParseCycle(c.in)
			if core.FieldErrors(err)[c.field] == "" {
				t.Errorf("want a message on %s, got %v", c.field, err)
			}
		})
	}
}

func TestWhoMaySeeAReview(t *testing.T) {
	o := setup(t)
	ctx := context.Background()
	if err := o.svc.AddPerson(ctx, o.actor(o.ola), o.cycle, o.sam.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		who    testfx.Person
		person testfx.Person
		sees   bool
	}{
		{o.eve, o.eve, true},  // their own
		{o.eve, o.ian, false}, // a colleague's
		{o.max, o.eve, true},  // their report
		{o.lea, o.eve, true},  // their part of the org
		{o.ola, o.eve, true},  // admin
		{o.kim, o.eve, false}, // a manager elsewhere
		{o.lea, o.sam, false}, // outside the leader's part
		{o.kim, o.sam, true},
		{o.una, o.eve, false}, // another organisation
	}
	for _, c := range cases {
		_, err := o.svc.Review(ctx, o.actor(c.who), o.cycle, c.person.ID)
		if c.sees && err != nil {
			t.Errorf("%s should see %s's review: %v", c.who.Name, c.person.Name, err)
		}
		if !c.sees && core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("%s seeing %s's review: %v, want not found", c.who.Name, c.person.Name, err)
		}
	}
	// The cycle itself: Kim sees it through Sam, Una not at all.
	if _, err := o.svc.Cycle(ctx, o.actor(o.una), o.cycle); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("other org's admin: %v", err)
	}
	v, err := o.svc.Cycle(ctx, o.actor(o.kim), o.cycle)
	if err != nil || len(v.Participants) != 1 || v.Participants[0].PersonID != o.sam.ID {
		t.Errorf("Kim's view of the cycle: %v %+v", err, v.Participants)
	}
	v, _ = o.svc.Cycle(ctx, o.actor(o.eve), o.cycle)
	if len(v.Participants) != 1 {
		t.Errorf("Eve sees %d reviews in the cycle, want her own", len(v.Participants))
	}
}

func TestReviewMovesThroughItsStatesInOrder(t *testing.T) {
	o := setup(t)
	ctx := context.Background()
	eve, max, lea := o.actor(o.eve), o.actor(o.max), o.actor(o.lea)
	state := func() review.State {
		t.Helper()
		v, err := o.svc.Review(ctx, lea, o.cycle, o.eve.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v.Participant.State
	}

	// Out of order: the manager submits before the self-assessment.
	err := o.svc.SaveManager(ctx, max, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("3"), Submit: true})
	if core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("manager submit before self: %v", err)
	}
	if n := o.f.Count(t, "SELECT count(*) FROM review_ratings WHERE cycle_id = $1", o.cycle); n != 0 {
		t.Errorf("%d ratings stored by a refused submit", n)
	}
	// A rating outside the scale: clear message, nothing stored.
	bad := o.ratings("3")
	bad[0].Rating = "7"
	err = o.svc.SaveSelf(ctx, eve, o.cycle, o.eve.ID, review.ReviewInput{Ratings: bad})
	field := "rating_" + itoa(o.fw.Entries[0].CompetencyID)
	if core.FieldErrors(err)[field] != "Choose a rating from 1 to 4." {
		t.Errorf("rating 7: %v", err)
	}
	if n := o.f.Count(t, "SELECT count(*) FROM review_ratings WHERE cycle_id = $1", o.cycle); n != 0 {
		t.Errorf("%d ratings stored by a refused save", n)
	}
	// Submitting with a competency unrated is refused.
	partial := o.ratings("2")
	partial[1].Rating = ""
	if err := o.svc.SaveSelf(ctx, eve, o.cycle, o.eve.ID, review.ReviewInput{Ratings: partial, Submit: true}); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("submit with a gap: %v", err)
	}
	// The manager may draft before the self-assessment is in; Eve does not see it.
	if err := o.svc.SaveManager(ctx, max, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("3"), Summary: "Solid half"}); err != nil {
		t.Fatal(err)
	}
	v, _ := o.svc.Review(ctx, eve, o.cycle, o.eve.ID)
	for _, r := range v.Ratings {
		if r.ManagerRating != 0 || r.ManagerComment != "" || v.Participant.Summary != "" {
			t.Fatalf("Eve sees the manager's draft: %+v %q", r, v.Participant.Summary)
		}
	}
	if err := o.svc.SaveSelf(ctx, eve, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("2"), Submit: true}); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != review.StateSelfSubmitted {
		t.Fatalf("state %s after self submit", s)
	}
	// The self-assessment is locked once submitted.
	if err := o.svc.SaveSelf(ctx, eve, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("4")}); core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("editing a submitted self-assessment: %v", err)
	}
	// Finalising before acknowledgement is refused.
	if err := o.svc.Finalise(ctx, lea, o.cycle, o.eve.ID); core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("finalise too early: %v", err)
	}
	// Eve cannot write the manager's part.
	if err := o.svc.SaveManager(ctx, eve, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("4")}); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Errorf("Eve writing the manager part: %v", err)
	}
	if err := o.svc.SaveManager(ctx, max, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("3"), Summary: "Solid half", Submit: true}); err != nil {
		t.Fatal(err)
	}
	v, _ = o.svc.Review(ctx, eve, o.cycle, o.eve.ID)
	if v.Participant.Summary != "Solid half" || !v.Access.Acknowledge {
		t.Errorf("Eve after the manager submitted: summary %q, may acknowledge %v", v.Participant.Summary, v.Access.Acknowledge)
	}
	// Max cannot finalise (not a leader); Eve acknowledges.
	if err := o.svc.Acknowledge(ctx, eve, o.cycle, o.eve.ID, "Thanks, fair."); err != nil {
		t.Fatal(err)
	}
	if err := o.svc.Finalise(ctx, max, o.cycle, o.eve.ID); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Errorf("manager finalising: %v", err)
	}
	if err := o.svc.Finalise(ctx, lea, o.cycle, o.eve.ID); err != nil {
		t.Fatal(err)
	}
	if n := o.f.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'review.finalise'", o.id); n != 1 {
		t.Errorf("%d review.finalise audit rows", n)
	}
	// A finalised review changes no more.
	before := o.f.Count(t, "SELECT coalesce(sum(manager_rating), 0) FROM review_ratings WHERE cycle_id = $1", o.cycle)
	err = o.svc.SaveManager(ctx, max, o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("1")})
	if core.ErrorMessage(err) != "This review is finalised and can no longer be changed." {
		t.Errorf("editing a finalised review: %v", err)
	}
	if after := o.f.Count(t, "SELECT coalesce(sum(manager_rating), 0) FROM review_ratings WHERE cycle_id = $1", o.cycle); after != before {
		t.Errorf("ratings changed from %d to %d", before, after)
	}
	if err := o.svc.Finalise(ctx, lea, o.cycle, o.eve.ID); core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("finalising twice: %v", err)
	}
}

func TestRemindersRecordNoticesOnceAndOnlyWhileOutstanding(t *testing.T) {
	o := setup(t) // clock: 5 July; self due 10 July, manager due 24 July
	ctx := context.Background()
	n, err := o.svc.RecordReminders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // Max, Eve and Ian owe self-assessments; manager due is beyond the horizon
		t.Errorf("%d notices recorded, want 3", n)
	}
	if n, _ := o.svc.RecordReminders(ctx); n != 0 {
		t.Errorf("a second run recorded %d more", n)
	}
	h, err := o.svc.HomeFor(ctx, o.actor(o.eve))
	if err != nil || len(h.Notices) != 1 || h.Notices[0].Kind != "self" {
		t.Fatalf("Eve's notices: %v %+v", err, h.Notices)
	}
	if err := o.svc.SaveSelf(ctx, o.actor(o.eve), o.cycle, o.eve.ID, review.ReviewInput{Ratings: o.ratings("2"), Submit: true}); err != nil {
		t.Fatal(err)
	}
	if h, _ := o.svc.HomeFor(ctx, o.actor(o.eve)); len(h.Notices) != 0 {
		t.Errorf("Eve still has notices after submitting: %+v", h.Notices)
	}
}

func TestFrameworkEditIsAdminOnlyAndValidated(t *testing.T) {
	o := setup(t)
	ctx := context.Background()
	first := o.fw.Entries[0]
	in := review.FrameworkInput{Note: "Shorter", Entries: []review.Entry{{CompetencyID: first.CompetencyID, Name: "", Behaviour: "x", Result: "y"}}}
	if _, err := o.svc.SaveFramework(ctx, o.actor(o.lea), in); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Errorf("leader editing the framework: %v", err)
	}
	_, err := o.svc.SaveFramework(ctx, o.actor(o.ola), in)
	if core.FieldErrors(err)["name_"+itoa(first.CompetencyID)] == "" {
		t.Errorf("empty name: %v", err)
	}
	if n := o.f.Count(t, "SELECT count(*) FROM framework_versions WHERE org_id = $1", o.id); n != 1 {
		t.Errorf("%d versions after a refused edit", n)
	}
	in.Entries[0].Name = "Warm rapport"
	v, err := o.svc.SaveFramework(ctx, o.actor(o.ola), in)
	if err != nil || v.Number != 2 {
		t.Fatalf("save: %v %+v", err, v)
	}
	// The cycle keeps version 1's wording.
	cv, _ := o.svc.Cycle(ctx, o.actor(o.lea), o.cycle)
	if cv.Framework.Version.Number != 1 || cv.Framework.Entries[0].Name != first.Name {
		t.Errorf("cycle framework is version %d saying %q", cv.Framework.Version.Number, cv.Framework.Entries[0].Name)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package server_test

import (
	"fmt"

	"rapport/internal/testfx"
)

// reviewSubject is whose review a subject's request is about: the report
// (the manager's own) or, for "not own" subjects, the outsider.
func (w *world) reviewSubject(who string) int64 {
	if who == managerOther {
		return w.outsider.ID
	}
	return w.report.ID
}

// freshCycle makes a cycle in org A with the subject's person in it.
func (w *world) freshCycle(who string) int64 {
	return w.app.F.Cycle(w.t, w.orgA, testfx.CycleOpts{CreatedBy: w.admin.ID}, w.reviewSubject(who))
}

func cyclePathFor(suffix string) func(*world, string) string {
	return func(w *world, who string) string {
		return fmt.Sprintf("/reviews/%d%s", w.freshCycle(who), suffix)
	}
}

func reviewPathFor(suffix string) func(*world, string) string {
	return func(w *world, who string) string {
		return fmt.Sprintf("/reviews/%d/people/%d%s", w.freshCycle(who), w.reviewSubject(who), suffix)
	}
}

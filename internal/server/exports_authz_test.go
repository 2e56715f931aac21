package server_test

import (
	"fmt"

	"rapport/internal/testfx"
)

// exportAccess: managers of the person, leaders above them and admins; an
// employee's role may not export; a review out of reach is not found.
var exportAccess = statuses(303, 403, 200, 404, 200, 200, 404)

// exportCycle makes a cycle with the world's report for "own" subjects, and
// one with only the outsider (nobody's report) for the other manager.
func (w *world) exportCycle(who string) (cycleID, personID int64) {
	person := w.report.ID
	if who == managerOther {
		person = w.outsider.ID
	}
	return w.app.F.Cycle(w.t, w.orgA, testfx.CycleOpts{}, person), person
}

func exportPath(suffix string) func(*world, string) string {
	return func(w *world, who string) string {
		id, _ := w.exportCycle(who)
		return fmt.Sprintf("/exports/cycles/%d%s", id, suffix)
	}
}

func packetPath(suffix string) func(*world, string) string {
	return func(w *world, who string) string {
		id, person := w.exportCycle(who)
		return fmt.Sprintf("/exports/cycles/%d/people/%d/packet%s", id, person, suffix)
	}
}

package review

import "rapport/internal/core"

// StateError is the error for a change the review's state does not allow,
// worded for the person who tried it.
func StateError(st State) error {
	msg := "This review has moved on since the page was loaded; reload to see where it stands."
	switch st {
	case StateFinalised:
		msg = "This review is finalised and can no longer be changed."
	case StateAcknowledged:
		msg = "This review has been acknowledged; only a leader can finalise it now."
	case StateManagerSubmitted:
		msg = "The manager review is already submitted; the next step is the employee's acknowledgement."
	case StateSelfSubmitted:
		msg = "The self-assessment is already submitted and can no longer be changed."
	case StateDraft:
		msg = "The self-assessment has to be submitted first."
	}
	return &core.Error{Code: core.ECONFLICT, Message: msg}
}

package review

// Part is one side of a review: what the person reviewed writes about
// themselves, or what their reviewer writes.
type Part int

// The two parts of a review.
const (
	SelfPart    Part = iota + 1 // the self-assessment: ratings and comments
	ManagerPart                 // the manager's ratings, comments and summary
)

// Submitted reports whether the part is submitted in a review in state s.
func (s State) Submitted(part Part) bool {
	switch part {
	case SelfPart:
		return s == StateSelfSubmitted || s == StateManagerSubmitted || s == StateAcknowledged || s == StateFinalised
	case ManagerPart:
		return s == StateManagerSubmitted || s == StateAcknowledged || s == StateFinalised
	}
	return false
}

// Permission is what one viewer may read of one review they may see. It is
// the single rule behind every page, figure and export that shows ratings —
// the review page, the cycle's distribution and calibration, the CSV and
// XLSX sheets and the review packet — so none of them can show a draft the
// others hide, and no aggregate can be differenced to recover one.
//
// A part is its writer's alone until it is submitted: the self-assessment
// is the person's, the manager's part is the reviewer's. Nobody else — not
// the person reviewed, not the leaders above, not an admin — reads a part
// before it is submitted.
type Permission struct {
	self, manager bool
}

// PermissionFor returns what viewerID may read of p's review. Whether the
// viewer may see the review at all is decided before (Service.Review, the
// participant lists); this decides which of its parts.
func PermissionFor(viewerID int64, p Participant) Permission {
	return Permission{
		self:    viewerID == p.PersonID || p.State.Submitted(SelfPart),
		manager: (p.ManagerID != 0 && viewerID == p.ManagerID) || p.State.Submitted(ManagerPart),
	}
}

// CanRead reports whether the viewer may read a part.
func (m Permission) CanRead(part Part) bool {
	switch part {
	case SelfPart:
		return m.self
	case ManagerPart:
		return m.manager
	}
	return false
}

// Rating returns r with the parts the viewer may not read left out.
func (m Permission) Rating(r Rating) Rating {
	if !m.self {
		r.SelfRating, r.SelfComment = 0, ""
	}
	if !m.manager {
		r.ManagerRating, r.ManagerComment = 0, ""
	}
	return r
}

// Participant returns p with the manager's summary left out unless the
// viewer may read the manager's part.
func (m Permission) Participant(p Participant) Participant {
	if !m.manager {
		p.Summary = ""
	}
	return p
}

// readableRatings keeps of a cycle's ratings what the viewer may read, for
// the people listed (those whose reviews the viewer may see); a rating with
// nothing readable left is dropped, so even its existence says nothing.
func readableRatings(viewerID int64, people []Participant, rows []RatingRow) []RatingRow {
	perm := make(map[int64]Permission, len(people))
	for _, p := range people {
		perm[p.PersonID] = PermissionFor(viewerID, p)
	}
	out := make([]RatingRow, 0, len(rows))
	for _, r := range rows {
		m, ok := perm[r.PersonID]
		if !ok {
			continue
		}
		if !m.self {
			r.SelfRating = 0
		}
		if !m.manager {
			r.ManagerRating = 0
		}
		if r.SelfRating != 0 || r.ManagerRating != 0 {
			out = append(out, r)
		}
	}
	return out
}

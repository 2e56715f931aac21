package oneonone

import "time"

// CarryPoint is an unticked point of an earlier meeting that may carry over.
type CarryPoint struct {
	ID       int64
	Key      string    // the point's text, lower-cased: the same point raised twice is one
	RaisedAt time.Time // when it was first raised
}

// Carried is a point copied onto the next meeting, with the day it was first raised.
type Carried struct {
	ID       int64
	RaisedAt time.Time
}

// PlanCarryOver decides what carries over to a meeting whose open points
// are onAgenda (lower-cased text). Candidates come newest meeting first. A
// point carries once: the newest copy is copied on, keeping the earliest day
// any copy was raised; older copies, and every copy of a point already on
// the agenda, carry no further. Held meetings keep their points as they were.
func PlanCarryOver(cands []CarryPoint, onAgenda []string) (moves []Carried, copies []int64) {
	on := make(map[string]bool, len(onAgenda))
	for _, k := range onAgenda {
		on[k] = true
	}
	at := map[string]int{} // key → index in moves
	for _, c := range cands {
		if on[c.Key] {
			copies = append(copies, c.ID)
			continue
		}
		if i, ok := at[c.Key]; ok {
			if c.RaisedAt.Before(moves[i].RaisedAt) {
				moves[i].RaisedAt = c.RaisedAt
			}
			copies = append(copies, c.ID)
			continue
		}
		at[c.Key] = len(moves)
		moves = append(moves, Carried{ID: c.ID, RaisedAt: c.RaisedAt})
	}
	return moves, copies
}

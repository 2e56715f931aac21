package app

import (
	"context"
	"fmt"

	"rapport/internal/core"
	"rapport/internal/export"
	"rapport/internal/postgres"
	"rapport/internal/review"
)

// packets builds review packets from the review as its reader sees it on
// the review page, so a packet never shows more than the page does.
type packets struct {
	reviews *review.Service
	store   *postgres.ExportStore
}

// newExports wires the export service.
func newExports(store *postgres.ExportStore, reviews review.Store, clock core.Clock) *export.Service {
	svc := export.NewService(store, packets{reviews: review.NewService(reviews, clock), store: store}, clock)
	svc.Org = export.NewOrgService(store, clock)
	return svc
}

// Packet returns one person's packet, or not found when the actor may not
// see their review.
func (p packets) Packet(ctx context.Context, a core.Actor, cycleID, personID int64) (export.Packet, error) {
	v, err := p.reviews.Review(ctx, a, cycleID, personID)
	if err != nil {
		return export.Packet{}, err
	}
	org, email, team, err := p.store.ExportContact(ctx, a.OrgID, personID)
	if err != nil {
		return export.Packet{}, err
	}
	pk := export.Packet{
		Org: org, Cycle: v.Cycle.Name, PeriodStart: v.Cycle.PeriodStart, PeriodEnd: v.Cycle.PeriodEnd,
		Person: v.Participant.PersonName, Title: v.Participant.PersonTitle, Email: email, Team: team,
		Manager: v.Participant.ManagerName, State: string(v.Participant.State), Summary: v.Participant.Summary,
		AckComment: v.Participant.AckComment, Scale: map[int]string{}, Cues: postgres.ExportCues(v.Evidence.Cues),
	}
	for _, l := range v.Framework.Scale {
		pk.Scale[l.Value] = l.Label
	}
	names := map[int64]string{}
	for _, e := range v.Framework.Entries {
		names[e.CompetencyID] = e.Name
		r := v.Ratings[e.CompetencyID]
		pk.Competencies = append(pk.Competencies, export.PacketCompetency{
			Group: review.GroupLabel(e.Group), Name: e.Name, Description: e.Description,
			SelfRating: r.SelfRating, SelfComment: r.SelfComment, ManagerRating: r.ManagerRating, ManagerComment: r.ManagerComment,
			Evidence: v.Evidence.Counts[e.CompetencyID],
		})
	}
	for _, it := range v.Evidence.Items {
		kind := it.Kind.Label()
		if it.By != "" {
			kind = fmt.Sprintf("%s · %s", kind, it.By)
		}
		pk.Evidence = append(pk.Evidence, export.EvidenceItem{Date: it.At, Kind: kind, Competency: names[it.CompetencyID], Text: it.Text})
	}
	return pk, nil
}

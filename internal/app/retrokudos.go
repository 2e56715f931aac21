package app

import (
	"context"
	"fmt"

	"rapport/internal/core"
	"rapport/internal/kudos"
)

// retroKudos turns the cards of a closed retro's Kudos column into kudos
// through the kudos service, so they follow every rule of a kudo posted by
// hand (active recipients, no self-kudos, visibility).
type retroKudos struct{ kudos *kudos.Service }

// GiveFromRetro posts the card as a kudo from its author to the people it
// names with @handles; a card naming nobody else gives none (0).
func (k retroKudos) GiveFromRetro(ctx context.Context, orgID, authorID, teamID, cardID int64, body, visibility string) (int64, error) {
	resolve, err := k.kudos.Resolver(ctx, orgID, body)
	if err != nil {
		return 0, err
	}
	var to []int64
	for _, h := range kudos.Mentions(body) {
		if p, ok := resolve(h); ok && p.ID != authorID {
			to = append(to, p.ID)
		}
	}
	if len(to) == 0 {
		return 0, nil
	}
	// The card says what they did; what it changed is the author's to say.
	in := kudos.Input{RecipientIDs: to, Did: body, ImpactUntold: true,
		Visibility: kudos.VisTeam, TeamID: &teamID, IdemKey: fmt.Sprintf("retro-card-%d", cardID)}
	if visibility == "org" {
		in.Visibility, in.TeamID = kudos.VisOrg, nil
	}
	return k.kudos.Post(ctx, core.Actor{OrgID: orgID, UserID: authorID, Role: core.RoleEmployee}, in)
}

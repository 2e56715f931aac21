package notify

import (
	"context"
	"fmt"

	"rapport/internal/secrets"
)

// Admin is the webhook settings an admin manages, bound to a database. Every
// change is written to the organisation's audit log.
type Admin struct {
	Store Store
	// Keys seal the addresses saved.
	Keys *secrets.Keyring
	// Guard refuses addresses on internal networks (nil: all of them).
	Guard *Guard
}

// List returns the organisation's webhooks, addresses masked.
func (a Admin) List(ctx context.Context, orgID int64) ([]WebhookInfo, error) {
	return Webhooks(ctx, a.Store, orgID)
}

// Deliveries returns the latest deliveries, failures included.
func (a Admin) Deliveries(ctx context.Context, orgID int64, limit int) ([]Delivery, error) {
	return Deliveries(ctx, a.Store, orgID, limit)
}

// Set stores a team's webhook address. Setting the address it already has
// (a double submit) changes nothing and audits nothing.
func (a Admin) Set(ctx context.Context, orgID, teamID, actorID int64, url string) error {
	changed, err := setWebhook(ctx, a.Store, a.Keys, a.Guard, orgID, teamID, actorID, url)
	if err != nil || !changed {
		return err
	}
	return a.audit(ctx, orgID, actorID, "webhook.set", teamID)
}

// Remove deletes a team's webhook.
func (a Admin) Remove(ctx context.Context, orgID, teamID, actorID int64) error {
	if err := RemoveWebhook(ctx, a.Store, orgID, teamID); err != nil {
		return err
	}
	return a.audit(ctx, orgID, actorID, "webhook.remove", teamID)
}

func (a Admin) audit(ctx context.Context, orgID, actorID int64, action string, teamID int64) error {
	err := a.Store.CreateAuditEntry(ctx, orgID, actorID, action, fmt.Sprintf("team:%d", teamID))
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

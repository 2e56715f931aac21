package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rapport/internal/core"
)

// DB is what the webhook functions need from PostgreSQL: a *pgxpool.Pool, a
// *pgx.Conn and a pgx.Tx all fit.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// MaxURLLen is the longest webhook address accepted.
const MaxURLLen = 2048

// Delivery statuses (webhook_deliveries.status).
const (
	StatusPending   = "pending"   // attempted at least once, not delivered yet; retries follow
	StatusDelivered = "delivered" // the receiver answered 2xx
	StatusFailed    = "failed"    // every attempt failed; River gave up
	StatusSkipped   = "skipped"   // the kudo was deleted or made non-public, or the webhook removed, before delivery
)

// Delivery kinds (webhook_deliveries.kind).
const (
	KindKudo           = "kudo"
	KindRitualReminder = "ritual_reminder"
)

// WebhookInfo is a team's webhook as shown to admins: never the full address.
type WebhookInfo struct {
	TeamID    int64
	TeamName  string
	MaskedURL string // scheme, host and the last 4 characters, e.g. https://hooks.slack.com/…/XYZ9
	UpdatedAt time.Time
}

// Delivery is one notification to one team's webhook.
type Delivery struct {
	ID          int64
	TeamID      int64
	KudoID      int64 // 0 once the kudo is deleted, and for other kinds
	TeamName    string
	Kind        string
	Status      string
	LastError   string // short and free of secrets: "HTTP 500: ...", "no answer within 5s"
	Attempts    int
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// ValidateWebhookURL checks an address typed by an admin. It returns the trimmed
// address, or an EINVALID *core.Error whose Fields["url"] says what is wrong.
func ValidateWebhookURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	var v core.Validator
	switch {
	case s == "":
		v.Check(false, "url", "Enter the webhook address.")
	case utf8.RuneCountInString(s) > MaxURLLen || len(s) > MaxURLLen:
		v.Check(false, "url", "Keep the address to 2,048 characters or fewer.")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		v.Check(false, "url", "The address can't contain spaces.")
	default:
		u, err := url.Parse(s)
		switch {
		case err != nil || u.Scheme != "https" || u.Opaque != "":
			v.Check(false, "url", "Use an https:// address, like https://hooks.slack.com/services/….")
		case u.Hostname() == "":
			v.Check(false, "url", "The address needs a host name, like https://hooks.slack.com/services/….")
		case u.User != nil:
			v.Check(false, "url", "Leave the user name and password out of the address.")
		}
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	// url.Parse accepted the scheme in any case: store it the way the table's check
	// expects.
	return "https://" + s[len("https://"):], nil
}

// SetWebhook sets (or replaces) the team's incoming-webhook address. The address
// must be https:// with a host, at most 2,048 characters; otherwise the error is
// an EINVALID *core.Error with Fields["url"]. A team of another organisation is
// ENOTFOUND.
func SetWebhook(ctx context.Context, db DB, orgID, teamID, actorID int64, rawURL string) error {
	_, err := setWebhook(ctx, db, orgID, teamID, actorID, rawURL)
	return err
}

// setWebhook is SetWebhook that also says whether the address changed: the
// address the team already has is left alone.
func setWebhook(ctx context.Context, db DB, orgID, teamID, actorID int64, rawURL string) (bool, error) {
	u, err := ValidateWebhookURL(rawURL)
	if err != nil {
		return false, err
	}
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	tag, err := db.Exec(ctx, `
INSERT INTO team_webhooks (org_id, team_id, url, created_by, updated_by)
VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (team_id) DO UPDATE
   SET url = EXCLUDED.url, updated_by = EXCLUDED.updated_by, updated_at = now()
 WHERE team_webhooks.org_id = EXCLUDED.org_id AND team_webhooks.url <> EXCLUDED.url`, orgID, teamID, u, actor)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return false, core.NotFound("Team")
	}
	if err != nil {
		return false, fmt.Errorf("set webhook: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	// Nothing written: the team has this address already, or a webhook
	// under another organisation, which is not this one's.
	var same bool
	if err := db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM team_webhooks WHERE org_id = $1 AND team_id = $2 AND url = $3)",
		orgID, teamID, u).Scan(&same); err != nil {
		return false, fmt.Errorf("set webhook: %w", err)
	}
	if !same {
		return false, core.NotFound("Team")
	}
	return false, nil
}

// RemoveWebhook deletes the team's webhook; deliveries already queued for it are
// then skipped. A team without one is ENOTFOUND.
func RemoveWebhook(ctx context.Context, db DB, orgID, teamID int64) error {
	tag, err := db.Exec(ctx, "DELETE FROM team_webhooks WHERE org_id = $1 AND team_id = $2", orgID, teamID)
	if err != nil {
		return fmt.Errorf("remove webhook: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return core.NotFound("Webhook")
	}
	return nil
}

// Webhooks lists the organisation's team webhooks by team name, addresses masked.
func Webhooks(ctx context.Context, db DB, orgID int64) ([]WebhookInfo, error) {
	rows, err := db.Query(ctx, `
SELECT w.team_id, t.name, w.url, w.updated_at
  FROM team_webhooks w JOIN teams t ON t.id = w.team_id
 WHERE w.org_id = $1
 ORDER BY lower(t.name), t.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (WebhookInfo, error) {
		var w WebhookInfo
		var full string
		err := row.Scan(&w.TeamID, &w.TeamName, &full, &w.UpdatedAt)
		w.MaskedURL = MaskURL(full)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// Deliveries lists the organisation's most recent deliveries, newest first, with
// failures and their last error, for the admin page. limit is capped at 500.
func Deliveries(ctx context.Context, db DB, orgID int64, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := db.Query(ctx, `
SELECT d.id, d.team_id, coalesce(d.kudo_id, 0), t.name, d.kind, d.status, d.last_error,
       d.attempts, d.created_at, d.delivered_at
  FROM webhook_deliveries d JOIN teams t ON t.id = d.team_id
 WHERE d.org_id = $1
 ORDER BY d.created_at DESC, d.id DESC
 LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		err := row.Scan(&d.ID, &d.TeamID, &d.KudoID, &d.TeamName, &d.Kind, &d.Status, &d.LastError,
			&d.Attempts, &d.CreatedAt, &d.DeliveredAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}

// MaskURL shows a webhook address without its secret: scheme and host, then the
// last 4 characters when the rest is long enough to keep them from giving it away,
// e.g. https://hooks.slack.com/…/XYZ9. Logs, errors and pages only ever show this.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid address)"
	}
	head := u.Scheme + "://" + u.Host
	// Everything after the host is the secret part; show 4 characters of it only
	// when at least 12 stay hidden.
	rest := []rune(raw[strings.Index(raw, u.Host)+len(u.Host):])
	if len(rest) < 16 {
		return head + "/…"
	}
	return head + "/…/" + string(rest[len(rest)-4:])
}

// deliver posts body to a webhook and records the attempt's outcome through
// record: delivered, pending (River retries) or failed (the last attempt).
// It returns the post's error so River retries; a delivery that could not be
// recorded is not retried, since a retry would post it twice.
func (n *Notifier) deliver(ctx context.Context, log *slog.Logger, what, hook string, body []byte, attempt, maxAttempts int,
	record func(status, lastErr string, deliveredAt *time.Time) error) error {
	postErr := n.post(ctx, hook, body)

	status, lastErr := StatusDelivered, ""
	var deliveredAt *time.Time
	switch {
	case postErr == nil:
		t := n.clock.Now()
		deliveredAt = &t
	case attempt >= maxAttempts:
		status, lastErr = StatusFailed, postErr.Error()
	default:
		status, lastErr = StatusPending, postErr.Error()
	}
	if err := record(status, lastErr, deliveredAt); err != nil {
		if postErr == nil {
			// Delivered: a retry would post it twice. The row keeps its last state.
			log.ErrorContext(ctx, what+" delivered but not recorded", slog.String("webhook", MaskURL(hook)), slog.Any("err", err))
			return nil
		}
		log.ErrorContext(ctx, "record "+what+" attempt", slog.Any("err", err))
	}
	if postErr != nil {
		log.WarnContext(ctx, what+" delivery failed", slog.String("webhook", MaskURL(hook)),
			slog.String("err", postErr.Error()), slog.Bool("final", status == StatusFailed))
		return postErr
	}
	log.InfoContext(ctx, what+" delivered", slog.String("webhook", MaskURL(hook)))
	return nil
}

package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rapport/internal/core"
	"rapport/internal/secrets"
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
	MaskedURL string // scheme and host only, e.g. https://hooks.slack.com/…
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
	LastError   string // a class, free of secrets and network detail: "HTTP 500", "timed out", "address not allowed"
	Attempts    int
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// ValidateWebhookURL checks an address typed by an admin. It returns the trimmed
// address, or an EINVALID *core.Error whose Fields["url"] says what is wrong.
// guard refuses addresses on internal networks (nil refuses all of them).
func ValidateWebhookURL(raw string, guard *Guard) (string, error) {
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
		case guard.CheckHost(u.Hostname()) != nil:
			v.Check(false, "url", "This address is not allowed: it points to this server, a private network or a cloud metadata service. Use your chat service's public webhook address.")
		}
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	// url.Parse accepted the scheme in any case: store it the way the table's check
	// expects.
	return "https://" + s[len("https://"):], nil
}

// sealContext binds a sealed address to its team's row.
func sealContext(teamID int64) string { return "team_webhooks.url:" + strconv.FormatInt(teamID, 10) }

// SetWebhook sets (or replaces) the team's incoming-webhook address, sealed
// with keys. The address must be https:// with a host guard allows, at most
// 2,048 characters; otherwise the error is an EINVALID *core.Error with
// Fields["url"]. A team of another organisation is ENOTFOUND.
func SetWebhook(ctx context.Context, db DB, keys *secrets.Keyring, guard *Guard, orgID, teamID, actorID int64, rawURL string) error {
	_, err := setWebhook(ctx, db, keys, guard, orgID, teamID, actorID, rawURL)
	return err
}

// beginner is a DB that can open a transaction (a pool or a connection).
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// setWebhook is SetWebhook that also says whether the address changed: the
// address the team already has is left alone. Sealed addresses differ on
// every write, so the stored one is opened and compared, under a per-team
// transaction lock so that concurrent identical saves change it once.
func setWebhook(ctx context.Context, db DB, keys *secrets.Keyring, guard *Guard, orgID, teamID, actorID int64, rawURL string) (bool, error) {
	u, err := ValidateWebhookURL(rawURL, guard)
	if err != nil {
		return false, err
	}
	if keys == nil {
		return false, errors.New("set webhook: no secret key configured")
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return false, fmt.Errorf("set webhook: %w", err)
	}
	b, ok := db.(beginner)
	if !ok {
		return writeWebhook(ctx, db, keys, orgID, teamID, actorID, u, parsed.Host)
	}
	var changed bool
	err = pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('team_webhooks'), $1::int)", int32(teamID)); err != nil {
			return fmt.Errorf("set webhook: lock: %w", err)
		}
		var err error
		changed, err = writeWebhook(ctx, tx, keys, orgID, teamID, actorID, u, parsed.Host)
		return err
	})
	return changed, err
}

// writeWebhook stores u sealed unless the team already has exactly u.
func writeWebhook(ctx context.Context, db DB, keys *secrets.Keyring, orgID, teamID, actorID int64, u, host string) (bool, error) {
	if old, err := webhookAddress(ctx, db, keys, orgID, teamID); err == nil && old == u {
		return false, nil
	}
	keyID, sealed := keys.Seal([]byte(u), sealContext(teamID))
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	tag, err := db.Exec(ctx, `
INSERT INTO team_webhooks (org_id, team_id, url, url_sealed, url_key_id, url_host, created_by, updated_by)
VALUES ($1, $2, NULL, $3, $4, $5, $6, $6)
ON CONFLICT (team_id) DO UPDATE
   SET url = NULL, url_sealed = EXCLUDED.url_sealed, url_key_id = EXCLUDED.url_key_id,
       url_host = EXCLUDED.url_host, updated_by = EXCLUDED.updated_by, updated_at = now()
 WHERE team_webhooks.org_id = EXCLUDED.org_id`, orgID, teamID, sealed, keyID, truncate(strings.ToLower(host), 300), actor)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return false, core.NotFound("Team")
	}
	if err != nil {
		return false, fmt.Errorf("set webhook: %w", err)
	}
	if tag.RowsAffected() == 0 {
		// The team has a webhook under another organisation: it is not this one's.
		return false, core.NotFound("Team")
	}
	return true, nil
}

// errUnreadable is a stored address the configured keys cannot open.
var errUnreadable = errors.New("stored address unreadable")

// webhookAddress reads and opens the team's webhook address; pgx.ErrNoRows when
// the team has none. A row from before sealing is read as it is.
func webhookAddress(ctx context.Context, db DB, keys *secrets.Keyring, orgID, teamID int64) (string, error) {
	var plain, keyID *string
	var sealed []byte
	err := db.QueryRow(ctx, "SELECT url, url_sealed, url_key_id FROM team_webhooks WHERE org_id = $1 AND team_id = $2",
		orgID, teamID).Scan(&plain, &sealed, &keyID)
	if err != nil {
		return "", err
	}
	if plain != nil {
		return *plain, nil
	}
	if keys == nil || keyID == nil {
		return "", errUnreadable
	}
	b, err := keys.Open(*keyID, sealed, sealContext(teamID))
	if err != nil {
		return "", fmt.Errorf("%w: %w", errUnreadable, err)
	}
	return string(b), nil
}

// ResealResult counts what ResealWebhooks did.
type ResealResult struct {
	Sealed     int // plaintext rows from before sealing, now sealed
	Rotated    int // rows sealed by an old key, now sealed by the current one
	Unreadable int // rows sealed by a key that is not configured: left as they are
}

// ResealWebhooks seals every stored webhook address with the current key:
// plaintext rows and rows sealed by an old key. Run at every start and by
// `rapport secrets rotate`; running it twice changes nothing the second time.
// A row changed meanwhile by an admin is left to the admin's value.
func ResealWebhooks(ctx context.Context, db DB, keys *secrets.Keyring) (ResealResult, error) {
	var res ResealResult
	rows, err := db.Query(ctx, `
SELECT team_id, url, url_sealed, url_key_id FROM team_webhooks
 WHERE url IS NOT NULL OR url_key_id <> $1 ORDER BY team_id`, keys.CurrentID())
	if err != nil {
		return res, fmt.Errorf("reseal webhooks: %w", err)
	}
	type row struct {
		team   int64
		plain  *string
		sealed []byte
		keyID  *string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.team, &x.plain, &x.sealed, &x.keyID)
	})
	if err != nil {
		return res, fmt.Errorf("reseal webhooks: %w", err)
	}
	for _, x := range list {
		var addr []byte
		if x.plain != nil {
			addr = []byte(*x.plain)
		} else {
			addr, err = keys.Open(*x.keyID, x.sealed, sealContext(x.team))
			if err != nil {
				res.Unreadable++
				continue
			}
		}
		keyID, sealed := keys.Seal(addr, sealContext(x.team))
		var host string
		if u, err := url.Parse(string(addr)); err == nil {
			host = truncate(strings.ToLower(u.Host), 300)
		}
		tag, err := db.Exec(ctx, `
UPDATE team_webhooks SET url = NULL, url_sealed = $2, url_key_id = $3,
       url_host = CASE WHEN url_host = '' THEN $6 ELSE url_host END
 WHERE team_id = $1 AND url IS NOT DISTINCT FROM $4 AND url_sealed IS NOT DISTINCT FROM $5`,
			x.team, sealed, keyID, x.plain, x.sealed, host)
		if err != nil {
			return res, fmt.Errorf("reseal webhook of team %d: %w", x.team, err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		if x.plain != nil {
			res.Sealed++
		} else {
			res.Rotated++
		}
	}
	return res, nil
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
SELECT w.team_id, t.name, w.url_host, w.updated_at
  FROM team_webhooks w JOIN teams t ON t.id = w.team_id
 WHERE w.org_id = $1
 ORDER BY lower(t.name), t.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (WebhookInfo, error) {
		var w WebhookInfo
		var host string
		err := row.Scan(&w.TeamID, &w.TeamName, &host, &w.UpdatedAt)
		w.MaskedURL = "https://" + host + "/…"
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

// MaskURL shows a webhook address without its secret: scheme and host only,
// e.g. https://hooks.slack.com/…. Logs, errors and pages only ever show this.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid address)"
	}
	return u.Scheme + "://" + u.Host + "/…"
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
		detail := postErr.Error()
		var de *deliveryError
		if errors.As(postErr, &de) && de.detail != "" {
			detail = de.detail
		}
		log.WarnContext(ctx, what+" delivery failed", slog.String("webhook", MaskURL(hook)),
			slog.String("err", postErr.Error()), slog.String("detail", detail), slog.Bool("final", status == StatusFailed))
		return postErr
	}
	log.InfoContext(ctx, what+" delivered", slog.String("webhook", MaskURL(hook)))
	return nil
}

// failUnreadable is shown when the stored address does not open with the
// configured keys (the secret key was changed without keeping the old one).
const failUnreadable = "stored address unreadable: check the secret key"

// unreadable records an attempt whose stored address could not be opened, so
// the admin page says so, and fails it so River retries (the operator may
// restore the key meanwhile).
func (n *Notifier) unreadable(ctx context.Context, log *slog.Logger, err error, attempt, maxAttempts int,
	record func(status, lastErr string) error) error {
	status := StatusPending
	if attempt >= maxAttempts {
		status = StatusFailed
	}
	if rerr := record(status, failUnreadable); rerr != nil {
		log.ErrorContext(ctx, "record unreadable webhook", slog.Any("err", rerr))
	}
	log.ErrorContext(ctx, "webhook address does not open with the configured secret keys; set the key that sealed it as RAPPORT_SECRET_KEY_OLD",
		slog.Any("err", err))
	return &deliveryError{msg: failUnreadable}
}

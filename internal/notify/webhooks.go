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

	"github.com/jackc/pgx/v5/pgconn"

	"rapport/internal/core"
	"rapport/internal/secrets"
)

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
func SetWebhook(ctx context.Context, st Store, keys *secrets.Keyring, guard *Guard, orgID, teamID, actorID int64, rawURL string) error {
	_, err := setWebhook(ctx, st, keys, guard, orgID, teamID, actorID, rawURL)
	return err
}

// setWebhook is SetWebhook that also says whether the address changed: the
// address the team already has is left alone. Sealed addresses differ on
// every write, so the stored one is opened and compared, under a per-team
// transaction lock so that concurrent identical saves change it once.
func setWebhook(ctx context.Context, st Store, keys *secrets.Keyring, guard *Guard, orgID, teamID, actorID int64, rawURL string) (bool, error) {
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
	var changed bool
	err = st.InTx(ctx, func(tx Store) error {
		if err := tx.LockTeamWebhook(ctx, teamID); err != nil {
			return fmt.Errorf("set webhook: lock: %w", err)
		}
		var err error
		changed, err = writeWebhook(ctx, tx, keys, orgID, teamID, actorID, u, parsed.Host)
		return err
	})
	return changed, err
}

// writeWebhook stores u sealed unless the team already has exactly u.
func writeWebhook(ctx context.Context, st Store, keys *secrets.Keyring, orgID, teamID, actorID int64, u, host string) (bool, error) {
	if old, err := webhookAddress(ctx, st, keys, orgID, teamID); err == nil && old == u {
		return false, nil
	}
	keyID, sealed := keys.Seal([]byte(u), sealContext(teamID))
	saved, err := st.SaveWebhook(ctx, SealedWebhook{OrgID: orgID, TeamID: teamID, Sealed: sealed, KeyID: keyID,
		Host: truncate(strings.ToLower(host), 300), ActorID: actorID})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return false, core.NotFound("Team")
	}
	if err != nil {
		return false, fmt.Errorf("set webhook: %w", err)
	}
	if !saved {
		// The team has a webhook under another organisation: it is not this one's.
		return false, core.NotFound("Team")
	}
	return true, nil
}

// errUnreadable is a stored address the configured keys cannot open.
var errUnreadable = errors.New("stored address unreadable")

// webhookAddress reads and opens the team's webhook address; pgx.ErrNoRows when
// the team has none. A row from before sealing is read as it is.
func webhookAddress(ctx context.Context, st Store, keys *secrets.Keyring, orgID, teamID int64) (string, error) {
	w, err := st.FindWebhook(ctx, orgID, teamID)
	if err != nil {
		return "", err
	}
	plain, sealed, keyID := w.Plain, w.Sealed, w.KeyID
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
func ResealWebhooks(ctx context.Context, st Store, keys *secrets.Keyring) (ResealResult, error) {
	var res ResealResult
	list, err := st.WebhooksToReseal(ctx, keys.CurrentID())
	if err != nil {
		return res, fmt.Errorf("reseal webhooks: %w", err)
	}
	for _, x := range list {
		var addr []byte
		if x.Plain != nil {
			addr = []byte(*x.Plain)
		} else {
			addr, err = keys.Open(*x.KeyID, x.Sealed, sealContext(x.TeamID))
			if err != nil {
				res.Unreadable++
				continue
			}
		}
		keyID, sealed := keys.Seal(addr, sealContext(x.TeamID))
		var host string
		if u, err := url.Parse(string(addr)); err == nil {
			host = truncate(strings.ToLower(u.Host), 300)
		}
		resealed, err := st.ResealWebhook(ctx, x, SealedWebhook{TeamID: x.TeamID, Sealed: sealed, KeyID: keyID, Host: host})
		if err != nil {
			return res, fmt.Errorf("reseal webhook of team %d: %w", x.TeamID, err)
		}
		if !resealed {
			continue
		}
		if x.Plain != nil {
			res.Sealed++
		} else {
			res.Rotated++
		}
	}
	return res, nil
}

// RemoveWebhook deletes the team's webhook; deliveries already queued for it are
// then skipped. A team without one is ENOTFOUND.
func RemoveWebhook(ctx context.Context, st Store, orgID, teamID int64) error {
	found, err := st.DeleteWebhook(ctx, orgID, teamID)
	if err != nil {
		return fmt.Errorf("remove webhook: %w", err)
	}
	if !found {
		return core.NotFound("Webhook")
	}
	return nil
}

// Webhooks lists the organisation's team webhooks by team name, addresses masked.
func Webhooks(ctx context.Context, st Store, orgID int64) ([]WebhookInfo, error) {
	hooks, err := st.ListWebhooks(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out := make([]WebhookInfo, len(hooks))
	for i, w := range hooks {
		out[i] = WebhookInfo{TeamID: w.TeamID, TeamName: w.TeamName, MaskedURL: "https://" + w.Host + "/…", UpdatedAt: w.UpdatedAt}
	}
	return out, nil
}

// Deliveries lists the organisation's most recent deliveries, newest first, with
// failures and their last error, for the admin page. limit is capped at 500.
func Deliveries(ctx context.Context, st Store, orgID int64, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	out, err := st.ListDeliveries(ctx, orgID, limit)
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
		n.delivered.Add(1)
	case attempt >= maxAttempts:
		status, lastErr = StatusFailed, postErr.Error()
		n.failed.Add(1)
	default:
		status, lastErr = StatusPending, postErr.Error()
		n.retried.Add(1)
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

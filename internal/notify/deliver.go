package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// DeliverKudo is the job that posts one kudo to one team's webhook.
type DeliverKudo struct {
	OrgID  int64 `json:"org_id"`
	KudoID int64 `json:"kudo_id"`
	TeamID int64 `json:"team_id"`
}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (DeliverKudo) Kind() string { return "notify_deliver_kudo" }

// InsertOpts puts the job on the notifications queue, once per kudo and team.
func (DeliverKudo) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// maxErrorLen bounds last_error (the column allows 300 characters).
const maxErrorLen = 280

type kudoWorker struct {
	river.WorkerDefaults[DeliverKudo]
	n *Notifier
}

// Timeout leaves room for the POST and the bookkeeping around it.
func (w *kudoWorker) Timeout(*river.Job[DeliverKudo]) time.Duration { return 30 * time.Second }

// Work delivers the kudo unless it already was, or it is gone or no longer public,
// or the team's webhook was removed. It returns an error (so River retries with
// backoff) when the POST fails or the receiver answers anything but 2xx.
func (w *kudoWorker) Work(ctx context.Context, job *river.Job[DeliverKudo]) error {
	n, a := w.n, job.Args
	log := n.log.With(slog.Int64("job_id", job.ID), slog.Int64("org_id", a.OrgID),
		slog.Int64("kudo_id", a.KudoID), slog.Int64("team_id", a.TeamID), slog.Int("attempt", job.Attempt))

	status, err := n.store.KudoDeliveryStatus(ctx, a.KudoID, a.TeamID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read delivery: %w", err)
	}
	if status == StatusDelivered || status == StatusSkipped {
		return nil
	}

	k, err := loadKudo(ctx, n.store, a.OrgID, a.KudoID)
	if errors.Is(err, errNotPublic) {
		return w.skip(ctx, job, log, "The kudo was deleted or is no longer visible to everyone.")
	}
	if err != nil {
		return err
	}
	hook, err := webhookAddress(ctx, n.store, n.keys, a.OrgID, a.TeamID)
	if errors.Is(err, pgx.ErrNoRows) {
		return w.skip(ctx, job, log, "The team's webhook was removed.")
	}
	if errors.Is(err, errUnreadable) {
		return n.unreadable(ctx, log, err, job.Attempt, job.MaxAttempts, func(status, lastErr string) error {
			return recordAttempt(ctx, n.store, job.ID, a, status, lastErr, nil)
		})
	}
	if err != nil {
		return fmt.Errorf("read webhook: %w", err)
	}

	body, err := json.Marshal(kudoMessage(k, n.baseURL))
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	return n.deliver(ctx, log, "webhook", hook, body, job.Attempt, job.MaxAttempts,
		func(status, lastErr string, deliveredAt *time.Time) error {
			return recordAttempt(ctx, n.store, job.ID, a, status, lastErr, deliveredAt)
		})
}

// skip ends the job without posting. A row left by an earlier attempt is marked
// skipped; when there was none, none is written (a kudo deleted before its first
// attempt leaves no trace).
func (w *kudoWorker) skip(ctx context.Context, job *river.Job[DeliverKudo], log *slog.Logger, reason string) error {
	a := job.Args
	// A deleted kudo's rows have lost their kudo_id: the job id still finds them.
	err := w.n.store.SkipKudoDelivery(ctx, job.ID, a, reason)
	if err != nil {
		return fmt.Errorf("record skipped delivery: %w", err)
	}
	log.InfoContext(ctx, "webhook delivery skipped", slog.String("reason", reason))
	return nil
}

// recordAttempt upserts the delivery row by its unique key, so every attempt of a
// job (and a job enqueued twice) updates one row. A delivered row is final.
func recordAttempt(ctx context.Context, st Store, jobID int64, a DeliverKudo, status, lastErr string, deliveredAt *time.Time) error {
	err := st.RecordKudoAttempt(ctx, jobID, a, Attempt{Status: status, LastError: truncate(lastErr, maxErrorLen), DeliveredAt: deliveredAt})
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	return nil
}

// post sends body to the webhook. A failure is reported as a class (see
// classifySendError) so admins never see transport detail; the detail, with
// the address masked, goes to the operator's log only.
func (n *Notifier) post(ctx context.Context, hook string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, PostTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return &deliveryError{msg: "invalid address", detail: "invalid webhook address " + MaskURL(hook)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Rapport-Webhooks/1")
	resp, err := n.http.Do(req)
	if err != nil {
		return &deliveryError{msg: classifySendError(err), detail: printable(err.Error(), hook)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	// The receiver's answer stays out of what admins see: on an allowed private
	// network it could be any internal service's page.
	msg := "HTTP " + strconv.Itoa(resp.StatusCode)
	return &deliveryError{msg: msg, detail: msg + ": " + printable(string(snippet), hook)}
}

// deliveryError is a failed attempt: msg is what admins see and what is
// stored, detail (masked) is for the operator's log.
type deliveryError struct{ msg, detail string }

func (e *deliveryError) Error() string { return e.msg }

// Failure classes shown to admins.
const (
	failNotAllowed = "address not allowed"
	failTimeout    = "timed out"
	failTLS        = "TLS error"
	failConnect    = "connection failed"
)

// classifySendError names a transport failure's class. Refused and reset
// connections, unknown names and unreachable networks are all "connection
// failed", so the page cannot be used to map which ports answer where.
func classifySendError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrAddressNotAllowed):
		return failNotAllowed
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return failTimeout
	case isTLSError(err):
		return failTLS
	}
	return failConnect
}

func isTLSError(err error) bool {
	var (
		verr  *tls.CertificateVerificationError
		rerr  tls.RecordHeaderError
		aerr  tls.AlertError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cierr x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &rerr) || errors.As(err, &aerr) || errors.As(err, &uaerr) ||
		errors.As(err, &herr) || errors.As(err, &cierr) || strings.Contains(err.Error(), "tls: ")
}

// printable keeps msg to one short line of printable text with the address masked.
func printable(msg, hook string) string {
	masked := MaskURL(hook)
	msg = strings.ReplaceAll(msg, hook, masked)
	if u, err := url.Parse(hook); err == nil && len(u.EscapedPath()) > 8 {
		msg = strings.ReplaceAll(msg, u.EscapedPath(), "/…")
	}
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, msg)
	return truncate(strings.Join(strings.Fields(msg), " "), 160)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

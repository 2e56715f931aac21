// Package notify sends outgoing notifications (Slack-compatible team webhooks)
// from background jobs run by River on the application's PostgreSQL database.
//
// Jobs are enqueued inside the transaction of the change they announce, so a
// rolled-back change never notifies and a committed one always does. Delivery is
// at least once: a job retries with backoff until the receiver answers 2xx, and
// webhook_deliveries keeps one row per notification and team with its status,
// attempts and last error for the admin page. A crash between a successful POST
// and recording it can repeat that one message; nothing else can.
//
// A periodic job (RemindRituals, every RemindEvery) also reminds teams of their
// recognition rituals shortly before each ritual moment, once per moment.
//
// Webhook addresses are secrets: they are stored in team_webhooks sealed with
// the configured keys (internal/secrets) and only ever shown, logged or
// recorded masked (MaskURL). Deliveries only reach public addresses, plus the
// private ranges the operator allows (Guard), checked on every connection.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"rapport/internal/core"
	"rapport/internal/secrets"
)

// Defaults.
const (
	// Queue is the River queue notification jobs run on.
	Queue = "notifications"

	DefaultWorkers     = 4
	DefaultMaxAttempts = 8

	// PostTimeout bounds one POST to a webhook.
	PostTimeout = 5 * time.Second
)

// Options tune a Notifier. The zero value is production-ready apart from BaseURL.
type Options struct {
	// HTTPClient posts to webhooks; nil uses a client with PostTimeout. Redirects are
	// never followed, whichever client is given: a redirect is a failed attempt.
	// Its Transport must be nil or an *http.Transport: its dialing is replaced by
	// the address guard's, and it uses no proxy.
	HTTPClient *http.Client
	// Keys open the stored webhook addresses. Required.
	Keys *secrets.Keyring
	// AllowPrivate lists private ranges deliveries may reach anyway (an
	// on-premise chat server); every other internal address is refused.
	AllowPrivate []netip.Prefix
	// Resolver looks up webhook hosts; nil is the system's.
	Resolver *net.Resolver
	// Workers is how many deliveries run at once in this process (default 4).
	Workers int
	// BaseURL is the public address that links in messages point to, e.g.
	// https://rapport.example.com; empty leaves links out.
	BaseURL string
	// Clock stamps delivered_at and decides which ritual reminders are due or
	// stale; nil is the system clock.
	Clock core.Clock

	// MaxAttempts is how many times a delivery is tried before it is marked failed
	// (default 8).
	MaxAttempts int
	// RetryPolicy decides when a failed attempt is retried. nil is River's default:
	// attempt⁴ seconds ±10% (1 s, 16 s, 81 s, 4 min, 10 min, 22 min, 40 min), so
	// the 8 default attempts span about 80 minutes. Tests pass a fast policy.
	RetryPolicy river.ClientRetryPolicy
	// FetchPollInterval is how often idle workers look for due jobs when no
	// LISTEN/NOTIFY wake-up arrives; retries are found this way. 0 is River's
	// default (1 s).
	FetchPollInterval time.Duration
	// JobRetention is how long River keeps finished (completed, cancelled
	// or discarded) jobs; 0 is River's defaults (a day, a week discarded).
	JobRetention time.Duration

	// AddWorkers, when set, registers the workers of other job kinds (the
	// outbox's) with this process's one River client, and Queues lists the
	// queues they run on: one client per process keeps one leader election,
	// so the periodic reminders run on whichever replica leads.
	AddWorkers func(*river.Workers) error
	Queues     map[string]river.QueueConfig
}

// Notifier owns the River client and enqueues notification jobs. One per process:
// New, then Start to work jobs, Stop on shutdown. A Notifier that is never
// started still enqueues (for commands that post kudos but run no workers).
type Notifier struct {
	store   Store
	client  *river.Client[pgx.Tx]
	log     *slog.Logger
	http    *http.Client
	keys    *secrets.Keyring
	guard   *Guard
	baseURL string
	clock   core.Clock
	// Reviews, when set, records review reminders on the RemindReviews schedule.
	Reviews ReviewReminders
	// Pulses, when set, writes the reminders of open pulse rounds.
	Pulses PulseReminders
	// Mail, when set, writes reminder emails of people's own work: actions
	// due, tomorrow's 1:1s, review deadlines.
	Mail MailReminders
	// Prunes are the tables the retention job trims (PruneOld).
	Prunes []Prune
	// Digests, when set, writes the weekly manager and monthly leader
	// digests.
	Digests Digests
	// Resets, when set, handles password-reset requests (ResetRequested jobs).
	Resets PasswordResets

	// Delivery attempts by outcome, for the metrics endpoint.
	delivered, retried, failed atomic.Uint64
}

// DeliveryStats counts webhook delivery attempts by outcome.
type DeliveryStats struct {
	Delivered uint64 // the receiver answered 2xx
	Retried   uint64 // failed; River tries again later
	Failed    uint64 // failed on the last attempt: given up
}

// DeliveryStats returns this process's delivery attempts so far.
func (n *Notifier) DeliveryStats() DeliveryStats {
	return DeliveryStats{Delivered: n.delivered.Load(), Retried: n.retried.Load(), Failed: n.failed.Load()}
}

// New builds a Notifier whose jobs run on pool and whose deliveries read and
// write through store, on the same database. It must be migrated (River's
// tables included: see MigrateRiver).
func New(pool *pgxpool.Pool, store Store, log *slog.Logger, opts Options) (*Notifier, error) {
	if pool == nil {
		return nil, errors.New("notify: nil pool")
	}
	if store == nil {
		return nil, errors.New("notify: nil store")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Clock == nil {
		opts.Clock = core.SystemClock{}
	}
	if opts.Keys == nil {
		return nil, errors.New("notify: no secret keys to open webhook addresses")
	}
	guard := NewGuard(opts.AllowPrivate)
	hc := &http.Client{Timeout: PostTimeout}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		hc = &c
	}
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, fmt.Errorf("notify: HTTPClient.Transport is a %T, want an *http.Transport", hc.Transport)
	}
	// Every connection goes through the guard, which checks the address it
	// actually connects to; a proxy would connect on our behalf, unchecked.
	tr.Proxy = nil
	tr.DialTLSContext = nil
	d := newDialer()
	d.Resolver = opts.Resolver
	tr.DialContext = guard.dialContext(d)
	hc.Transport = tr
	// A redirect could carry the message to a host nobody configured.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	n := &Notifier{store: store, log: log, http: hc, keys: opts.Keys, guard: guard, baseURL: opts.BaseURL, clock: opts.Clock}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &kudoWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &remindWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &reminderWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &reviewReminderWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &mailReminderWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &digestWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &pulseReminderWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &resetWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &pruneWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if opts.AddWorkers != nil {
		if err := opts.AddWorkers(workers); err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
	}
	queues := map[string]river.QueueConfig{Queue: {MaxWorkers: opts.Workers}}
	for name, q := range opts.Queues {
		queues[name] = q
	}
	// River refuses a poll interval below its fetch cooldown (100 ms by default).
	var cooldown time.Duration
	if opts.FetchPollInterval > 0 && opts.FetchPollInterval < 100*time.Millisecond {
		cooldown = opts.FetchPollInterval
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:            RiverSchema,
		Logger:            log,
		Workers:           workers,
		Queues:            queues,
		MaxAttempts:       opts.MaxAttempts,
		RetryPolicy:       opts.RetryPolicy,
		FetchPollInterval: opts.FetchPollInterval,
		FetchCooldown:     cooldown,
		// Deliveries are short; a stuck one is cut off well before River's default.
		JobTimeout: time.Minute,
		// On shutdown, running deliveries get this long before their contexts are
		// cancelled; a cancelled one is retried after the next start.
		SoftStopTimeout: 2 * PostTimeout,
		// Only the elected leader runs them, so replicas do not each enqueue them.
		PeriodicJobs: []*river.PeriodicJob{remindRitualsJob(), remindReviewsJob(), remindPulsesJob(), remindMailJob(), pruneOldJob(), digestMailJob()},
		// Finished jobs are kept this long (River's own retention), then
		// River's maintenance deletes them.
		CompletedJobRetentionPeriod: opts.JobRetention,
		CancelledJobRetentionPeriod: opts.JobRetention,
		DiscardedJobRetentionPeriod: opts.JobRetention,
	})
	if err != nil {
		return nil, fmt.Errorf("notify: River client: %w", err)
	}
	n.client = client
	return n, nil
}

// Jobs is the River client, for other packages' jobs to be inserted in
// their transactions (InsertTx).
func (n *Notifier) Jobs() *river.Client[pgx.Tx] { return n.client }

// Start starts working jobs in the background. ctx should live as long as the
// process: cancelling it stops the workers, like Stop.
func (n *Notifier) Start(ctx context.Context) error {
	if err := n.client.Start(ctx); err != nil {
		return fmt.Errorf("notify: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running deliveries to finish, until ctx
// ends. Jobs not worked yet stay queued for the next start.
func (n *Notifier) Stop(ctx context.Context) error {
	if err := n.client.Stop(ctx); err != nil {
		return fmt.Errorf("notify: stop: %w", err)
	}
	return nil
}

// KudoPosted enqueues, inside the caller's transaction, one delivery job per team
// webhook the kudo should reach: only organisation-wide kudos (visibility 'org')
// are sent, to the webhooks of the teams its recipients belong to. Call it after
// the kudo and its recipients are inserted, in the same transaction, so a
// rolled-back kudo never notifies and a committed one always does.
//
// Calling it again for the same kudo (an edit that makes it public, a retried
// request) enqueues nothing new while the first jobs are kept by River (a day
// after completion), and a delivered notification is never sent twice.
//
// A nil *Notifier does nothing, so stores may hold one optionally.
func (n *Notifier) KudoPosted(ctx context.Context, tx pgx.Tx, orgID, kudoID int64) error {
	if n == nil {
		return nil
	}
	teams, err := n.store.WithTx(tx).KudoWebhookTeams(ctx, orgID, kudoID)
	if err != nil {
		return fmt.Errorf("notify: teams to notify: %w", err)
	}
	if len(teams) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(teams))
	for i, teamID := range teams {
		params[i] = river.InsertManyParams{Args: DeliverKudo{OrgID: orgID, KudoID: kudoID, TeamID: teamID}}
	}
	if _, err := n.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("notify: enqueue kudo deliveries: %w", err)
	}
	return nil
}

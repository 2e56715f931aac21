// Package app wires Rapport's parts together: each domain's store on the
// pool, the domain services and the HTTP server. The command and the end-to-end tests share it.
package app

import (
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/digest"
	"rapport/internal/health"
	"rapport/internal/kudos"
	"rapport/internal/live"
	"rapport/internal/mail"
	"rapport/internal/metrics"
	"rapport/internal/notify"
	"rapport/internal/oneonone"
	"rapport/internal/outcomes"
	"rapport/internal/people"
	"rapport/internal/postgres"
	"rapport/internal/pulse"
	"rapport/internal/retro"
	"rapport/internal/review"
	"rapport/internal/secrets"
	"rapport/internal/server"
	"rapport/internal/sso"
)

// App is a wired Rapport instance.
type App struct {
	// Accounts and Limits are kept for the periodic pruning of sessions'
	// owners and of idle rate-limit counters.
	Accounts  *postgres.AccountStore
	Limits    *postgres.LimitStore
	People    *people.Service
	OneOnOnes *oneonone.Service
	Kudos     *kudos.Service
	Retros    *retro.Service
	Health    *health.Service
	Pulses    *pulse.Service
	Reviews   *review.Service
	Notifier  *notify.Notifier
	Outbox    *mail.Outbox
	// Live fans changes out to open pages; Start it to serve event streams.
	Live *live.Hub
	// SSO is single sign-on with each organisation's identity provider.
	SSO    *sso.Service
	Server *server.Server
	// Metrics holds this instance's Prometheus metrics; serve its Handler on
	// a listener of its own.
	Metrics *metrics.Metrics
}

// Options tune an App.
type Options struct {
	Clock      core.Clock
	HashParams *auth.Params // nil: production argon2id parameters
	// SessionCleanup is how often expired sessions are deleted; 0 disables it.
	SessionCleanup time.Duration
	// Keys seal stored secrets (webhook addresses). nil uses a random key for
	// this process only, which is fit for tests: `rapport serve` always passes
	// the configured one.
	Keys *secrets.Keyring
	// WebhookAllowPrivate lists private ranges webhooks may reach anyway.
	WebhookAllowPrivate []netip.Prefix
	// Pools other than the request pool, each optional (nil: the request
	// pool). Apart, readiness checks and background jobs answer while pages
	// saturate the request pool, and exports never take its connections.
	ReadyPool  *pgxpool.Pool // answers /readyz
	JobsPool   *pgxpool.Pool // the job queue (River) and its workers
	ExportPool *pgxpool.Pool // cycle exports, one connection each

	// MailSender delivers email; nil: email is not configured, and messages
	// stay in the outbox for admins to read.
	MailSender mail.Sender
	// MailFrom is the messages' sender; empty: Rapport at the base URL's host.
	MailFrom mail.Address
	// Retention says how long what piles up is kept (docs/operations.md,
	// "Retention"); a zero field keeps it for ever (River and live events:
	// their defaults).
	Retention Retention
}

// Retention is how long each kind of record is kept before the retention
// job, River or the live hub deletes it.
type Retention struct {
	WebhookDeliveries time.Duration // finished deliveries
	Outbox            time.Duration // messages no longer waiting to be sent
	Audit             time.Duration // audit log entries
	Notifications     time.Duration // in-app notifications, read or not
	LiveEvents        time.Duration // live update events (the hub prunes them)
	Jobs              time.Duration // finished River jobs
}

// New wires an App on an open, migrated pool. Background jobs are enqueued
// from the start; call Notifier.Start to also work them in this process, and
// Live.Start to serve live updates.
func New(pool *pgxpool.Pool, cfg server.Config, log *slog.Logger, opts Options) (*App, error) {
	if opts.Clock == nil {
		opts.Clock = core.SystemClock{}
	}
	jobs, ready := pool, pool
	if opts.JobsPool != nil {
		jobs = opts.JobsPool
	}
	if opts.ReadyPool != nil {
		ready = opts.ReadyPool
	}
	if opts.Keys == nil {
		raw, err := secrets.ParseKey(secrets.GenerateKey())
		if err != nil {
			return nil, err
		}
		if opts.Keys, err = secrets.NewKeyring(raw); err != nil {
			return nil, err
		}
	}
	outbox := mail.NewOutbox(postgres.NewOutboxStore(jobs), mail.Options{Sender: opts.MailSender, From: opts.MailFrom,
		BaseURL: cfg.BaseURL, Clock: opts.Clock, Log: log, Signer: opts.Keys})
	n, err := notify.New(jobs, postgres.NewNotifyStore(jobs), log, notify.Options{BaseURL: cfg.BaseURL, Clock: opts.Clock, Keys: opts.Keys, AllowPrivate: opts.WebhookAllowPrivate,
		AddWorkers: outbox.AddWorkers, Queues: map[string]river.QueueConfig{mail.Queue: {MaxWorkers: 2}}, JobRetention: opts.Retention.Jobs})
	if err != nil {
		return nil, err
	}
	n.Prunes = []notify.Prune{
		{Name: "webhook deliveries", Keep: opts.Retention.WebhookDeliveries, Delete: postgres.NewNotifyStore(jobs).PruneDeliveries},
		{Name: "outbox", Keep: opts.Retention.Outbox, Delete: postgres.NewOutboxStore(jobs).PruneOutbox},
		{Name: "audit log", Keep: opts.Retention.Audit, Delete: postgres.NewAuditStore(jobs).PruneAudit},
		{Name: "notifications", Keep: opts.Retention.Notifications, Delete: postgres.NewOutboxStore(jobs).PruneNotifications},
	}
	outbox.SetJobs(n.Jobs())
	accounts := postgres.NewAccountStore(pool, outbox)
	limits := postgres.NewLimitStore(pool)
	svc := people.NewService(postgres.NewPeopleStore(pool, outbox), accounts, opts.Clock, log)
	svc.Tokens = accounts
	if opts.HashParams != nil {
		svc.HashParams = *opts.HashParams
	}
	svc.Resets = n
	n.Resets = svc
	meetings := oneonone.NewService(postgres.NewMeetingStore(pool), opts.Clock)
	kd := kudos.NewService(postgres.NewKudosStore(pool, n).WithMail(outbox), opts.Clock)
	rt := retro.NewService(postgres.NewRetroStore(pool), opts.Clock)
	rt.Kudos = retroKudos{kudos: kd}
	reviewStore := postgres.NewReviewStore(pool)
	rv := review.NewService(reviewStore, opts.Clock)
	hl := health.NewService(postgres.NewHealthStore(pool), opts.Clock)
	ps := pulse.NewService(postgres.NewPulseStore(pool, outbox), opts.Clock)
	n.Reviews = rv
	// The reminder job reads and writes on the jobs pool, like every
	// background job: never on the connections pages wait for.
	n.Pulses = pulse.NewService(postgres.NewPulseStore(jobs, outbox), opts.Clock)
	reminders := postgres.NewReminderStore(jobs, outbox)
	n.Mail = reminders
	// The digests read through the services their pages use, as their
	// recipient, on the jobs pool too.
	n.Digests = &digest.Service{Store: reminders,
		CheckIns:    oneonone.NewService(postgres.NewMeetingStore(jobs), opts.Clock),
		Recognition: kudos.NewService(postgres.NewKudosStore(jobs, n), opts.Clock),
		Reviews:     review.NewService(postgres.NewReviewStore(jobs), opts.Clock)}
	sessions := postgres.NewSessionStore(pool, opts.SessionCleanup)
	hub := live.NewHub(pool, postgres.NewLiveStore(pool), log)
	if opts.Retention.LiveEvents > 0 {
		hub.Retention = opts.Retention.LiveEvents
	}
	m, err := newMetrics(pool, opts, hub, n)
	if err != nil {
		return nil, err
	}
	guard := notify.NewGuard(opts.WebhookAllowPrivate)
	// Identity providers are reached like webhooks: never on internal
	// networks unless the operator allows the range.
	signOn := &sso.Service{Store: postgres.NewSSOStore(pool), Keys: opts.Keys, Clock: opts.Clock, Log: log,
		HTTP: guard.HTTPClient(15 * time.Second), CallbackURL: strings.TrimRight(cfg.BaseURL, "/") + "/sso/callback"}
	srv := server.New(cfg, log, server.Services{SSO: signOn, People: svc, OneOnOnes: meetings, Kudos: kd, Retros: rt, Health: hl, Pulses: ps, Outcomes: outcomes.NewService(postgres.NewOutcomeStore(pool), opts.Clock), Webhooks: notify.Admin{Store: postgres.NewNotifyStore(pool), Keys: opts.Keys, Guard: guard}, Live: hub, Audit: audit.NewService(postgres.NewAuditStore(pool)), Exports: newExports(postgres.NewExportStore(pool, opts.ExportPool), reviewStore, opts.Clock), Reviews: rv, Limits: limits, Observer: m, Scim: &people.Scim{Store: postgres.NewSCIMStore(pool), Clock: opts.Clock},
		Outbox:    mail.Admin{Store: postgres.NewOutboxStore(pool), Outbox: outbox},
		MailPrefs: mail.Preferences{Store: postgres.NewOutboxStore(pool), Signer: opts.Keys, Clock: opts.Clock},
		Inbox:     mail.Inbox{Store: postgres.NewOutboxStore(pool), Clock: opts.Clock},
		Reads:     postgres.NewReads(pool)}, ready, sessions, opts.Clock)
	return &App{Accounts: accounts, Limits: limits, People: svc, OneOnOnes: meetings, Kudos: kd, Retros: rt, Health: hl, Pulses: ps, Reviews: rv, Notifier: n, Outbox: outbox, Live: hub, SSO: signOn, Server: srv, Metrics: m}, nil
}

// jobStatsTTL is how long the job queue's counts are reused between
// scrapes: one grouped query over River's table at most this often.
const jobStatsTTL = 15 * time.Second

// newMetrics registers every part's collectors: the pools by name, the job
// queue (read on the jobs pool), live streams and webhook deliveries.
func newMetrics(pool *pgxpool.Pool, opts Options, hub *live.Hub, n *notify.Notifier) (*metrics.Metrics, error) {
	m := metrics.New()
	pools := map[string]*pgxpool.Pool{"pages": pool, "readiness": opts.ReadyPool, "jobs": opts.JobsPool, "exports": opts.ExportPool}
	jobs := pool
	if opts.JobsPool != nil {
		jobs = opts.JobsPool
	}
	err := m.Register(
		metrics.NewPoolCollector(pools),
		metrics.NewJobCollector(postgres.JobStats(jobs), jobStatsTTL),
		metrics.NewLiveCollector(func() metrics.LiveCounts {
			s := hub.Stats()
			return metrics.LiveCounts{Open: s.Open, FannedOut: s.FannedOut, StreamsCut: s.StreamsCut}
		}),
		metrics.NewWebhookCollector(func() metrics.WebhookCounts {
			s := n.DeliveryStats()
			return metrics.WebhookCounts{Delivered: s.Delivered, Retried: s.Retried, Failed: s.Failed}
		}),
	)
	return m, err
}

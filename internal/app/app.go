// Package app wires Rapport's parts together: the store on a pool, the domain
// services and the HTTP server. The command and the end-to-end tests share it.
package app

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/live"
	"rapport/internal/mail"
	"rapport/internal/notify"
	"rapport/internal/oneonone"
	"rapport/internal/people"
	"rapport/internal/postgres"
	"rapport/internal/retro"
	"rapport/internal/review"
	"rapport/internal/secrets"
	"rapport/internal/server"
)

// App is a wired Rapport instance.
type App struct {
	Store     *postgres.Store
	People    *people.Service
	OneOnOnes *oneonone.Service
	Kudos     *kudos.Service
	Retros    *retro.Service
	Reviews   *review.Service
	Notifier  *notify.Notifier
	Outbox    *mail.Outbox
	// Live fans changes out to open pages; Start it to serve event streams.
	Live   *live.Hub
	Server *server.Server
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
		BaseURL: cfg.BaseURL, Clock: opts.Clock, Log: log})
	n, err := notify.New(jobs, postgres.NewNotifyStore(jobs), log, notify.Options{BaseURL: cfg.BaseURL, Clock: opts.Clock, Keys: opts.Keys, AllowPrivate: opts.WebhookAllowPrivate,
		AddWorkers: outbox.AddWorkers, Queues: map[string]river.QueueConfig{mail.Queue: {MaxWorkers: 2}}})
	if err != nil {
		return nil, err
	}
	outbox.SetJobs(n.Jobs())
	store := postgres.NewStore(pool)
	store.Notify = n
	store.Mail = outbox
	store.Exports = opts.ExportPool
	svc := people.NewService(store, opts.Clock, log)
	if opts.HashParams != nil {
		svc.HashParams = *opts.HashParams
	}
	svc.Resets = n
	n.Resets = svc
	ones := oneonone.NewService(store, opts.Clock)
	kd := kudos.NewService(store, opts.Clock)
	rt := retro.NewService(store, opts.Clock)
	rt.Kudos = retroKudos{kudos: kd}
	rv := review.NewService(store, opts.Clock)
	n.Reviews = rv
	sessions := postgres.NewSessionStore(pool, opts.SessionCleanup)
	hub := live.NewHub(pool, postgres.NewLiveStore(pool), log)
	srv := server.New(cfg, log, server.Services{People: svc, OneOnOnes: ones, Kudos: kd, Retros: rt, Webhooks: notify.Admin{Store: postgres.NewNotifyStore(pool), Keys: opts.Keys, Guard: notify.NewGuard(opts.WebhookAllowPrivate)}, Live: hub, Audit: audit.NewService(store), Exports: newExports(store, opts.Clock), Reviews: rv, Limits: store,
		Outbox: mail.Admin{Store: postgres.NewOutboxStore(pool), Outbox: outbox}}, ready, sessions, opts.Clock)
	return &App{Store: store, People: svc, OneOnOnes: ones, Kudos: kd, Retros: rt, Reviews: rv, Notifier: n, Outbox: outbox, Live: hub, Server: srv}, nil
}

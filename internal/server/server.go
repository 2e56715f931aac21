// Package server is Rapport's HTTP layer: one route table, middleware, and a
// handler file per feature. It imports the domain packages and the views,
// never the storage package.
package server

import (
	"context"
	"github.com/go-chi/httprate"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"rapport/internal/audit"
	"rapport/internal/core"
	"rapport/internal/export"
	"rapport/internal/health"
	"rapport/internal/kudos"
	"rapport/internal/live"
	"rapport/internal/mail"
	"rapport/internal/notify"
	"rapport/internal/oneonone"
	"rapport/internal/outcomes"
	"rapport/internal/people"
	"rapport/internal/pulse"
	"rapport/internal/retro"
	"rapport/internal/review"
	"rapport/internal/sso"
)

// Config holds the HTTP layer's settings.
type Config struct {
	// BaseURL is the public address, used in links shown to people.
	BaseURL string
	// SecureCookies marks cookies Secure and names the session cookie with
	// the __Host- prefix. On unless the deployment is plain HTTP off localhost.
	SecureCookies bool
	// TrustProxy makes the server believe X-Forwarded-For/-Proto headers.
	TrustProxy      bool
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	RequestTimeout  time.Duration
	MaxBodyBytes    int64
	// LoginPerIP is sign-in and reset requests allowed per address per
	// LoginWindow. LoginPerAccount is sign-in attempts at one account from
	// one address before each further one waits twice as long as the last
	// (LoginWindow, 2×LoginWindow, … up to LoginMaxDelay); and reset
	// requests per account per LoginWindow. The counters live in the
	// database, so every replica shares them.
	LoginPerIP      int
	LoginPerAccount int
	LoginWindow     time.Duration
	LoginMaxDelay   time.Duration
	// TraceQueries tallies each request's database statements: the access
	// log line gets "queries" and "db_ms", the response X-Queries and a
	// Server-Timing entry. For finding round trips; off in normal serving.
	TraceQueries bool
	// Exports is how many cycle exports may run at once; more are turned
	// away with 503 and Retry-After. It matches the export pool's size.
	Exports int
	// ExportTimeout bounds one export.
	ExportTimeout time.Duration
	// PerPersonRequests is how many requests of one signed-in person are
	// served at once; more are turned away with 503 and Retry-After, so
	// that one person cannot take the whole connection pool. 0: no limit.
	PerPersonRequests int
	// APIRequestsPerMinute is how many API requests one personal access
	// token may make a minute; more are answered 429 with Retry-After.
	APIRequestsPerMinute int
}

// DefaultConfig returns production defaults.
func DefaultConfig() Config {
	return Config{
		BaseURL:              "http://localhost:8080",
		APIRequestsPerMinute: 300,
		SecureCookies:        true,
		SessionIdle:          12 * time.Hour,
		SessionLifetime:      7 * 24 * time.Hour,
		RequestTimeout:       30 * time.Second,
		MaxBodyBytes:         2 << 20,
		LoginPerIP:           20,
		LoginPerAccount:      5,
		LoginWindow:          time.Minute,
		LoginMaxDelay:        time.Hour,
		Exports:              2,
		ExportTimeout:        10 * time.Minute,
	}
}

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds the HTTP layer's dependencies.
type Server struct {
	cfg       Config
	log       *slog.Logger
	people    *people.Service
	meetings  *oneonone.Service // 1:1 series and meetings
	kudos     *kudos.Service
	retros    *retro.Service
	health    *health.Service
	pulses    *pulse.Service
	outcomes  *outcomes.Service
	webhooks  notify.Admin
	live      *live.Hub
	audit     *audit.Service
	exports   *export.Service
	reviews   *review.Service
	sso       *sso.Service
	scim      *people.Scim
	outbox    mail.Admin
	mailPrefs mail.Preferences
	inbox     mail.Inbox
	db        Pinger
	sessions  *scs.SessionManager
	clock     core.Clock

	throttle *people.Throttle

	router chi.Router

	// draining is set when shutdown starts: /readyz answers 503 so load
	// balancers stop sending requests, which are still served meanwhile.
	draining atomic.Bool
	// running counts each person's requests in flight (fairShare).
	running inFlight
	// apiLimiter counts each personal access token's API requests.
	apiLimiter *httprate.RateLimiter
	// exportSlots holds one token per running export.
	exportSlots chan struct{}
	// exportsCtx ends every running export when shutdown cuts them.
	exportsCtx  context.Context
	stopExports context.CancelFunc

	observer Observer   // nil: nothing recorded
	reads    core.Reads // nil: reads run together still run in turn
}

// Services are the domain services the handlers call.
type Services struct {
	People    *people.Service
	OneOnOnes *oneonone.Service
	Kudos     *kudos.Service
	Retros    *retro.Service
	// Health runs team health checks.
	Health *health.Service
	// Pulses runs pulse surveys.
	Pulses *pulse.Service
	// Outcomes relates relationship signals to who stayed and who left.
	Outcomes *outcomes.Service
	Webhooks notify.Admin
	// Live streams changes to the browsers watching them (server-sent events).
	Live    *live.Hub
	Audit   *audit.Service
	Exports *export.Service
	Reviews *review.Service
	// Limits keeps the sign-in and reset rate limits, shared by every replica.
	Limits people.LimitStore
	// Outbox is the email outbox as admins read it.
	Outbox mail.Admin
	// MailPrefs are the kinds of email each person receives.
	MailPrefs mail.Preferences
	// Inbox is each person's in-app notifications (the bell).
	Inbox mail.Inbox
	// Scim holds the organisations' SCIM tokens and provisions through them.
	Scim *people.Scim
	// SSO is single sign-on with each organisation's OpenID Connect provider.
	SSO *sso.Service
	// Observer, when set, records requests and exports for the metrics
	// endpoint.
	Observer Observer
	// Reads, when set, sends the statements of reads a page runs together
	// in shared round trips (core.Together); without it they run in turn.
	Reads core.Reads
}

// Observer records what the HTTP layer does, for metrics.
type Observer interface {
	// StartRequest counts a request in flight until the returned function
	// is called.
	StartRequest() func()
	// Request records an answered request by its route pattern ("" when no
	// route matched), never its raw path.
	Request(route, method string, status int, d time.Duration)
	// Export records a cycle export: its rows, its length and whether it
	// was complete.
	Export(format string, rows int64, d time.Duration, complete bool)
}

// New wires a server. store is the scs session store (the Postgres one in
// production).
func New(cfg Config, log *slog.Logger, svc Services, db Pinger, store scs.Store, clock core.Clock) *Server {
	sm := scs.New()
	sm.Store = store
	// scs's own IdleTimeout rewrites the session row on every request; the
	// idle timeout is enforced in loadActor instead, with at most one write a
	// minute per session.
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Secure = cfg.SecureCookies
	sm.Cookie.Name = "rapport_session"
	if cfg.SecureCookies {
		sm.Cookie.Name = "__Host-rapport_session"
	}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if core.Overloaded(err) {
			log.Warn("session: overloaded", "err", err, "path", r.URL.Path)
			w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
			http.Error(w, core.ErrorMessage(err), http.StatusServiceUnavailable)
			return
		}
		log.Error("session", "err", err, "path", r.URL.Path)
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
	}
	s := &Server{
		cfg: cfg, log: log, people: svc.People, meetings: svc.OneOnOnes, kudos: svc.Kudos, retros: svc.Retros, health: svc.Health, pulses: svc.Pulses, outcomes: svc.Outcomes, webhooks: svc.Webhooks, live: svc.Live, audit: svc.Audit, exports: svc.Exports, reviews: svc.Reviews, sso: svc.SSO, scim: svc.Scim, outbox: svc.Outbox, mailPrefs: svc.MailPrefs, inbox: svc.Inbox, db: db, sessions: sm, clock: clock, observer: svc.Observer, reads: svc.Reads,
		throttle: &people.Throttle{Store: svc.Limits, Clock: clock, FreeAttempts: cfg.LoginPerAccount,
			Window: cfg.LoginWindow, MaxDelay: cfg.LoginMaxDelay, Forget: 24 * time.Hour},
	}
	if cfg.Exports <= 0 {
		cfg.Exports = 1
	}
	if cfg.ExportTimeout <= 0 {
		cfg.ExportTimeout = DefaultConfig().ExportTimeout
	}
	s.cfg = cfg
	s.exportSlots = make(chan struct{}, cfg.Exports)
	s.exportsCtx, s.stopExports = context.WithCancel(context.Background())
	if cfg.APIRequestsPerMinute > 0 {
		s.apiLimiter = s.newAPILimiter()
	}
	s.router = s.buildRouter()
	return s
}

// Drain starts a shutdown's drain window: /readyz answers 503 from now on,
// so that load balancers take this replica out, while requests are still
// served; responses ask clients to close their connections, so that kept-
// alive ones move to other replicas too.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }

// StopExports cuts every running export: its download breaks off (the
// client sees an incomplete transfer, never a short file that looks whole)
// and the audit log marks it incomplete. Shutdown calls it once the drain
// window is over.
func (s *Server) StopExports() { s.stopExports() }

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.router }

// Router exposes the chi router, for walking the route table.
func (s *Server) Router() chi.Router { return s.router }

// Sessions exposes the session manager (tests inspect tokens).
func (s *Server) Sessions() *scs.SessionManager { return s.sessions }

package notify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"rapport/internal/core"
	"rapport/internal/notify"
	"rapport/internal/postgres"
	"rapport/internal/secrets"
	"rapport/internal/testdb"
)

var dsn string

func TestMain(m *testing.M) {
	testdb.Main(m, &dsn)
}

// The tests share one database and run one after another: a started Notifier
// works every queued notification job, so each test waits for its own jobs.

const secret = "T0001/B0002/SECRETTOKEN" // the part of a webhook address that must never leak

// testKeys seal the addresses the tests store.
var testKeys = mustKeyring(secrets.GenerateKey())

// loopbackAllowed lets deliveries reach the tests' receivers on 127.0.0.1 and
// ::1, as an operator's --webhook-allow-private does for an on-premise server.
// Without it every delivery here would be refused.
var loopbackAllowed = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

var loopbackGuard = notify.NewGuard(loopbackAllowed)

func mustKeyring(current string, old ...string) *secrets.Keyring {
	parse := func(s string) []byte {
		k, err := secrets.ParseKey(s)
		if err != nil {
			panic(err)
		}
		return k
	}
	var olds [][]byte
	for _, o := range old {
		olds = append(olds, parse(o))
	}
	k, err := secrets.NewKeyring(parse(current), olds...)
	if err != nil {
		panic(err)
	}
	return k
}

func openPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// world is an organisation with an author, Alice and Bob in team Platform, Carol
// in team Sales, and Dave in no team.
type world struct {
	org, author, alice, bob, carol, dave int64
	platform, sales                      int64
}

func newWorld(t *testing.T, pool *pgxpool.Pool) world {
	t.Helper()
	ctx := context.Background()
	var w world
	tag := randHex(4)
	must(t, pool.QueryRow(ctx, "INSERT INTO orgs (name) VALUES ($1) RETURNING id", "Org "+tag).Scan(&w.org))
	person := func(name string) int64 {
		var id int64
		must(t, pool.QueryRow(ctx, "INSERT INTO users (org_id, email, name) VALUES ($1, $2, $3) RETURNING id",
			w.org, strings.ToLower(name)+"-"+tag+"@example.com", name).Scan(&id))
		return id
	}
	team := func(name string, members ...int64) int64 {
		var id int64
		must(t, pool.QueryRow(ctx, "INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id", w.org, name).Scan(&id))
		for _, m := range members {
			_, err := pool.Exec(ctx, "INSERT INTO team_members (org_id, team_id, user_id) VALUES ($1, $2, $3)", w.org, id, m)
			must(t, err)
		}
		return id
	}
	w.author, w.alice, w.bob, w.carol, w.dave = person("Ada Author"), person("Alice"), person("Bob"), person("Carol"), person("Dave")
	w.platform = team("Platform", w.alice, w.bob)
	w.sales = team("Sales", w.carol)
	return w
}

// insertKudo writes a kudo the way the kudo store does, with one competency.
func insertKudo(t *testing.T, tx pgx.Tx, w world, vis string, recipients ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	var teamID *int64
	if vis == "team" {
		teamID = &w.platform
	}
	var id int64
	must(t, tx.QueryRow(ctx, `
INSERT INTO kudos (org_id, author_id, did, impact, visibility, team_id, idem_key)
VALUES ($1, $2, $3, $4, $5::kudo_visibility, $6, $7) RETURNING id`,
		w.org, w.author, "Untangled the <deploy> pipeline & wrote it up", "Releases take ten minutes instead of an hour",
		vis, teamID, randHex(8)).Scan(&id))
	_, err := tx.Exec(ctx, "INSERT INTO kudo_recipients (org_id, kudo_id, user_id) SELECT $1, $2, unnest($3::bigint[])",
		w.org, id, recipients)
	must(t, err)
	_, err = tx.Exec(ctx, "INSERT INTO kudo_competencies (kudo_id, competency_id) SELECT $1, id FROM competencies WHERE key = 'rapport'", id)
	must(t, err)
	return id
}

// postKudo inserts a kudo and enqueues its notifications in one committed transaction.
func postKudo(t *testing.T, pool *pgxpool.Pool, n *notify.Notifier, w world, vis string, recipients ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		id = insertKudo(t, tx, w, vis, recipients...)
		return n.KudoPosted(ctx, tx, w.org, id)
	})
	must(t, err)
	return id
}

// receiver is a webhook endpoint (TLS, since only https:// addresses are accepted)
// that answers 500 to its first `fail` requests and 200 afterwards.
type receiver struct {
	srv *httptest.Server

	mu        sync.Mutex
	fail      int
	requests  int
	successes int
	bodies    [][]byte
	paths     []string
	onRequest func(n int)
}

func newReceiver(t *testing.T, fail int) *receiver {
	t.Helper()
	r := &receiver{fail: fail}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests++
		n := r.requests
		r.bodies = append(r.bodies, body)
		r.paths = append(r.paths, req.URL.Path)
		failing := n <= r.fail
		if !failing {
			r.successes++
		}
		hook := r.onRequest
		r.mu.Unlock()
		if hook != nil {
			hook(n)
		}
		if req.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want JSON", http.StatusUnsupportedMediaType)
			return
		}
		if failing {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/services/" + secret }

func (r *receiver) counts() (requests, successes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, r.successes
}

// fastRetry retries after a fixed short delay instead of River's attempt⁴ seconds.
type fastRetry struct{ after time.Duration }

func (p fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(p.after) }

// syncBuffer collects log output from River's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNotifier starts a Notifier posting to r, stopped when the test ends. The
// returned buffer holds everything it logged.
func startNotifier(t *testing.T, pool *pgxpool.Pool, r *receiver, opts notify.Options) (*notify.Notifier, *syncBuffer) {
	t.Helper()
	n, logs := newNotifier(t, pool, r, opts)
	must(t, n.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := n.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return n, logs
}

func newNotifier(t *testing.T, pool *pgxpool.Pool, r *receiver, opts notify.Options) (*notify.Notifier, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	if r != nil {
		opts.HTTPClient = r.srv.Client()
	}
	opts.BaseURL = "https://rapport.example.com/"
	if opts.Keys == nil {
		opts.Keys = testKeys
	}
	if opts.AllowPrivate == nil {
		opts.AllowPrivate = loopbackAllowed
	}
	if opts.RetryPolicy == nil {
		opts.RetryPolicy = fastRetry{after: 20 * time.Millisecond}
	}
	opts.FetchPollInterval = 50 * time.Millisecond
	n, err := notify.New(pool, postgres.NewNotifyStore(pool), slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), opts)
	must(t, err)
	return n, logs
}

// jobState is the state of the kudo's delivery job for team, "" when there is none.
func jobState(t *testing.T, pool *pgxpool.Pool, kudoID, teamID int64) (state string, attempt int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `
SELECT state::text, attempt FROM `+notify.RiverSchema+`.river_job
 WHERE kind = $1 AND (args->>'kudo_id')::bigint = $2 AND (args->>'team_id')::bigint = $3`,
		notify.DeliverKudo{}.Kind(), kudoID, teamID).Scan(&state, &attempt)
	if err == pgx.ErrNoRows {
		return "", 0
	}
	must(t, err)
	return state, attempt
}

func jobCount(t *testing.T, pool *pgxpool.Pool, kudoID int64) int {
	t.Helper()
	var n int
	must(t, pool.QueryRow(context.Background(), `
SELECT count(*) FROM `+notify.RiverSchema+`.river_job WHERE kind = $1 AND (args->>'kudo_id')::bigint = $2`,
		notify.DeliverKudo{}.Kind(), kudoID).Scan(&n))
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type deliveryRow struct {
	kudoID      *int64
	status      string
	attempts    int
	lastError   string
	deliveredAt *time.Time
}

func deliveryRows(t *testing.T, pool *pgxpool.Pool, where string, args ...any) []deliveryRow {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		"SELECT kudo_id, status, attempts, last_error, delivered_at FROM webhook_deliveries WHERE "+where+" ORDER BY id", args...)
	must(t, err)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (deliveryRow, error) {
		var d deliveryRow
		return d, row.Scan(&d.kudoID, &d.status, &d.attempts, &d.lastError, &d.deliveredAt)
	})
	must(t, err)
	return out
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	if strings.Contains(text, "SECRETTOKEN") || strings.Contains(text, "B0002") {
		t.Errorf("%s shows the webhook's secret:\n%s", where, text)
	}
}

func TestPublicKudoIsPostedOnceEvenWhenTheFirstAttemptFails(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	r := newReceiver(t, 1)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	n, logs := startNotifier(t, pool, r, notify.Options{})

	// Alice and Bob are both in Platform: one message for the team, not one each.
	kudoID := postKudo(t, pool, n, w, "org", w.alice, w.bob)

	waitFor(t, "the job to complete", func() bool { s, _ := jobState(t, pool, kudoID, w.platform); return s == "completed" })
	requests, successes := r.counts()
	if requests != 2 || successes != 1 {
		t.Errorf("receiver got %d requests, %d answered 200; want 2 and 1", requests, successes)
	}
	if _, attempt := jobState(t, pool, kudoID, w.platform); attempt != 2 {
		t.Errorf("job attempt %d, want 2", attempt)
	}
	// What the metrics endpoint reports: one attempt retried, one delivered.
	if st := n.DeliveryStats(); st != (notify.DeliveryStats{Delivered: 1, Retried: 1}) {
		t.Errorf("DeliveryStats = %+v, want 1 delivered and 1 retried", st)
	}
	rows := deliveryRows(t, pool, "kudo_id = $1", kudoID)
	if len(rows) != 1 {
		t.Fatalf("%d delivery rows, want 1: %+v", len(rows), rows)
	}
	if d := rows[0]; d.status != notify.StatusDelivered || d.attempts != 2 || d.lastError != "" || d.deliveredAt == nil {
		t.Errorf("delivery row %+v, want delivered after 2 attempts with no error", d)
	}

	// The message: author, recipients, what they did and changed, a link, all
	// escaped for Slack.
	r.mu.Lock()
	body, path := r.bodies[1], r.paths[1]
	r.mu.Unlock()
	if path != "/services/"+secret {
		t.Errorf("posted to %q", path)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	for _, want := range []string{
		"*Ada Author* → Alice, Bob: ",
		"Untangled the &lt;deploy&gt; pipeline &amp; wrote it up — Releases take ten minutes",
		"<https://rapport.example.com/kudos/" + itoa(kudoID) + "|",
	} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("message text lacks %q:\n%s", want, msg.Text)
		}
	}
	if len(msg.Blocks) != 2 || msg.Blocks[0].Type != "section" || msg.Blocks[1].Type != "context" {
		t.Errorf("blocks %+v, want a section and a context (competencies)", msg.Blocks)
	}
	if !strings.Contains(string(body), "Rapport") {
		t.Errorf("competency missing from the message: %s", body)
	}

	// Enqueuing the same kudo again neither queues a job nor posts.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return n.KudoPosted(ctx, tx, w.org, kudoID) })
	must(t, err)
	if got := jobCount(t, pool, kudoID); got != 1 {
		t.Errorf("%d jobs after enqueuing twice, want 1", got)
	}

	// The admin list shows it; nothing anywhere shows the secret.
	ds, err := notify.Deliveries(ctx, postgres.NewNotifyStore(pool), w.org, 10)
	must(t, err)
	if len(ds) != 1 || ds[0].KudoID != kudoID || ds[0].TeamName != "Platform" || ds[0].Status != notify.StatusDelivered ||
		ds[0].Attempts != 2 || ds[0].DeliveredAt == nil || ds[0].Kind != notify.KindKudo {
		t.Errorf("Deliveries = %+v", ds)
	}
	if !strings.Contains(logs.String(), "HTTP 500") {
		t.Errorf("the failed attempt was not logged:\n%s", logs.String())
	}
	assertNoSecret(t, "the log", logs.String())
	var jobErrors string
	must(t, pool.QueryRow(ctx, "SELECT coalesce(errors::text, '') FROM "+notify.RiverSchema+".river_job WHERE kind = $1 AND (args->>'kudo_id')::bigint = $2",
		notify.DeliverKudo{}.Kind(), kudoID).Scan(&jobErrors))
	if !strings.Contains(jobErrors, "HTTP 500") {
		t.Errorf("River recorded no error for the first attempt: %s", jobErrors)
	}
	assertNoSecret(t, "River's job errors", jobErrors)
}

func TestOnlyPublicKudosToTeamsWithWebhooksAreEnqueued(t *testing.T) {
	ctx := context.Background()
	// A database of its own, so that every job in it is this test's.
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, "https://hooks.example.com/services/"+secret))
	n, _ := newNotifier(t, pool, nil, notify.Options{}) // never started: nothing is worked

	tx, err := pool.Begin(ctx)
	must(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	jobs := func() []notify.DeliverKudo {
		t.Helper()
		rows, err := tx.Query(ctx, "SELECT args, queue, max_attempts FROM "+notify.RiverSchema+".river_job WHERE kind = $1 ORDER BY id",
			notify.DeliverKudo{}.Kind())
		must(t, err)
		out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (notify.DeliverKudo, error) {
			var args []byte
			var queue string
			var maxAttempts int
			if err := row.Scan(&args, &queue, &maxAttempts); err != nil {
				return notify.DeliverKudo{}, err
			}
			if queue != notify.Queue || maxAttempts != notify.DefaultMaxAttempts {
				t.Errorf("job on queue %q with %d attempts, want %q and %d", queue, maxAttempts, notify.Queue, notify.DefaultMaxAttempts)
			}
			var a notify.DeliverKudo
			return a, json.Unmarshal(args, &a)
		})
		must(t, err)
		return out
	}

	for _, k := range []struct {
		vis        string
		recipients []int64
	}{
		{"recipients", []int64{w.alice}},  // private
		{"team", []int64{w.alice, w.bob}}, // team-only
		{"org", []int64{w.carol}},         // public, but Sales has no webhook
		{"org", []int64{w.dave}},          // public, but Dave is in no team
	} {
		id := insertKudo(t, tx, w, k.vis, k.recipients...)
		must(t, n.KudoPosted(ctx, tx, w.org, id))
		if got := jobs(); len(got) != 0 {
			t.Fatalf("a %s kudo to %v enqueued %+v", k.vis, k.recipients, got)
		}
	}

	// A nil Notifier (notifications not configured) enqueues nothing.
	var none *notify.Notifier
	must(t, none.KudoPosted(ctx, tx, w.org, insertKudo(t, tx, w, "org", w.alice)))
	if got := jobs(); len(got) != 0 {
		t.Fatalf("a nil Notifier enqueued %+v", got)
	}

	// A public kudo to Alice and Carol reaches Platform only, once.
	id := insertKudo(t, tx, w, "org", w.alice, w.carol)
	must(t, n.KudoPosted(ctx, tx, w.org, id))
	must(t, n.KudoPosted(ctx, tx, w.org, id))
	want := notify.DeliverKudo{OrgID: w.org, KudoID: id, TeamID: w.platform}
	if got := jobs(); len(got) != 1 || got[0] != want {
		t.Errorf("jobs %+v, want just %+v", got, want)
	}
}

func TestRolledBackKudoIsNeverPosted(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	n, _ := startNotifier(t, pool, r, notify.Options{})

	tx, err := pool.Begin(ctx)
	must(t, err)
	id := insertKudo(t, tx, w, "org", w.alice)
	must(t, n.KudoPosted(ctx, tx, w.org, id))
	var inTx int
	must(t, tx.QueryRow(ctx, "SELECT count(*) FROM "+notify.RiverSchema+".river_job WHERE (args->>'kudo_id')::bigint = $1", id).Scan(&inTx))
	if inTx != 1 {
		t.Fatalf("%d jobs inside the transaction, want 1", inTx)
	}
	must(t, tx.Rollback(ctx))

	// Give the workers several polls' worth of time to (wrongly) find something.
	time.Sleep(400 * time.Millisecond)
	if requests, _ := r.counts(); requests != 0 {
		t.Errorf("receiver got %d requests for a rolled-back kudo", requests)
	}
	if got := jobCount(t, pool, id); got != 0 {
		t.Errorf("%d jobs survive the rollback", got)
	}
	if rows := deliveryRows(t, pool, "org_id = $1", w.org); len(rows) != 0 {
		t.Errorf("delivery rows for a rolled-back kudo: %+v", rows)
	}
}

func TestSetWebhookAcceptsOnlyHTTPSAndNeverShowsTheAddressBack(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)

	for _, bad := range []string{
		"",
		"   ",
		"http://hooks.slack.com/services/" + secret,
		"javascript:alert(document.cookie)",
		"JavaScript://hooks.slack.com/%0aalert(1)",
		"ftp://hooks.slack.com/x",
		"https://",
		"https:///services/x",
		"https:hooks.slack.com/services/x",
		"//hooks.slack.com/services/x",
		"https://hooks.slack.com/services/a b",
		"https://user:pass@hooks.slack.com/services/x",
		"https://hooks.slack.com/" + strings.Repeat("x", notify.MaxURLLen),
	} {
		err := notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, bad)
		if core.ErrorCode(err) != core.EINVALID || core.FieldErrors(err)["url"] == "" {
			t.Errorf("SetWebhook(%.40q) = %v, want EINVALID with a message for url", bad, err)
		}
	}
	if hooks, err := notify.Webhooks(ctx, postgres.NewNotifyStore(pool), w.org); err != nil || len(hooks) != 0 {
		t.Fatalf("after rejected addresses Webhooks = %+v, %v; want none", hooks, err)
	}

	full := "https://hooks.slack.com/services/" + secret + "WXYZ"
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, "  "+full+" "))
	hooks, err := notify.Webhooks(ctx, postgres.NewNotifyStore(pool), w.org)
	must(t, err)
	if len(hooks) != 1 || hooks[0].TeamID != w.platform || hooks[0].TeamName != "Platform" || hooks[0].UpdatedAt.IsZero() {
		t.Fatalf("Webhooks = %+v", hooks)
	}
	if got, want := hooks[0].MaskedURL, "https://hooks.slack.com/…"; got != want {
		t.Errorf("MaskedURL = %q, want %q", got, want)
	}
	assertNoSecret(t, "Webhooks", hooks[0].MaskedURL)
	// Stored sealed: the row holds no part of the token, and opens to the
	// trimmed address.
	assertSealed(t, pool, w.platform, "SECRETTOKEN")
	if got := storedAddress(t, pool, w.platform); got != full {
		t.Errorf("stored %q, want the trimmed address", got)
	}

	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, "HTTPS://hooks.slack.com/services/upper/case/ABCD"))
	if got := storedAddress(t, pool, w.platform); got != "https://hooks.slack.com/services/upper/case/ABCD" {
		t.Errorf("stored %q, want the scheme in lower case", got)
	}

	// Replacing keeps one row; another organisation's team is not found.
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, "https://hooks.slack.com/services/other/address/1234"))
	if hooks, _ := notify.Webhooks(ctx, postgres.NewNotifyStore(pool), w.org); len(hooks) != 1 || hooks[0].MaskedURL != "https://hooks.slack.com/…" {
		t.Errorf("after replacing, Webhooks = %+v", hooks)
	}
	other := newWorld(t, pool)
	if err := notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, other.org, w.platform, other.author, full); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("setting another organisation's team's webhook: %v, want ENOTFOUND", err)
	}
	if err := notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, other.sales, w.author, full); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("setting a webhook on another organisation's team: %v, want ENOTFOUND", err)
	}
	if err := notify.RemoveWebhook(ctx, postgres.NewNotifyStore(pool), other.org, w.platform); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("removing another organisation's webhook: %v, want ENOTFOUND", err)
	}
	must(t, notify.RemoveWebhook(ctx, postgres.NewNotifyStore(pool), w.org, w.platform))
	if hooks, _ := notify.Webhooks(ctx, postgres.NewNotifyStore(pool), w.org); len(hooks) != 0 {
		t.Errorf("after RemoveWebhook, Webhooks = %+v", hooks)
	}
	if err := notify.RemoveWebhook(ctx, postgres.NewNotifyStore(pool), w.org, w.platform); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("removing twice: %v, want ENOTFOUND", err)
	}
}

func TestMaskURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://hooks.slack.com/services/T000/B000/abcdefXYZ9": "https://hooks.slack.com/…",
		"https://example.com/short":                             "https://example.com/…",
		"https://example.com":                                   "https://example.com/…",
		"https://127.0.0.1:8443/hooks/0123456789abcdef":         "https://127.0.0.1:8443/…",
		"not a url": "(invalid address)",
	} {
		if got := notify.MaskURL(raw); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// A kudo deleted before its job runs is not posted and leaves no delivery row.
func TestKudoDeletedBeforeDeliveryIsNotPosted(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))

	// Enqueued and committed while no worker runs, then deleted.
	n, _ := newNotifier(t, pool, r, notify.Options{})
	id := postKudo(t, pool, n, w, "org", w.alice)
	_, err := pool.Exec(ctx, "DELETE FROM kudos WHERE id = $1", id)
	must(t, err)

	startNotifier(t, pool, r, notify.Options{})
	waitFor(t, "the job to complete", func() bool { s, _ := jobState(t, pool, id, w.platform); return s == "completed" })
	if requests, _ := r.counts(); requests != 0 {
		t.Errorf("receiver got %d requests for a deleted kudo", requests)
	}
	if rows := deliveryRows(t, pool, "org_id = $1", w.org); len(rows) != 0 {
		t.Errorf("delivery rows for a kudo deleted before its first attempt: %+v", rows)
	}
}

// A kudo deleted between a failed attempt and its retry keeps its row, marked skipped.
func TestKudoDeletedBetweenRetriesIsSkipped(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	r := newReceiver(t, 1000) // always 500
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	n, _ := startNotifier(t, pool, r, notify.Options{RetryPolicy: fastRetry{after: 300 * time.Millisecond}})

	id := postKudo(t, pool, n, w, "org", w.alice)
	waitFor(t, "the first failed attempt", func() bool {
		rows := deliveryRows(t, pool, "kudo_id = $1", id)
		return len(rows) == 1 && rows[0].status == notify.StatusPending
	})
	_, err := pool.Exec(ctx, "DELETE FROM kudos WHERE id = $1", id)
	must(t, err)

	waitFor(t, "the job to complete", func() bool { s, _ := jobState(t, pool, id, w.platform); return s == "completed" })
	rows := deliveryRows(t, pool, "org_id = $1", w.org)
	if len(rows) != 1 || rows[0].status != notify.StatusSkipped || rows[0].kudoID != nil || rows[0].deliveredAt != nil {
		t.Fatalf("delivery rows %+v, want one skipped row without its kudo", rows)
	}
	requests, _ := r.counts()
	if rows[0].attempts != requests {
		t.Errorf("row counts %d attempts, receiver got %d requests", rows[0].attempts, requests)
	}
}

// When every attempt fails the row ends failed, with a short error and no secret.
func TestDeliveryFailsAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	r := newReceiver(t, 1000)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	n, logs := startNotifier(t, pool, r, notify.Options{MaxAttempts: 3})

	id := postKudo(t, pool, n, w, "org", w.alice)
	waitFor(t, "the job to be discarded", func() bool { s, _ := jobState(t, pool, id, w.platform); return s == "discarded" })
	if requests, _ := r.counts(); requests != 3 {
		t.Errorf("receiver got %d requests, want 3", requests)
	}
	if st := n.DeliveryStats(); st != (notify.DeliveryStats{Retried: 2, Failed: 1}) {
		t.Errorf("DeliveryStats = %+v, want 2 retried and 1 failed", st)
	}
	ds, err := notify.Deliveries(ctx, postgres.NewNotifyStore(pool), w.org, 0)
	must(t, err)
	if len(ds) != 1 || ds[0].Status != notify.StatusFailed || ds[0].Attempts != 3 || ds[0].DeliveredAt != nil ||
		ds[0].LastError != "HTTP 500" {
		t.Errorf("Deliveries = %+v, want one failed after 3 attempts with HTTP 500", ds)
	}
	if !strings.Contains(logs.String(), "HTTP 500: try later") {
		t.Errorf("the operator's log lacks the receiver's answer:\n%s", logs.String())
	}
	assertNoSecret(t, "the log", logs.String())
}

// A receiver that does not answer in time is a failed attempt, retried.
func TestUnreachableWebhookIsRecordedWithoutItsAddress(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	addr := r.srv.URL
	r.srv.Close() // nobody listens there any more
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, addr+"/services/"+secret))
	n, logs := startNotifier(t, pool, r, notify.Options{MaxAttempts: 1})

	id := postKudo(t, pool, n, w, "org", w.alice)
	waitFor(t, "the job to be discarded", func() bool { s, _ := jobState(t, pool, id, w.platform); return s == "discarded" })
	rows := deliveryRows(t, pool, "kudo_id = $1", id)
	if len(rows) != 1 || rows[0].status != notify.StatusFailed || rows[0].lastError != "connection failed" {
		t.Fatalf("delivery rows %+v, want one failed with \"connection failed\"", rows)
	}
	assertNoSecret(t, "last_error", rows[0].lastError)
	assertNoSecret(t, "the log", logs.String())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// storedAddress opens the team's stored webhook address with testKeys.
func storedAddress(t *testing.T, pool *pgxpool.Pool, team int64) string {
	t.Helper()
	var keyID string
	var sealed []byte
	must(t, pool.QueryRow(context.Background(), "SELECT url_key_id, url_sealed FROM team_webhooks WHERE team_id = $1", team).Scan(&keyID, &sealed))
	b, err := testKeys.Open(keyID, sealed, notify.SealContext(team))
	must(t, err)
	return string(b)
}

// assertSealed fails unless the team's row is sealed and no column of it holds
// token, in any case or encoding PostgreSQL would show.
func assertSealed(t *testing.T, pool *pgxpool.Pool, team int64, token string) {
	t.Helper()
	var row string
	var plain *string
	must(t, pool.QueryRow(context.Background(),
		"SELECT w::text, w.url FROM team_webhooks w WHERE team_id = $1", team).Scan(&row, &plain))
	if plain != nil {
		t.Errorf("the address is stored in plain text: %q", *plain)
	}
	for _, form := range []string{token, strings.ToLower(token), hex.EncodeToString([]byte(token))} {
		if strings.Contains(strings.ToLower(row), strings.ToLower(form)) {
			t.Errorf("the stored row holds the token (%q): %s", form, row)
		}
	}
}

package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Entry is one acknowledged write in the ledger (a JSON line).
type Entry struct {
	Kind   string    `json:"kind"`   // "kudo" or "agenda_item"
	Marker string    `json:"marker"` // unique in every written text
	Text   string    `json:"text"`   // the text that must be stored
	At     time.Time `json:"at"`
}

// WriteResult sums up the write mix.
type WriteResult struct {
	Rate     int
	Sent     uint64
	Acked    map[string]int // by kind
	Failed   uint64
	Ledger   string
	Statuses map[int]int
}

// writeKind is one kind of write: how to send one with a marker.
type writeKind struct {
	kind string
	path string
	form func(marker string) (url.Values, string) // form and the text to find later
}

type writer struct {
	cfg    Config
	base   string
	cookie string
	kinds  []writeKind
	runID  string
	seq    atomic.Uint64
	res    WriteResult
	ledger *os.File
}

func newWriter(ctx context.Context, cfg Config, base, cookie, recipientEmail string) (*writer, error) {
	meeting, err := UpcomingMeeting(ctx, base, cookie)
	if err != nil {
		return nil, err
	}
	handle, _, _ := strings.Cut(recipientEmail, "@")
	kudo := writeKind{kind: "kudo", path: "/kudos", form: func(m string) (url.Values, string) {
		did := "Covered the release checklist while I was away (" + m + ")."
		return url.Values{
			"to":         {"@" + handle},
			"did":        {did},
			"impact":     {"The release went out on time and nobody was paged."},
			"visibility": {"recipients"},
			"idem":       {m},
		}, did
	}}
	agenda := writeKind{kind: "agenda_item", path: fmt.Sprintf("/meetings/%d/agenda", meeting), form: func(m string) (url.Values, string) {
		body := "Talking point " + m
		return url.Values{"body": {body}}, body
	}}
	kinds := []writeKind{kudo, agenda /* retro cards: add their writeKind here once the retro board exists */}

	b := make([]byte, 4)
	_, _ = rand.Read(b)
	f, err := os.OpenFile(cfg.Ledger, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the ledger: %w", err)
	}
	return &writer{cfg: cfg, base: base, cookie: cookie, kinds: kinds, runID: hex.EncodeToString(b), ledger: f,
		res: WriteResult{Rate: cfg.Writes, Acked: map[string]int{}, Ledger: cfg.Ledger, Statuses: map[int]int{}}}, nil
}

// targeter hands out writes in turn, each with a fresh marker carried in the
// URL (the server ignores it) so the result says which write it was.
func (w *writer) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		n := w.seq.Add(1)
		k := w.kinds[int(n)%len(w.kinds)]
		marker := fmt.Sprintf("lt-%s-%d", w.runID, n)
		form, _ := k.form(marker)
		t.Method = http.MethodPost
		t.URL = w.base + k.path + "?lt=" + marker + "&k=" + strconv.Itoa(int(n)%len(w.kinds))
		t.Body = []byte(form.Encode())
		t.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {w.cookie}}
		return nil
	}
}

// run posts at the configured rate until ctx ends or the budget is spent,
// appending every acknowledged write (303 See Other) to the ledger.
func (w *writer) run(ctx context.Context, rn *runner) error {
	defer w.ledger.Close()
	enc := json.NewEncoder(w.ledger)
	for ctx.Err() == nil {
		du, ok := rn.budget(w.cfg.Writes, 10*time.Second)
		if !ok {
			return nil
		}
		atk := newAttacker(256)
		stop := context.AfterFunc(ctx, func() { atk.Stop() })
		for res := range atk.Attack(w.targeter(), vegeta.Rate{Freq: w.cfg.Writes, Per: time.Second}, du, "writes") {
			rn.sent.Add(1)
			w.res.Sent++
			w.res.Statuses[int(res.Code)]++
			if res.Code != http.StatusSeeOther {
				w.res.Failed++
				continue
			}
			u, err := url.Parse(res.URL)
			if err != nil {
				continue
			}
			marker := u.Query().Get("lt")
			ki, _ := strconv.Atoi(u.Query().Get("k"))
			k := w.kinds[ki]
			_, text := k.form(marker)
			if err := enc.Encode(Entry{Kind: k.kind, Marker: marker, Text: text, At: res.Timestamp.Add(res.Latency).UTC()}); err != nil {
				stop()
				return fmt.Errorf("write the ledger: %w", err)
			}
			w.res.Acked[k.kind]++
		}
		stop()
	}
	return w.ledger.Sync()
}

// Verification is what the database holds of a ledger.
type Verification struct {
	Entries int
	Found   map[string]int
	Missing []Entry
}

// Verify checks that every ledger entry is in the database.
func Verify(ctx context.Context, dsn, ledger string) (Verification, error) {
	v := Verification{Found: map[string]int{}}
	f, err := os.Open(ledger)
	if err != nil {
		return v, fmt.Errorf("open the ledger: %w", err)
	}
	defer f.Close()
	byKind := map[string][]Entry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Marker == "" || e.Text == "" {
			return v, fmt.Errorf("%s line %d is not a ledger entry", ledger, line)
		}
		byKind[e.Kind] = append(byKind[e.Kind], e)
		v.Entries++
	}
	if err := sc.Err(); err != nil {
		return v, err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return v, fmt.Errorf("connect to the database: %w", err)
	}
	defer conn.Close(ctx)
	queries := map[string]string{
		"kudo":        `SELECT did FROM kudos WHERE did = ANY($1)`,
		"agenda_item": `SELECT body FROM agenda_items WHERE body = ANY($1)`,
	}
	for kind, entries := range byKind {
		q, ok := queries[kind]
		if !ok {
			return v, fmt.Errorf("the ledger has writes of a kind this version cannot check: %q", kind)
		}
		want := make([]string, len(entries))
		for i, e := range entries {
			want[i] = e.Text
		}
		rows, err := conn.Query(ctx, q, want)
		if err != nil {
			return v, err
		}
		have, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return v, err
		}
		seen := map[string]bool{}
		for _, h := range have {
			seen[h] = true
		}
		for _, e := range entries {
			if seen[e.Text] {
				v.Found[kind]++
			} else {
				v.Missing = append(v.Missing, e)
			}
		}
	}
	return v, nil
}

// PostgresSettings reads the settings the numbers depend on.
func PostgresSettings(ctx context.Context, dsn string) ([]Setting, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var out []Setting
	for _, name := range []string{"server_version", "shared_buffers", "work_mem", "effective_cache_size", "synchronous_commit", "max_connections", "jit"} {
		var v string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			return out, err
		}
		out = append(out, Setting{name, v})
	}
	return out, nil
}

// Package loadtest drives constant-rate HTTP load (vegeta) against a running
// Rapport server, page by page and in turns with the Fortunes baseline, and
// reports throughput, latency percentiles and round trips as a Markdown
// table. It can also post kudos and talking points at a constant rate and
// keep a ledger of every acknowledged write, to check later that none was
// lost.
package loadtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Who is the demo person a page is loaded as.
type Who string

// The people a run signs in as.
const (
	AsManager Who = "manager"
	AsLeader  Who = "leader"
)

// Page is one page under load.
type Page struct {
	Name string
	Path string
	As   Who
	// Find, when set, looks the path up on the server at the start of the
	// run (the page belongs to an object whose id the demo data decides).
	Find func(ctx context.Context, base, cookie string) (string, error)
}

// Pages is every page the load command knows, in report order. A new page
// is one line here.
var Pages = []Page{
	{Name: "home", Path: "/", As: AsManager},
	{Name: "checkins", Path: "/checkins", As: AsManager},
	{Name: "rollup", Path: "/checkins/managers", As: AsLeader},
	{Name: "kudos", Path: "/kudos", As: AsManager},
	{Name: "oneonones", Path: "/oneonones", As: AsManager},
	{Name: "teams", Path: "/teams", As: AsManager},
	{Name: "people", Path: "/people", As: AsManager},
	{Name: "retro", As: AsManager, Find: LatestRetro},
}

// PageNames lists the known page names.
func PageNames() []string {
	out := make([]string, len(Pages))
	for i, p := range Pages {
		out[i] = p.Name
	}
	return out
}

// Config is one run.
type Config struct {
	Target   string // Rapport's base URL
	Fortunes string // the Fortunes baseline's URL; empty: no baseline
	Pages    []string
	Manager  string // email of a manager (most pages, and the writer)
	Leader   string // email of a leader (the roll-up; kudos go to them)
	Password string

	P99     time.Duration // the latency bound the rate search respects
	Rate    int           // fixed-rate mode: this many requests a second
	Fixed   bool          // fixed-rate mode (--rate given) instead of the search
	Step    time.Duration // length of each attack
	MaxRate int           // the search's upper bound

	Writes int    // kudos and talking points a second; 0: none
	Ledger string // file the acknowledged writes are appended to

	MaxDuration time.Duration // the whole run ends by then
	MaxRequests int           // the whole run sends at most this many requests
	AllowRemote bool          // allow targets off this machine
	DatabaseURL string        // optional: record PostgreSQL's settings
}

// DefaultConfig is a short run.
func DefaultConfig() Config {
	return Config{
		Pages:       PageNames(),
		Password:    "rapport-demo",
		P99:         100 * time.Millisecond,
		Step:        3 * time.Second,
		MaxRate:     20000,
		Ledger:      "loadtest-ledger.jsonl",
		MaxDuration: 5 * time.Minute,
		MaxRequests: 2_000_000,
	}
}

// Problems is every bad setting, reported at once.
type Problems []string

func (p Problems) Error() string {
	return "cannot run the load test:\n  - " + strings.Join(p, "\n  - ")
}

// Validate checks the settings without touching the network.
func (c *Config) Validate() error {
	var errs Problems
	check := func(name, raw string, required bool) {
		if raw == "" {
			if required {
				errs = append(errs, fmt.Sprintf("%s: give the server's URL, e.g. http://127.0.0.1:8080", name))
			}
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("%s %q: use a full URL like http://127.0.0.1:8080", name, raw))
			return
		}
		if !c.AllowRemote && !IsLoopback(u.Hostname()) {
			errs = append(errs, fmt.Sprintf("%s %q is not on this machine: load tests only run against loopback addresses unless you pass --allow-remote (and own that server)", name, raw))
		}
	}
	check("--target", c.Target, true)
	check("--fortunes", c.Fortunes, false)
	known := map[string]bool{}
	for _, p := range Pages {
		known[p.Name] = true
	}
	var unknown []string
	for _, n := range c.Pages {
		if !known[n] {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		errs = append(errs, fmt.Sprintf("--pages: unknown page %s; known pages are %s", strings.Join(unknown, ", "), strings.Join(PageNames(), ", ")))
	}
	if len(c.Pages) == 0 && c.Fortunes == "" && c.Writes == 0 {
		errs = append(errs, "nothing to do: name some --pages, a --fortunes baseline or --writes")
	}
	if c.Manager == "" && (c.needs(AsManager) || c.Writes > 0) {
		errs = append(errs, "--manager: give the email of a manager to sign in as (rapport demo prints one)")
	}
	if c.Leader == "" && (c.needs(AsLeader) || c.Writes > 0) {
		errs = append(errs, "--leader: give the email of a leader to sign in as (rapport demo prints one)")
	}
	if c.Writes > 0 && c.Manager != "" && strings.EqualFold(c.Manager, c.Leader) {
		errs = append(errs, "--writes: the manager posts kudos to the leader, so they must be different people")
	}
	if c.Fixed && c.Rate <= 0 || c.Rate < 0 {
		errs = append(errs, fmt.Sprintf("--rate %d: use a positive number of requests a second", c.Rate))
	}
	if c.Writes < 0 {
		errs = append(errs, fmt.Sprintf("--writes %d: use a positive number of writes a second, or leave it out", c.Writes))
	}
	if c.Writes > 0 && c.Ledger == "" {
		errs = append(errs, "--ledger: name the file that records acknowledged writes")
	}
	if c.P99 <= 0 {
		errs = append(errs, fmt.Sprintf("--p99 %s: use a positive duration, e.g. 100ms", c.P99))
	}
	if c.Step < 500*time.Millisecond || c.Step > time.Minute {
		errs = append(errs, fmt.Sprintf("--step %s: use from 500ms to 1m", c.Step))
	}
	if c.MaxRate <= 0 {
		errs = append(errs, fmt.Sprintf("--max-rate %d: use a positive number of requests a second", c.MaxRate))
	}
	if c.MaxDuration <= 0 || c.MaxDuration > 2*time.Hour {
		errs = append(errs, fmt.Sprintf("--max-duration %s: use a positive duration up to 2h", c.MaxDuration))
	}
	if c.MaxRequests <= 0 {
		errs = append(errs, fmt.Sprintf("--max-requests %d: use a positive number", c.MaxRequests))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// needs reports whether a chosen page is loaded as who.
func (c *Config) needs(who Who) bool {
	for _, n := range c.Pages {
		for _, p := range Pages {
			if p.Name == n && p.As == who {
				return true
			}
		}
	}
	return false
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

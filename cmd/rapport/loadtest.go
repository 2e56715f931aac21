package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"rapport/internal/loadtest"
)

const loadtestUsage = `Usage:
  rapport loadtest --target URL --manager EMAIL --leader EMAIL [flags]
      find each page's highest constant rate with p99 under --p99, in turns
      with the Fortunes baseline (--fortunes URL), and print a Markdown table
  rapport loadtest --rate N ...
      load every page at N requests a second instead, and print p95/p99
  rapport loadtest --writes N --pages none ...
      post N kudos and talking points a second until --max-duration; every
      acknowledged write is appended to --ledger
  rapport loadtest verify --ledger FILE
      check that every write in the ledger is in the database (DATABASE_URL)

Serve with --trace-queries to also get each page's statements per request.

Flags:
`

// parseLoadtest reads the load command's flags.
func parseLoadtest(args []string, stderr io.Writer) (loadtest.Config, error) {
	c := loadtest.DefaultConfig()
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, loadtestUsage)
		fs.PrintDefaults()
	}
	pages := strings.Join(c.Pages, ",")
	fs.StringVar(&c.Target, "target", "http://127.0.0.1:8080", "Rapport's URL")
	fs.StringVar(&c.Fortunes, "fortunes", "", "the Fortunes baseline's URL (go run ./cmd/fortunes), measured in the same run")
	fs.StringVar(&pages, "pages", pages, "pages to load, comma-separated, or none; known: "+strings.Join(loadtest.PageNames(), ", "))
	fs.StringVar(&c.Manager, "manager", "", "email of a manager to sign in as (rapport demo prints one)")
	fs.StringVar(&c.Leader, "leader", "", "email of a leader to sign in as, for the roll-up and as the kudos' recipient")
	fs.StringVar(&c.Password, "password", c.Password, "their password")
	fs.DurationVar(&c.P99, "p99", c.P99, "latency bound for the rate search")
	fs.IntVar(&c.Rate, "rate", 0, "fixed-rate mode: requests a second for every page")
	fs.DurationVar(&c.Step, "step", c.Step, "length of each constant-rate attack")
	fs.IntVar(&c.MaxRate, "max-rate", c.MaxRate, "highest rate the search tries")
	fs.IntVar(&c.Writes, "writes", 0, "kudos and talking points to post a second, alongside the pages")
	fs.StringVar(&c.Ledger, "ledger", c.Ledger, "file that acknowledged writes are appended to")
	fs.DurationVar(&c.MaxDuration, "max-duration", c.MaxDuration, "the whole run ends by then")
	fs.IntVar(&c.MaxRequests, "max-requests", c.MaxRequests, "the whole run sends at most this many requests")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a target that is not on this machine")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q; see rapport loadtest -h", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "rate" {
			c.Fixed = true
		}
	})
	c.Pages = nil
	if p := strings.TrimSpace(pages); p != "" && p != "none" {
		for _, n := range strings.Split(p, ",") {
			if n = strings.TrimSpace(n); n != "" {
				c.Pages = append(c.Pages, n)
			}
		}
	}
	c.DatabaseURL = os.Getenv("DATABASE_URL")
	return c, c.Validate()
}

func cmdLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return cmdLoadtestVerify(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseLoadtest(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := loadtest.Run(ctx, cfg, stderr)
	if rep != nil {
		fmt.Fprintln(stdout)
		rep.Markdown(stdout)
	}
	return err
}

func cmdLoadtestVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ledger := fs.String("ledger", "loadtest-ledger.jsonl", "the ledger a run with --writes wrote")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		return fmt.Errorf("loadtest verify: set DATABASE_URL to the database the server under test used")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	v, err := loadtest.Verify(ctx, dsn, *ledger)
	if err != nil {
		return err
	}
	found := 0
	for kind, n := range v.Found {
		fmt.Fprintf(stdout, "%-12s %d found\n", kind, n)
		found += n
	}
	fmt.Fprintf(stdout, "%d of %d acknowledged writes found, %d missing.\n", found, v.Entries, len(v.Missing))
	for i, e := range v.Missing {
		if i == 20 {
			fmt.Fprintf(stdout, "  … and %d more\n", len(v.Missing)-20)
			break
		}
		fmt.Fprintf(stdout, "  missing %s %s (acknowledged %s)\n", e.Kind, e.Marker, e.At.Format(time.RFC3339Nano))
	}
	if len(v.Missing) > 0 {
		return fmt.Errorf("%d acknowledged writes are missing", len(v.Missing))
	}
	return nil
}

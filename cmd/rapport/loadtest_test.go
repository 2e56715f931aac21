package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLoadtestFlagsRefuseBadInput(t *testing.T) {
	base := []string{"--manager", "m@example.com", "--leader", "l@example.com"}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"zero rate":      {[]string{"--rate", "0"}, "--rate 0: use a positive number"},
		"negative rate":  {[]string{"--rate", "-5"}, "--rate -5"},
		"unknown page":   {[]string{"--pages", "home,dashboard"}, "unknown page dashboard; known pages are home, checkins"},
		"remote target":  {[]string{"--target", "http://10.1.2.3:8080"}, "not on this machine"},
		"no time limit":  {[]string{"--max-duration", "0s"}, "--max-duration"},
		"no requests":    {[]string{"--max-requests", "-1"}, "--max-requests"},
		"stray argument": {[]string{"now"}, `unexpected argument "now"`},
	} {
		_, err := parseLoadtest(append(append([]string{}, base...), tc.args...), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}

	c, err := parseLoadtest(append(base, "--pages", "rollup, teams", "--rate", "7"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Fixed || c.Rate != 7 || len(c.Pages) != 2 || c.Pages[0] != "rollup" || c.Pages[1] != "teams" {
		t.Errorf("parsed %+v", c)
	}
	c, err = parseLoadtest(append(base, "--pages", "none", "--writes", "3"), &bytes.Buffer{})
	if err != nil || c.Fixed || len(c.Pages) != 0 || c.Writes != 3 {
		t.Errorf("writes only: %+v %v", c, err)
	}
	if _, err := parseLoadtest(append(base, "--target", "http://192.0.2.1", "--allow-remote"), &bytes.Buffer{}); err != nil {
		t.Errorf("--allow-remote refused: %v", err)
	}
}

func TestLoadtestRefusesAServerThatIsNotRapport(t *testing.T) {
	var out, errOut bytes.Buffer
	// Nothing listens here: the run must end with a clear message, not hang.
	err := run(context.Background(), []string{"loadtest", "--target", "http://" + freeAddr(t), "--manager", "m@example.com",
		"--leader", "l@example.com", "--max-duration", "10s"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadtestVerifyNeedsADatabaseAndALedger(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	err := run(context.Background(), []string{"loadtest", "verify", "--ledger", "x.jsonl"}, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("err = %v", err)
	}
	t.Setenv("DATABASE_URL", dsn)
	err = run(context.Background(), []string{"loadtest", "verify", "--ledger", t.TempDir() + "/none.jsonl"}, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "open the ledger") {
		t.Errorf("err = %v", err)
	}
}

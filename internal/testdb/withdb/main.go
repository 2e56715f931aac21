// Command withdb runs a command, normally `go test`, with a PostgreSQL for
// the tests in TEST_DATABASE_URL. `make test` runs the test suite through it.
//
//	go run ./internal/testdb/withdb go test -count=1 ./...
//
// When TEST_DATABASE_URL is set it is used as it is. Otherwise the server at
// 127.0.0.1:5432 is used when it answers (user postgres, no password), and
// else withdb starts one private, throwaway PostgreSQL for the whole run —
// the same way `rapport serve` does, so it works as root too — and removes it
// when the command ends. Every test package and process of the run shares it
// (internal/testdb clones one template database per package).
//
// Before the command runs, test databases that crashed runs left behind on
// the server are dropped (see testdb.Sweep). The exit status is the
// command's.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"rapport/internal/pgembed"
	"rapport/internal/testdb"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: withdb COMMAND [ARG...]   e.g. withdb go test ./...")
		return 2
	}
	began := time.Now()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	dsn := os.Getenv("TEST_DATABASE_URL")
	if dsn == "" {
		d, stop, err := server(log, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "withdb: FAIL: %v\n", err)
			return 1
		}
		defer stop()
		dsn = d
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	swept, err := testdb.Sweep(ctx, dsn, began.Add(-testdb.StaleAfter))
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "withdb: could not sweep old test databases: %v\n", err)
	} else if len(swept) > 0 {
		fmt.Fprintf(stderr, "withdb: dropped %d test databases left by earlier runs\n", len(swept))
	}

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+dsn)
	// Interrupts reach the command (a terminal sends them to both); withdb
	// outlives it to stop the server.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "withdb: %v\n", err)
		return 1
	}
	go func() {
		for sig := range signals {
			_ = cmd.Process.Signal(sig)
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(stderr, "withdb: %v\n", err)
		return 1
	}
}

// server returns the administration DSN of the local server, or starts a
// private one and returns its DSN and a function that removes it.
func server(log *slog.Logger, stderr io.Writer) (string, func(), error) {
	dir, err := os.MkdirTemp("", "rapport-testdb-")
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	dsn, desc, stop, err := pgembed.Resolve(ctx, pgembed.Options{
		DataDir:  filepath.Join(dir, "postgres"),
		Port:     port,
		Database: "postgres",
		Logger:   log,
		// Nothing here outlives the run: durability only costs time.
		Settings: map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	fmt.Fprintf(stderr, "withdb: tests use %s (ready in %s)\n", desc, time.Since(began).Round(10*time.Millisecond))
	return dsn, func() {
		if err := stop(); err != nil {
			fmt.Fprintf(stderr, "withdb: stop PostgreSQL: %v\n", err)
		}
		_ = os.RemoveAll(dir)
	}, nil
}

// freePort returns a TCP port that is free on localhost right now, so the
// run's server does not collide with `make run`'s (5433) or another run's.
func freePort() (uint32, error) {
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return uint32(l.Addr().(*net.TCPAddr).Port), nil
}

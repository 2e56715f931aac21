// Command fortunes is a TechEmpower "Fortunes" baseline server built on the same stack as
// the application (chi, pgx, templ) but sharing none of its code.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type fortune struct {
	ID      int
	Message string
}

var seed = []fortune{
	{1, "fortune: No such file or directory"},
	{2, "A computer scientist is someone who fixes things that aren't broken."},
	{3, "After enough decimal places, nobody gives a damn."},
	{4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
	{5, "A computer program does what you tell it to do, not what you want it to do."},
	{6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"},
	{7, "Any program that runs right is obsolete."},
	{8, "A list is only as strong as its weakest link. — Donald Knuth"},
	{9, "Feature: A bug with seniority."},
	{10, "Computers make very fast, very accurate mistakes."},
	{11, `<script>alert("This should not be displayed in a browser alert box.");</script>`},
	{12, "フレームワークのベンチマーク"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fortunes:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fortunes", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	dbURL := fs.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("--database-url or DATABASE_URL is required")
	}

	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()
	if err := setup(ctx, pool); err != nil {
		return err
	}

	srv := &http.Server{
		Addr:              *addr,
		Handler:           newHandler(pool),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("fortunes listening", "addr", *addr)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// setup creates bench.fortune if missing and fills it with the standard rows if it is empty.
func setup(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS bench`); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench.fortune (id int PRIMARY KEY, message text NOT NULL)`); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
		var empty bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM bench.fortune)`).Scan(&empty); err != nil {
			return fmt.Errorf("check table: %w", err)
		}
		if !empty {
			return nil
		}
		rows := make([][]any, len(seed))
		for i, f := range seed {
			rows[i] = []any{f.ID, f.Message}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bench", "fortune"}, []string{"id", "message"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		return nil
	})
}

func newHandler(pool *pgxpool.Pool) http.Handler {
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/fortunes", func(w http.ResponseWriter, r *http.Request) {
		rows, _ := pool.Query(r.Context(), `SELECT id, message FROM bench.fortune`)
		fortunes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (fortune, error) {
			var f fortune
			err := row.Scan(&f.ID, &f.Message)
			return f, err
		})
		if err != nil {
			slog.Error("fortunes query", "err", err)
			http.Error(w, "internal server error", http.StatusInternalServerError)
			return
		}
		fortunes = append(fortunes, fortune{0, "Additional fortune added at request time."})
		slices.SortFunc(fortunes, func(a, b fortune) int { return cmp.Compare(a.Message, b.Message) })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page(fortunes).Render(r.Context(), w); err != nil {
			slog.Error("fortunes render", "err", err)
		}
	})
	return r
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"rapport/internal/core"
	"rapport/internal/export"
	"rapport/internal/postgres"
)

// cmdOrg runs `rapport org export`: the whole organisation as the archive
// admins download at /admin/export (docs/export-format.md), written to a
// file. The file appears only once complete: it is written beside its
// final name and renamed at the end.
func cmdOrg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: rapport org export --org NAME|ID --out FILE.zip"
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(stderr, use)
		return errUsage
	}
	fs := flag.NewFlagSet("org export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "the organisation's name or id (required)")
	out := fs.String("out", "", "the zip file to write (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var msgs []string
	if strings.TrimSpace(*org) == "" {
		msgs = append(msgs, "--org: give the organisation's name or id")
	}
	if strings.TrimSpace(*out) == "" {
		msgs = append(msgs, "--out: give the file to write, e.g. organisation.zip")
	}
	if len(msgs) > 0 || fs.NArg() > 0 {
		if fs.NArg() > 0 {
			msgs = append(msgs, "unexpected arguments: "+strings.Join(fs.Args(), " "))
		}
		return configErrors(msgs)
	}
	log := newLogger(stderr, "warn", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	store := postgres.NewExportStore(pool, nil)
	found, err := store.FindOrgsForExport(ctx, strings.TrimSpace(*org))
	if err != nil {
		return err
	}
	var orgID int64
	switch len(found) {
	case 0:
		return fmt.Errorf("no organisation is named %q or has that id", strings.TrimSpace(*org))
	case 1:
		for id := range found {
			orgID = id
		}
	default:
		ids := make([]string, 0, len(found))
		for id, name := range found {
			ids = append(ids, fmt.Sprintf("%d (%s)", id, name))
		}
		sort.Strings(ids)
		return fmt.Errorf("several organisations match %q: give one of their ids: %s", strings.TrimSpace(*org), strings.Join(ids, ", "))
	}
	path := filepath.Clean(*out)
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() { _ = os.Remove(f.Name()) }() // gone once renamed
	svc := export.NewOrgService(store, core.SystemClock{})
	st, err := svc.WriteOrgAsOperator(ctx, orgID, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return errors.New("export stopped, no file written: " + err.Error())
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "Exported %s (id %d) to %s: %d lines in %d files, %d bytes.\n", found[orgID], orgID, path, st.Lines, len(st.Files)+1, st.Bytes)
	return nil
}

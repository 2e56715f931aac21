package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"testing"
	"time"
)

func TestSweepDropsOnlyOldUnusedTestDatabases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := serverURL()
	admin, err := connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())

	// A prefix of its own: other runs on the same server keep theirs.
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := testPrefix + "sweep_" + hex.EncodeToString(b[:]) + "_"
	create := func(name string) string {
		t.Helper()
		name = prefix + name
		if err := createFrom(ctx, admin, name, "template0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { drop(base, name) })
		return name
	}
	exists := func(name string) bool {
		t.Helper()
		ok, err := databaseExists(ctx, admin, name)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	leftover := create("leftover")
	inUse := create("in_use")
	user, err := connect(ctx, withDatabase(base, inUse))
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close(context.Background())

	var cutoff time.Time
	if err := admin.QueryRow(ctx, "SELECT now()").Scan(&cutoff); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // file times may have one-second resolution
	newer := create("newer")

	dropped, err := sweep(ctx, admin, prefix, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dropped, []string{leftover}) {
		t.Errorf("dropped %v, want only %s", dropped, leftover)
	}
	if exists(leftover) {
		t.Errorf("%s (older than the run, unused) is still there", leftover)
	}
	if !exists(inUse) {
		t.Errorf("%s was dropped while a session used it", inUse)
	}
	if !exists(newer) {
		t.Errorf("%s was dropped though created after the cutoff", newer)
	}
}

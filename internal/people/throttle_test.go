package people

import (
	"testing"
	"time"
)

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	for n, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute} {
		if got := backoff(n, time.Minute, 10*time.Minute); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	if got := backoff(1000, time.Minute, time.Hour); got != time.Hour {
		t.Errorf("backoff(1000) = %v, want the cap", got)
	}
}

func TestFixedWindowAllowsLimitPerWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	st := LimitState{WindowStart: t0, LastHit: t0, BlockedUntil: t0}
	for i := 0; i < 3; i++ {
		var wait time.Duration
		if st, wait = fixedWindow(st, t0.Add(time.Duration(i)*time.Second), 3, time.Minute); wait != 0 {
			t.Fatalf("hit %d refused", i)
		}
	}
	st2, wait := fixedWindow(st, t0.Add(10*time.Second), 3, time.Minute)
	if wait != 50*time.Second || st2.Hits != 3 {
		t.Fatalf("4th hit: wait %v, hits %d; want 50s and no count", wait, st2.Hits)
	}
	if _, wait := fixedWindow(st2, t0.Add(time.Minute), 3, time.Minute); wait != 0 {
		t.Fatal("a new window still refused")
	}
}

func TestProgressiveFreeAttemptsThenDoublingThenForgotten(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	st := LimitState{WindowStart: t0, LastHit: t0, BlockedUntil: t0}
	step := func(at time.Duration, wantWait time.Duration) {
		t.Helper()
		var wait time.Duration
		st, wait = progressive(st, t0.Add(at), 2, time.Minute, 4*time.Minute, 24*time.Hour)
		if wait != wantWait {
			t.Fatalf("at %v: wait %v, want %v", at, wait, wantWait)
		}
	}
	step(0, 0)
	step(time.Second, 0) // the second free attempt blocks the next for a minute
	step(2*time.Second, 59*time.Second)
	step(61*time.Second, 0) // now two minutes
	step(62*time.Second, 119*time.Second)
	step(181*time.Second, 0) // now four, the cap
	step(421*time.Second, 0) // still four
	if got := st.BlockedUntil.Sub(t0.Add(421 * time.Second)); got != 4*time.Minute {
		t.Fatalf("blocked for %v, want the 4-minute cap", got)
	}
	step(421*time.Second+25*time.Hour, 0) // a quiet day forgets
	if st.Hits != 1 {
		t.Fatalf("hits %d after a quiet day, want 1", st.Hits)
	}
}

package people

import (
	"context"
	"time"

	"rapport/internal/core"
)

// LimitState is one rate-limit counter: Hits attempts since WindowStart, the
// last at LastHit; no attempt is allowed before BlockedUntil.
type LimitState struct {
	WindowStart  time.Time
	Hits         int
	LastHit      time.Time
	BlockedUntil time.Time
}

// LimitStore keeps rate-limit counters where every replica sees them.
type LimitStore interface {
	// TakeLimit reads key's counter (zero when new) under a lock, stores
	// what decide makes of it, and returns decide's verdict.
	TakeLimit(ctx context.Context, key string, now time.Time, decide func(LimitState) (LimitState, time.Duration)) (time.Duration, error)
	// ClearLimit forgets key's counter.
	ClearLimit(ctx context.Context, key string) error
	// PruneLimits drops counters idle and unblocked since before.
	PruneLimits(ctx context.Context, before time.Time) (int64, error)
}

// Throttle slows down password guessing on sign-in and password-reset
// requests. Its counters live in the database, so replicas share them.
//
// Two limits apply to a sign-in. Each address gets a budget of attempts per
// Window, whatever the account (Address). Each account, from one address, gets
// FreeAttempts attempts (Attempt); after that every further attempt from that address
// waits twice as long as the one before (Window, 2×Window, … up to MaxDelay),
// until a successful sign-in or a quiet Forget period. So a guesser is slowed
// down, while the account's owner, from their own address, still gets in.
type Throttle struct {
	Store        LimitStore
	Clock        core.Clock
	FreeAttempts int
	Window       time.Duration
	MaxDelay     time.Duration
	Forget       time.Duration
}

// Address counts one request against key's budget of limit per Window
// (fixed windows). It returns how long to wait, or 0 when the
// request may go ahead.
func (t *Throttle) Address(ctx context.Context, key string, limit int) (time.Duration, error) {
	now := t.Clock.Now()
	return t.Store.TakeLimit(ctx, key, now, func(st LimitState) (LimitState, time.Duration) {
		return fixedWindow(st, now, limit, t.Window)
	})
}

// Attempt counts one sign-in attempt at key (an account from an address).
// Every attempt counts until Succeeded clears the key, so attempts sent at
// once cannot slip past the count. It returns how long to wait, or 0.
func (t *Throttle) Attempt(ctx context.Context, key string) (time.Duration, error) {
	now := t.Clock.Now()
	return t.Store.TakeLimit(ctx, key, now, func(st LimitState) (LimitState, time.Duration) {
		return progressive(st, now, t.FreeAttempts, t.Window, t.MaxDelay, t.Forget)
	})
}

// Succeeded forgets key's failed attempts.
func (t *Throttle) Succeeded(ctx context.Context, key string) error {
	return t.Store.ClearLimit(ctx, key)
}

// fixedWindow allows limit hits per window.
func fixedWindow(st LimitState, now time.Time, limit int, window time.Duration) (LimitState, time.Duration) {
	if st.Hits == 0 || !now.Before(st.WindowStart.Add(window)) {
		st.WindowStart, st.Hits = now, 0
	}
	if st.Hits >= limit {
		return st, st.WindowStart.Add(window).Sub(now)
	}
	st.Hits++
	st.LastHit = now
	return st, 0
}

// progressive allows free attempts, then makes each further one wait twice
// as long as the one before, from base up to maxDelay. A quiet forget period
// starts over.
func progressive(st LimitState, now time.Time, free int, base, maxDelay, forget time.Duration) (LimitState, time.Duration) {
	if now.Before(st.BlockedUntil) {
		return st, st.BlockedUntil.Sub(now)
	}
	if st.Hits == 0 || !now.Before(st.LastHit.Add(forget)) {
		st = LimitState{WindowStart: now}
	}
	st.Hits++
	st.LastHit = now
	if over := st.Hits - free; over >= 0 {
		st.BlockedUntil = now.Add(backoff(over, base, maxDelay))
	}
	return st, 0
}

// backoff is base doubled n times, at most maxDelay.
func backoff(n int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 0; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

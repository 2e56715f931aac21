package core

import "context"

// Reads runs independent reads so that the statements they send wait for
// each other and go to the database together, one round trip for each
// step all of them take at once (postgres.Reads: a pgx batch per step).
type Reads interface {
	Together(ctx context.Context, reads ...func(context.Context) error) error
}

type readsKey struct{}

// WithReads returns a context in which Together sends its reads' statements
// through r.
func WithReads(ctx context.Context, r Reads) context.Context {
	return context.WithValue(ctx, readsKey{}, r)
}

// Together runs reads, each with a context of its own, and returns the
// first of their errors in the order given. With a Reads in ctx their
// statements are batched; without one, the reads run one after another, as
// any caller outside a request (jobs, commands) expects. Reads must not
// depend on each other, and must not write.
func Together(ctx context.Context, reads ...func(context.Context) error) error {
	if r, ok := ctx.Value(readsKey{}).(Reads); ok && len(reads) > 1 {
		return r.Together(ctx, reads...)
	}
	errs := make([]error, len(reads))
	for i, read := range reads {
		errs[i] = read(ctx)
	}
	return FirstError(errs)
}

// FirstError returns the first non-nil error of errs, in order.
func FirstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

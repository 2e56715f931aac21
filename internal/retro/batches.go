package retro

import (
	"context"
	"log/slog"
	"time"
)

// DefaultSealEvery is how often changed anonymous cards are written again
// together and announced: coarse enough that a batch usually holds several
// people's cards, fine enough that the room's count keeps up.
const DefaultSealEvery = 20 * time.Second

// RunSealer publishes anonymous card changes in batches every interval until
// ctx ends. An anonymous card is stored when written, but its row keeps the
// transaction and the order of its author's request only until the next
// batch, and no event carries its time: the batch rewrites the retro's
// anonymous cards in a random order and announces them once (docs/privacy.md).
// Every replica may run one; batches skip retros another replica is sealing.
func (s *Service) RunSealer(ctx context.Context, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = DefaultSealEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Store.SealCards(ctx); err != nil && ctx.Err() == nil && log != nil {
				log.Error("seal anonymous retro cards", "err", err)
			}
		}
	}
}

// SealCards runs one batch now, and returns how many retros it announced.
func (s *Service) SealCards(ctx context.Context) (int, error) {
	return s.Store.SealCards(ctx)
}

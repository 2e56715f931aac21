package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"

	"github.com/jackc/pgx/v5"

	"rapport/internal/postgres/dbq"
	"rapport/internal/retro"
)

// An anonymous card's row must not keep the transaction, the time or the
// order of the request that wrote it: the author's own session, votes or
// other rows are written by transactions next to it, and would name them.
// So a request that writes an anonymous card publishes no event of its own
// and only marks the retro (retro_card_changes); a batch then writes all of
// the retro's anonymous cards again, in a random order, in one transaction,
// and announces them with one event. The move out of Reflect is the last
// batch: it writes the cards anew with fresh ids and board places, shuffled.

// cardWrite runs a card change. A named card's change is announced at once;
// an anonymous card's only marks its retro for the next batch. fn reports
// whether the card is anonymous.
func (s *RetroStore) cardWrite(ctx context.Context, retroID int64, fn func(tx pgx.Tx) (anonymous bool, err error)) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		anon, err := fn(tx)
		if err != nil {
			return err
		}
		if anon {
			return s.q.RetroCardChangeMark(ctx, tx, retroID)
		}
		return retroEvent(ctx, tx, retroID, "card")
	})
	return mapErr(err, "Card")
}

// anonymousRetro says whether a retro's cards are anonymous.
func (s *RetroStore) anonymousRetro(ctx context.Context, tx pgx.Tx, orgID, retroID int64) (bool, error) {
	return s.q.RetroAnonymousOf(ctx, tx, dbq.RetroAnonymousOfParams{OrgID: orgID, ID: retroID})
}

// SealCards runs one batch: every retro whose anonymous cards changed since
// the last batch has them written again in a random order, and gets one
// "cards" event. It returns how many retros it sealed.
func (s *RetroStore) SealCards(ctx context.Context) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		marked, err := s.q.RetroCardChangesTake(ctx, tx)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		var ids []int64
		for _, id := range marked {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		// One lock order for every batch: two replicas' batches may hold
		// marks of the same retros.
		slices.Sort(ids)
		for _, id := range ids {
			phase, err := s.q.RetroPhaseLock(ctx, tx, id)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // deleted since
			}
			if err != nil {
				return err
			}
			// A card that committed just after the move out of Reflect
			// gets the last batch's treatment.
			if err := s.sealRetro(ctx, tx, id, retro.Phase(phase) != retro.PhaseReflect); err != nil {
				return err
			}
			if err := retroEvent(ctx, tx, id, "cards"); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, mapErr(err, "Card")
}

// sealRetro writes the retro's anonymous cards again in a random order, in
// tx. During Reflect the rows keep their ids and places (their authors'
// browsers may be editing them); final gives them fresh ids and places
// 1..n in a random order, unless votes or notes already point at them (a
// retro moved back to Reflect), when they are only rewritten.
func (s *RetroStore) sealRetro(ctx context.Context, tx pgx.Tx, retroID int64, final bool) error {
	if err := s.q.RetroCardChangeClear(ctx, tx, retroID); err != nil {
		return err
	}
	ids, err := s.q.RetroAnonymousCardIDs(ctx, tx, retroID)
	if err != nil || len(ids) == 0 {
		return err
	}
	if final {
		referenced, err := s.q.RetroAnonymousCardsReferenced(ctx, tx, retroID)
		if err != nil {
			return err
		}
		if !referenced {
			return s.renumberCards(ctx, tx, retroID)
		}
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, id := range ids {
		if err := s.q.RetroCardRewrite(ctx, tx, dbq.RetroCardRewriteParams{RetroID: retroID, ID: id}); err != nil {
			return err
		}
	}
	return nil
}

// renumberCards deletes the retro's anonymous cards and inserts them again
// in a random order, which gives them ids and places that follow no one.
func (s *RetroStore) renumberCards(ctx context.Context, tx pgx.Tx, retroID int64) error {
	cards, err := s.q.RetroAnonymousCardsTake(ctx, tx, retroID)
	if err != nil {
		return err
	}
	rand.Shuffle(len(cards), func(i, j int) { cards[i], cards[j] = cards[j], cards[i] })
	for i, c := range cards {
		err := s.q.RetroAnonymousCardPut(ctx, tx, dbq.RetroAnonymousCardPutParams{OrgID: c.OrgID, RetroID: retroID, ColumnID: c.ColumnID,
			GroupID: c.GroupID, Position: int64(i + 1), Body: c.Body, AuthorNonce: c.AuthorNonce, AuthorTag: c.AuthorTag,
			KudoVisibility: c.KudoVisibility, IdemKey: c.IdemKey})
		if err != nil {
			return err
		}
	}
	return nil
}

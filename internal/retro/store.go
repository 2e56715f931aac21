package retro

import (
	"context"
	"time"
)

// StoredCard is a card as the store keeps it. For anonymous cards AuthorID is
// nil and only Nonce and Tag (sha256(secret || nonce)) remain.
type StoredCard struct {
	Card
	AuthorID *int64
	Nonce    []byte
	Tag      []byte
}

// NewCard is a card to store.
type NewCard struct {
	ColumnID       int64
	Body           string
	AuthorID       *int64 // nil for anonymous cards
	Nonce, Tag     []byte
	KudoVisibility string
	IdemKey        string // the form's random key: a double submit stores one card
}

// KudoCard is a named card of a closed retro's Kudos column.
type KudoCard struct {
	ID             int64
	AuthorID       int64
	Body           string
	KudoVisibility string
}

// Store is persistence for retros. Every write publishes a live event in
// its own transaction, but for anonymous cards' (published in batches by
// SealCards); no event names a card's author or a voter.
type Store interface {
	RetroAccess(ctx context.Context, orgID, userID, teamID int64) (Access, error)
	RetroMembers(ctx context.Context, orgID, teamID int64) ([]Member, error)
	Facilitators(ctx context.Context, orgID, teamID int64) ([]Member, error)
	SetFacilitator(ctx context.Context, orgID, teamID, userID int64, on bool) error

	CreateRetro(ctx context.Context, orgID, teamID, creatorID int64, in Input, columns []Column) (int64, error)
	FindRetro(ctx context.Context, orgID, id int64) (Retro, error)
	TeamRetros(ctx context.Context, orgID, teamID int64) ([]Retro, error)
	MoveRetro(ctx context.Context, orgID, id int64, from, to Phase, now time.Time) (bool, error)

	Columns(ctx context.Context, orgID, retroID int64) ([]Column, error)
	Cards(ctx context.Context, orgID, retroID int64) ([]StoredCard, error)
	Groups(ctx context.Context, orgID, retroID int64) ([]Group, error)
	Notes(ctx context.Context, orgID, retroID int64) ([]Note, error)
	Tallies(ctx context.Context, orgID, retroID int64) ([]VoteTally, error)
	VotesOf(ctx context.Context, orgID, retroID, voterID int64) ([]VoteTally, error)

	AddCard(ctx context.Context, orgID, retroID int64, c NewCard) (int64, error)
	UpdateCard(ctx context.Context, orgID, retroID, cardID int64, body string) error
	DeleteCard(ctx context.Context, orgID, retroID, cardID int64) error
	GroupCard(ctx context.Context, orgID, retroID, cardID int64, groupID *int64, newGroup string) error
	AddVote(ctx context.Context, orgID, retroID, voterID int64, t TopicRef, idemKey string, perPerson, perCard int) error
	RemoveVote(ctx context.Context, orgID, retroID, voterID int64, t TopicRef) error
	AddNote(ctx context.Context, orgID, retroID int64, t TopicRef, body, idemKey string) error

	AddRetroAction(ctx context.Context, orgID, retroID, teamID int64, in ActionInput, due time.Time) error
	ReviewAction(ctx context.Context, orgID, retroID, teamID, actionID int64, status ActionStatus, now time.Time) error
	RetroActions(ctx context.Context, orgID, retroID int64) ([]Action, error)
	OpenTeamActions(ctx context.Context, orgID, teamID, retroID int64) ([]Action, error)
	OpenActionsOwnedBy(ctx context.Context, orgID, ownerID int64) ([]Action, error)
	FollowThrough(ctx context.Context, orgID, teamID int64, since time.Time) ([]Quarter, error)

	// SealCards writes every retro's changed anonymous cards again together
	// in a random order and announces each such retro once (see Sealer).
	SealCards(ctx context.Context) (int, error)

	KudoCards(ctx context.Context, orgID, retroID int64) ([]KudoCard, error)
	MarkKudo(ctx context.Context, orgID, cardID, kudoID int64) error
}

// KudoGiver turns a kudos card into a kudo on behalf of its author; it returns
// 0 when the card names nobody it can recognise.
type KudoGiver interface {
	GiveFromRetro(ctx context.Context, orgID, authorID, teamID, cardID int64, body, visibility string) (int64, error)
}

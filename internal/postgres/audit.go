package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/audit"
	"rapport/internal/postgres/dbq"
)

// AuditStore reads an organisation's audit log. Every store writes to it, in
// the transaction of the change it records (base.audit, base.auditDetail).
type AuditStore struct{ base }

// NewAuditStore returns the audit log's reader on pool.
func NewAuditStore(pool *pgxpool.Pool) *AuditStore { return &AuditStore{newBase(pool)} }

// auditDetail records an action with a JSON detail (for example an export's
// format and row count, or a role's old and new value).
func (s *base) auditDetail(ctx context.Context, db dbq.DBTX, orgID, actorID int64, action, subject string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s detail: %w", action, err)
	}
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	return s.q.AuditCreate(ctx, db, dbq.AuditCreateParams{OrgID: orgID, ActorID: actor, Action: action, Subject: subject, Detail: b})
}

// likeEscape makes s match literally inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AuditEntries returns one page of the audit log, newest first, after the
// query's cursor. The order (created_at, id) follows audit_log_org_idx.
func (s *AuditStore) AuditEntries(ctx context.Context, orgID int64, q audit.Query, limit int) ([]audit.Entry, error) {
	var afterAt *time.Time
	var afterID int64
	if q.After != nil {
		afterAt, afterID = &q.After.At, q.After.ID
	}
	person := ""
	if q.Person != "" {
		person = "%" + likeEscape(q.Person) + "%"
	}
	rows, err := s.q.AuditPage(ctx, s.pool, dbq.AuditPageParams{OrgID: orgID, Action: q.Action, ActionPrefix: likeEscape(q.Action) + ".%",
		Person: person, FromAt: q.From, UntilAt: q.Until, AfterAt: afterAt, AfterID: afterID, MaxRows: int32(limit)})
	if err != nil {
		return nil, mapErr(err, "Audit log")
	}
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		out[i] = audit.Entry{ID: r.ID, At: r.CreatedAt.UTC(), ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action,
			Subject: r.Subject, Detail: audit.Facts(r.Detail), About: audit.ParseSubject(r.Subject)}
	}
	return out, s.nameAuditSubjects(ctx, orgID, out)
}

// nameAuditSubjects finds the names of everything a page of entries is
// about, in one query.
func (s *AuditStore) nameAuditSubjects(ctx context.Context, orgID int64, es []audit.Entry) error {
	ids := map[string][]int64{}
	for _, e := range es {
		for _, r := range e.About {
			if r.Kind != "" {
				ids[r.Kind] = append(ids[r.Kind], r.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.q.AuditSubjectNames(ctx, s.pool, dbq.AuditSubjectNamesParams{OrgID: orgID,
		PersonIds: ids["person"], TeamIds: ids["team"], CycleIds: ids["cycle"], RetroIds: ids["retro"],
		SeriesIds: ids["series"], MeetingIds: ids["meeting"], InvitationIds: ids["invitation"]})
	if err != nil {
		return mapErr(err, "Audit log")
	}
	type key struct {
		kind string
		id   int64
	}
	names := make(map[key]string, len(rows))
	for _, r := range rows {
		names[key{r.Kind, r.ID}] = r.Name
	}
	for i := range es {
		for j, r := range es[i].About {
			es[i].About[j].Name = names[key{r.Kind, r.ID}]
		}
	}
	return nil
}

// AuditActions lists the actions the organisation's log holds.
func (s *AuditStore) AuditActions(ctx context.Context, orgID int64) ([]string, error) {
	out, err := s.q.AuditActions(ctx, s.pool, orgID)
	return out, mapErr(err, "Audit log")
}

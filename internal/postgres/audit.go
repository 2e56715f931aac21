package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"rapport/internal/audit"
	"rapport/internal/postgres/dbq"
)

// auditDetail records an action with a JSON detail (for example an export's
// format and row count, or a role's old and new value).
func (s *Store) auditDetail(ctx context.Context, db dbq.DBTX, orgID, actorID int64, action, subject string, detail any) error {
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
func (s *Store) AuditEntries(ctx context.Context, orgID int64, q audit.Query, limit int) ([]audit.Entry, error) {
	var afterAt, from, until any
	var afterID int64
	if q.After != nil {
		afterAt, afterID = q.After.At, q.After.ID
	}
	if q.From != nil {
		from = *q.From
	}
	if q.Until != nil {
		until = *q.Until
	}
	person := ""
	if q.Person != "" {
		person = "%" + likeEscape(q.Person) + "%"
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT a.id, a.created_at, coalesce(a.actor_id, 0), coalesce(u.name, ''), a.action, a.subject, a.detail
		FROM audit_log a
		LEFT JOIN users u ON u.org_id = a.org_id AND u.id = a.actor_id
		WHERE a.org_id = $1
		  AND ($2 = '' OR a.action = $2 OR a.action LIKE $3)
		  AND ($4 = '' OR u.name ILIKE $4 OR u.email::text ILIKE $4)
		  AND ($5::timestamptz IS NULL OR a.created_at >= $5)
		  AND ($6::timestamptz IS NULL OR a.created_at < $6)
		  AND ($7::timestamptz IS NULL OR (a.created_at, a.id) < ($7, $8))
		ORDER BY a.created_at DESC, a.id DESC
		LIMIT $9`,
		orgID, q.Action, likeEscape(q.Action)+".%", person, from, until, afterAt, afterID, limit)
	if err != nil {
		return nil, mapErr(err, "Audit log")
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.Subject, &detail); err != nil {
			return nil, mapErr(err, "Audit log")
		}
		e.At = e.At.UTC()
		e.Detail = audit.Facts(detail)
		e.About = audit.ParseSubject(e.Subject)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "Audit log")
	}
	rows.Close()
	return out, s.nameAuditSubjects(ctx, orgID, out)
}

// nameAuditSubjects finds the names of everything a page of entries is
// about, in one query.
func (s *Store) nameAuditSubjects(ctx context.Context, orgID int64, es []audit.Entry) error {
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
	rows, err := s.q.AuditSubjectNames(ctx, s.Pool, dbq.AuditSubjectNamesParams{OrgID: orgID,
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
func (s *Store) AuditActions(ctx context.Context, orgID int64) ([]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT DISTINCT action FROM audit_log WHERE org_id = $1 ORDER BY action`, orgID)
	if err != nil {
		return nil, mapErr(err, "Audit log")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, mapErr(err, "Audit log")
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err(), "Audit log")
}

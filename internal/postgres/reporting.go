package postgres

import "context"

// RebuildReportingLines recomputes the kept reporting tree (reporting_lines,
// maintained by triggers on users) from every person's manager, in one
// transaction that holds off changes to people. It returns how many rows
// were missing and how many were stale: both 0 when the kept tree was right.
func (s *PeopleStore) RebuildReportingLines(ctx context.Context) (missing, stale int64, err error) {
	r, err := s.q.ReportingLinesRebuild(ctx, s.pool)
	if err != nil {
		return 0, 0, mapErr(err, "Reporting tree")
	}
	return r.Missing, r.Stale, nil
}

// RebuildCheckinTallies recomputes the kept check-in tallies
// (action_tallies, maintained by triggers on action_items) from the
// actions, in one transaction that holds off changes to them. It returns how many rows were missing and how many were stale:
// both 0 when the kept tallies were right.
func (s *MeetingStore) RebuildCheckinTallies(ctx context.Context) (missing, stale int64, err error) {
	r, err := s.q.CheckinTalliesRebuild(ctx, s.pool)
	if err != nil {
		return 0, 0, mapErr(err, "Check-in tallies")
	}
	return r.Missing, r.Stale, nil
}

// RebuildKudoTallies recomputes the kept kudo tallies (kudo_tallies,
// maintained by triggers on kudos and kudo_recipients) from the kudos, in
// one transaction that holds off changes to them. It returns how many rows
// were missing and how many were stale: both 0 when the kept tallies were
// right.
func (s *KudosStore) RebuildKudoTallies(ctx context.Context) (missing, stale int64, err error) {
	r, err := s.q.KudoTalliesRebuild(ctx, s.pool)
	if err != nil {
		return 0, 0, mapErr(err, "Kudo tallies")
	}
	return r.Missing, r.Stale, nil
}

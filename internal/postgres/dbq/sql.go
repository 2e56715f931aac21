package dbq

// This file is written by hand (sqlc leaves it alone): it exposes the text
// of the queries whose plans the performance report prints.

// SQL returns the text of a named query, or "".
func SQL(name string) string {
	return map[string]string{
		"SeriesUnderLeader":      seriesUnderLeader,
		"SeriesForManager":       seriesForManager,
		"MeetingStats":           meetingStats,
		"ActionStats":            actionStats,
		"ActionTallyStats":       actionTallyStats,
		"AgendaStats":            agendaStats,
		"PausesForSeries":        pausesForSeries,
		"RollupPage":             rollupPage,
		"MeetingMarks":           meetingMarks,
		"KudoFeed":               kudoFeed,
		"KudoTotalsForPerson":    kudoTotalsForPerson,
		"KudoCountsByCompetency": kudoCountsByCompetency,
		"EquityMembers":          equityMembers,
		"EquityEdges":            equityEdges,
		"EquityEdgesFromKudos":   equityEdgesFromKudos,
		"CueSeries":              cueSeries,
		"CueFigures":             cueFigures,
		"EvidenceCounts":         evidenceCounts,
	}[name]
}

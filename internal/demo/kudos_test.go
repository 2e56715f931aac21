package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/schedule"
)

// kudosFingerprint hashes a recognition plan with its text.
func kudosFingerprint(opts Options, pl *plan, kp *kudoPlan) string {
	d := sha256.New()
	text := newKudoText(opts, pl, kp)
	for i, k := range kp.kudos {
		did, impact := text.kudo(i)
		fmt.Fprintln(d, k.at, k.author, k.recips[:k.n], k.vis, k.team, k.theme, k.tags, k.edited, did, impact)
	}
	for _, r := range kp.reactions {
		fmt.Fprintln(d, r)
	}
	for i, c := range kp.comments {
		fmt.Fprintln(d, c.at, c.kudo, c.author, text.comment(i))
	}
	for _, r := range kp.rituals {
		fmt.Fprintln(d, r.team, r.name, r.cadence, r.weekday, r.hour, r.zone, r.startsOn.UTC(), r.createdBy, r.createdAt.UTC())
	}
	return hex.EncodeToString(d.Sum(nil))
}

func TestKudosPlanDeterministic(t *testing.T) {
	t.Parallel()
	opts := historyOptions(DefaultDomain)
	if err := opts.normalise(); err != nil {
		t.Fatal(err)
	}
	pl := buildPlan(opts)
	a := kudosFingerprint(opts, pl, buildKudos(opts, pl))
	if b := kudosFingerprint(opts, pl, buildKudos(opts, pl)); a != b {
		t.Fatal("same seed and time gave different kudos")
	}
	opts.Seed++
	pl = buildPlan(opts)
	if c := kudosFingerprint(opts, pl, buildKudos(opts, pl)); a == c {
		t.Fatal("different seeds gave the same kudos")
	}
}

var placeholderRE = regexp.MustCompile(`\{[^}]*\}`)

func TestKudoTemplates(t *testing.T) {
	t.Parallel()
	dids, impacts := 0, 0
	seen := map[string]bool{}
	check := func(s, allowed string, minLen int) {
		t.Helper()
		if seen[s] {
			t.Errorf("duplicate template %q", s)
		}
		seen[s] = true
		if strings.HasPrefix(s, "{p}") || strings.HasPrefix(s, "{s}") {
			t.Errorf("template %q opens with a placeholder that starts with \"the\"", s)
		}
		for _, p := range placeholderRE.FindAllString(s, -1) {
			if len(p) != 3 || !strings.Contains(allowed, p[1:2]) {
				t.Errorf("template %q: unknown placeholder %s", s, p)
			}
		}
		if strings.Count(s, "{") != strings.Count(s, "}") {
			t.Errorf("template %q: unbalanced braces", s)
		}
		if len(placeholderRE.ReplaceAllString(s, "")) < minLen {
			t.Errorf("template %q is too short", s)
		}
	}
	for _, th := range kudoThemes {
		if len(th.keys) == 0 || len(th.keys) > 2 || len(th.did) < 6 || len(th.impact) != len(th.did) {
			t.Errorf("theme %s: %d keys, %d did and %d impact", th.name, len(th.keys), len(th.did), len(th.impact))
		}
		for _, s := range th.did {
			check(s, "pscaunl", 10)
			dids++
		}
		for _, s := range append(append([]string{}, th.impact...), th.also...) {
			check(s, "pscaunl", 10)
			impacts++
		}
	}
	if dids < 80 || impacts < 80 {
		t.Errorf("%d did and %d impact templates, want 80 or more of each", dids, impacts)
	}
	for _, s := range append(append([]string{}, thanksComments...), cheerComments...) {
		check(s, "rgca", 1)
	}
	if n := len(thanksComments) + len(cheerComments); n < 30 {
		t.Errorf("%d comment templates, want 30 or more", n)
	}
	for name := range themeAffinity {
		i := slices.IndexFunc(departments, func(d department) bool { return d.name == name })
		if i < 0 || len(themeAffinity[name]) != len(kudoThemes) {
			t.Errorf("theme affinity for %q does not match the departments and themes", name)
		}
	}
	for _, forms := range linkForms {
		for _, f := range forms {
			if !strings.HasPrefix(f, "https://") {
				t.Errorf("link form %q", f)
			}
		}
	}
}

// TestSeedKudos checks the recognition history of a small organisation
// against the database: who gives and receives, the skew, audiences, text,
// tags, reactions, comments, timing and the rituals' boards.
// TestSeedIsDeterministic checks that the same seed gives the same kudos.
func TestSeedKudos(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, res := sharedOrg(t)
	opts := historyOptions(historyDomain)
	t.Logf("60 people, 12 months: %d kudos, %d reactions, %d comments, %d rituals; seeded in %v",
		res.Kudos, res.Reactions, res.Comments, res.Rituals, res.Elapsed)
	org := res.OrgID
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, append([]any{org}, args...)...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	number := func(sql string, args ...any) float64 {
		t.Helper()
		var x float64
		if err := pool.QueryRow(ctx, sql, append([]any{org}, args...)...).Scan(&x); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return x
	}

	// Volume: KudosPerPersonYear, plus a few for the rituals.
	want := KudosPerPersonYear * 60
	if res.Kudos < want || res.Kudos > want*105/100 {
		t.Errorf("%d kudos, want about %d", res.Kudos, want)
	}
	for _, c := range []struct {
		table string
		want  int
	}{
		{"kudos", res.Kudos}, {"kudo_reactions", res.Reactions}, {"kudo_comments", res.Comments}, {"rituals", res.Rituals},
	} {
		if got := count(`SELECT count(*) FROM ` + c.table + ` WHERE org_id = $1`); got != c.want || got == 0 {
			t.Errorf("%s: %d rows, result says %d", c.table, got, c.want)
		}
	}

	// Recipients: one to three, mostly one, never the author, people of the
	// organisation active when the kudo was given (some have left since).
	if n := count(`SELECT count(*) FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
		WHERE k.org_id = $1 AND r.user_id = k.author_id`); n != 0 {
		t.Errorf("%d kudos to their own author", n)
	}
	if n := count(`SELECT count(*) FROM kudo_recipients r JOIN kudos k ON k.id = r.kudo_id
		LEFT JOIN users u ON u.id = r.user_id AND u.org_id = k.org_id AND (u.active OR u.deactivated_at > k.created_at)
		WHERE k.org_id = $1 AND (u.id IS NULL OR r.org_id <> k.org_id)`); n != 0 {
		t.Errorf("%d recipients not active in the organisation", n)
	}
	if n := count(`SELECT count(*) FROM kudos k LEFT JOIN users u ON u.id = k.author_id AND u.org_id = k.org_id
			AND (u.active OR u.deactivated_at > k.created_at)
		WHERE k.org_id = $1 AND u.id IS NULL`); n != 0 {
		t.Errorf("%d kudos by someone not active in the organisation", n)
	}
	if n := count(`SELECT count(*) FROM kudos k WHERE org_id = $1
		AND (SELECT count(*) FROM kudo_recipients r WHERE r.kudo_id = k.id) NOT BETWEEN 1 AND 3`); n != 0 {
		t.Errorf("%d kudos without 1 to 3 recipients", n)
	}
	if single := count(`SELECT count(*) FROM kudos k WHERE org_id = $1
		AND (SELECT count(*) FROM kudo_recipients r WHERE r.kudo_id = k.id) = 1`); single < res.Kudos*7/10 {
		t.Errorf("%d of %d kudos have a single recipient, want most", single, res.Kudos)
	}

	// Givers: about a quarter never give; a few champions give a lot.
	gave := count(`SELECT count(DISTINCT author_id) FROM kudos WHERE org_id = $1`)
	if never := 60 - gave; never < 9 || never > 21 {
		t.Errorf("%d of 60 people never gave a kudo, want about a quarter", never)
	}
	if top := number(`SELECT max(n)::float / avg(n) FROM (SELECT count(*) n FROM kudos WHERE org_id = $1 GROUP BY author_id) x`); top < 3 {
		t.Errorf("the most generous giver gives %.1f times the average, want a champion", top)
	}

	// The sign-in accounts have recognition to look at, given and received.
	for _, si := range res.SignIns {
		if n := count(`SELECT least(
			(SELECT count(*) FROM kudos k JOIN users u ON u.id = k.author_id WHERE k.org_id = $1 AND u.email = $2),
			(SELECT count(*) FROM kudo_recipients r JOIN users u ON u.id = r.user_id WHERE r.org_id = $1 AND u.email = $2))`,
			si.Email); n == 0 {
			t.Errorf("sign-in %s (%s) never gave or never received a kudo", si.Email, si.Role)
		}
	}

	// Receivers: heavy-tailed, some never recognised.
	nothing := count(`SELECT count(*) FROM users u WHERE org_id = $1
		AND NOT EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.user_id = u.id)`)
	if nothing < 6 {
		t.Errorf("%d of 60 people received nothing, want at least 10 %%", nothing)
	}
	topShare := number(`WITH c AS (
			SELECT u.id, count(r.kudo_id) AS n FROM users u LEFT JOIN kudo_recipients r ON r.user_id = u.id
			WHERE u.org_id = $1 GROUP BY u.id),
		ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS rn, count(*) OVER () AS people FROM c)
		SELECT sum(n) FILTER (WHERE rn <= ceil(people * 0.2))::float / sum(n) FROM ranked`)
	t.Logf("%d people received nothing; the top 20 %% of receivers got %.0f %% of the recognition", nothing, 100*topShare)
	if topShare <= 0.40 {
		t.Errorf("the top 20 %% of receivers get %.2f of the recognition, want a clear skew (> 0.40)", topShare)
	}

	// Mostly within teams and to or from managers; about a fifth across teams.
	crossTeam := number(`SELECT avg(CASE WHEN EXISTS (
			SELECT 1 FROM team_members a JOIN team_members b ON b.team_id = a.team_id
			WHERE a.user_id = k.author_id AND b.user_id = r.user_id) THEN 0 ELSE 1 END)
		FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id WHERE k.org_id = $1`)
	managerLine := number(`SELECT avg(CASE WHEN ua.manager_id = ur.id OR ur.manager_id = ua.id THEN 1 ELSE 0 END)
		FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id JOIN users ua ON ua.id = k.author_id JOIN users ur ON ur.id = r.user_id
		WHERE k.org_id = $1`)
	t.Logf("%.0f %% of recognition crosses teams, %.0f %% goes to or from a manager", 100*crossTeam, 100*managerLine)
	if crossTeam < 0.08 || crossTeam > 0.35 {
		t.Errorf("%.2f of recognition crosses teams, want about a fifth", crossTeam)
	}
	if managerLine < 0.15 {
		t.Errorf("%.2f of recognition goes to or from a manager, want more", managerLine)
	}

	// Some people keep thanking someone who never thanks them back.
	oneWay := count(`WITH p AS (
			SELECT k.author_id AS a, r.user_id AS b, count(*) AS n
			FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id WHERE k.org_id = $1 GROUP BY 1, 2)
		SELECT count(*) FROM p WHERE n >= 3 AND NOT EXISTS (SELECT 1 FROM p q WHERE q.a = p.b AND q.b = p.a)`)
	if oneWay == 0 {
		t.Error("no one-way pair: someone thanked 3 or more times, never thanking back")
	}

	// Audiences: mostly everyone, some a team the author is in, a few the recipients.
	orgShare := number(`SELECT avg((visibility = 'org')::int) FROM kudos WHERE org_id = $1`)
	teamShare := number(`SELECT avg((visibility = 'team')::int) FROM kudos WHERE org_id = $1`)
	if orgShare < 0.78 || orgShare > 0.92 || teamShare < 0.05 || teamShare > 0.16 {
		t.Errorf("%.2f organisation-wide and %.2f team kudos, want about 0.85 and 0.10", orgShare, teamShare)
	}
	if n := count(`SELECT count(*) FROM kudos WHERE org_id = $1 AND visibility = 'recipients'`); n == 0 {
		t.Error("no kudos for the recipients only")
	}
	if n := count(`SELECT count(*) FROM kudos k WHERE org_id = $1 AND visibility = 'team'
		AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = k.team_id AND tm.user_id = k.author_id)`); n != 0 {
		t.Errorf("%d team kudos for a team the author is not in", n)
	}

	// Text: specific, varied, no placeholders left; a few mentions and links.
	if n := count(`SELECT count(*) FROM kudos WHERE org_id = $1
		AND (char_length(did) < 10 OR char_length(impact) < 10 OR did ~ '[{}]' OR impact ~ '[{}]' OR did ILIKE '%lorem%')`); n != 0 {
		t.Errorf("%d kudos with short text or placeholders left", n)
	}
	if n := count(`SELECT count(DISTINCT did) FROM kudos WHERE org_id = $1`); n < 150 {
		t.Errorf("only %d distinct descriptions", n)
	}
	if n := count(`SELECT count(*) FROM kudos WHERE org_id = $1 AND (did LIKE '%https://%' OR impact LIKE '%https://%')`); n < res.Kudos/100 {
		t.Errorf("%d kudos with a link, want a few", n)
	}
	rows, err := pool.Query(ctx, `SELECT did || ' ' || impact FROM kudos WHERE org_id = $1 AND (did || impact) LIKE '%@%'`, org)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	mentionRE := regexp.MustCompile(`(?:^|\s)@([a-z0-9._-]+[a-z0-9])`)
	var handles []string
	for _, s := range texts {
		for _, m := range mentionRE.FindAllStringSubmatch(s, -1) {
			handles = append(handles, m[1])
		}
	}
	if len(handles) < res.Kudos/50 {
		t.Errorf("%d mentions, want some", len(handles))
	}
	if n := count(`SELECT count(*) FROM unnest($2::text[]) h
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.org_id = $1 AND split_part(u.email::text, '@', 1) = h)`, handles); n != 0 {
		t.Errorf("%d mentions of nobody in the organisation", n)
	}
	if n := count(`SELECT count(*) FROM kudos WHERE org_id = $1 AND idem_key !~ '^demo-[0-9]+$'`); n != 0 {
		t.Errorf("%d kudos with an unexpected idempotency key", n)
	}

	// Competency tags: zero to two, matching the theme.
	if n := count(`SELECT count(*) FROM kudos k WHERE org_id = $1
		AND (SELECT count(*) FROM kudo_competencies c WHERE c.kudo_id = k.id) > 2`); n != 0 {
		t.Errorf("%d kudos with more than two competencies", n)
	}
	tagged := count(`SELECT count(DISTINCT c.kudo_id) FROM kudo_competencies c JOIN kudos k ON k.id = c.kudo_id WHERE k.org_id = $1`)
	if tagged < res.Kudos/3 || tagged > res.Kudos*3/4 {
		t.Errorf("%d of %d kudos tagged, want about half", tagged, res.Kudos)
	}
	// Each tag is one of the competencies of the theme the text comes from.
	themesOf := map[string][]*regexp.Regexp{} // competency key: the did templates that may carry it
	for _, th := range kudoThemes {
		for _, d := range th.did {
			parts := placeholderRE.Split(d, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			re := regexp.MustCompile("^" + strings.Join(parts, ".+") + "$")
			for _, k := range th.keys {
				themesOf[k] = append(themesOf[k], re)
			}
		}
	}
	rows, err = pool.Query(ctx, `SELECT k.did, p.key FROM kudo_competencies c JOIN kudos k ON k.id = c.kudo_id
		JOIN competencies p ON p.id = c.competency_id WHERE k.org_id = $1`, org)
	if err != nil {
		t.Fatal(err)
	}
	var did, key string
	mismatched := 0
	if _, err := pgx.ForEachRow(rows, []any{&did, &key}, func() error {
		if !slices.ContainsFunc(themesOf[key], func(re *regexp.Regexp) bool { return re.MatchString(did) }) {
			mismatched++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 {
		t.Errorf("%d competency tags that do not match the kudo's text", mismatched)
	}

	// Reactions: on about 60 % of organisation-wide kudos, 1 to 8 each,
	// never by the author, clap the most common.
	reacted := number(`SELECT avg((EXISTS (SELECT 1 FROM kudo_reactions r WHERE r.kudo_id = k.id))::int)
		FROM kudos k WHERE org_id = $1 AND visibility = 'org'`)
	if math.Abs(reacted-reactedShare) > 0.08 {
		t.Errorf("%.2f of organisation-wide kudos have reactions, want about %.2f", reacted, reactedShare)
	}
	if n := count(`SELECT count(*) FROM (SELECT kudo_id FROM kudo_reactions WHERE org_id = $1 GROUP BY kudo_id
		HAVING count(*) > 8) x`); n != 0 {
		t.Errorf("%d kudos with more than 8 reactions", n)
	}
	if n := count(`SELECT count(*) FROM kudo_reactions r JOIN kudos k ON k.id = r.kudo_id
		WHERE r.org_id = $1 AND (r.user_id = k.author_id OR r.created_at < k.created_at OR r.created_at > $2 OR k.visibility = 'recipients')`, fixedNow); n != 0 {
		t.Errorf("%d reactions by the author, before the kudo, in the future or on a private kudo", n)
	}
	var emoji []string
	rows, err = pool.Query(ctx, `SELECT emoji FROM kudo_reactions WHERE org_id = $1 GROUP BY emoji ORDER BY count(*) DESC`, org)
	if err == nil {
		emoji, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(emoji) != 5 || emoji[0] != "clap" {
		t.Errorf("reactions by frequency %v, want all five with clap first", emoji)
	}
	if n := count(`SELECT count(*) FROM kudo_reactions r JOIN kudos k ON k.id = r.kudo_id WHERE r.org_id = $1 AND k.visibility = 'team'
		AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = k.team_id AND tm.user_id = r.user_id)`); n != 0 {
		t.Errorf("%d reactions to team kudos from outside the team", n)
	}

	// Comments: on about 10 % of kudos, after them.
	commented := count(`SELECT count(DISTINCT kudo_id) FROM kudo_comments WHERE org_id = $1`)
	if share := float64(commented) / float64(res.Kudos); share < 0.06 || share > 0.14 {
		t.Errorf("%.2f of kudos have comments, want about %.2f", share, commentedShare)
	}
	if n := count(`SELECT count(*) FROM kudo_comments c JOIN kudos k ON k.id = c.kudo_id WHERE c.org_id = $1
		AND (c.created_at < k.created_at OR c.created_at > $2 OR c.body ~ '[{}]' OR c.author_id = k.author_id)`, fixedNow); n != 0 {
		t.Errorf("%d comments before their kudo, in the future, with placeholders or by the author", n)
	}

	if n := count(`SELECT count(*) FROM kudo_comments c JOIN kudos k ON k.id = c.kudo_id WHERE c.org_id = $1
		AND (k.visibility = 'recipients' OR (k.visibility = 'team'
			AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = k.team_id AND tm.user_id = c.author_id)
			AND NOT EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.kudo_id = k.id AND r.user_id = c.author_id)))`); n != 0 {
		t.Errorf("%d comments by people who cannot see the kudo", n)
	}

	// Timing: over the whole history, on weekdays and working hours in the
	// author's time zone, a little more on Fridays.
	from := fixedNow.AddDate(0, -opts.Months, 0)
	if n := count(`SELECT count(*) FROM kudos WHERE org_id = $1 AND (created_at < $2 OR created_at >= $3
		OR (edited_at IS NOT NULL AND (edited_at <= created_at OR edited_at > created_at + interval '15 minutes')))`, from, fixedNow); n != 0 {
		t.Errorf("%d kudos outside the history or edited outside the edit window", n)
	}
	if n := count(`SELECT count(DISTINCT date_trunc('month', created_at)) FROM kudos WHERE org_id = $1`); n < 12 {
		t.Errorf("kudos in only %d months", n)
	}
	weekdays := number(`SELECT avg((extract(isodow FROM k.created_at AT TIME ZONE u.time_zone) <= 5)::int)
		FROM kudos k JOIN users u ON u.id = k.author_id WHERE k.org_id = $1`)
	working := number(`SELECT avg((extract(hour FROM k.created_at AT TIME ZONE u.time_zone) BETWEEN 8 AND 18)::int)
		FROM kudos k JOIN users u ON u.id = k.author_id WHERE k.org_id = $1`)
	fridays := number(`SELECT avg((extract(isodow FROM k.created_at AT TIME ZONE u.time_zone) = 5)::int)
		FROM kudos k JOIN users u ON u.id = k.author_id WHERE k.org_id = $1`)
	t.Logf("%.0f %% on weekdays, %.0f %% in working hours, %.0f %% on Fridays", 100*weekdays, 100*working, 100*fridays)
	if weekdays < 0.93 || working < 0.85 || fridays < 0.21 {
		t.Errorf("%.2f on weekdays, %.2f in working hours, %.2f on Fridays", weekdays, working, fridays)
	}

	checkRituals(t, pool, res, opts)
}

// kudosDigest hashes an organisation's kudos without ids or emails.
func kudosDigest(t *testing.T, pool *pgxpool.Pool, orgID int64) string {
	t.Helper()
	var s string
	err := pool.QueryRow(context.Background(), `
		SELECT md5(string_agg(concat_ws('|', a.name, k.did, k.impact, k.visibility, k.created_at,
			(SELECT string_agg(u.name, ',' ORDER BY u.name) FROM kudo_recipients r JOIN users u ON u.id = r.user_id WHERE r.kudo_id = k.id),
			(SELECT string_agg(x.emoji || u.name || x.created_at, ',' ORDER BY x.created_at, u.name)
				FROM kudo_reactions x JOIN users u ON u.id = x.user_id WHERE x.kudo_id = k.id),
			(SELECT string_agg(c.body || u.name || c.created_at, ',' ORDER BY c.created_at, c.id)
				FROM kudo_comments c JOIN users u ON u.id = c.author_id WHERE c.kudo_id = k.id)), E'\n' ORDER BY k.id))
		FROM kudos k JOIN users a ON a.id = k.author_id WHERE k.org_id = $1`, orgID).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkRituals verifies the rituals and that each one's team was recognised
// in nearly every period, so that its board has history.
func checkRituals(t *testing.T, pool *pgxpool.Pool, res Result, opts Options) {
	t.Helper()
	ctx := context.Background()
	type ritual struct {
		TeamID   int64
		Name     string
		Cadence  string
		Weekday  int16
		Hour     int16
		Zone     string
		StartsOn time.Time
		Lead     string
	}
	rows, err := pool.Query(ctx, `
		SELECT r.team_id, r.name, r.cadence::text, r.weekday, r.hour, r.time_zone, r.starts_on, u.email::text
		FROM rituals r JOIN users u ON u.id = r.created_by WHERE r.org_id = $1 ORDER BY r.id`, res.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	rituals, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ritual])
	if err != nil {
		t.Fatal(err)
	}
	if len(rituals) < 2 || len(rituals) > 4 || len(rituals) != res.Rituals {
		t.Fatalf("%d rituals (result says %d), want 2 to 4", len(rituals), res.Rituals)
	}
	manager := res.SignIns[2].Email
	if rituals[0].Lead != manager || rituals[0].Name != "Friday shout-outs" || rituals[0].Cadence != "weekly" ||
		rituals[0].Weekday != int16(time.Friday) || rituals[0].Hour != 16 {
		t.Errorf("first ritual %+v, want Friday shout-outs for the sign-in manager %s's team", rituals[0], manager)
	}
	names := map[string]bool{}
	from := opts.Now.AddDate(0, -opts.Months, 0)
	for _, r := range rituals {
		names[r.Name] = true
		loc, err := time.LoadLocation(r.Zone)
		if err != nil {
			t.Fatal(err)
		}
		var leadZone string
		var led bool
		if err := pool.QueryRow(ctx, `SELECT u.time_zone, EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = $1 AND m.user_id = u.id)
			FROM users u WHERE u.email = $2`, r.TeamID, r.Lead).Scan(&leadZone, &led); err != nil {
			t.Fatal(err)
		}
		if leadZone != r.Zone || !led {
			t.Errorf("%s: time zone %s, created by a team member in %s: %v", r.Name, r.Zone, leadZone, led)
		}
		if got, want := r.StartsOn.Format(time.DateOnly), from.In(loc).Format(time.DateOnly); got != want {
			t.Errorf("%s starts on %s, want the start of the history %s", r.Name, got, want)
		}

		// Periods as the board shows them: up to the end of the ritual's day.
		rule := schedule.Rule{Cadence: schedule.Cadence(r.Cadence), Weekday: time.Weekday(r.Weekday), Hour: int(r.Hour),
			Location: loc, StartsOn: r.StartsOn}
		start := time.Date(r.StartsOn.Year(), r.StartsOn.Month(), r.StartsOn.Day(), 0, 0, 0, 0, loc)
		var ends []time.Time
		for _, m := range rule.Occurrences(start, opts.Now) {
			y, mo, d := m.In(loc).Date()
			if end := time.Date(y, mo, d+1, 0, 0, 0, 0, loc); !end.After(opts.Now) {
				ends = append(ends, end)
			}
		}
		rows, err := pool.Query(ctx, `
			SELECT DISTINCT k.id, k.created_at FROM kudos k
			JOIN kudo_recipients kr ON kr.kudo_id = k.id
			JOIN team_members tm ON tm.user_id = kr.user_id AND tm.team_id = $2
			WHERE k.org_id = $1 AND k.visibility <> 'recipients'`, res.OrgID, r.TeamID)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		var at time.Time
		hits := make([]int, len(ends))
		if _, err := pgx.ForEachRow(rows, []any{&id, &at}, func() error {
			if at.Before(start) {
				return nil
			}
			if i, _ := slices.BinarySearchFunc(ends, at, func(e, at time.Time) int {
				if !e.After(at) {
					return -1
				}
				return 1
			}); i < len(ends) {
				hits[i]++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		empty := 0
		for _, h := range hits {
			if h == 0 {
				empty++
			}
		}
		t.Logf("%s (%s): %d periods, %d without kudos to the team", r.Name, r.Cadence, len(ends), empty)
		if len(ends) < 10 || empty*10 > len(ends) {
			t.Errorf("%s: %d of %d periods without kudos to the team, want nearly all recognised", r.Name, empty, len(ends))
		}
	}
	for _, n := range []string{"Friday shout-outs", "Monthly awards"} {
		if !names[n] {
			t.Errorf("no %q ritual", n)
		}
	}
}

// BenchmarkSeed10000Months24 seeds the benchmark organisation: 10,000 people
// with two years of 1:1s and about a million kudos.
func BenchmarkSeed10000Months24(b *testing.B) {
	ctx := context.Background()
	pool := openPool(b, dsn)
	for b.Loop() {
		res, err := Seed(ctx, pool, Options{People: 10000, Months: 24, Seed: 1, Password: testPassword, Domain: uniqueDomain("bench24")})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Kudos), "kudos")
		b.ReportMetric(float64(res.Reactions), "reactions")
		b.Logf("%+v", res)
	}
}

package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// kudoChunk is how many kudos go in one COPY. PostgreSQL queues a foreign
// key check for every row and runs the queue at the end of the statement;
// chunks keep that queue small.
const kudoChunk = 50_000

// kudoCounts are the rows written for the recognition history.
type kudoCounts struct {
	Kudos, Recipients, Tags, Reactions, Comments, Rituals int
}

// writeKudos inserts the planned recognition history. Kudo ids are reserved
// up front, in time order, so that kudos and the rows pointing at them go in
// COPYs; the kudos' and comments' text is written as the rows stream.
func writeKudos(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, kp *kudoPlan,
	orgID int64, userIDs, teamIDs []int64) (kudoCounts, error) {
	var c kudoCounts
	compIDs := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT key, id FROM competencies WHERE org_id IS NULL`)
	if err != nil {
		return c, fmt.Errorf("demo: read competencies: %w", err)
	}
	var key string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&key, &id}, func() error { compIDs[key] = id; return nil }); err != nil {
		return c, fmt.Errorf("demo: read competencies: %w", err)
	}

	var seq string
	var kudoIDs []int64
	err = tx.QueryRow(ctx, `SELECT pg_get_serial_sequence('kudos', 'id')`).Scan(&seq)
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT ARRAY(SELECT nextval($1::regclass) FROM generate_series(1, $2::int) ORDER BY 1)`,
			seq, len(kp.kudos)).Scan(&kudoIDs)
	}
	if err != nil {
		return c, fmt.Errorf("demo: reserve kudo ids: %w", err)
	}

	// Recipients and competency tags, one row each.
	type pair struct{ kudo, other int32 }
	recipients := make([]pair, 0, len(kp.kudos)*4/3)
	tags := make([]struct {
		kudo int32
		comp int64
	}, 0, len(kp.kudos))
	for i := range kp.kudos {
		k := &kp.kudos[i]
		for _, r := range k.recips[:k.n] {
			recipients = append(recipients, pair{int32(i), r})
		}
		for _, t := range k.tags {
			if t < 0 {
				continue
			}
			if cid, ok := compIDs[kudoThemes[k.theme].keys[t]]; ok {
				tags = append(tags, struct {
					kudo int32
					comp int64
				}{int32(i), cid})
			}
		}
	}

	text := newKudoText(opts, pl, kp)
	visNames := [...]string{kudoOrg.String(), kudoTeam.String(), kudoRecipients.String()}
	unix := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	if len(kp.rituals) > 0 {
		src := source(len(kp.rituals), 10, func(i int, r []any) {
			x := &kp.rituals[i]
			r[0], r[1], r[2], r[3] = orgID, teamIDs[x.team], x.name, string(x.cadence)
			r[4], r[5], r[6], r[7] = int16(x.weekday), int16(x.hour), x.zone, x.startsOn
			r[8], r[9] = userIDs[x.createdBy], x.createdAt
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"rituals"},
			[]string{"org_id", "team_id", "name", "cadence", "weekday", "hour", "time_zone", "starts_on", "created_by", "created_at"},
			src); err != nil {
			return c, fmt.Errorf("demo: insert rituals: %w", err)
		}
	}

	// Kudos go in chunks, each followed by its recipients, tags, reactions
	// and comments. The foreign key checks, one query per row and key, take
	// about two thirds of the time: fewer rows is the only way to be faster.
	copies := []struct {
		what    string
		table   string
		columns []string
		n       int
		kudo    func(i int) int32 // the kudo of row i; nil for kudos
		fill    func(i int, row []any)
		next    int // first row not yet written
	}{
		{what: "kudos", table: "kudos",
			columns: []string{"id", "org_id", "author_id", "did", "impact", "visibility", "team_id", "idem_key", "created_at", "edited_at"},
			n:       len(kp.kudos),
			fill: func(i int, r []any) {
				k := &kp.kudos[i]
				did, impact := text.kudo(i)
				r[0], r[1], r[2], r[3], r[4] = kudoIDs[i], orgID, userIDs[k.author], did, impact
				r[5], r[6], r[7] = visNames[k.vis], nil, "demo-"+strconv.Itoa(i+1)
				if k.team >= 0 {
					r[6] = teamIDs[k.team]
				}
				r[8], r[9] = unix(k.at), nil
				if k.edited > 0 {
					r[9] = unix(k.at + int64(k.edited))
				}
			}},
		{what: "kudo recipients", table: "kudo_recipients",
			columns: []string{"org_id", "kudo_id", "user_id"},
			n:       len(recipients),
			kudo:    func(i int) int32 { return recipients[i].kudo },
			fill: func(i int, r []any) {
				p := recipients[i]
				r[0], r[1], r[2] = orgID, kudoIDs[p.kudo], userIDs[p.other]
			}},
		{what: "kudo competencies", table: "kudo_competencies",
			columns: []string{"kudo_id", "competency_id"},
			n:       len(tags),
			kudo:    func(i int) int32 { return tags[i].kudo },
			fill: func(i int, r []any) {
				r[0], r[1] = kudoIDs[tags[i].kudo], tags[i].comp
			}},
		{what: "kudo reactions", table: "kudo_reactions",
			columns: []string{"org_id", "kudo_id", "user_id", "emoji", "created_at"},
			n:       len(kp.reactions),
			kudo:    func(i int) int32 { return kp.reactions[i].kudo },
			fill: func(i int, r []any) {
				x := &kp.reactions[i]
				r[0], r[1], r[2], r[3], r[4] = orgID, kudoIDs[x.kudo], userIDs[x.user], reactionEmoji[x.emoji], unix(x.at)
			}},
		{what: "kudo comments", table: "kudo_comments",
			columns: []string{"org_id", "kudo_id", "author_id", "body", "created_at"},
			n:       len(kp.comments),
			kudo:    func(i int) int32 { return kp.comments[i].kudo },
			fill: func(i int, r []any) {
				x := &kp.comments[i]
				r[0], r[1], r[2], r[3], r[4] = orgID, kudoIDs[x.kudo], userIDs[x.author], text.comment(i), unix(x.at)
			}},
	}
	for lo := 0; lo < len(kp.kudos); lo += kudoChunk {
		hi := min(lo+kudoChunk, len(kp.kudos))
		for ci := range copies {
			cp := &copies[ci]
			from, to := cp.next, hi
			if cp.kudo != nil {
				for to = from; to < cp.n && int(cp.kudo(to)) < hi; to++ {
				}
			}
			if to <= from {
				continue
			}
			src := source(to-from, len(cp.columns), func(i int, r []any) { cp.fill(from+i, r) })
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.columns, src); err != nil {
				return c, fmt.Errorf("demo: insert %s: %w", cp.what, err)
			}
			cp.next = to
		}
	}
	return kudoCounts{Kudos: len(kp.kudos), Recipients: len(recipients), Tags: len(tags),
		Reactions: len(kp.reactions), Comments: len(kp.comments), Rituals: len(kp.rituals)}, nil
}

// kudoText writes the kudos' and comments' text. Each is drawn from its own
// random stream, seeded by the organisation's seed and its index, so text
// can be written in any order and still be the same for the same seed.
type kudoText struct {
	pl     *plan
	kp     *kudoPlan
	given  []string // first names
	handle []string // mention handles: the email's local part
	areas  []string
	seed   uint64
	src    *rand.PCG
	rng    *rand.Rand
	b      strings.Builder
	// slugs for links
	projectSlugs, systemSlugs []string
}

func newKudoText(opts Options, pl *plan, kp *kudoPlan) *kudoText {
	t := &kudoText{pl: pl, kp: kp, seed: uint64(opts.Seed) ^ 0xa54ff53a5f1d36f1, src: rand.NewPCG(0, 0)}
	t.rng = rand.New(t.src)
	t.given = make([]string, len(pl.people))
	t.handle = make([]string, len(pl.people))
	for i, p := range pl.people {
		t.given[i], _, _ = strings.Cut(p.name, " ")
		t.handle[i], _, _ = strings.Cut(p.email, "@")
	}
	for _, d := range departments {
		t.areas = append(t.areas, d.areas...)
	}
	for _, p := range projects {
		t.projectSlugs = append(t.projectSlugs, slug(p))
	}
	for _, s := range systems {
		t.systemSlugs = append(t.systemSlugs, slug(s))
	}
	return t
}

// slug turns "the CI pipeline" into "ci-pipeline".
func slug(s string) string {
	s = strings.TrimPrefix(strings.ToLower(s), "the ")
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// textCtx is what one kudo's text refers to.
type textCtx struct {
	k         *kudoRow
	project   int
	system    int
	customer  int
	colleague int32
	mention   bool // the first {c} is an @mention
	area      string
	num       int
}

// quarter is 91 days: a team works on a project for about that long.
const quarter = 91 * 24 * 3600

func (t *kudoText) context(k *kudoRow) textCtx {
	r := k.recips[0]
	c := textCtx{k: k, system: t.rng.IntN(len(systems)), customer: t.rng.IntN(len(customers)),
		num: 2 + t.rng.IntN(5), mention: t.rng.Float64() < 0.25}
	// A team works on one project a quarter; now and then a kudo is about another.
	if teams := t.kp.teams[r]; len(teams) > 0 && t.rng.Float64() < 0.7 {
		c.project = int((int64(teams[0])*7 + k.at/quarter*3) % int64(len(projects)))
	} else {
		c.project = t.rng.IntN(len(projects))
	}
	c.colleague = -1
	if nb := t.kp.neigh[r]; len(nb) > 0 {
		for range 6 {
			if x := nb[t.rng.IntN(len(nb))]; t.outside(k, x) {
				c.colleague = x
				break
			}
		}
	}
	for c.colleague < 0 {
		if x := int32(t.rng.IntN(len(t.pl.people))); t.outside(k, x) {
			c.colleague = x
		}
	}
	own := t.pl.people[r].area
	for {
		if a := t.areas[t.rng.IntN(len(t.areas))]; a != own {
			c.area = a
			break
		}
	}
	return c
}

// outside reports whether x is neither the kudo's author nor a recipient.
func (t *kudoText) outside(k *kudoRow, x int32) bool {
	if x == k.author {
		return false
	}
	for _, r := range k.recips[:k.n] {
		if r == x {
			return false
		}
	}
	return true
}

// kudo returns what the i-th kudo's recipients did and what it changed.
func (t *kudoText) kudo(i int) (did, impact string) {
	k := &t.kp.kudos[i]
	t.src.Seed(t.seed, uint64(i))
	c := t.context(k)
	th := &kudoThemes[k.theme]
	j := t.rng.IntN(len(th.did))
	dt, it := th.did[j], th.impact[j]
	if len(th.also) > 0 && t.rng.Float64() < 0.25 {
		it = th.also[t.rng.IntN(len(th.also))]
	}
	did = t.fill(dt, &c)
	impact = t.fill(it, &c)
	if !strings.Contains(dt, "{l}") && !strings.Contains(it, "{l}") && t.rng.Float64() < 0.04 {
		impact += t.fill(linkLeads[t.rng.IntN(len(linkLeads))], &c)
	}
	return did, impact
}

// comment returns the i-th comment's body.
func (t *kudoText) comment(i int) string {
	cm := &t.kp.comments[i]
	t.src.Seed(t.seed^0x510e527fade682d1, uint64(i))
	c := t.context(&t.kp.kudos[cm.kudo])
	c.mention = false
	if cm.thanks {
		return t.fill(thanksComments[cm.tmpl], &c)
	}
	return t.fill(cheerComments[cm.tmpl], &c)
}

// fill replaces a template's placeholders.
func (t *kudoText) fill(tmpl string, c *textCtx) string {
	if strings.IndexByte(tmpl, '{') < 0 {
		return tmpl
	}
	b := &t.b
	b.Reset()
	b.Grow(len(tmpl) + 48)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 || i+2 >= len(tmpl) || tmpl[i+2] != '}' {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		switch tmpl[i+1] {
		case 'p':
			b.WriteString(projects[c.project])
		case 's':
			b.WriteString(systems[c.system])
		case 'u':
			b.WriteString(customers[c.customer])
		case 'c':
			if c.mention {
				b.WriteByte('@')
				b.WriteString(t.handle[c.colleague])
				c.mention = false
			} else {
				b.WriteString(t.given[c.colleague])
			}
		case 'a':
			b.WriteString(c.area)
		case 'n':
			b.WriteString(strconv.Itoa(c.num))
		case 'r':
			b.WriteString(t.given[c.k.recips[0]])
		case 'g':
			b.WriteString(t.given[c.k.author])
		case 'l':
			t.link(b, c)
		default:
			b.WriteString(tmpl[i : i+3])
		}
		tmpl = tmpl[i+3:]
	}
}

// link writes a plausible intranet link about the kudo.
func (t *kudoText) link(b *strings.Builder, c *textCtx) {
	forms, ok := linkForms[kudoThemes[c.k.theme].name]
	if !ok {
		forms = linkForms[""]
	}
	form := forms[t.rng.IntN(len(forms))]
	area := slug(t.pl.people[c.k.recips[0]].area)
	if area == "" {
		area = "company"
	}
	for {
		i := strings.IndexByte(form, '{')
		if i < 0 {
			b.WriteString(form)
			return
		}
		b.WriteString(form[:i])
		switch form[i+1] {
		case 'A':
			b.WriteString(area)
		case 'P':
			b.WriteString(t.projectSlugs[c.project])
		case 'S':
			b.WriteString(t.systemSlugs[c.system])
		case 'Y':
			b.WriteString(time.Unix(c.k.at, 0).UTC().Format("2006-01"))
		case 'N':
			b.WriteString(strconv.Itoa(100 + t.rng.IntN(9900)))
		}
		form = form[i+3:]
	}
}

package outcomes

import "testing"

func rows(kind string, groups ...[3]int) []Row {
	var out []Row
	for i, g := range groups {
		key := int64(i + 1)
		out = append(out, Row{Kind: kind, Key: key, Left: true, Figures: Figures{People: g[1]}},
			Row{Kind: kind, Key: key, Left: false, Figures: Figures{People: g[2]}})
	}
	return out
}

// Groups and sides under the threshold are hidden, and so is the smallest
// shown one while the hidden ones together could be worked out from the
// total (between 1 and threshold-1 of them).
func TestOutcomesHideSmallGroupsAndThoseFoundBySubtraction(t *testing.T) {
	for _, c := range []struct {
		name             string
		threshold        int
		groups           [][3]int // key order: _, leavers, stayers
		shown            []bool   // by key
		leavers, stayers []bool   // by key, of shown groups
		hidden           Hidden
	}{
		{"all large", 3, [][3]int{{0, 3, 3}, {0, 4, 5}}, []bool{true, true}, []bool{true, true}, []bool{true, true}, Hidden{}},
		// A group of 2 is hidden; the hidden 2 could be found by subtraction,
		// so the smallest shown group (4 people) goes too.
		{"one small", 3, [][3]int{{0, 1, 1}, {0, 2, 2}, {0, 3, 3}}, []bool{false, false, true}, nil, []bool{true}, Hidden{2, 6}},
		// All groups large, but one has 1 leaver: hiding it alone would
		// leave it found by subtraction, so the next smallest leavers go.
		{"one leaver", 3, [][3]int{{0, 1, 4}, {0, 3, 3}, {0, 5, 3}}, []bool{true, true, true}, []bool{false, false, true}, []bool{true, true, true}, Hidden{}},
		// The threshold never drops under 3: with 1, the two groups of 2
		// would show. The 4 people hidden leave group 3 shown, but its 3
		// leavers (and stayers) go, or the hidden 2 could be worked out.
		{"threshold floor", 1, [][3]int{{0, 1, 1}, {0, 1, 1}, {0, 3, 3}}, []bool{false, false, true}, []bool{false}, []bool{false}, Hidden{2, 4}},
	} {
		var rs []Row
		total := [2]int{}
		for _, g := range c.groups {
			total[0] += g[1]
			total[1] += g[2]
		}
		rs = append(rs, Row{Kind: "all", Left: true, Figures: Figures{People: total[0]}}, Row{Kind: "all", Left: false, Figures: Figures{People: total[1]}})
		rs = append(rs, rows("manager", c.groups...)...)
		v := Build(rs, c.threshold)
		if !v.Total.Shown {
			t.Fatalf("%s: total hidden", c.name)
		}
		if v.MgrsHidden != c.hidden {
			t.Errorf("%s: hidden %+v, want %+v", c.name, v.MgrsHidden, c.hidden)
		}
		shown := map[int64]Group{}
		for _, g := range v.ByManager {
			shown[g.Key] = g
		}
		j := 0
		for i, want := range c.shown {
			g, ok := shown[int64(i+1)]
			if ok != want {
				t.Errorf("%s: group %d shown %v, want %v", c.name, i+1, ok, want)
				continue
			}
			if !ok {
				continue
			}
			if c.leavers != nil && g.Leavers.Shown != c.leavers[j] {
				t.Errorf("%s: group %d leavers shown %v", c.name, i+1, g.Leavers.Shown)
			}
			if c.stayers != nil && g.Stayers.Shown != c.stayers[j] {
				t.Errorf("%s: group %d stayers shown %v", c.name, i+1, g.Stayers.Shown)
			}
			j++
		}
	}
	// Fewer people than the threshold in all: nothing but the count.
	v := Build([]Row{{Kind: "all", Left: false, Figures: Figures{People: 2}}, {Kind: "manager", Key: 1, Figures: Figures{People: 2}}}, 3)
	if v.Total.Shown || v.Total.Stayers.Shown || len(v.ByManager) != 0 || v.Total.People != 2 {
		t.Errorf("two people: %+v", v)
	}
}

package people

import "testing"

func id(n int64) *int64 { return &n }

func TestBuildForestAndCutKeepEveryoneReachable(t *testing.T) {
	rows := []ChartNode{
		{ID: 1, Name: "CEO"},
		{ID: 2, Name: "VP", ManagerID: id(1)},
		{ID: 3, Name: "Manager", ManagerID: id(2)},
		{ID: 4, Name: "Engineer", ManagerID: id(3)},
		{ID: 5, Name: "Engineer 2", ManagerID: id(3)},
		{ID: 6, Name: "Orphan", ManagerID: id(99)}, // manager inactive: becomes a root
	}
	forest := BuildForest(rows)
	if len(forest) != 2 || forest[0].ID != 1 || forest[1].ID != 6 {
		t.Fatalf("roots: %+v", forest)
	}
	cut(forest[0], 3)
	mgr := forest[0].Reports[0].Reports[0]
	if mgr.ID != 3 || len(mgr.Reports) != 0 || mgr.Hidden != 2 {
		t.Fatalf("level 3 should hide its 2 reports: %+v", mgr)
	}
	if findNode(forest, 5) != nil {
		t.Fatal("a cut node is still in the tree")
	}
}

package core

import "testing"

// Location answers a zone or an error for any name, without panicking, and
// caches only zones it found.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{"UTC", "Europe/Madrid", "America/Argentina/Buenos_Aires", "", "Local", "utc",
		"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/Madrid\x00", "\xff", "Europe/../UTC", "Etc/GMT+14"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		loc, err := Location(name)
		if (err == nil) == (loc == nil) {
			t.Fatalf("Location(%q) = %v, %v", name, loc, err)
		}
		if err != nil {
			if _, cached := locations.Load(name); cached {
				t.Fatalf("Location(%q) failed but was cached", name)
			}
		}
	})
}

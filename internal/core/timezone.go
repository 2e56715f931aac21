package core

import (
	"sync"
	"time"
)

var locations sync.Map // name → *time.Location

// Location loads an IANA time zone once and caches it: time.LoadLocation
// reads and parses the zone file on every call, which adds up when a page
// computes schedules for thousands of people.
func Location(name string) (*time.Location, error) {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

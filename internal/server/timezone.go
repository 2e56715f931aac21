package server

import (
	"sync"
	"time"
)

var tzCache sync.Map

// timeLocation loads a time zone once and caches it.
func timeLocation(name string) (*time.Location, error) {
	if v, ok := tzCache.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	tzCache.Store(name, loc)
	return loc, nil
}

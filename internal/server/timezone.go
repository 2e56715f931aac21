package server

import (
	"time"

	"rapport/internal/core"
)

// timeLocation loads a time zone once and caches it.
func timeLocation(name string) (*time.Location, error) { return core.Location(name) }

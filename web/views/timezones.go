package views

// commonTimeZones are offered in time-zone pickers; a person's current zone
// is always added if it is not among them.
var commonTimeZones = []string{
	"UTC",
	"America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Toronto",
	"America/Mexico_City", "America/Bogota", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Berlin",
	"Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens", "Europe/Istanbul",
	"Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg",
	"Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Singapore",
	"Asia/Shanghai", "Asia/Manila", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
}

// TimeZoneOptions returns the picker's options, including current.
func TimeZoneOptions(current string) []Option {
	opts := make([]Option, 0, len(commonTimeZones)+1)
	found := false
	for _, tz := range commonTimeZones {
		opts = append(opts, Option{Value: tz, Label: tz})
		found = found || tz == current
	}
	if !found && current != "" {
		opts = append(opts, Option{Value: current, Label: current})
	}
	return opts
}

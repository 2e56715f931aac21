package server

// ProblemTypes lets the package's outside tests read each status's problem
// name.
func ProblemTypes() map[int]string {
	out := map[int]string{}
	for status, t := range problemTypes {
		out[status] = t[0]
	}
	return out
}

package live

// ListenerPID is the server process id of the hub's LISTEN connection, 0
// while it is disconnected.
func (h *Hub) ListenerPID() uint32 { return h.listenerPID() }

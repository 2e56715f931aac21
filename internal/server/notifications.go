package server

import (
	"net/http"

	"rapport/web/views"
)

// The bell: each person's in-app notifications, the same events as the
// non-essential emails whether or not those are sent.

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	ns, err := s.inbox.Notifications(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.NotificationsPage(s.layout(r, "Notifications", "notifications"),
		views.NotificationsProps{Items: ns, Now: s.clock.Now()}))
}

// notificationOpen marks a notification read and goes to the page it is
// about.
func (s *Server) notificationOpen(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	to, err := s.inbox.OpenNotification(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, to)
}

func (s *Server) notificationsReadAll(w http.ResponseWriter, r *http.Request) {
	if err := s.inbox.ReadAllNotifications(r.Context(), actor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/notifications")
}

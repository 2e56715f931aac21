package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"rapport/internal/core"
	"rapport/web"
)

// access says who may call a route.
type access struct {
	public bool        // anyone, signed in or not
	roles  []core.Role // signed-in people with one of these roles
	scim   bool        // an identity provider with an organisation's SCIM bearer token; no session
	// api: a person's personal access token (with roles: theirs), never a
	// session; write: the token must have the read-write scope.
	api   bool
	write bool
}

var (
	// Public routes need no sign-in.
	Public = access{public: true}
	// Anyone signed in, whatever their role.
	Anyone = access{roles: core.Roles}
	// Managers are people who look after a reporting tree.
	Managers = access{roles: []core.Role{core.RoleAdmin, core.RoleLeader, core.RoleManager}}
	// Leaders see roll-ups across their part of the organisation.
	Leaders = access{roles: []core.Role{core.RoleAdmin, core.RoleLeader}}
	// AdminOnly routes change who is in the organisation.
	AdminOnly = access{roles: []core.Role{core.RoleAdmin}}
	// ScimToken routes take an organisation's SCIM bearer token and nothing
	// else: cookies are not read, and the token's organisation scopes all.
	ScimToken = access{scim: true}
	// APIRead routes take a personal access token of anyone, whatever its
	// scope; APIWrite ones a read-write token; APIManagers a token of a
	// manager, leader or admin. The token acts as its person: the services
	// apply that person's rules as they do for pages.
	APIRead     = access{api: true, roles: core.Roles}
	APIWrite    = access{api: true, write: true, roles: core.Roles}
	APIManagers = access{api: true, roles: Managers.roles}
	// APIDoc is the API's own description, public.
	APIDoc = access{public: true, api: true}
)

// route is one line of the route table.
type route struct {
	method  string
	pattern string
	access  access
	handler http.HandlerFunc
}

// routes is the one table of every route and who may use it. Object-level
// checks (is this person in my reporting tree?) live in the services.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", Public, s.healthz},
		{"GET", "/readyz", Public, s.readyz},

		{"GET", "/setup", Public, s.setupForm},
		{"POST", "/setup", Public, s.setupSubmit},
		{"GET", "/login", Public, s.loginForm},
		{"POST", "/login", Public, s.loginSubmit},
		{"POST", "/login/organisation", Public, s.loginChoose},
		{"POST", "/login/sso", Public, s.ssoLookup},
		{"GET", "/sso/callback", Public, s.ssoCallback},
		{"GET", "/sso/{org}", Public, s.ssoPage},
		{"GET", "/sso/{org}/start", Public, s.ssoStart},
		{"POST", "/logout", Anyone, s.logout},
		{"GET", "/invite/{token}", Public, s.inviteForm},
		{"POST", "/invite/{token}", Public, s.inviteSubmit},
		{"GET", "/password/forgot", Public, s.forgotForm},
		{"POST", "/password/forgot", Public, s.forgotSubmit},
		{"GET", "/password/reset/{token}", Public, s.resetForm},
		{"POST", "/password/reset/{token}", Public, s.resetSubmit},
		// One-click unsubscribe (RFC 8058): the signed token is the proof.
		{"GET", "/unsubscribe/{token}", Public, s.unsubscribeForm},
		{"POST", "/unsubscribe/{token}", Public, s.unsubscribeSubmit},

		{"GET", "/account", Anyone, s.accountPage},
		{"GET", "/notifications", Anyone, s.notificationsPage},
		{"POST", "/notifications/read", Anyone, s.notificationsReadAll},
		{"POST", "/notifications/{id}/open", Anyone, s.notificationOpen},
		{"POST", "/account/password", Anyone, s.accountPassword},
		{"POST", "/account/email", Anyone, s.accountEmail},
		{"POST", "/account/sessions/{id}/end", Anyone, s.accountSessionEnd},
		{"POST", "/account/tokens", Anyone, s.accountTokenCreate},
		{"POST", "/account/tokens/{id}/revoke", Anyone, s.accountTokenRevoke},

		{"GET", "/", Anyone, s.home},
		{"GET", "/org", Anyone, s.orgChart},

		{"GET", "/people", Managers, s.peopleList},
		{"GET", "/people/new", AdminOnly, s.personNew},
		{"POST", "/people", AdminOnly, s.personCreate},
		{"GET", "/people/import", AdminOnly, s.importForm},
		{"POST", "/people/import", AdminOnly, s.importPreview},
		{"POST", "/people/import/confirm", AdminOnly, s.importConfirm},
		{"GET", "/people/{id}", Anyone, s.personShow},
		{"GET", "/people/{id}/edit", AdminOnly, s.personEdit},
		{"POST", "/people/{id}", AdminOnly, s.personUpdate},
		{"POST", "/people/{id}/deactivate", AdminOnly, s.personDeactivate},
		{"POST", "/people/{id}/reactivate", AdminOnly, s.personReactivate},
		{"GET", "/people/{id}/erase", AdminOnly, s.personEraseForm},
		{"POST", "/people/{id}/erase", AdminOnly, s.personErase},
		{"POST", "/people/{id}/invite", AdminOnly, s.personInvite},
		{"POST", "/people/{id}/reset-password", AdminOnly, s.personResetPassword},

		// Pickers: anyone signed in may find anyone in their organisation, as
		// the public profile shows them (people.Service.SearchPeople).
		{"GET", "/pick/people", Anyone, s.pickPeople},
		{"GET", "/pick/teams", Anyone, s.pickTeams},

		{"GET", "/teams", Anyone, s.teamsList},
		{"GET", "/teams/new", AdminOnly, s.teamNew},
		{"POST", "/teams", AdminOnly, s.teamCreate},
		{"GET", "/teams/{id}", Anyone, s.teamShow},
		{"GET", "/teams/{id}/edit", AdminOnly, s.teamEdit},
		{"POST", "/teams/{id}", AdminOnly, s.teamUpdate},
		{"POST", "/teams/{id}/delete", AdminOnly, s.teamDelete},
		{"POST", "/teams/{id}/members", AdminOnly, s.teamMemberAdd},
		{"POST", "/teams/{id}/members/{personID}/remove", AdminOnly, s.teamMemberRemove},

		{"GET", "/invitations", AdminOnly, s.invitationsList},
		{"POST", "/invitations", AdminOnly, s.invitationCreate},
		{"POST", "/invitations/{id}/revoke", AdminOnly, s.invitationRevoke},

		// 1:1s: object-level rules in oneonone.Service (participants only;
		// dashboards for the manager chain and leaders).
		{"GET", "/oneonones", Anyone, s.seriesList},
		{"GET", "/oneonones/new", Managers, s.seriesNew},
		// Agenda templates are each person's own.
		{"GET", "/oneonones/templates", Anyone, s.templatesPage},
		{"POST", "/oneonones/templates", Anyone, s.templateCreate},
		{"POST", "/oneonones/templates/{id}/delete", Anyone, s.templateDelete},
		{"POST", "/oneonones", Managers, s.seriesCreate},
		{"GET", "/oneonones/{id}", Anyone, s.seriesShow},
		{"POST", "/oneonones/{id}/next", Anyone, s.seriesNext},
		{"POST", "/oneonones/{id}/pause", Anyone, s.seriesPause},
		{"POST", "/oneonones/{id}/resume", Anyone, s.seriesResume},
		{"POST", "/oneonones/{id}/end", Anyone, s.seriesEnd},
		{"GET", "/meetings/{id}", Anyone, s.meetingShow},
		{"POST", "/meetings/{id}/agenda", Anyone, s.agendaAdd},
		{"POST", "/meetings/{id}/agenda/{itemID}/toggle", Anyone, s.agendaToggle},
		{"POST", "/meetings/{id}/agenda/{itemID}/move", Anyone, s.agendaMove},
		{"POST", "/meetings/{id}/agenda/{itemID}/delete", Anyone, s.agendaDelete},
		{"POST", "/meetings/{id}/agenda/{itemID}/drop", Anyone, s.agendaDrop},
		{"POST", "/meetings/{id}/agenda/template", Anyone, s.agendaTemplate},
		{"POST", "/meetings/{id}/notes", Anyone, s.sharedNotesSave},
		{"POST", "/meetings/{id}/private-note", Anyone, s.privateNoteSave},
		{"POST", "/meetings/{id}/status", Anyone, s.meetingStatus},
		{"POST", "/meetings/{id}/reschedule", Anyone, s.meetingReschedule},
		{"POST", "/meetings/{id}/pulse", Anyone, s.meetingPulse},
		{"POST", "/meetings/{id}/balance", Anyone, s.meetingBalance},
		{"POST", "/meetings/{id}/actions", Anyone, s.actionAdd},
		{"POST", "/meetings/{id}/observations", Anyone, s.observationAdd},
		{"GET", "/actions", Anyone, s.actionsList},
		{"POST", "/actions/{id}/toggle", Anyone, s.actionToggle},

		// Kudos: visibility is enforced in every query (kudo_visible).
		{"GET", "/kudos", Anyone, s.kudosFeed},
		{"GET", "/kudos/new", Anyone, s.kudoNew},
		{"POST", "/kudos", Anyone, s.kudoCreate},
		{"GET", "/kudos/{id}", Anyone, s.kudoShow},
		{"GET", "/kudos/{id}/edit", Anyone, s.kudoEdit},
		{"POST", "/kudos/{id}", Anyone, s.kudoUpdate},
		{"POST", "/kudos/{id}/delete", Anyone, s.kudoDelete},
		{"POST", "/kudos/{id}/react", Anyone, s.kudoReact},
		{"POST", "/kudos/{id}/comments", Anyone, s.kudoComment},
		{"GET", "/people/{id}/kudos", Anyone, s.personKudos},
		{"GET", "/recognition/equity", Managers, s.equityPage},
		{"GET", "/teams/{id}/rituals/new", Anyone, s.ritualNew},
		{"POST", "/teams/{id}/rituals", Anyone, s.ritualCreate},
		{"GET", "/rituals/{id}", Anyone, s.ritualBoard},
		{"GET", "/rituals/{id}/present", Anyone, s.ritualPresent},
		{"POST", "/rituals/{id}/delete", Anyone, s.ritualDelete},

		// Retros: team members take part, the team's facilitators run them,
		// managers above a member read; everyone else gets 404 (retro.Service).
		{"GET", "/teams/{id}/retros", Anyone, s.teamRetros},
		{"GET", "/teams/{id}/retros/new", Anyone, s.retroNew},
		{"POST", "/teams/{id}/retros", Anyone, s.retroCreate},
		{"POST", "/teams/{id}/retros/facilitators", Anyone, s.retroFacilitator},
		{"GET", "/retros/{id}", Anyone, s.retroShow},
		{"GET", "/retros/{id}/board", Anyone, s.retroBoard},
		{"GET", "/retros/{id}/events", Anyone, s.retroEvents},
		{"GET", "/retros/{id}/export.md", Anyone, s.retroExportMarkdown},
		{"GET", "/retros/{id}/export.csv", Anyone, s.retroExportCSV},
		{"POST", "/retros/{id}/phase", Anyone, s.retroPhase},
		{"POST", "/retros/{id}/cards", Anyone, s.retroCardAdd},
		{"POST", "/retros/{id}/cards/{cardID}", Anyone, s.retroCardEdit},
		{"POST", "/retros/{id}/cards/{cardID}/delete", Anyone, s.retroCardDelete},
		{"POST", "/retros/{id}/group", Anyone, s.retroGroup},
		{"POST", "/retros/{id}/votes", Anyone, s.retroVote},
		{"POST", "/retros/{id}/notes", Anyone, s.retroNote},
		{"POST", "/retros/{id}/actions", Anyone, s.retroActionAdd},
		{"POST", "/retros/{id}/review", Anyone, s.retroReview},
		// Team health: members answer, the team's facilitators open and
		// close checks, members, the managers and leaders above a member and
		// admins read (health.Service, health_team_readable); others get 404.
		{"GET", "/health", Anyone, s.healthHome},
		{"GET", "/health/rollup", Leaders, s.healthRollup},
		{"GET", "/health/{id}", Anyone, s.healthCheck},
		{"POST", "/health/{id}/answers", Anyone, s.healthAnswer},
		{"POST", "/health/{id}/close", Anyone, s.healthClose},
		{"GET", "/teams/{id}/health", Anyone, s.teamHealth},
		{"GET", "/teams/{id}/health/new", Anyone, s.healthNew},
		{"POST", "/teams/{id}/health", Anyone, s.healthOpen},
		// Pulse surveys: admins and leaders schedule; the audience answers;
		// readers (pulse_readable) and the audience see results, readers
		// with breakdowns (pulse.Service); others get 404.
		{"GET", "/pulses", Anyone, s.pulsesList},
		{"GET", "/pulses/new", Leaders, s.pulseNew},
		{"POST", "/pulses", Leaders, s.pulseCreate},
		{"GET", "/pulses/{id}", Anyone, s.pulseResults},
		{"GET", "/pulses/{id}/answer", Anyone, s.pulseAnswerPage},
		{"POST", "/pulses/{id}/answer", Anyone, s.pulseAnswer},
		{"POST", "/pulses/{id}/stop", Leaders, s.pulseStop},
		{"GET", "/admin/health", AdminOnly, s.healthAdmin},
		{"POST", "/admin/health/threshold", AdminOnly, s.healthThreshold},
		{"POST", "/admin/health/dimensions", AdminOnly, s.healthDimensionAdd},
		{"POST", "/admin/health/dimensions/{id}", AdminOnly, s.healthDimensionUpdate},
		{"POST", "/admin/health/dimensions/{id}/retire", AdminOnly, s.healthDimensionRetire},
		// Framework and reviews: object-level rules in review.Service (own
		// review, the reviewer, the reporting tree above; others get 404).
		{"GET", "/framework", Anyone, s.frameworkPage},
		{"GET", "/framework/edit", AdminOnly, s.frameworkEdit},
		{"POST", "/framework", AdminOnly, s.frameworkSave},
		{"POST", "/framework/competencies", AdminOnly, s.frameworkAdd},
		{"POST", "/framework/competencies/{id}/retire", AdminOnly, s.frameworkRetire},
		{"POST", "/framework/competencies/{id}/restore", AdminOnly, s.frameworkRestore},
		{"POST", "/framework/competencies/{id}/move", AdminOnly, s.frameworkMove},
		{"GET", "/reviews", Anyone, s.reviewsList},
		{"GET", "/reviews/new", Leaders, s.cycleNew},
		{"POST", "/reviews", Leaders, s.cycleCreate},
		{"GET", "/reviews/{id}", Anyone, s.cycleShow},
		{"POST", "/reviews/{id}/people", Leaders, s.cycleAddPerson},
		{"GET", "/reviews/{id}/people/{personID}", Anyone, s.reviewShow},
		{"POST", "/reviews/{id}/people/{personID}/self", Anyone, s.reviewSave("self")},
		{"POST", "/reviews/{id}/people/{personID}/manager", Anyone, s.reviewSave("manager")},
		{"POST", "/reviews/{id}/people/{personID}/acknowledge", Anyone, s.reviewAcknowledge},
		{"POST", "/reviews/{id}/people/{personID}/finalise", Leaders, s.reviewFinalise},
		{"POST", "/meetings/{id}/evidence", Anyone, s.meetingEvidence},
		{"POST", "/reviews/{id}/evidence", Anyone, s.cycleEvidence},

		{"GET", "/checkins", Managers, s.checkinsMine},
		{"GET", "/checkins/managers", Leaders, s.checkinsRollup},
		{"GET", "/checkins/managers/{id}", Managers, s.checkinsManager},
		// Outcomes: a leader's reporting tree, an admin's organisation
		// (outcomes.Service); groups under the health threshold are hidden.
		{"GET", "/outcomes", Leaders, s.outcomesPage},

		// Exports: the rows and packets are the reviews the viewer may see
		// (export.Service); every export is written to the audit log.
		{"GET", "/exports/cycles/{id}", Managers, s.exportPage},
		{"GET", "/exports/cycles/{id}/csv", Managers, s.exportCSV},
		{"GET", "/exports/cycles/{id}/xlsx", Managers, s.exportXLSX},
		{"GET", "/exports/cycles/{id}/packets.zip", Managers, s.exportPackets},
		{"GET", "/exports/cycles/{id}/people/{personID}/packet", Managers, s.packetPage},
		{"GET", "/exports/cycles/{id}/people/{personID}/packet.pdf", Managers, s.packetPDF},

		{"GET", "/definitions", Anyone, s.definitionsPage},
		// The definitions' old address; operational metrics are on their
		// own listener (RAPPORT_METRICS_ADDR), never here.
		{"GET", "/metrics", Public, s.definitionsMoved},
		{"GET", "/admin", AdminOnly, s.adminPage},
		{"GET", "/admin/audit", AdminOnly, s.auditPage},
		// The whole organisation as one archive (docs/export-format.md).
		{"GET", "/admin/export", AdminOnly, s.orgExportPage},
		{"GET", orgExportPath, AdminOnly, s.orgExportArchive},
		{"GET", "/admin/outbox", AdminOnly, s.outboxList},
		{"GET", "/admin/outbox/{id}", AdminOnly, s.outboxShow},
		{"GET", "/admin/outbox/{id}/html", AdminOnly, s.outboxHTML},
		{"GET", "/admin/webhooks", AdminOnly, s.webhooksPage},
		{"POST", "/admin/webhooks", AdminOnly, s.webhookSave},
		{"POST", "/admin/webhooks/{teamID}/remove", AdminOnly, s.webhookRemove},
		{"GET", "/admin/sso", AdminOnly, s.ssoSettingsPage},
		{"POST", "/admin/sso", AdminOnly, s.ssoSettingsSave},
		{"POST", "/admin/sso/test", AdminOnly, s.ssoSettingsTest},
		{"POST", "/admin/sso/remove", AdminOnly, s.ssoSettingsRemove},
		{"GET", "/questions", AdminOnly, s.questionsList},
		{"POST", "/questions", AdminOnly, s.questionAdd},
		{"POST", "/questions/{id}/toggle", AdminOnly, s.questionToggle},

		{"GET", "/calendar", Anyone, s.calendarPage},
		{"POST", "/calendar/reset", Anyone, s.calendarReset},
		{"GET", "/ics/{token}", Public, s.calendarFeed},

		{"GET", "/admin/scim", AdminOnly, s.scimTokensPage},
		{"POST", "/admin/scim", AdminOnly, s.scimTokenCreate},
		{"POST", "/admin/scim/{id}/revoke", AdminOnly, s.scimTokenRevoke},

		// The JSON API (docs/api.md, docs/openapi.json): personal access
		// tokens only, through the services the pages use.
		{"GET", "/api/v1/openapi.json", APIDoc, s.apiOpenAPI},
		{"GET", "/api/v1/me", APIRead, s.apiMe},
		{"GET", "/api/v1/people", APIManagers, s.apiPeople},
		{"GET", "/api/v1/people/{id}", APIRead, s.apiPerson},
		{"GET", "/api/v1/kudos", APIRead, s.apiKudos},
		{"POST", "/api/v1/kudos", APIWrite, s.apiKudoCreate},
		{"GET", "/api/v1/actions", APIRead, s.apiActions},
		{"POST", "/api/v1/actions/{id}/complete", APIWrite, s.apiActionComplete},
		{"GET", "/api/v1/teams", APIRead, s.apiTeams},
		{"GET", "/api/v1/teams/{id}", APIRead, s.apiTeamShow},
		{"GET", "/api/v1/one-on-ones", APIRead, s.apiSeries},
		{"GET", "/api/v1/one-on-ones/{id}/meetings", APIRead, s.apiSeriesMeetings},
		{"POST", "/api/v1/meetings/{id}/agenda", APIWrite, s.apiAgendaAdd},
		{"GET", "/api/v1/retros/{id}/actions", APIRead, s.apiRetroActionsOf},
		{"POST", "/api/v1/retros/{id}/actions/{actionID}/complete", APIWrite, s.apiRetroActionComplete},
		{"GET", "/api/v1/retro-actions", APIRead, s.apiMyRetroActions},
		{"GET", "/api/v1/review-cycles", APIRead, s.apiCycles},
		{"GET", "/api/v1/review-cycles/{id}/reviews", APIRead, s.apiCycleReviews},

		// SCIM 2.0 provisioning (RFC 7644) for identity providers.
		{"GET", "/scim/v2/ServiceProviderConfig", ScimToken, s.scimServiceProviderConfig},
		{"GET", "/scim/v2/ResourceTypes", ScimToken, s.scimResourceTypes},
		{"GET", "/scim/v2/ResourceTypes/{id}", ScimToken, s.scimResourceType},
		{"GET", "/scim/v2/Schemas", ScimToken, s.scimSchemas},
		{"GET", "/scim/v2/Schemas/{id}", ScimToken, s.scimSchema},
		{"GET", "/scim/v2/Users", ScimToken, s.scimUsers},
		{"POST", "/scim/v2/Users", ScimToken, s.scimUserCreate},
		{"GET", "/scim/v2/Users/{id}", ScimToken, s.scimUserGet},
		{"PUT", "/scim/v2/Users/{id}", ScimToken, s.scimUserReplace},
		{"PATCH", "/scim/v2/Users/{id}", ScimToken, s.scimUserPatch},
		{"DELETE", "/scim/v2/Users/{id}", ScimToken, s.scimUserDelete},
		{"GET", "/scim/v2/Groups", ScimToken, s.scimGroups},
		{"POST", "/scim/v2/Groups", ScimToken, s.scimGroupCreate},
		{"GET", "/scim/v2/Groups/{id}", ScimToken, s.scimGroupGet},
		{"PUT", "/scim/v2/Groups/{id}", ScimToken, s.scimGroupReplace},
		{"PATCH", "/scim/v2/Groups/{id}", ScimToken, s.scimGroupPatch},
		{"DELETE", "/scim/v2/Groups/{id}", ScimToken, s.scimGroupDelete},
	}
}

func (s *Server) buildRouter() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(nameSpan)
	if s.observer != nil {
		r.Use(s.observe)
	}
	if s.cfg.TrustProxy {
		r.Use(middleware.RealIP)
	}
	r.Use(s.accessLog)
	if s.reads != nil {
		r.Use(s.batchReads)
	}
	r.Use(s.closeWhenDraining)
	r.Use(s.recoverPanic)
	r.Use(s.securityHeaders)
	r.Use(s.limitBody)
	r.Use(Compress())
	r.Use(s.crossOriginProtection)
	r.Use(s.timeout)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Static files carry no session.
	r.Method("GET", "/static/*", web.StaticHandler())

	// SCIM routes carry no session either: a bearer token is all they read.
	for _, rt := range s.routes() {
		if rt.access.scim {
			r.Method(rt.method, rt.pattern, s.require(rt.access, rt.handler))
		}
	}
	// Nor do the API's: anything under /api/v1 answers in problem details.
	r.Route(apiPrefix, func(r chi.Router) {
		r.NotFound(func(w http.ResponseWriter, _ *http.Request) { apiProblem(w, http.StatusNotFound, "") })
		r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) { apiProblem(w, http.StatusMethodNotAllowed, "") })
		for _, rt := range s.routes() {
			if rt.access.api {
				r.Method(rt.method, strings.TrimPrefix(rt.pattern, apiPrefix), s.require(rt.access, rt.handler))
			}
		}
	})

	r.Group(func(r chi.Router) {
		r.Use(prefetchSignedIn)
		r.Use(s.sessions.LoadAndSave)
		r.Use(s.loadActor)
		// After loadActor, so a refused request's page keeps the signed-in
		// person's navigation.
		r.Use(s.checkInput)
		r.Use(s.fairShare)
		for _, rt := range s.routes() {
			if !rt.access.scim && !rt.access.api {
				r.Method(rt.method, rt.pattern, s.require(rt.access, rt.handler))
			}
		}
	})
	return r
}

package demo

// What people write in demo kudos. Good recognition is specific, public and
// timely: it names the action and its effect, and shares the credit. Each
// theme pairs what someone did with what it changed, and tags the
// competencies it shows.
//
// Templates may use {p} for a project (from talk.go, starting with "the"),
// {s} for a system (also starting with "the"), {c} for a colleague of the
// recipients (their first name, or now and then an @mention of their email's
// local part), {a} for another team's area, {u} for a customer, {n} for a
// small number and {l} for a link. Comments may also use {r} for the first
// recipient's first name and {g} for the giver's. Neither {p} nor {s} opens
// a sentence.

// kudoTheme is a kind of recognition. did[i] and impact[i] go together: the
// action and its effect. also are effects that fit any action of the theme.
type kudoTheme struct {
	name   string
	weight int      // how common, before the department's affinity
	keys   []string // competencies a kudo of this theme may be tagged with, most fitting first
	did    []string
	impact []string
	also   []string
}

var kudoThemes = []kudoTheme{
	{
		name: "delivery", weight: 16, keys: []string{"feedback-follow-through", "trust"},
		did: []string{
			"Shipped the last piece of {p} a day early and posted a clear summary of what changed.",
			"Broke {p} into small, reviewable steps and kept everyone posted on progress every Friday.",
			"Picked up the loose ends on {p} when plans changed, without being asked.",
			"Ran the release of {s} end to end, including the rollback rehearsal nobody wanted to do.",
			"Cut the scope of {p} down to what mattered and explained the trade-offs in writing.",
			"Closed every open action from the review of {p} within the week.",
			"Paired with {c} for two careful afternoons to land the migration of {s}.",
			"Flagged early that {p} would slip and came with two options instead of a surprise.",
			"Kept the launch checklist for {p} honest, ticking items off only when they were really done.",
		},
		impact: []string{
			"Everyone knew what had changed without having to ask, which saved a round of status meetings.",
			"Reviews took minutes instead of days, and leadership could make the call on {p} in one meeting.",
			"Nothing fell through the cracks, and the follow-up meeting took ten minutes.",
			"The release went out with zero customer-facing issues, and now we know the rollback works.",
			"We launched on the date we promised {u}, and nobody had to work the weekend.",
			"The next review started from a clean slate instead of last month's leftovers.",
			"The migration finished without downtime, and {c} now knows {s} as well as anyone.",
			"The {a} team could re-plan their work around a date they could trust.",
			"The team had a calm launch week for the first time this quarter.",
		},
		also: []string{
			"It freed {n} people to start on the next project a week earlier than planned.",
			"We finally had time to fix the two bugs {u} kept reporting.",
		},
	},
	{
		name: "incident", weight: 8, keys: []string{"feedback-follow-through", "emotional-intelligence"},
		did: []string{
			"Jumped on the outage in {s} at 7am, kept a calm timeline in the incident channel and handed over cleanly.",
			"Spotted the error spike in {s} before any alert fired and rolled back within minutes.",
			"Wrote a blameless postmortem for last week's incident, with actions that have owners and dates.",
			"Stayed with {u}'s escalation until the root cause was found, and told them plainly what happened.",
			"Took an extra on-call shift for {c}, who had a family emergency, without making a fuss.",
			"Turned the messy incident notes into a runbook for {s} that someone new can follow.",
			"Kept the status page updated every thirty minutes during the incident, in plain language.",
			"Tracked down the config drift behind the flaky deploys of {s} and fixed it for good.",
		},
		impact: []string{
			"Customers saw a few minutes of errors instead of an afternoon of downtime.",
			"Most customers never noticed: support got two tickets instead of two hundred.",
			"The team learned from the incident instead of pointing fingers.",
			"We kept {u}'s trust through a rough week, and their renewal call was positive.",
			"{c} could be with their family without worrying about the pager.",
			"The next person paged for {s} fixed a similar issue in ten minutes using the runbook.",
			"Support had clear answers for every ticket, and {u} thanked us for the transparency.",
			"Deploys are boring again, which is exactly what we want.",
		},
		also: []string{
			"The same alert has not fired since, and on-call nights are quieter.",
		},
	},
	{
		name: "onboarding", weight: 9, keys: []string{"rapport", "contact-maintenance"},
		did: []string{
			"Set up a buddy plan for our new joiner, with a coffee chat every day of their first week.",
			"Walked {c} through {s} in a patient hour-long session and recorded it for the next person.",
			"Reviewed {c}'s first pull requests with kind, specific comments and examples.",
			"Kept a standing fortnightly check-in with the interns, even in the busiest weeks of {p}.",
			"Took time to learn what our new designer cares about before handing over any work.",
			"Rewrote the onboarding checklist after hearing where the last {n} joiners got stuck.",
			"Mentored {c} through their first presentation to leadership, with two dry runs.",
			"Made sure the remote folks were introduced properly at the offsite, one by one.",
		},
		impact: []string{
			"Our new joiner shipped their first change on day three and says they already feel at home.",
			"{c} now answers questions about {s} that used to go to one person.",
			"Code reviews became a place to learn rather than something to dread.",
			"The interns stayed engaged all summer, and two have asked to come back.",
			"Our new designer is already shaping {p} instead of just taking tickets.",
			"Onboarding dropped from about three weeks to under two.",
			"{c} presented with confidence and got the go-ahead for {p}.",
			"People who joined remotely feel part of the team, not an afterthought.",
		},
		also: []string{
			"The team grew without the usual dip in pace.",
		},
	},
	{
		name: "cross-team", weight: 10, keys: []string{"internal-dynamics", "partnerships"},
		did: []string{
			"Spent a day shadowing the {a} team and came back with a list of hand-off fixes.",
			"Wrote down who owns what between us and the {a} team, and got both leads to agree.",
			"Joined the {a} team's stand-up for two weeks to unblock {p}.",
			"Turned a tense thread with the {a} team into a short call and a shared plan.",
			"Built a small dashboard so the {a} team can see the status of {p} without pinging us.",
			"Offered to take on part of the {a} team's work on {p} when they were short-handed.",
			"Set up a twenty-minute weekly sync with {c} and the {a} team to catch dependencies early.",
			"Explained our constraints on {s} to the {a} team with diagrams instead of jargon.",
		},
		impact: []string{
			"Hand-offs with the {a} team went from days to hours.",
			"Work on {p} stopped bouncing between teams and finally has one owner.",
			"The blockers on {p} were gone within days, and the {a} team asked us to keep joining.",
			"Trust between the teams is noticeably higher: people ask for help earlier.",
			"Fewer \"quick questions\", more focus time for everyone.",
			"The {a} team told us it was the smoothest collaboration they've had this year.",
			"Dependencies on {p} show up weeks ahead instead of the day before.",
			"The two teams now plan together, and the last sprint had no surprises.",
		},
		also: []string{
			"We avoided a duplicated project that would have cost us a month.",
		},
	},
	{
		name: "customer", weight: 9, keys: []string{"partnerships", "listening"},
		did: []string{
			"Listened to {u}'s frustrations for an hour, summarised them back and agreed three next steps.",
			"Turned {u}'s feature request into a clear problem statement before anyone started building.",
			"Ran the quarterly review with {u} with honest numbers, including where we fell short.",
			"Mapped who decides what on {u}'s side before the renewal conversation.",
			"Sat in on support calls for a week to hear how customers actually use {s}.",
			"Followed up with {u} every week after the outage until they said they were happy.",
			"Prepared a demo of {s} for {u} and tailored it to the way they work.",
			"Invited {u}'s admins to try the new version of {s} early and gathered their feedback in one place.",
		},
		impact: []string{
			"{u} said it was the first time they felt heard.",
			"We built the right thing first time and saved a sprint of rework.",
			"The renewal closed without a single surprise on either side.",
			"{u} renewed for two more years and asked to join the advisory board.",
			"Product now has real quotes to prioritise the roadmap for {s}.",
			"The account went from at-risk to healthy in a month.",
			"The demo landed: {u} is rolling out to {n} more departments.",
			"Early feedback shaped {s} before launch instead of after.",
		},
		also: []string{
			"Our customers feel like partners, not ticket numbers.",
		},
	},
	{
		name: "credit", weight: 8, keys: []string{"trust", "feedback-follow-through"},
		did: []string{
			"Named everyone who contributed to {p} at the all-hands, down to the intern who wrote the tests.",
			"Said \"I got that wrong\" in the planning meeting and showed how to fix it.",
			"Kept a sensitive conversation confidential while still getting the problem solved.",
			"Gave {c} the credit for the idea behind {p} in front of leadership.",
			"Shared the real numbers on {p}, including the ones that did not look good.",
			"Pushed back respectfully on the deadline for {p} and explained why, with data.",
			"Owned the mistake in the configuration of {s} publicly and wrote up what we would change.",
			"Stepped aside so {c} could present the results of the work they had done.",
		},
		impact: []string{
			"Everyone who worked on {p} felt seen, not just the people who presented it.",
			"People now raise problems early because they have seen that it is safe.",
			"The problem got solved, and nobody's trust was spent doing it.",
			"{c} was recognised for their work, and the whole team felt it was fair.",
			"Decisions on {p} were made on facts, not hopes.",
			"We set a realistic date and hit it.",
			"It set the tone: mistakes are learned from, not hidden.",
			"Leadership now sees {c} as the go-to person for {p}.",
		},
		also: []string{
			"The team trusts the numbers in our updates again.",
			"It made the retro honest and useful.",
		},
	},
	{
		name: "facilitation", weight: 9, keys: []string{"listening", "feedback-follow-through"},
		did: []string{
			"Ran the retro for {p} so that everyone spoke, then sent a summary with owners the same afternoon.",
			"Asked the clarifying questions nobody else did at the kickoff of {p}.",
			"Facilitated a tough prioritisation workshop and kept it to the ninety minutes promised.",
			"Wrote up the decisions from a long architecture debate about {s} on one clear page.",
			"Listened to the team's worries about the new on-call rota and changed it the next week.",
			"Reflected back what each side wanted before proposing a compromise on {p}.",
			"Confirmed next steps in writing after every meeting with the {a} team.",
			"Turned a rambling planning session into {n} decisions and a short list of open questions.",
		},
		impact: []string{
			"Nobody had to ask \"so what did we decide?\" afterwards.",
			"We caught a misunderstanding about {p} that would have cost weeks.",
			"We left with a plan everyone actually agreed with.",
			"Meetings about {s} got shorter because the context is written down.",
			"The on-call rota feels fair now, and swaps have halved.",
			"Both sides felt heard, and the disagreement ended in a week instead of a month.",
			"Nothing we agreed with the {a} team has slipped since.",
			"People who missed the meeting were up to speed in five minutes.",
		},
		also: []string{
			"Quieter voices shaped the plan this time.",
		},
	},
	{
		name: "care", weight: 9, keys: []string{"emotional-intelligence", "rapport"},
		did: []string{
			"Noticed {c} was overloaded and quietly took two tasks off their plate.",
			"Checked in with each of us personally after the reorganisation was announced.",
			"Asked whether it was a good time before giving hard feedback, and followed up kindly.",
			"Kept spirits up during the long crunch on {p}, with snacks and well-timed jokes.",
			"Remembered the small things, like birthdays, the marathon and the new puppy, and asked about them.",
			"Calmed a heated discussion about {s} by slowing it down and naming what each person needed.",
			"Organised a send-off for {c} that left everyone a little teary, in a good way.",
			"Covered for a teammate during a hard personal week without asking questions.",
		},
		impact: []string{
			"{c} got through a heavy month without burning out.",
			"People felt safe saying what worried them, and the rumours died down.",
			"The feedback landed and led to a real change.",
			"The team stayed together, and kind, through the toughest stretch of {p}.",
			"People feel they matter here, not just their output.",
			"The meeting ended with a decision instead of bruised egos.",
			"{c} left knowing how much they meant to us, and the team felt closer for it.",
			"Our teammate came back to a clean inbox and a lot of support.",
		},
		also: []string{
			"It is a nicer place to work, and people notice.",
			"It reminded us that we are a team, not a queue of tickets.",
		},
	},
	{
		name: "docs", weight: 8, keys: []string{"feedback-follow-through", "internal-dynamics"},
		did: []string{
			"Documented the whole deploy process for {s}, with screenshots: {l}",
			"Turned ten scattered documents about {p} into one page that is actually up to date.",
			"Recorded a fifteen-minute walkthrough of {s} for the {a} team.",
			"Answered the same question about {s} for the last time by writing an FAQ.",
			"Kept the decision log for {p} current, with the reason behind each choice.",
			"Wrote a short guide to our dashboards for people outside the data team.",
			"Cleaned up the team wiki, archived the stale pages and fixed the broken links.",
			"Shared a reading list on accessibility that started a great lunch-and-learn.",
		},
		impact: []string{
			"The {a} team can now deploy without waiting for us.",
			"We spent our planning time planning, not hunting for context.",
			"The {a} team answers their own questions about {s} now.",
			"New people find answers on their own, and the help channel is quieter.",
			"We stopped reopening old decisions about {p}.",
			"Half the sales team now pulls their own numbers instead of waiting for a report.",
			"Search finds the right page first time: {l}",
			"Our next accessibility audit had far fewer findings.",
		},
		also: []string{
			"Support resolves tickets about {s} without escalating them.",
		},
	},
	{
		name: "introductions", weight: 5, keys: []string{"ethical-networking", "strategic-networking"},
		did: []string{
			"Asked {c} before introducing them to the head of {a}, and explained why it mattered.",
			"Connected us with the right person at {u} to unblock the contract for {p}.",
			"Introduced me to {n} people who had solved the same problem with {s} last year.",
			"Found a speaker for our team day through their network, and made sure they were thanked.",
			"Brought the lead of the {a} team into the conversation about {p} at exactly the right moment.",
			"Set up a lunch between our team and the {a} team just to get to know each other.",
			"Put {c} forward for the leadership programme and helped them prepare.",
			"Found an expert at {u} who was happy to review our approach to {p}.",
		},
		impact: []string{
			"{c} and the head of {a} now meet every month, and both asked for it.",
			"The contract with {u} was signed a month earlier than planned.",
			"We saved weeks by learning from people who had been there before.",
			"Team day was the best we've had, and the speaker wants to come back.",
			"The decision on {p} got the sponsor it needed.",
			"Two teams that barely spoke now share a channel and ideas.",
			"{c} got a place on the programme and a mentor for the year.",
			"Our approach to {p} is better for the outside view.",
		},
		also: []string{
			"People felt respected, because nobody was introduced without being asked first.",
			"The introduction turned into a partnership that unblocked {p}.",
		},
	},
	{
		name: "tooling", weight: 9, keys: []string{"feedback-follow-through"},
		did: []string{
			"Automated the weekly report for {p} that used to take someone half a day.",
			"Cut the build time for {s} from {n}0 minutes to under ten.",
			"Fixed the flaky tests in {s} that everyone had learned to just re-run.",
			"Added monitoring to {s} before anyone asked for it.",
			"Removed {n} years' worth of unused feature flags from {s}, carefully and in small steps.",
			"Built a tiny tool that checks translations before each release of {s}.",
			"Did the unglamorous accessibility fixes on {s} that had sat in the backlog for a year.",
			"Made the staging environment match production, finally.",
		},
		impact: []string{
			"We got half a day back every week.",
			"Developers wait less and ship smaller, safer changes.",
			"A red build means something again.",
			"We found a memory leak days before {u} would have.",
			"The code is simpler, and two bugs disappeared along the way.",
			"No more missing translations reported by customers.",
			"Screen-reader users can now use {s} on their own.",
			"\"Works on staging\" finally means \"works in production\".",
		},
		also: []string{
			"Fewer surprises in production, and fewer late nights.",
		},
	},
}

// themeAffinity scales the themes' weights (in kudoThemes order) for some
// departments, by name: engineers are thanked for incidents and tooling more
// often, salespeople and customer success for their customers.
var themeAffinity = map[string][]float64{
	//                 delivery incident onboard cross customer credit facil care docs intro tooling
	"Engineering":      {1, 2.2, 1, 1, 0.5, 1, 1, 1, 1.2, 0.6, 2.2},
	"Data":             {1, 1.2, 1, 1.2, 0.5, 1, 1, 1, 1.5, 0.6, 1.8},
	"Security":         {1, 2, 1, 1, 0.5, 1.2, 1, 1, 1.3, 0.6, 1.2},
	"Sales":            {0.8, 0.1, 1, 1, 3, 1, 0.8, 1, 0.5, 2, 0.2},
	"Customer Success": {0.8, 0.6, 1.2, 1, 3, 1, 1, 1.2, 1, 1, 0.3},
	"Marketing":        {1.2, 0.1, 1, 1.2, 1.2, 1, 1, 1, 1, 1.5, 0.4},
	"People":           {0.8, 0.1, 2, 1, 0.3, 1.2, 1.2, 1.8, 1, 1.2, 0.3},
	"Legal":            {1, 0.1, 1, 1.2, 1, 1.5, 1.2, 1, 1, 1, 0.3},
	"Finance":          {1.2, 0.1, 1, 1.2, 0.6, 1.5, 1, 1, 1, 0.8, 0.6},
	"Operations":       {1, 0.6, 1, 1.4, 0.8, 1, 1, 1, 1.2, 1, 0.8},
}

// customers are fictional client companies.
var customers = []string{
	"Acme Logistics", "Bluefin Insurance", "Cobalt Retail", "Dovetail Health", "Evergreen Foods",
	"Fairway Travel", "Granite Bank", "Helix Pharma", "Ironbridge Energy", "Juniper Schools",
	"Kestrel Airlines", "Lumen Media", "Meadow Farms", "Northstar Freight", "Orchid Hotels",
	"Pinnacle Telecom", "Quayside Ports", "Riverbend Council", "Saffron Restaurants", "Tidewater Utilities",
	"Upland Outdoor", "Vantage Realty", "Westbrook University", "Yellowpine Construction",
}

// systems are what people build, run or use; each starts with "the".
var systems = []string{
	"the billing service", "the search index", "the CI pipeline", "the data warehouse", "the mobile app",
	"the admin console", "the status page", "the feature-flag service", "the SSO integration",
	"the reporting API", "the support inbox", "the CRM", "the release train", "the design tokens",
	"the staging environment", "the payments gateway", "the notification service", "the pricing page",
	"the help centre", "the forecasting spreadsheet", "the contract templates", "the expense tool",
	"the onboarding portal", "the event pipeline",
}

// linkForms build a link, by theme, from slugs of the area ({A}), the
// project ({P}) and the system ({S}), the kudo's year and month ({Y}) and a
// number ({N}).
var linkForms = map[string][]string{
	"": {
		"https://wiki.example.com/{A}/{P}",
		"https://wiki.example.com/decisions/{P}",
		"https://dashboards.example.com/d/{P}",
	},
	"incident": {
		"https://wiki.example.com/postmortems/{Y}-{S}",
		"https://docs.example.com/runbooks/{S}",
	},
	"tooling": {
		"https://git.example.com/{A}/{S}/pull/{N}",
		"https://dashboards.example.com/d/{S}",
	},
	"docs": {
		"https://wiki.example.com/{A}/{S}",
		"https://docs.example.com/runbooks/{S}",
		"https://wiki.example.com/{A}/{P}",
	},
}

// linkLeads append a link to what a kudo changed, now and then.
var linkLeads = []string{
	" Write-up: {l}",
	" Notes are here: {l}",
	" Details in {l}",
	" The before and after: {l}",
}

// thanksComments are what recipients reply.
var thanksComments = []string{
	"Thank you, this means a lot!",
	"Thanks {g}, it was a team effort: {c} deserves credit too.",
	"That's really kind, thank you.",
	"Thanks! Happy to help any time.",
	"Appreciate you noticing 🙏",
	"Thank you! I learned a lot doing it.",
	"This made my week, thanks {g}.",
	"Thanks, and thank you for the support along the way.",
	"Couldn't have done it without {c}, but thank you!",
	"Thank you for taking the time to write this, {g}.",
}

// cheerComments are what colleagues add.
var cheerComments = []string{
	"Well deserved!",
	"So true: {r} made that week so much easier.",
	"+1, couldn't agree more.",
	"This is exactly the kind of work that goes unnoticed. Thanks for calling it out.",
	"Seconded! It already saved me once.",
	"Great shout-out.",
	"Agree 100%.",
	"Huge thanks from the {a} team too.",
	"Yes! That made a real difference for us.",
	"This deserves more reactions.",
	"Thank you for writing this down, {g}.",
	"Absolutely, and {r} made it look easy.",
	"Big thanks from support as well.",
	"Well said, {g}.",
	"We felt the difference right away.",
	"Such a good example of following through.",
	"Bravo, {r}!",
	"Nice one, {r}!",
	"Credit where it's due: great work.",
	"Adding my thanks, I learned a lot from this.",
	"Can we make this a team habit?",
	"This made my morning.",
	"Congrats, {r}!",
	"Couldn't have said it better.",
	"Love seeing this. 👏",
}

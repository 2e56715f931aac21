package demo

import "strings"

// codenames name teams, as in "Platform · Atlas".
var codenames = []string{
	"Atlas", "Orion", "Nova", "Zephyr", "Aurora", "Borealis", "Comet", "Drift", "Ember", "Falcon",
	"Gemini", "Halcyon", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quasar",
	"Raven", "Sierra", "Tundra", "Vega", "Willow", "Zenith", "Altair", "Beacon", "Cedar", "Delta",
	"Echo", "Fjord", "Granite", "Harbor", "Iris", "Jasper", "Kite", "Lark", "Maple", "Nebula",
	"Oak", "Pulsar", "Quill", "Ridge", "Sol", "Tide", "Vortex", "Wren", "Apex", "Basalt",
	"Cobalt", "Dune", "Everest", "Flint", "Glacier", "Horizon", "Indigo", "Jade", "Kodiak", "Lynx",
	"Mesa", "Nomad", "Opal", "Prism", "Quartz", "Redwood", "Summit", "Tempest", "Vertex", "Wave",
	"Aspen", "Birch", "Cypress", "Dahlia", "Elm", "Fern", "Grove", "Heron", "Ibis", "Jetty",
	"Koi", "Lotus", "Magnolia", "Osprey", "Pine", "Robin", "Sequoia", "Thistle", "Vireo", "Wisteria",
	"Zinnia", "Andromeda", "Cassini", "Draco", "Hydra", "Lyra", "Pegasus", "Sirius", "Titan", "Polaris",
	"Rigel", "Castor", "Pollux", "Sextant", "Compass", "Lantern", "Anchor", "Keystone", "Monsoon", "Sable",
}

// department describes one function of the organisation: who leads it, what
// its managers and individual contributors are called, and the areas its
// teams work on.
type department struct {
	name     string
	weight   int
	leader   string
	director string     // manages managers, reporting to the leader
	senior   string     // manages managers, deeper in large departments
	manager  string     // manages individual contributors
	titles   []weighted // individual contributors
	areas    []string
	teamNoun string // as in "Platform engineering team"
}

var departments = []department{
	{
		name: "Engineering", weight: 36, leader: "VP of Engineering",
		director: "Director of Engineering", senior: "Senior Engineering Manager", manager: "Engineering Manager",
		titles: []weighted{
			{"Software Engineer", 22}, {"Senior Software Engineer", 22},
			{"Staff Software Engineer", 6}, {"Principal Engineer", 2},
			{"Frontend Engineer", 9}, {"Backend Engineer", 9}, {"Mobile Engineer", 6},
			{"Site Reliability Engineer", 7}, {"QA Engineer", 5},
		},
		areas: []string{"Platform", "Payments", "Mobile", "Web", "Infrastructure", "Identity",
			"Search", "Integrations", "Reliability", "Developer Experience", "Billing", "Notifications"},
		teamNoun: "engineering",
	},
	{
		name: "Product", weight: 8, leader: "VP of Product",
		director: "Director of Product", senior: "Group Product Manager", manager: "Product Lead",
		titles: []weighted{
			{"Product Manager", 30}, {"Senior Product Manager", 25},
			{"Associate Product Manager", 10}, {"Product Analyst", 15},
			{"Technical Program Manager", 15}, {"Principal Product Manager", 5},
		},
		areas:    []string{"Core", "Growth", "Insights", "Collaboration", "Onboarding", "Marketplace"},
		teamNoun: "product",
	},
	{
		name: "Design", weight: 6, leader: "VP of Design",
		director: "Design Director", senior: "Senior Design Manager", manager: "Design Lead",
		titles: []weighted{
			{"Product Designer", 30}, {"Senior Product Designer", 25}, {"UX Researcher", 15},
			{"Content Designer", 10}, {"Visual Designer", 10},
			{"Design Systems Designer", 8}, {"Staff Product Designer", 2},
		},
		areas:    []string{"Experience", "Brand", "Research", "Design Systems", "Motion"},
		teamNoun: "design",
	},
	{
		name: "Sales", weight: 14, leader: "VP of Sales",
		director: "Sales Director", senior: "Senior Sales Manager", manager: "Sales Manager",
		titles: []weighted{
			{"Account Executive", 30}, {"Senior Account Executive", 15},
			{"Enterprise Account Executive", 12}, {"Sales Development Representative", 25},
			{"Solutions Engineer", 12}, {"Sales Operations Analyst", 6},
		},
		areas:    []string{"North America", "EMEA", "APAC", "LATAM", "Enterprise", "Mid-Market", "SMB"},
		teamNoun: "sales",
	},
	{
		name: "Customer Success", weight: 12, leader: "VP of Customer Success",
		director: "Director of Customer Success", senior: "Senior Support Manager", manager: "Customer Success Lead",
		titles: []weighted{
			{"Customer Success Manager", 30}, {"Senior Customer Success Manager", 8},
			{"Support Engineer", 25}, {"Technical Account Manager", 12},
			{"Support Specialist", 20}, {"Implementation Consultant", 10},
		},
		areas:    []string{"Onboarding", "Support", "Renewals", "Enterprise Care", "Community"},
		teamNoun: "customer success",
	},
	{
		name: "Operations", weight: 5, leader: "VP of Operations",
		director: "Director of Operations", senior: "Senior Operations Manager", manager: "Operations Manager",
		titles: []weighted{
			{"Operations Analyst", 25}, {"Business Operations Specialist", 20},
			{"Procurement Specialist", 12}, {"IT Support Specialist", 20},
			{"Workplace Coordinator", 10}, {"Revenue Operations Analyst", 13},
		},
		areas:    []string{"BizOps", "IT", "Workplace", "Procurement", "Revenue Operations"},
		teamNoun: "operations",
	},
	{
		name: "Marketing", weight: 7, leader: "VP of Marketing",
		director: "Director of Marketing", senior: "Senior Marketing Manager", manager: "Marketing Manager",
		titles: []weighted{
			{"Product Marketing Manager", 20}, {"Growth Marketer", 15},
			{"Content Strategist", 15}, {"Marketing Designer", 12},
			{"Events Coordinator", 10}, {"SEO Specialist", 8}, {"Lifecycle Marketer", 12},
			{"Copywriter", 8},
		},
		areas:    []string{"Brand", "Demand Gen", "Content", "Product Marketing", "Events", "Lifecycle"},
		teamNoun: "marketing",
	},
	{
		name: "Data", weight: 5, leader: "VP of Data",
		director: "Director of Data Science", senior: "Senior Analytics Manager", manager: "Data Science Manager",
		titles: []weighted{
			{"Data Analyst", 25}, {"Data Scientist", 20}, {"Senior Data Scientist", 12},
			{"Data Engineer", 20}, {"Analytics Engineer", 13},
			{"Machine Learning Engineer", 10},
		},
		areas:    []string{"Analytics", "Machine Learning", "Data Platform", "Experimentation"},
		teamNoun: "data",
	},
	{
		name: "Finance", weight: 3, leader: "VP of Finance",
		director: "Finance Director", senior: "Senior Finance Manager", manager: "Finance Manager",
		titles: []weighted{
			{"Financial Analyst", 30}, {"Senior Accountant", 20}, {"Accountant", 25},
			{"Payroll Specialist", 10}, {"FP&A Analyst", 15},
		},
		areas:    []string{"FP&A", "Accounting", "Payroll", "Tax"},
		teamNoun: "finance",
	},
	{
		name: "Security", weight: 3, leader: "VP of Security",
		director: "Director of Security", senior: "Senior Security Manager", manager: "Security Engineering Manager",
		titles: []weighted{
			{"Security Engineer", 35}, {"Senior Security Engineer", 20},
			{"Security Analyst", 25}, {"GRC Specialist", 15}, {"Staff Security Engineer", 5},
		},
		areas:    []string{"AppSec", "Detection", "Compliance", "Trust"},
		teamNoun: "security",
	},
	{
		name: "People", weight: 3, leader: "VP of People",
		director: "Director of People", senior: "Senior People Partner Manager", manager: "Talent Acquisition Manager",
		titles: []weighted{
			{"Recruiter", 25}, {"Technical Recruiter", 20}, {"People Partner", 20},
			{"Learning & Development Specialist", 10}, {"People Operations Specialist", 20},
			{"Compensation Analyst", 5},
		},
		areas:    []string{"Talent", "People Partners", "Learning", "Total Rewards"},
		teamNoun: "people",
	},
	{
		name: "Legal", weight: 2, leader: "General Counsel",
		director: "Director of Legal", senior: "Senior Legal Manager", manager: "Legal Manager",
		titles: []weighted{
			{"Corporate Counsel", 30}, {"Paralegal", 25}, {"Privacy Counsel", 15},
			{"Contracts Manager", 20}, {"Legal Operations Specialist", 10},
		},
		areas:    []string{"Commercial", "Privacy", "Corporate"},
		teamNoun: "legal",
	},
}

// weighted is a title and how common it is.
type weighted struct {
	title  string
	weight int
}

// fold turns a display name into the ASCII letters used in an email address:
// "Łukasz" becomes "lukasz" and "O'Brien" becomes "obrien".
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if f, ok := foldMap[r]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

var foldMap = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'ā': "a", 'ą': "a",
	'ç': "c", 'ć': "c", 'č': "c",
	'ď': "d", 'đ': "d",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ě': "e", 'ę': "e",
	'ğ': "g",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i",
	'ł': "l",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o", 'ő': "o",
	'ř': "r",
	'ś': "s", 'š': "s", 'ş': "s",
	'ť': "t",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y",
	'ź': "z", 'ż': "z", 'ž': "z",
	'ß': "ss", 'æ': "ae", 'œ': "oe",
}

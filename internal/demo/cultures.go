package demo

// culture groups given names, family names and the time zones where people
// with such names often live. A person's names usually come from one culture,
// sometimes from two, as in any international company. Family names are ones
// that do not change with gender.
type culture struct {
	weight int
	given  []string
	family []string
	zones  []string
}

var cultures = []culture{
	{weight: 16, // Anglophone
		given: []string{"James", "Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Ethan", "Grace",
			"Owen", "Chloe", "Henry", "Isla", "Jack", "Ruby", "Samuel", "Harper"},
		family: []string{"Smith", "Johnson", "Brown", "Taylor", "Walker", "Campbell", "Robinson",
			"Clarke", "Hughes", "Bennett", "Foster", "Reid", "Parker", "Mitchell"},
		zones: []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
			"America/Toronto", "Europe/London", "Australia/Sydney", "Pacific/Auckland"}},
	{weight: 3, // Irish
		given:  []string{"Aoife", "Ciarán", "Niamh", "Seán", "Maeve", "Cormac"},
		family: []string{"Murphy", "Kelly", "O'Brien", "Byrne", "Sullivan", "Walsh", "Doyle"},
		zones:  []string{"Europe/Dublin", "Europe/Dublin", "America/New_York", "Europe/London"}},
	{weight: 9, // Spanish-speaking
		given: []string{"Lucía", "Sofía", "Carmen", "Javier", "Mateo", "Diego", "Alejandro", "Valentina",
			"Camila", "Martín", "Ana", "Pablo"},
		family: []string{"Ruiz", "García", "Fernández", "López", "Martínez", "Herrera", "Morales",
			"Castillo", "Navarro", "Romero", "Vargas", "Mendoza", "Torres"},
		zones: []string{"Europe/Madrid", "Europe/Madrid", "America/Mexico_City", "America/Bogota",
			"America/Argentina/Buenos_Aires", "America/Santiago", "America/Lima"}},
	{weight: 5, // Portuguese-speaking
		given:  []string{"João", "Beatriz", "Rafael", "Inês", "Tiago", "Gabriela", "Larissa", "Thiago"},
		family: []string{"Silva", "Santos", "Oliveira", "Pereira", "Costa", "Almeida", "Carvalho", "Rodrigues"},
		zones:  []string{"America/Sao_Paulo", "America/Sao_Paulo", "Europe/Lisbon"}},
	{weight: 4, // French
		given:  []string{"Claire", "Julien", "Camille", "Théo", "Manon", "Antoine", "Élodie"},
		family: []string{"Dubois", "Laurent", "Moreau", "Lefebvre", "Girard", "Fontaine", "Mercier"},
		zones:  []string{"Europe/Paris", "Europe/Paris", "Europe/Brussels", "America/Toronto"}},
	{weight: 5, // German and Dutch
		given:  []string{"Lukas", "Anna", "Jonas", "Lena", "Felix", "Hannah", "Pieter", "Sanne", "Daan"},
		family: []string{"Müller", "Schmidt", "Becker", "Fischer", "Wagner", "Jansen", "de Vries", "Bakker", "Visser"},
		zones:  []string{"Europe/Berlin", "Europe/Amsterdam", "Europe/Zurich", "Europe/Vienna"}},
	{weight: 3, // Italian
		given:  []string{"Matteo", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara"},
		family: []string{"Rossi", "Bianchi", "Romano", "Ricci", "Marino", "Greco", "Conti"},
		zones:  []string{"Europe/Rome"}},
	{weight: 3, // Nordic
		given:  []string{"Sven", "Ingrid", "Astrid", "Lars", "Elin", "Mikkel", "Freja"},
		family: []string{"Andersson", "Nilsson", "Johansen", "Lindqvist", "Hansen", "Berg", "Virtanen"},
		zones:  []string{"Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki"}},
	{weight: 3, // Polish
		given:  []string{"Katarzyna", "Łukasz", "Marta", "Piotr", "Agnieszka", "Tomasz"},
		family: []string{"Nowak", "Kowalczyk", "Wójcik", "Mazur", "Krawczyk", "Kaczmarek"},
		zones:  []string{"Europe/Warsaw"}},
	{weight: 3, // Ukrainian
		given:  []string{"Olena", "Dmytro", "Oksana", "Andriy", "Iryna", "Taras"},
		family: []string{"Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk", "Kravchenko"},
		zones:  []string{"Europe/Kyiv", "Europe/Kyiv", "Europe/Warsaw", "Europe/Berlin"}},
	{weight: 3, // Central Europe and the Balkans
		given:  []string{"Ivana", "Nikola", "Mihai", "Elena", "Andrei", "Zsófia", "Bence", "Jelena"},
		family: []string{"Horvat", "Petrović", "Marković", "Popescu", "Ionescu", "Nagy", "Kovács", "Szabó"},
		zones:  []string{"Europe/Belgrade", "Europe/Zagreb", "Europe/Bucharest", "Europe/Budapest"}},
	{weight: 4, // Arabic
		given:  []string{"Omar", "Layla", "Youssef", "Fatima", "Karim", "Nour", "Hana", "Tariq", "Salma"},
		family: []string{"Haddad", "Khalil", "Mansour", "Nasser", "Farouk", "Aziz", "Hamdan", "Saleh"},
		zones:  []string{"Asia/Dubai", "Africa/Cairo", "Asia/Riyadh", "Asia/Amman", "Asia/Beirut", "Africa/Casablanca"}},
	{weight: 2, // Persian
		given:  []string{"Dariush", "Shirin", "Arash", "Parisa", "Kian"},
		family: []string{"Rahimi", "Tehrani", "Hosseini", "Karimi", "Ahmadi"},
		zones:  []string{"Asia/Tehran", "America/Los_Angeles", "Europe/Berlin"}},
	{weight: 3, // Turkish
		given:  []string{"Emre", "Elif", "Mehmet", "Zeynep", "Can", "Ayşe", "Burak"},
		family: []string{"Yılmaz", "Demir", "Kaya", "Öztürk", "Şahin", "Çelik"},
		zones:  []string{"Europe/Istanbul", "Europe/Istanbul", "Europe/Berlin"}},
	{weight: 2, // Greek and Cypriot
		given:  []string{"Dimitris", "Eleni", "Nikos", "Katerina", "Giorgos", "Maria"},
		family: []string{"Georgiou", "Ioannou", "Nikolaou", "Christodoulou", "Antoniou"},
		zones:  []string{"Europe/Athens", "Asia/Nicosia"}},
	{weight: 2, // Israeli
		given:  []string{"Noa", "Yael", "Ariel", "Tamar", "Itai", "Omer"},
		family: []string{"Cohen", "Levi", "Mizrahi", "Friedman", "Peretz", "Biton"},
		zones:  []string{"Asia/Jerusalem"}},
	{weight: 6, // North Indian
		given: []string{"Priya", "Arjun", "Ananya", "Rohan", "Aditi", "Vikram", "Rahul", "Siddharth",
			"Neha", "Sanjay", "Nisha"},
		family: []string{"Sharma", "Patel", "Gupta", "Singh", "Kapoor", "Desai", "Mehta", "Joshi", "Verma"},
		zones:  []string{"Asia/Kolkata", "Asia/Kolkata", "Asia/Kolkata", "America/New_York", "Europe/London"}},
	{weight: 4, // South Indian
		given:  []string{"Kavya", "Meera", "Lakshmi", "Karthik", "Deepa", "Arun", "Divya", "Venkat"},
		family: []string{"Iyer", "Reddy", "Nair", "Krishnan", "Menon", "Rao", "Pillai", "Subramanian"},
		zones:  []string{"Asia/Kolkata", "Asia/Kolkata", "America/Los_Angeles", "Asia/Singapore"}},
	{weight: 3, // Bengali and Pakistani
		given:  []string{"Farhan", "Ayesha", "Imran", "Sadia", "Rafiq", "Nadia", "Tanvir", "Zara"},
		family: []string{"Hossain", "Chaudhry", "Rahman", "Khan", "Qureshi", "Ahmed", "Islam"},
		zones:  []string{"Asia/Dhaka", "Asia/Karachi", "Europe/London"}},
	{weight: 1, // Sri Lankan
		given:  []string{"Nuwan", "Dilani", "Tharindu", "Ishara"},
		family: []string{"Perera", "Fernando", "Jayasuriya", "Wickramasinghe"},
		zones:  []string{"Asia/Colombo"}},
	{weight: 5, // Chinese
		given:  []string{"Wei", "Mei", "Jun", "Xin", "Hao", "Lin", "Yang", "Jing", "Tao"},
		family: []string{"Wang", "Li", "Zhang", "Chen", "Liu", "Huang", "Zhou", "Wu", "Xu"},
		zones:  []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "America/Vancouver"}},
	{weight: 3, // Japanese
		given:  []string{"Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Ren", "Yuna", "Sota"},
		family: []string{"Tanaka", "Suzuki", "Sato", "Nakamura", "Watanabe", "Yamamoto", "Kobayashi"},
		zones:  []string{"Asia/Tokyo"}},
	{weight: 3, // Korean
		given:  []string{"Min-jun", "Ji-woo", "Seo-yeon", "Hyun-woo", "Ji-ho", "Soo-ah"},
		family: []string{"Kim", "Park", "Choi", "Lee", "Jung", "Kang"},
		zones:  []string{"Asia/Seoul"}},
	{weight: 2, // Vietnamese
		given:  []string{"Minh", "Linh", "Thao", "Bao", "Kiet", "Anh"},
		family: []string{"Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"},
		zones:  []string{"Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh", "Australia/Melbourne"}},
	{weight: 2, // Indonesian and Malaysian
		given:  []string{"Andi", "Putri", "Dewi", "Rizal", "Arief", "Siti", "Farah"},
		family: []string{"Santoso", "Wijaya", "Halim", "Hidayat", "Ismail", "Abdullah"},
		zones:  []string{"Asia/Jakarta", "Asia/Kuala_Lumpur"}},
	{weight: 2, // Filipino
		given:  []string{"Maricel", "Paolo", "Jasmine", "Miguel", "Andrea", "Jericho"},
		family: []string{"Reyes", "Cruz", "Bautista", "Villanueva", "dela Cruz", "Aquino"},
		zones:  []string{"Asia/Manila"}},
	{weight: 1, // Thai
		given:  []string{"Somchai", "Niran", "Malai", "Ploy", "Kittisak"},
		family: []string{"Chaiyasit", "Srisuk", "Wongsakul", "Charoenpong"},
		zones:  []string{"Asia/Bangkok"}},
	{weight: 3, // Nigerian
		given:  []string{"Chidi", "Amara", "Ngozi", "Tunde", "Folake", "Emeka", "Adaeze", "Segun"},
		family: []string{"Okafor", "Adeyemi", "Eze", "Nwosu", "Balogun", "Okonkwo", "Adebayo"},
		zones:  []string{"Africa/Lagos", "Africa/Lagos", "Europe/London"}},
	{weight: 1, // Ghanaian
		given:  []string{"Kwame", "Ama", "Kofi", "Yaw", "Akosua", "Esi"},
		family: []string{"Mensah", "Owusu", "Boateng", "Asante", "Appiah"},
		zones:  []string{"Africa/Accra"}},
	{weight: 2, // East African
		given:  []string{"Wanjiru", "Otieno", "Abebe", "Selam", "Amani", "Neema", "Baraka"},
		family: []string{"Kamau", "Odhiambo", "Mwangi", "Tesfaye", "Mekonnen", "Njoroge"},
		zones:  []string{"Africa/Nairobi", "Africa/Addis_Ababa", "Africa/Kigali"}},
	{weight: 1, // Southern African
		given:  []string{"Zanele", "Thabo", "Lerato", "Sipho", "Nomvula"},
		family: []string{"Ndlovu", "Dlamini", "Nkosi", "Mokoena", "Khumalo"},
		zones:  []string{"Africa/Johannesburg"}},
	{weight: 1, // West African francophone
		given:  []string{"Moussa", "Aminata", "Fatou", "Ibrahima", "Awa"},
		family: []string{"Diallo", "Traoré", "Diop", "Ndiaye", "Koné"},
		zones:  []string{"Africa/Dakar", "Africa/Abidjan", "Europe/Paris"}},
}

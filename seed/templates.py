"""Vocabularies and prompt templates for the synthetic scenario (seed/generator.py).

Everything here is plain data. Texts are written with named slots (``{problem}``, ``{topic}``);
the generator JSON-escapes them once and turns named slots into positional ones for speed.
Slot values never contain double quotes or backslashes, but they are escaped anyway.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------- places

# (ISO country, UTC offset in hours used for activity, weight among benign users,
#  residential ISP name, mobile carrier name)
COUNTRIES: tuple[tuple[str, float, float, str, str], ...] = (
    ("US", -5, 22, "Northwind Broadband", "Tailspin Wireless"),
    ("IN", 5.5, 10, "Saffron Fiber", "Monsoon Mobile"),
    ("BR", -3, 6, "Ipanema Cabo", "Verde Movel"),
    ("GB", 0, 6, "Albion Broadband", "Thames Mobile"),
    ("DE", 1, 5, "Rheinnetz", "Funkwelle Mobil"),
    ("FR", 1, 4, "Hexanet Fibre", "Azur Mobile"),
    ("JP", 9, 4, "Sakura Hikari", "Kaze Mobile"),
    ("KR", 9, 3, "Hangang Telecom", "Baekdu Mobile"),
    ("SG", 8, 2, "Merlion Broadband", "Lion City Mobile"),
    ("AU", 10, 2, "Southern Cross Net", "Wattle Mobile"),
    ("CA", -5, 3, "Maple Cable", "Aurora Wireless"),
    ("MX", -6, 3, "Sierra Cable", "Jaguar Movil"),
    ("ID", 7, 4, "Nusantara Net", "Garuda Seluler"),
    ("VN", 7, 3, "Lotus Fiber", "Mekong Mobile"),
    ("PH", 8, 3, "Archipelago Broadband", "Sampaguita Mobile"),
    ("NG", 1, 3, "Niger Delta Net", "Savanna Mobile"),
    ("TR", 3, 2, "Bosphorus Fiber", "Anatolia Mobil"),
    ("PL", 1, 2, "Wisla Net", "Baltyk Mobile"),
    ("ES", 1, 3, "Iberia Fibra", "Sol Movil"),
    ("IT", 1, 2, "Appennino Rete", "Laguna Mobile"),
    ("NL", 1, 2, "Polder Net", "Tulip Mobiel"),
    ("EG", 2, 2, "Nile Broadband", "Delta Mobile"),
    ("ZA", 2, 1, "Springbok Fibre", "Protea Mobile"),
    ("AR", -3, 2, "Pampa Cable", "Andes Movil"),
    ("CO", -5, 1, "Cafetal Net", "Condor Movil"),
    ("SE", 1, 1, "Fjord Bredband", "Norrsken Mobil"),
    ("KE", 3, 1, "Rift Valley Net", "Kilima Mobile"),
)

# fmt: off
CITIES: tuple[str, ...] = (
    "Lisbon", "Osaka", "Nairobi", "Denver", "Krakow", "Lyon", "Pune", "Cebu", "Leeds", "Porto",
    "Austin", "Hanoi", "Seville", "Bergen", "Perth", "Quito", "Recife", "Busan", "Tampere", "Graz",
    "Cusco", "Izmir", "Medan", "Durban", "Toulouse", "Gdansk", "Oaxaca", "Halifax", "Ghent",
    "Adelaide", "Kyoto", "Bologna", "Valencia", "Malmo", "Cordoba",
)
# fmt: on

# --------------------------------------------------------------------------------- people

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "maria", "james", "wei", "fatima", "lucas", "aiko", "omar", "sofia", "ivan", "chloe", "arjun",
    "leila", "mateo", "hana", "noah", "amara", "yusuf", "elena", "kofi", "mia", "daniel", "priya",
    "tomas", "sara", "jin", "olga", "diego", "nadia", "liam", "zara", "pablo", "anna", "kenji",
    "grace", "ali", "emma", "raj", "lena", "sam", "ines", "minh", "chidi", "ewa", "marco", "julia",
    "hugo", "aisha", "felix", "rosa", "tariq", "nina", "oscar", "mei", "victor", "layla", "erik",
    "bianca", "samir", "yara", "leo",
)
LAST_NAMES: tuple[str, ...] = (
    "silva", "smith", "chen", "khan", "muller", "tanaka", "garcia", "nguyen", "kowalski", "rossi",
    "patel", "okafor", "johansson", "kim", "dubois", "santos", "ivanova", "lopez", "sato", "ahmed",
    "brown", "novak", "costa", "yilmaz", "mensah", "fischer", "moreau", "haddad", "park", "wilson",
    "reyes", "lindqvist", "mwangi", "petrov", "suzuki", "ortiz", "baker", "jensen", "romano",
    "kaur", "hughes", "van dijk", "sokolov", "ali", "martin", "ferrari", "gomez", "walker", "olsen",
    "ibrahim", "tran", "schmidt", "rahman", "clark",
)
NAMES: tuple[str, ...] = (
    "Maria", "James", "Wei", "Fatima", "Lucas", "Aiko", "Omar", "Sofia", "Ivan", "Chloe", "Arjun",
    "Leila", "Mateo", "Hana", "Noah", "Amara", "Yusuf", "Elena", "Kofi", "Mia", "Daniel", "Priya",
    "Tomas", "Sara", "Jin", "Olga", "Diego", "Nadia", "Liam", "Zara",
)
# fmt: on

FREEMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("mail.example", 38),
    ("webmail.example", 18),
    ("inbox.example", 12),
    ("post.example", 8),
    ("outlook-like.example", 7),
    ("proton-like.example", 4),
    ("yandex-like.example", 3),
    ("icloud-like.example", 6),
    ("mailbox.example", 4),
)
# Public throw-away mail services: campaigns use them, so do a few ordinary users.
# fmt: off
DISPOSABLE_DOMAINS: tuple[str, ...] = (
    "tempinbox.example", "quickmail-drop.example", "burnermail.example", "10min-box.example",
    "mailnator.example", "trashbox.example", "throwaway-post.example", "fastdrop.example",
    "guerrilla-inbox.example", "spambox-free.example",
)
CUSTOM_DOMAIN_WORDS: tuple[str, ...] = (
    "studio", "design", "labs", "works", "consulting", "family", "home", "photo", "digital",
    "craft", "media", "garden", "code", "writes", "travel", "bakery", "legal", "health",
)
ORG_CLAIMS: tuple[str, ...] = (
    "Freelance", "Self-employed", "Student", "Personal", "Indie developer", "Bright Pixel Studio",
    "Harbor Bakery", "Oakline Consulting", "Blue Fern Design", "Summit Realty", "Greenleaf Clinic",
    "Nomad Travel Blog", "Copper Kettle Cafe", "Tidewater Legal", "Lumen Photography",
)
CAMPAIGN_ORG_CLAIMS: tuple[str, ...] = (
    "Apex AI Research", "Deepvale Labs", "Quantum Leap Analytics", "NeuroForge", "OpenMind Tech",
    "Synapse Data Co", "Vector Minds", "Cortex Solutions",
)
# fmt: on

# Operators in the ground truth (fictional).
# fmt: off
OPERATOR_NAMES: tuple[str, ...] = (
    "Red Lantern Collective", "Kestrel Labs", "Harbor Nine", "Quarry Group", "Blue Ferret",
    "Cobalt Mill", "Night Orchard", "Granite Wolf",
)
# fmt: on

COMPANIES: tuple[tuple[str, str], ...] = (
    ("Contoso Logistics", "contoso-logistics.example"),
    ("Fabrikam Insurance", "fabrikam.example"),
    ("Northwind Traders", "northwindtraders.example"),
    ("Tailspin Toys", "tailspintoys.example"),
    ("Wingtip Health", "wingtiphealth.example"),
    ("Adventure Works Cycles", "adventure-works.example"),
    ("Litware Software", "litware.example"),
    ("Proseware Publishing", "proseware.example"),
    ("Woodgrove Bank", "woodgrovebank.example"),
    ("Lucerne Legal", "lucernelegal.example"),
    ("Alpine Ski House", "alpineskihouse.example"),
    ("Coho Vineyard", "cohovineyard.example"),
)
UNIVERSITIES: tuple[tuple[str, str, str], ...] = (
    ("Northfield University", "student.northfield.edu", "GB"),
    ("Lakeshore State University", "mail.lakeshore-state.edu", "US"),
    ("Pacific Rim Institute of Technology", "students.prit.edu", "SG"),
    ("Universitat Rheinau", "stud.uni-rheinau.edu", "DE"),
)

# ------------------------------------------------------------------------------ payments

# Prepaid / virtual card BIN ranges (campaigns buy from these; a few ordinary users do too).
PREPAID_BINS: tuple[tuple[str, str], ...] = (
    ("431274", "US"),
    ("485932", "LT"),
    ("537410", "SG"),
    ("520416", "GB"),
    ("404038", "US"),
    ("559291", "EE"),
    ("418236", "HK"),
    ("516732", "MT"),
)

# --------------------------------------------------------------------------- user agents

_BROWSER_OS = (
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7",
    "X11; Linux x86_64",
    "Windows NT 11.0; Win64; x64",
    "X11; Ubuntu; Linux x86_64",
)
_CHROME = ("134.0.0.0", "135.0.0.0", "136.0.0.0", "137.0.0.0")
_FIREFOX = ("136.0", "137.0", "138.0")
DESKTOP_UAS: tuple[str, ...] = tuple(
    [
        f"Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v} Safari/537.36"
        for os in _BROWSER_OS
        for v in _CHROME
    ]
    + [
        f"Mozilla/5.0 ({os}; rv:{v}) Gecko/20100101 Firefox/{v}"
        for os in _BROWSER_OS
        for v in _FIREFOX
    ]
    + [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        f"Version/{v} Safari/605.1.15"
        for v in ("18.3", "18.4", "18.5")
    ]
)
MOBILE_UAS: tuple[str, ...] = tuple(
    [
        f"Mozilla/5.0 (iPhone; CPU iPhone OS {v} like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1"
        for v in ("18_3", "18_4", "18_5", "17_7")
    ]
    + [
        f"Mozilla/5.0 (Linux; Android {a}; {m}) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{c} Mobile Safari/537.36"
        for a in ("14", "15")
        for m in ("Pixel 8", "SM-S921B", "moto g84", "2312DRA50G")
        for c in ("135.0.0.0", "136.0.0.0")
    ]
)
# fmt: off
SDK_UAS: tuple[str, ...] = (
    "ringapi-python/1.42.0", "ringapi-python/1.44.1", "ringapi-node/4.9.2", "python-httpx/0.28.1",
    "python-requests/2.32.3", "curl/8.7.1", "Go-http-client/2.0", "axios/1.9.0", "okhttp/4.12.0",
    "ringapi-java/2.3.0", "aiohttp/3.11.18",
)
# fmt: on
APP_NAME = "QuillPad"
APP_UAS: tuple[str, ...] = (
    "QuillPad/4.2.1 (iPhone; iOS 18.4; Scale/3.00)",
    "QuillPad/4.2.1 (iPad; iOS 18.3; Scale/2.00)",
    "QuillPad/4.2.0 (Android 15; Pixel 8)",
    "QuillPad/4.1.7 (Android 14; SM-S921B)",
    "QuillPad/4.2.1 (Macintosh; macOS 15.4)",
)

MODELS: tuple[str, ...] = (
    "nova-ultra-2026-03",
    "nova-pro-2026-03",
    "nova-lite-2026-01",
    "nova-code-2026-02",
)

# ------------------------------------------------------------------ free-form benign prompts

# Slot vocabularies of the free-form grammar. Values are lower-case on purpose: a prompt
# clusterer treats capitalised words and numbers as slot values, so diversity must live in
# ordinary words.
# fmt: off
VOCAB: dict[str, tuple[str, ...]] = {
    "topic": (
        "photosynthesis", "compound interest", "the french revolution", "black holes",
        "machine learning", "the stock market", "climate change", "the immune system",
        "quantum computing", "inflation", "supply and demand", "the water cycle", "plate tectonics",
        "neural networks", "the roman empire", "gene editing", "renewable energy", "sleep hygiene",
        "intermittent fasting", "the cold war", "game theory", "vaccines", "electric cars",
        "the pythagorean theorem", "bayesian statistics", "sourdough baking", "container gardening",
        "public speaking", "time management", "personal budgeting", "mortgage refinancing",
        "the silk road", "jazz history", "impressionist painting", "shakespeare's sonnets",
        "the big bang", "dna replication", "the krebs cycle", "recursion", "sql joins", "rest apis",
        "kubernetes", "docker networking", "git rebasing", "unit testing", "rust ownership",
        "python decorators", "javascript promises", "css grid", "linear regression",
        "gradient descent", "the central limit theorem", "opportunity cost", "minimum wage debates",
        "urban planning", "coral reefs", "honeybee decline", "volcanoes", "the renaissance",
        "stoicism", "existentialism", "cognitive biases", "habit formation", "marathon training",
        "strength training", "meal prep", "houseplant care", "dog training", "cat behavior",
        "birdwatching", "astrophotography", "3d printing", "home networking", "password managers",
        "two-factor authentication", "phishing scams", "freelance taxes",
        "starting a small business", "cover letters", "salary negotiation", "remote work",
        "burnout", "mindfulness meditation", "learning a new language",
        "the history of the internet", "the printing press", "the industrial revolution",
        "ancient egypt", "greek mythology", "norse mythology", "chess openings", "poker odds",
        "sudoku strategies", "origami", "watercolor techniques", "film photography",
        "podcast production", "video editing", "color theory", "typography", "user research",
        "a/b testing", "product roadmaps", "retrospectives", "customer churn", "email marketing",
        "search engine optimization", "composting", "solar panels", "heat pumps",
        "rainwater harvesting", "electric bikes", "road trip planning", "travel insurance",
        "jet lag", "wine pairing", "coffee brewing", "fermentation", "vegan protein",
        "food allergies", "first aid", "toddler tantrums", "teenage sleep",
        "caring for aging parents", "credit scores", "index funds", "rent versus buy",
        "wedding planning", "moving abroad", "job interviews",
    ),
    "doc": (
        "short poem", "blog post", "haiku", "limerick", "product description", "short story",
        "speech", "summary", "newsletter intro", "wedding toast", "song chorus", "press release",
        "social media post", "bedtime story", "motivational quote", "cover letter",
        "thank-you note", "book review", "podcast script", "lesson plan",
    ),
    "audience": (
        "a five year old", "a complete beginner", "my grandmother", "a high school student",
        "a software engineer", "my manager", "a nervous patient", "a new employee",
        "a group of tourists", "someone who hates math", "my book club", "a skeptical investor",
        "a first-year nursing student", "my soccer team", "non-native speakers",
    ),
    "lang": (
        "python", "javascript", "typescript", "java", "go", "rust", "c#", "kotlin", "swift", "php",
        "ruby", "bash", "c++", "scala", "r",
    ),
    "codetask": (
        "removes duplicates from a list", "checks if a string is a palindrome",
        "parses a date from free text", "reads a csv and sums a column",
        "retries an http call with backoff", "flattens a nested dictionary",
        "validates an email address", "converts celsius to fahrenheit",
        "finds the longest word in a sentence", "counts words in a file",
        "merges two sorted arrays", "generates a random password", "resizes all images in a folder",
        "sends a slack message when a job fails", "paginates results from an api",
        "caches expensive function calls", "renames files by their creation date",
        "deduplicates rows in a spreadsheet", "chunks a long text into paragraphs",
        "computes a moving average", "detects the language of a text", "streams a large json file",
    ),
    "error": (
        "a null pointer exception", "an index out of range error", "a type error",
        "a segmentation fault", "a cors error", "a timeout", "a stack overflow",
        "a permission denied error", "a module not found error", "a deadlock", "an encoding error",
        "a memory leak", "a race condition", "an off by one bug",
    ),
    "codeaction": (
        "run it in docker", "deploy it", "call it twice", "pass an empty list",
        "upgrade the library", "run the tests in parallel", "open a large file",
        "use it from a thread", "switch to the new api", "read from stdin",
    ),
    "language": (
        "spanish", "french", "german", "japanese", "portuguese", "italian", "korean", "turkish",
        "polish", "dutch", "hindi", "indonesian", "vietnamese", "swahili", "arabic",
    ),
    "phrase": (
        "we look forward to working with you", "the meeting has been moved to next week",
        "thank you for your patience", "please find the report attached",
        "i will be out of office until monday", "the package arrived damaged",
        "can we reschedule our call", "your order has shipped", "happy birthday to my best friend",
        "sorry for the late reply", "the invoice is overdue", "welcome to the team",
        "i am allergic to peanuts", "where is the nearest train station",
        "the deadline cannot be extended", "our prices will increase next month",
    ),
    "place": (
        "portugal", "japan", "kenya", "colorado", "poland", "the south of france", "india",
        "the philippines", "scotland", "vietnam", "patagonia", "iceland", "morocco",
        "the amalfi coast", "new zealand", "the swiss alps", "mexico city", "the greek islands",
    ),
    "travelers": (
        "a family with toddlers", "two retirees", "a solo backpacker", "a couple on a budget",
        "a group of college friends", "someone who uses a wheelchair", "foodies", "hikers",
        "a honeymoon", "a business trip with one free day",
    ),
    "thing": (
        "postgres", "mongodb", "react", "vue", "aws", "gcp", "an iphone", "an android phone",
        "renting", "buying a house", "a roth ira", "a 401k", "kindle", "paper books", "running",
        "cycling", "yoga", "pilates", "tea", "coffee", "notion", "obsidian", "a standing desk",
        "a treadmill desk", "electric cars", "hybrid cars", "linux", "windows",
        "a mechanical keyboard", "a laptop stand", "index funds", "real estate",
    ),
    "purpose": (
        "a small startup", "a beginner", "a family of four", "a student budget",
        "long-term savings", "a side project", "remote teams", "weight loss", "back pain",
        "a tiny apartment", "a data science course", "a nonprofit",
    ),
    "person": (
        "landlord", "boss", "professor", "neighbor", "client", "team", "doctor", "coach", "sister",
        "colleague", "recruiter", "child's teacher", "contractor", "bank",
    ),
    "emailtopic": (
        "a late payment", "a noisy party next door", "asking for a raise", "a broken heater",
        "extending a deadline", "a refund request", "missing a meeting", "a job offer",
        "a parking dispute", "switching teams", "a scheduling conflict", "a thank you",
    ),
    "ideakind": (
        "gift", "party", "costume", "dinner", "team building", "fundraising", "date night",
        "science fair", "instagram", "small business", "weekend", "classroom",
    ),
    "event": (
        "a tenth birthday", "an office farewell", "a rainy weekend", "a baby shower",
        "a retirement party", "halloween", "a first anniversary", "a school reunion",
        "a camping trip", "a housewarming", "mother's day", "a graduation",
    ),
    "diet": (
        "vegetarian", "high-protein", "low-carb", "budget", "mediterranean", "vegan", "gluten-free",
        "diabetic-friendly", "quick weeknight", "kid-friendly",
    ),
    "foreater": (
        "one person", "a family of four", "a marathon runner", "a busy student",
        "my elderly parents", "a picky teenager",
    ),
    "nameable": (
        "bakery", "podcast", "puppy", "startup", "fantasy kingdom", "board game", "band",
        "coffee shop", "youtube channel", "newsletter", "sailboat", "book club",
    ),
    "tone": (
        "friendly", "professional", "confident", "polite", "casual", "persuasive", "formal",
        "enthusiastic", "apologetic", "neutral", "warm", "concise", "diplomatic", "playful",
    ),
    "sqltask": (
        "finds customers who ordered twice in one week", "returns the top product per category",
        "computes monthly active users", "deletes duplicate rows", "pivots sales by quarter",
        "finds gaps in a sequence of ids", "ranks employees by salary within department",
        "joins orders with refunds", "counts signups per day", "finds the median order value",
    ),
    "howto": (
        "unclog a drain", "change a bike tire", "negotiate rent", "back up my phone",
        "remove a wine stain", "fix a squeaky door", "start journaling", "clean a cast iron pan",
        "set up a vpn at home", "improve my credit score", "stop procrastinating", "repot a cactus",
        "calm down before an exam", "write a resignation letter", "get my toddler to sleep",
        "learn to touch type", "speed up my laptop", "prepare for a job interview",
        "make cold brew", "teach my dog to sit",
    ),
    "claim": (
        "we only use ten percent of our brains", "goldfish have a three second memory",
        "cracking knuckles causes arthritis", "lightning never strikes twice",
        "sugar makes kids hyper", "bulls hate the color red", "bats are blind",
        "you lose most heat through your head", "the great wall is visible from space",
        "coffee stunts your growth",
    ),
    "fitness": (
        "a beginner with bad knees", "running my first 10k", "building upper body strength",
        "a busy parent", "losing weight after forty", "improving flexibility",
        "training for a hike", "recovering from a back injury",
    ),
    "style": (
        "a pirate", "a noir detective", "a sports commentator", "a medieval bard",
        "a nature documentary", "a corporate memo", "a fairy tale", "a shakespearean play",
    ),
    "docshort": (
        "essay intro", "resume summary", "linkedin headline", "thesis abstract", "cover letter",
        "dating profile", "wedding speech", "grant proposal paragraph", "product pitch",
    ),
    "unit": (
        "miles", "kilometers", "pounds", "kilograms", "cups", "milliliters", "fahrenheit",
        "celsius", "feet", "meters", "ounces", "grams",
    ),
    "regex": (
        "us phone numbers", "iso dates", "hex colors", "ip addresses", "hashtags",
        "email addresses", "postal codes", "urls without query strings", "time stamps",
    ),
    "hobby": (
        "gardening", "jazz", "hiking", "board games", "baking", "old movies", "football",
        "knitting", "astronomy", "video games", "fishing", "painting",
    ),
    "food": (
        "chickpeas", "spinach", "leftover rice", "eggs", "mushrooms", "sweet potatoes",
        "canned tuna", "tofu", "lentils", "feta", "zucchini", "chicken thighs", "oats", "bananas",
        "cabbage", "salmon",
    ),
    "history": (
        "the fall of the berlin wall", "the apollo moon landing", "the black death",
        "the cuban missile crisis", "the meiji restoration", "the partition of india",
        "the dust bowl", "the space race", "the printing revolution", "the gold rush",
    ),
    "bug": (
        "crashes on startup", "shows a blank screen", "leaks memory", "is very slow",
        "logs users out randomly", "double-submits forms", "breaks on mobile",
        "renders dates in the wrong timezone",
    ),
    "framework": (
        "react", "django", "flask", "rails", "spring", "flutter", "next.js", "laravel", "express",
        "svelte",
    ),
    "decision": (
        "buying a used car", "adopting a dog", "switching careers", "choosing a college",
        "renting an apartment", "hiring my first employee", "picking a laptop",
        "moving to another city", "starting a phd", "refinancing a loan",
    ),
    "small": (
        "3", "5", "7", "10", "two", "three", "five", "a few", "several",
    ),
    "days": (
        "3", "4", "5", "7", "10", "14",
    ),
    "amount": (
        "5", "12", "30", "100", "250", "2.5", "72", "1000",
    ),
    "essaytopic": (
        "school uniforms", "social media and teenagers", "nuclear power", "homework bans",
        "remote learning", "space exploration funding", "zoos", "a four-day work week",
    ),
    "hwtopic": (
        "a projectile motion problem", "a chemistry titration question", "an integral",
        "a supply and demand graph", "a probability question about dice", "a proof by induction",
    ),
}
# fmt: on

# Free-form tasks: (template with {0}..{2}, slot vocabularies). Mostly ordinary requests;
# a handful look like extraction traffic (teachers grading, students asking for full
# reasoning) so that keyword rules alone produce false positives.
# fmt: off
FREEFORM_TASKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("write a {0} about {1}", ("doc", "topic")),
    ("explain {0} to {1}", ("topic", "audience")),
    ("give me {0} tips for {1}", ("small", "howto")),
    ("summarize the main arguments about {0} in {1} bullet points", ("topic", "small")),
    ("write a {0} function that {1}", ("lang", "codetask")),
    ("why does my {0} code throw {1} when I {2}", ("lang", "error", "codeaction")),
    ("translate '{0}' into {1}", ("phrase", "language")),
    ("plan a {0}-day trip to {1} for {2}", ("days", "place", "travelers")),
    ("compare {0} and {1} for {2}", ("thing", "thing", "purpose")),
    ("draft an email to my {0} about {1}", ("person", "emailtopic")),
    ("what are some good {0} ideas for {1}", ("ideakind", "event")),
    ("help me understand {0}", ("topic",)),
    ("make a {0} meal plan for {1}", ("diet", "foreater")),
    ("suggest {0} names for a {1}", ("small", "nameable")),
    ("rewrite this to sound more {0}: '{1}'", ("tone", "phrase")),
    ("what's the difference between {0} and {1}", ("topic", "topic")),
    ("create a study schedule for {0} over {1} weeks", ("topic", "small")),
    ("write a sql query that {0}", ("sqltask",)),
    ("how do I {0}", ("howto",)),
    ("is it true that {0}", ("claim",)),
    ("give me a workout plan for {0}", ("fitness",)),
    ("write a {0} in the style of {1} about {2}", ("doc", "style", "topic")),
    ("brainstorm {0} blog post titles about {1}", ("small", "topic")),
    ("outline a presentation on {0} for {1}", ("topic", "audience")),
    ("what should I consider when {0}", ("decision",)),
    ("create {0} quiz questions about {1}", ("small", "topic")),
    ("explain what {0} means in {1}", ("error", "lang")),
    ("review my {0} and suggest improvements, it's about {1}", ("docshort", "topic")),
    ("convert {0} {1} to {2}", ("amount", "unit", "unit")),
    ("recommend {0} books about {1}", ("small", "topic")),
    ("what's the best way to {0} if I only have a weekend", ("howto",)),
    ("write a regex that matches {0}", ("regex",)),
    ("help me name my {0}", ("nameable",)),
    ("write a birthday message for my {0} who loves {1}", ("person", "hobby")),
    ("how many calories are in a bowl of {0}", ("food",)),
    ("what happened during {0} and why does it matter", ("history",)),
    ("give me a recipe using {0}, {1} and {2}", ("food", "food", "food")),
    ("my {0} app {1}, how do I debug it", ("framework", "bug")),
    ("what are the pros and cons of {0}", ("thing",)),
    ("help me write a {0} for {1}", ("docshort", "purpose")),
    ("pretend you are {0} and describe {1}", ("style", "topic")),
    ("I'm {0}, is that a good idea", ("decision",)),
    ("tell me a fun fact about {0} and one about {1}", ("topic", "topic")),
    ("write unit tests in {0} for a function that {1}", ("lang", "codetask")),
    ("grade this student essay on {0} using a rubric with four criteria", ("essaytopic",)),
    ("show your reasoning step by step for {0}, I want to check my homework", ("hwtopic",)),
    ("score my answer about {0} on a scale from 1 to 10 and explain", ("topic",)),
)
# fmt: on

# fmt: off
FREEFORM_OPENERS: tuple[str, ...] = (
    "", "", "", "Hi, ", "hey ", "Quick question: ", "Can you ", "Please ", "Could you ",
    "I need help: ", "ok so ", "Hello! ", "Hi there. ", "So, ", "pls ", "Hey, can you ",
    "Quick one: ", "Good morning! ", "I was wondering, ", "Help me out: ",
)
FREEFORM_CONSTRAINTS: tuple[str, ...] = (
    "", "", "", "?", "?", ".", ".", ". Keep it short.", ". Use bullet points.",
    ". Make it funny.", ". Explain step by step.", ". Keep it under 200 words.",
    ". Use simple language.", ". Be concise.", ". Give examples.", ". Put it in a table.",
    ". Add sources if you can.", ". No jargon please.", ". Make it formal.", ". Make it casual.",
    ". Include a short summary at the end.", ". Number each point.", ". Explain like I'm new.",
    ". Use markdown headings.", ". Make it engaging.", ". Avoid cliches.",
    ". Think it through step by step.",
)
FREEFORM_DETAILS: tuple[str, ...] = (
    "", "", "", "", " It's for a school project.", " It's for work.",
    " I'm a beginner.", " I'm a teacher.", " My boss asked for this.", " Thanks in advance!",
    " Thank you!", " I have an exam tomorrow.", " This is kind of urgent.",
    " English is my second language.", " For my blog.", " For my kids.",
    " I already searched online but got confused.", " Be honest with me.",
    " Assume I know the basics.", " I only have ten minutes.",
    " My friend and I disagree about this.", " I'm on my phone so keep it readable.",
    " I tried last week and it didn't work.", " Last time you were too vague.",
    " I'm preparing for a meeting.", " I'm writing a novel and need this for a scene.",
    " I'm doing this with my students.", " We are a small team.", " Just curious.",
)
# An optional sentence of context: prefix + who + what + a topic from VOCAB["topic"].
FREEFORM_CONTEXT_PREFIXES: tuple[str, ...] = (
    " For context, ", " Background: ", " Btw ", " Also, ", " Some context: ", " FYI ",
    " (", " Note that ",
)
FREEFORM_CONTEXT_WHO: tuple[str, ...] = (
    "my team", "my partner", "our school", "my landlord", "my sister", "my uncle", "my manager",
    "my kid", "my daughter", "our startup", "my book club", "my professor", "our client", "my dad",
    "my coworker", "the whole class", "my study group", "our nonprofit", "my roommate",
    "my editor", "our sales team", "my therapist", "my neighbor",
)
FREEFORM_CONTEXT_WHAT: tuple[str, ...] = (
    "keeps asking about", "is new to", "has been struggling with", "wants to learn about",
    "got confused by", "is writing about", "needs a summary of", "is presenting on",
    "does not believe in", "is obsessed with", "has a deadline involving", "argued about",
    "is researching", "wants a newsletter about", "asked me to explain", "is skeptical of",
    "is teaching", "made a video about", "has a quiz on", "just started reading about",
)
# fmt: on

# ------------------------------------------------------------------- campaign templates

# Chain-of-thought elicitation: each base has three light paraphrases; {problem} is filled
# per request.
COT_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "Solve the following problem. Think step by step and show all of your reasoning in "
        "detail before giving the final answer. Do not skip any intermediate steps, explain why "
        "each step follows from the previous one, and at the end write 'Final answer:' followed "
        "by the result.\n\nProblem: {problem}",
        "Solve the problem below. Think step by step and show all your reasoning in full detail "
        "before you give the final answer. Do not skip intermediate steps, explain why each step "
        "follows from the one before, and at the end write 'Final answer:' followed by the "
        "result.\n\nProblem: {problem}",
        "Please solve the following problem. Think step by step and show all of your reasoning "
        "in detail before stating the final answer. Never skip any intermediate steps, explain "
        "how each step follows from the previous one, and finish by writing 'Final answer:' and "
        "the result.\n\nProblem: {problem}",
    ),
    (
        "You are an expert tutor. For the task below, write out your complete chain of thought: "
        "list what is known, what is asked, every calculation and every check you perform. "
        "Think step by step and be exhaustive; a long, careful explanation is preferred over a "
        "short one. Only after the full reasoning, state the answer on its own line.\n\n"
        "Task: {problem}",
        "You are an expert tutor. For the following task, write out your entire chain of "
        "thought: list what is known, what is asked, and every calculation and check you do. "
        "Think step by step and be exhaustive; a long and careful explanation is better than a "
        "short one. Only after the full reasoning, give the answer on its own line.\n\n"
        "Task: {problem}",
        "Act as an expert tutor. For the task below, write down your complete chain of thought: "
        "what is known, what is being asked, every calculation and every check you perform. "
        "Reason step by step and be exhaustive; prefer a long, careful explanation over a short "
        "one. State the answer on its own line only after the full reasoning.\n\n"
        "Task: {problem}",
    ),
    (
        "Let's think step by step. First restate the question in your own words, then break it "
        "into sub-problems, solve each sub-problem while showing all work, verify the result "
        "with an independent method, and finally summarize. Show all reasoning, even steps that "
        "seem obvious.\n\nQuestion: {problem}",
        "Let's think step by step. Start by restating the question in your own words, then "
        "split it into sub-problems, solve each sub-problem showing all work, check the result "
        "with an independent method, and finally summarize. Show all reasoning, including steps "
        "that seem obvious.\n\nQuestion: {problem}",
        "Let's think about this step by step. Restate the question in your own words first, "
        "then break it down into sub-problems, solve every sub-problem while showing all of the "
        "work, verify the result using a second independent method, and summarize at the end. "
        "Show all reasoning, even the obvious steps.\n\nQuestion: {problem}",
    ),
    (
        "Work through the following programming task step by step. Before writing any code, "
        "explain your plan and your full reasoning in detail, discuss edge cases and complexity, "
        "then write the complete solution with comments, and finally trace through an example "
        "by hand showing every intermediate value.\n\nProblem: {problem}",
        "Work through this programming task step by step. Before you write any code, explain "
        "your plan and your complete reasoning in detail, discuss the edge cases and the "
        "complexity, then write the full solution with comments, and finally trace an example "
        "by hand showing every intermediate value.\n\nProblem: {problem}",
        "Go through the programming task below step by step. Before writing code, explain the "
        "plan and your full reasoning in detail, cover edge cases and time complexity, then "
        "write the complete commented solution, and at the end trace an example by hand, "
        "showing each intermediate value.\n\nProblem: {problem}",
    ),
    (
        "Answer the question below. Show your full reasoning process step by step inside "
        "<reasoning> tags, considering alternative interpretations and checking each "
        "assumption, then give a concise final answer inside <answer> tags. Be thorough: the "
        "reasoning should be much longer than the answer.\n\nQuestion: {problem}",
        "Answer the following question. Show your complete reasoning process step by step "
        "inside <reasoning> tags, consider alternative interpretations and check every "
        "assumption, then give a short final answer inside <answer> tags. Be thorough: the "
        "reasoning must be much longer than the answer.\n\nQuestion: {problem}",
        "Answer the question that follows. Put your full reasoning process, step by step, "
        "inside <reasoning> tags, weighing alternative interpretations and checking each "
        "assumption, and then give a concise final answer inside <answer> tags. Be thorough; "
        "the reasoning should be far longer than the answer.\n\nQuestion: {problem}",
    ),
    (
        "I want to see exactly how an expert reasons. Think out loud, step by step, and show "
        "all of your reasoning for the problem below, including any dead ends and how you "
        "recover from them. Be as detailed as possible and do not summarize any step.\n\n"
        "Problem: {problem}",
        "I want to see exactly how an expert thinks. Think aloud, step by step, and show all "
        "your reasoning for the problem below, including dead ends and how you recover from "
        "them. Be as detailed as you can and do not summarize any step.\n\nProblem: {problem}",
        "Show me exactly how an expert would reason. Think out loud step by step and show all "
        "of your reasoning on the following problem, including any dead ends and how you get "
        "out of them. Be as detailed as possible and never summarize a step.\n\n"
        "Problem: {problem}",
    ),
)

# Rubric grading: {question} and {answer} are filled per request.
RUBRIC_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "Grade the following answer on a 1-10 rubric. Criteria: correctness (0-4), "
        "completeness (0-3), clarity (0-2) and use of evidence (0-1). For each criterion give "
        "the score and a detailed justification, then give the total score and write a "
        "corrected model answer.\n\nQuestion: {question}\n\nAnswer: {answer}",
        "Grade the answer below on a 1-10 rubric. Criteria: correctness (0-4), completeness "
        "(0-3), clarity (0-2) and use of evidence (0-1). For every criterion give the score and "
        "a detailed justification, then the total score, and write a corrected model answer."
        "\n\nQuestion: {question}\n\nAnswer: {answer}",
        "Please grade the following answer using a 1-10 rubric. The criteria are correctness "
        "(0-4), completeness (0-3), clarity (0-2) and use of evidence (0-1). Give each "
        "criterion's score with a detailed justification, then the total score, and finally a "
        "corrected model answer.\n\nQuestion: {question}\n\nAnswer: {answer}",
    ),
    (
        "You are a strict grader. Evaluate the response below against this rubric: accuracy, "
        "reasoning quality, completeness and style, each scored from 1 to 10. Explain every "
        "deduction in detail, show your reasoning step by step, and finish with an overall "
        "score and an improved response.\n\nQuestion: {question}\n\nResponse: {answer}",
        "You are a strict grader. Evaluate the following response against this rubric: "
        "accuracy, quality of reasoning, completeness and style, each scored 1 to 10. Explain "
        "each deduction in detail, show your reasoning step by step, and end with an overall "
        "score and an improved response.\n\nQuestion: {question}\n\nResponse: {answer}",
        "Act as a strict grader. Assess the response below using this rubric: accuracy, "
        "reasoning quality, completeness and style, each on a scale from 1 to 10. Justify "
        "every deduction in detail, reason step by step, and close with an overall score and "
        "a better response.\n\nQuestion: {question}\n\nResponse: {answer}",
    ),
    (
        "Compare the candidate answer with what an ideal answer would contain. Score it from 1 "
        "to 10 using a rubric that you define first (list at least five weighted criteria). "
        "Justify the score for each criterion, then write the ideal answer in full.\n\n"
        "Question: {question}\n\nCandidate answer: {answer}",
        "Compare the candidate answer to what an ideal answer should contain. Score it 1 to 10 "
        "with a rubric you define first (list at least five criteria with weights). Justify "
        "each criterion's score, then write out the ideal answer in full.\n\n"
        "Question: {question}\n\nCandidate answer: {answer}",
        "Compare this candidate answer against an ideal answer. First define a rubric of at "
        "least five weighted criteria, then score the answer from 1 to 10, justify the score "
        "on every criterion, and finally write the full ideal answer.\n\n"
        "Question: {question}\n\nCandidate answer: {answer}",
    ),
    (
        "Act as a reward model. Rate the assistant response for helpfulness, honesty and "
        "harmlessness on a 1-10 scale each, explain your rating in detail with specific quotes "
        "from the response, and then rewrite the response so that it would earn a 10 on every "
        "dimension.\n\nQuestion: {question}\n\nResponse: {answer}",
        "Act as a reward model. Rate the assistant response below for helpfulness, honesty "
        "and harmlessness, each on a 1-10 scale, explain the ratings in detail quoting the "
        "response, and then rewrite the response so it would score 10 on every dimension."
        "\n\nQuestion: {question}\n\nResponse: {answer}",
        "You are a reward model. Score the assistant response for helpfulness, honesty and "
        "harmlessness on a scale of 1 to 10 each, explain your scores in detail with quotes "
        "from the response, then rewrite it so that it would get a 10 on all dimensions.\n\n"
        "Question: {question}\n\nResponse: {answer}",
    ),
    (
        "Evaluate the student answer below. Use this grading rubric: identifies the key "
        "concept (3 points), correct method (3 points), correct result (2 points), clear "
        "explanation (2 points). Give points per criterion with your reasoning, the total out "
        "of 10, and a complete worked solution.\n\nProblem: {question}\n\n"
        "Student answer: {answer}",
        "Evaluate the following student answer. Grading rubric: identifies the key concept "
        "(3 points), uses a correct method (3 points), gets the correct result (2 points), "
        "explains clearly (2 points). Award points per criterion with your reasoning, give the "
        "total out of 10 and a complete worked solution.\n\nProblem: {question}\n\n"
        "Student answer: {answer}",
        "Assess the student answer below with this grading rubric: key concept identified (3 "
        "points), correct method (3 points), correct result (2 points), clear explanation (2 "
        "points). Give the points for each criterion with reasoning, the total out of 10, and "
        "a full worked solution.\n\nProblem: {question}\n\nStudent answer: {answer}",
    ),
    (
        "Which answer is better? Judge the answer below against a reference you write "
        "yourself. Think step by step, list the strengths and weaknesses of the answer, score "
        "it on a 1-10 rubric for accuracy and depth, and output your reasoning followed by the "
        "score.\n\nQuestion: {question}\n\nAnswer: {answer}",
        "Which answer is better? Judge the following answer against a reference answer you "
        "write yourself. Think step by step, list its strengths and weaknesses, score it on a "
        "1-10 rubric for accuracy and depth, and output your reasoning and then the score."
        "\n\nQuestion: {question}\n\nAnswer: {answer}",
        "Which answer is better? Compare the answer below with a reference you write "
        "yourself. Reason step by step, list strengths and weaknesses, rate it on a 1-10 "
        "rubric for accuracy and depth, and give your reasoning followed by the score.\n\n"
        "Question: {question}\n\nAnswer: {answer}",
    ),
)

# Slot grammars of the campaign templates. Fields: {name} {name2} {item} {city} {city2}
# {a} {b} {c} {d} (integers) {topic} {lang}.
PROBLEM_FRAMES: tuple[str, ...] = (
    "{name} has {a} {item} and buys {b} more boxes with {c} {item} in each. {name} then gives "
    "{d} {item} to {name2}. How many {item} does {name} have left?",
    "A train leaves {city} at {a}0 km/h and another leaves {city2} at {b}0 km/h toward it. The "
    "cities are {c}0 km apart. After how many minutes do the trains meet?",
    "A rectangle has a perimeter of {c} cm and one side is {a} cm longer than the other. What "
    "is its area?",
    "What is the probability of getting at least {a} heads in {b} fair coin tosses? Give the "
    "exact fraction.",
    "Find all integers x with 0 <= x < {c} such that x^2 - {a}x + {d} is divisible by {b}.",
    "{name} invests {c}00 dollars at {a}% annual interest compounded monthly. How much is the "
    "investment worth after {b} years?",
    "In a class of {c} students, {a} play chess, {b} play soccer and {d} play both. How many "
    "play neither?",
    "A recipe for {a} people needs {b} {item}. How many {item} are needed for {c} people?",
    "{name} is older than {name2}. {name2} is {a} years older than the youngest of {b} siblings, "
    "who is {d}. If the ages sum to {c}, what ages are possible for {name}?",
    "A tank holds {c} liters. Pipe A fills it in {a} hours and pipe B empties it in {b} hours. "
    "If both are open, how long until the tank is full?",
    "Explain from first principles why {topic} behaves the way it does, and estimate one "
    "related quantity using the number {a}.",
    "A car uses {a} liters of fuel per 100 km. A trip from {city} to {city2} is {c} km and fuel "
    "costs {b} per liter. What does the round trip cost?",
    "Solve the system {a}x + {b}y = {c} and {d}x - y = {a}.",
    "How many ways can {a} books be arranged on a shelf if {b} particular books must stay "
    "together?",
    "A store discounts a {item} priced at {c} by {a}% and then adds {b}% tax. What is the final "
    "price, and is it more or less than a single discount of {d}%?",
    "{name} walks {a} km north, {b} km east and {d} km south from a hotel in {city}. How far is "
    "{name} from the hotel?",
    "What is the remainder when {c}^{a} is divided by {b}?",
    "If {a} workers build {b} {item} in {d} days, how many days do {c} workers need to build "
    "{c} {item}?",
    "A sequence starts with {a} and {b}, and each term is the sum of the previous two minus "
    "{d}. What is term number {c}?",
    "Estimate how many {item} would fit inside a city bus in {city}, explaining every assumption.",
    "A population of {c} bacteria doubles every {a} minutes. How many are there after {b} hours, "
    "and when does it first exceed {d} million?",
    "Is {c}{a}{b} a prime number? Prove your answer.",
    "A ladder {b} m long leans against a wall with its foot {a} m from the wall. How high does it "
    "reach, and how far does the top slide if the foot moves {d}0 cm further out?",
    "{name} and {name2} paint a fence together in {a} hours; {name} alone takes {b} hours. How "
    "long does {name2} need alone?",
    "What is the sum of all multiples of {a} or {b} below {c}0?",
)
CODE_FRAMES: tuple[str, ...] = (
    "Write a {lang} function that returns the {a} most frequent words in a text, ignoring case "
    "and punctuation.",
    "Implement an LRU cache in {lang} with capacity {c} and O(1) get and put.",
    "Given an array of {c} integers with values up to {d}000, find the length of the longest "
    "strictly increasing subsequence in {lang}.",
    "Write a {lang} program that reads a CSV file of {c} rows and prints the median of column {a}.",
    "Implement binary search in {lang} over a rotated sorted array of size {c}.",
    "In {lang}, detect whether a directed graph with {c} nodes and {d}0 edges contains a cycle.",
    "Write a {lang} function that merges {a} sorted lists into one sorted list in O(n log k).",
    "Implement a rate limiter in {lang} that allows {a} requests per {b} seconds per user.",
    "In {lang}, count the ways to climb {c} stairs taking 1, 2 or {a} steps at a time, modulo "
    "1000000007.",
    "Implement Dijkstra's algorithm in {lang} for a graph of {c} nodes and return the shortest "
    "path from node {a} to node {d}.",
    "Write {lang} code that serializes and deserializes a binary tree with up to {c} nodes.",
    "Write a {lang} function that finds all anagram groups in a list of {c} words.",
    "In {lang}, compute the edit distance between two strings of length up to {c}.",
    "Implement a thread-safe bounded queue of size {a} in {lang}.",
    "Write a {lang} function that returns the k-th smallest element (k = {a}) of an unsorted "
    "array of {c} numbers in expected linear time.",
)
ANSWER_FRAMES: tuple[str, ...] = (
    "The answer is {a}.",
    "{name} ends up with {c} {item}, because you add the boxes and then subtract what was "
    "given away.",
    "It takes {a} hours and {b} minutes, since the speeds add up.",
    "I think it is {d}. I divided {c} by {a} and rounded.",
    "Use a hash map and a heap; the complexity is O(n log {a}).",
    "The result is {b}/{c}, roughly {a} percent.",
    "No, this is false for n = {a}, because {b} does not divide it.",
    "First compute {a} times {b}, which is {c}, then subtract {d} to get the final answer.",
    "It happens because of conservation of energy; the value is about {c}.",
    "Sort the list and take the middle element; in {lang} this runs in O(n log n).",
    "The final price is {c}.{a} because the discount and the tax cancel out.",
    "There are {c} ways, since the order does not matter here.",
    "Yes. {c} is prime because it is not divisible by {a} or {b}.",
    "About {c} {item}. I assumed each one takes {a} cm on each side.",
    "def solve(xs): return sorted(xs)[{a}]  # simple and correct",
    "{name2} needs {d} hours alone, since the rates subtract.",
)

# Third-party app: thousands of users send this template (app version = variant).
APP_TEMPLATES: tuple[str, ...] = (
    "Rewrite the text below in a {tone} tone. Keep the original meaning, fix grammar and "
    "spelling, and keep roughly the same length. Reply with the rewritten text only.\n\n"
    "Text: {text}",
    "Rewrite the following text in a {tone} tone. Preserve the meaning, correct grammar and "
    "spelling mistakes, and keep about the same length. Reply only with the rewritten text."
    "\n\nText: {text}",
)
# fmt: off
APP_SENTENCE: dict[str, tuple[str, ...]] = {
    "subj": (
        "i", "we", "our team", "my landlord", "the client", "my sister", "the school",
        "the new manager", "my neighbor", "the delivery guy", "our company", "the teacher",
        "my roommate", "the hotel", "customer support", "the coach", "my doctor", "the bank",
        "the committee", "my professor", "the airline", "our supplier", "the city council",
        "the shop",
    ),
    "verb": (
        "wanted to tell you about", "is really sorry for", "still hasn't fixed",
        "would love to talk about", "can't make it to", "just finished", "is worried about",
        "forgot about", "is super excited about", "needs more time for", "didn't like",
        "would like feedback on", "keeps asking about", "has changed", "is confused about",
        "will cover", "totally messed up", "really appreciated", "cancelled", "postponed",
    ),
    "obj": (
        "the meeting tomorrow", "the broken sink", "your last invoice", "the birthday party",
        "the project deadline", "the rent increase", "our trip next month", "the new schedule",
        "the late delivery", "the job interview", "the group assignment", "the wedding plans",
        "the refund", "the noise at night", "the team dinner", "the contract renewal",
        "the parking situation", "the school fundraiser", "the flight change", "the monthly report",
        "the training session", "the product launch", "the lease", "the dentist appointment",
        "the broken laptop", "the weekend shift",
    ),
    "when": (
        "", "", "", " today", " this week", " next friday", " as soon as possible",
        " before the end of the month", " again", " last night", " for the third time",
        " yesterday", " by monday", " sorry", " thanks", " if thats ok",
    ),
    "tail": (
        "", "", "", "", " let me know what you think.", " please reply soon.",
        " thanks for understanding.", " i hope thats fine.", " call me if needed.",
        " it wont happen again.", " can we talk later?", " sorry again.",
    ),
}
# fmt: on

# An enterprise tenant's internal tool (templated prompts from a benign org).
INTERNAL_TEMPLATE = (
    "[ticket-triage v2] Summarize the customer support ticket below in exactly three bullet "
    "points, classify its priority as low, medium or high, and name the team that should "
    "handle it.\n\nMessage: {text}"
)

"""The vocabulary of generated data: locales, currencies, pipelines, labels, sources, word pools and
the fixed instants of the generated history. Plain constants; nothing here draws a random number."""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]

DAY = 86_400
# Generated history spans five years and ends at a fixed instant, so one seed always yields the same
# data; writes made later carry the real clock, which is after every generated timestamp.
HISTORY_START = 1_609_459_200  # 2021-01-01T00:00:00Z
HISTORY_END = 1_767_139_200  # 2025-12-31T00:00:00Z

LOCALES: tuple[tuple[str, str, str, str], ...] = (
    # (faker locale, country, phone prefix, country code)
    ("en_US", "United States", "+1", "US"),
    ("en_GB", "United Kingdom", "+44", "GB"),
    ("de_DE", "Germany", "+49", "DE"),
    ("fr_FR", "France", "+33", "FR"),
    ("es_ES", "Spain", "+34", "ES"),
    ("nl_NL", "Netherlands", "+31", "NL"),
    ("sv_SE", "Sweden", "+46", "SE"),
    ("pt_BR", "Brazil", "+55", "BR"),
)
LOCALE_WEIGHTS = (30, 14, 16, 10, 8, 8, 6, 8)

CURRENCIES: tuple[tuple[str, str, int, str], ...] = (
    # (code, name, decimal points, symbol)
    ("EUR", "Euro", 2, "€"),
    ("USD", "US Dollar", 2, "$"),
    ("GBP", "British Pound", 2, "£"),
    ("SEK", "Swedish Krona", 2, "kr"),
    ("CHF", "Swiss Franc", 2, "CHF"),
    ("JPY", "Japanese Yen", 0, "¥"),
    ("BRL", "Brazilian Real", 2, "R$"),
    ("AUD", "Australian Dollar", 2, "A$"),
    ("CAD", "Canadian Dollar", 2, "C$"),
    ("PLN", "Polish Zloty", 2, "zł"),
)
DEAL_CURRENCIES = ("EUR", "USD", "GBP", "SEK", "CHF", "JPY", "BRL")
DEAL_CURRENCY_WEIGHTS = (36, 34, 12, 6, 5, 3, 4)
# Rough value of one unit in EUR, so that amounts in JPY look like amounts in JPY.
EUR_RATE = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "SEK": 0.087, "CHF": 1.05, "JPY": 0.0062, "BRL": 0.17}

ACTIVITY_TYPES: tuple[tuple[str, str, str, str], ...] = (
    # (name, key_string, icon_key, color)
    ("Call", "call", "call", "2F6BD6"),
    ("Meeting", "meeting", "meeting", "7B3FBF"),
    ("Task", "task", "task", "3A9A5B"),
    ("Deadline", "deadline", "deadline", "D64541"),
    ("Email", "email", "email", "E3A21A"),
    ("Lunch", "lunch", "lunch", "8A8F99"),
)
ACTIVITY_TYPE_WEIGHTS = (30, 20, 22, 8, 15, 5)

PIPELINES: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    (
        "Sales",
        (
            ("Qualified", 10),
            ("Contact Made", 20),
            ("Demo Scheduled", 40),
            ("Proposal Made", 60),
            ("Negotiations", 80),
        ),
    ),
    ("Partnerships", (("Intro", 10), ("Evaluation", 35), ("Agreement Drafted", 70), ("Signed", 90))),
    (
        "Enterprise",
        (
            ("Discovery", 5),
            ("Solution Design", 25),
            ("Security Review", 45),
            ("Procurement", 70),
            ("Legal", 85),
            ("Verbal Yes", 95),
        ),
    ),
    ("Renewals", (("Upcoming", 50), ("In Discussion", 70), ("Renewal Sent", 90))),
)

DEAL_LABELS = ((1, "Hot", "red"), (2, "Warm", "yellow"), (3, "Cold", "blue"), (4, "Strategic", "purple"))
PERSON_LABELS = ((5, "Customer", "green"), (6, "Decision maker", "purple"), (7, "Champion", "blue"))
ORG_LABELS = ((8, "Customer", "green"), (9, "Prospect", "yellow"), (10, "Partner", "purple"))
LEAD_LABELS = (
    ("Hot", "red"),
    ("Warm", "yellow"),
    ("Cold", "blue"),
    ("Event", "purple"),
    ("Website", "green"),
)
LEAD_SOURCES = (
    "Manually created",
    "Deal",
    "Web forms",
    "Prospector",
    "Leadbooster",
    "Live chat",
    "Import",
    "Website visitors",
    "Workflow automation",
    "API",
)
# (source_name, origin) pairs as Pipedrive fills them for leads made in these ways.
LEAD_ORIGINS = (
    ("Manually created", "ManuallyCreated"),
    ("Web forms", "WebForms"),
    ("Import", "Import"),
    ("API", "API"),
    ("Live chat", "LiveChat"),
    ("Prospector", "Prospector"),
)
DEAL_ORIGINS = ("ManuallyCreated", "ManuallyCreated", "ManuallyCreated", "API", "Import", "WebForms")
CHANNELS = ((1, "Paid search"), (2, "Social media"), (3, "Events"), (4, "Referral"), (5, "Email marketing"))
LOST_REASONS = (
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No decision",
    "Timing",
    "Missing feature",
)
INDUSTRIES = (
    (1, "Software"),
    (2, "Manufacturing"),
    (3, "Retail"),
    (4, "Financial services"),
    (5, "Healthcare"),
    (6, "Education"),
    (7, "Logistics"),
    (8, "Media"),
)
TIMEZONES = ((1, "Europe/London"), (2, "Europe/Berlin"), (3, "America/New_York"), (4, "America/Los_Angeles"))

PRODUCT_ADJECTIVES = (
    "Basic",
    "Pro",
    "Enterprise",
    "Premium",
    "Cloud",
    "On-site",
    "Advanced",
    "Starter",
    "Team",
    "Global",
)
PRODUCT_NOUNS = (
    ("CRM License", "license", "Software"),
    ("Analytics Add-on", "license", "Software"),
    ("Onboarding Package", "package", "Services"),
    ("Consulting Hour", "hour", "Services"),
    ("Support Plan", "month", "Services"),
    ("Training Workshop", "day", "Services"),
    ("API Access", "month", "Software"),
    ("Data Migration", "project", "Services"),
    ("Hardware Kit", "pcs", "Hardware"),
    ("Storage Extension", "TB", "Software"),
    ("Integration Connector", "license", "Software"),
    ("Router", "pcs", "Hardware"),
)
DEAL_TITLE_PATTERNS = (
    "{org} deal",
    "{org} renewal",
    "{n} seats for {org}",
    "{org} – {product}",
    "{org} expansion",
    "{product} for {org}",
    "{org} pilot",
)
ACTIVITY_SUBJECTS = {
    "call": ("Discovery call", "Follow-up call", "Check-in call", "Pricing call", "Intro call"),
    "meeting": ("Demo", "Kick-off meeting", "Quarterly review", "On-site visit", "Workshop"),
    "task": ("Send proposal", "Prepare quote", "Update CRM", "Draft contract", "Send case study"),
    "deadline": ("Proposal deadline", "Contract deadline", "Budget approval"),
    "email": ("Send follow-up email", "Reply to questions", "Send pricing", "Intro email"),
    "lunch": ("Lunch with champion", "Business lunch", "Team lunch"),
}
NOTE_SENTENCES = (
    "Customer is interested in the annual plan.",
    "Asked for a discount on volume.",
    "Decision expected by the end of the quarter.",
    "Procurement needs a security questionnaire.",
    "The champion is moving to another team.",
    "Budget confirmed for next year.",
    "They compare us with two other vendors.",
    "Legal is reviewing the contract draft.",
    "Need to loop in the CFO.",
    "Very positive feedback after the demo.",
    "Wants an integration with their ERP.",
    "Pilot with ten users planned.",
)
JOB_TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "Head of Sales",
    "Sales Manager",
    "Account Executive",
    "Marketing Manager",
    "Procurement Lead",
    "Operations Director",
    "IT Manager",
    "Office Manager",
    "Product Manager",
    "Engineer",
    "Consultant",
    "Founder",
)
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com")
COMPANY_QUALIFIERS = (
    "",
    "",
    "",
    " Group",
    " International",
    " Labs",
    " Solutions",
    " Holding",
    " Partners",
    " Systems",
)

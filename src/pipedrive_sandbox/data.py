"""Deterministic generation of one company's Pipedrive data from a seed and a scale.

``generate(config)`` returns a :class:`Dataset`: users, pipelines and stages, organizations, persons,
deals (open, won, lost, some deleted, some archived), activities, products with prices, deal-product
attachments, deal participants, leads with labels, notes, files, filters, activity types, currencies and
the field definitions (system and custom) of every entity.

Speed and memory decide the shape of this module (``--scale 100000`` must start in seconds):

- Faker is called only to fill small pools (names, companies, streets, cities) once per locale; records
  are then sampled from the pools with one seeded ``random.Random``. Faker is never called per record.
- Records are plain dicts in their *canonical* form (``store`` renders the v2 and v1 shapes from it):
  timestamps are ints (epoch seconds), absent values are absent keys, and values that repeat (addresses,
  option tuples, label lists) are shared objects, never copies. Custom-field values live in the record
  under their 40-character hash key, in a compact canonical form:

  ========== ==============================  ==========================================
  type       canonical value                 v2 rendering
  ========== ==============================  ==========================================
  monetary   ``(amount, currency)``          ``{"value": amount, "currency": cur}``
  set        ``(option_id, ...)``            ``[option_id, ...]``
  enum       ``option_id``                   ``option_id``
  daterange  ``("YYYY-MM-DD", "YYYY-MM-DD")``  ``{"start": ..., "until": ...}``
  time       ``("HH:MM:SS", timezone_id)``   ``{"value": ..., "timezone_id": ...}``
  timerange  ``(start, until, timezone_id)`` ``{"start", "until", "timezone_id"}``
  address    shared dict of address parts    the dict
  user, people, org: the referenced id; date: ``"YYYY-MM-DD"``; double: float; text kinds: str
  ========== ==============================  ==========================================
"""

from __future__ import annotations

import gc
import hashlib
import random
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sandbox.config import SandboxConfig

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


@dataclass
class Dataset:
    """Everything one company holds, in canonical form (see the module docstring)."""

    company_id: int
    company_name: str
    company_domain: str
    default_currency: str
    main_user_id: int
    users: dict[int, Record]
    tables: dict[str, dict[Any, Record]]
    # entity ("deal", "person", "organization", "product", "activity") -> field definitions in order
    fields: dict[str, list[Record]]
    timezones: tuple[tuple[int, str], ...] = TIMEZONES
    counts: dict[str, int] = field(default_factory=dict)


def sizes(scale: int) -> dict[str, int]:
    """How many records of each kind ``scale`` deals come with."""
    scale = max(scale, 1)
    return {
        "user": min(5 + scale // 10_000, 25),
        "organization": max(10, scale // 4),
        "person": max(20, scale // 2),
        "deal": scale,
        "activity": max(20, scale + scale // 2),
        "product": max(12, min(scale // 50, 2_000)),
        "lead": max(10, scale // 5),
        "note": max(10, scale // 2),
        "file": max(5, scale // 20),
        "participant_deals": max(2, scale // 5),
    }


def api_token_for(seed: int, user_index: int) -> str:
    """A 40-hex-digit API token, stable for a seed and a user (Pipedrive's tokens look the same)."""
    return hashlib.sha1(f"pipedrive-sandbox:{seed}:user:{user_index}".encode()).hexdigest()


def field_key(seed: int, entity: str, name: str) -> str:
    """A custom field's 40-character hash key, stable for a seed."""
    return hashlib.sha1(f"pipedrive-sandbox:{seed}:{entity}:{name}".encode()).hexdigest()


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits of ``text`` (for e-mail addresses and domains)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return sep.join("".join(ch for ch in word if ch.isalnum()) for word in plain.split()).strip(sep)


# ---------------------------------------------------------------------------------------------------------
# Pools: the only place Faker runs.


@dataclass
class Pools:
    first: list[list[str]]  # per locale
    last: list[list[str]]
    first_slug: list[list[str]]
    last_slug: list[list[str]]
    companies: list[str]
    addresses: list[list[Record]]  # per locale, shared address dicts
    cities: list[list[str]]


def build_pools(seed: int, scale: int) -> Pools:
    from faker import Faker  # imported here: it takes a third of a second and only generation needs it

    n_names = 60 if scale < 1_000 else 200
    n_companies = 120 if scale < 1_000 else 2_500
    n_addresses = 40 if scale < 1_000 else 300
    first: list[list[str]] = []
    last: list[list[str]] = []
    addresses: list[list[Record]] = []
    cities: list[list[str]] = []
    companies: set[str] = set()
    for index, (locale, country, _prefix, _code) in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 1_000 + index)
        first.append(sorted({fake.first_name() for _ in range(n_names)}))
        last.append(sorted({fake.last_name() for _ in range(n_names)}))
        for _ in range(n_companies // len(LOCALES)):
            companies.add(fake.company().replace("\n", " "))
        city_pool = sorted({fake.city() for _ in range(max(10, n_addresses // 6))})
        cities.append(city_pool)
        pool: list[Record] = []
        for _ in range(n_addresses):
            city = city_pool[len(pool) % len(city_pool)]
            street = fake.street_name()
            number = str(fake.building_number())
            postcode = str(fake.postcode())
            region = _region(fake)
            formatted = f"{street} {number}, {postcode} {city}, {country}"
            pool.append(
                {
                    "value": formatted,
                    "country": country,
                    "admin_area_level_1": region,
                    "admin_area_level_2": None,
                    "locality": city,
                    "sublocality": None,
                    "route": street,
                    "street_number": number,
                    "subpremise": None,
                    "postal_code": postcode,
                    "formatted_address": formatted,
                }
            )
        addresses.append(pool)
    return Pools(
        first=first,
        last=last,
        first_slug=[[ascii_slug(name) or "info" for name in names] for names in first],
        last_slug=[[ascii_slug(name) or "contact" for name in names] for names in last],
        companies=sorted(companies),
        addresses=addresses,
        cities=cities,
    )


def _region(fake: Any) -> str | None:
    for provider in ("state", "administrative_unit", "region", "county"):
        method = getattr(fake, provider, None)
        if method is not None:
            try:
                return str(method())
            except (AttributeError, TypeError):
                continue
    return None


# ---------------------------------------------------------------------------------------------------------
# Field definitions.


def field_definition(
    fid: int,
    code: str | None,
    v1_key: str | None,
    name: str,
    field_type: str,
    *,
    options: list[Record] | None = None,
    optional: bool = False,
    custom: bool = False,
    mandatory: bool = False,
    editable: bool = True,
    subfields: list[tuple[str, str, str]] | None = None,
    description: str | None = None,
) -> Record:
    return {
        "id": fid,
        "code": code,  # v2 field_code, also the key in canonical records (None: v1 only)
        "v1_key": v1_key,  # v1 key (None: v2 only)
        "name": name,
        "field_type": field_type,
        "options": options,
        "optional": optional,  # is_optional_response_field: only returned when asked by include_fields
        "custom": custom,
        "mandatory": mandatory,
        "editable": editable,
        "subfields": subfields,
        "description": description,
        "active": True,
        "order_nr": fid,
        "add_time": HISTORY_START,
        "update_time": HISTORY_START,
        "created_by_user_id": None,
        "last_updated_by_user_id": None,
    }


def _opts(pairs: Sequence[tuple[Any, str]] | Sequence[tuple[Any, str, str]]) -> list[Record]:
    out: list[Record] = []
    for pair in pairs:
        option: Record = {"id": pair[0], "label": pair[1]}
        if len(pair) > 2:
            option["color"] = pair[2]
        out.append(option)
    return out


MONETARY_SUB = [("value", "Amount of {}", "double"), ("currency", "Currency of {}", "varchar")]
ADDRESS_PARTS = (
    ("value", "Address value of {}"),
    ("street_number", "House number of {}"),
    ("route", "Street/road name of {}"),
    ("subpremise", "Apartment/suite of {}"),
    ("sublocality", "District/sublocality of {}"),
    ("locality", "City/town/village/locality of {}"),
    ("admin_area_level_1", "State/county of {}"),
    ("admin_area_level_2", "Region of {}"),
    ("country", "Country of {}"),
    ("postal_code", "ZIP/Postal code of {}"),
    ("formatted_address", "Full/combined address of {}"),
)
ADDRESS_SUB = [(part, label, "varchar") for part, label in ADDRESS_PARTS]
STATUS_OPTIONS = (("open", "Open"), ("won", "Won"), ("lost", "Lost"), ("deleted", "Deleted"))
VISIBLE_TO_OPTIONS = ((1, "Owner & followers"), (3, "Entire company"))


def system_fields(entity: str) -> list[Record]:
    """The fields Pipedrive has on every account, with their v2 codes and v1 keys."""
    count = _counter(entity)
    f = field_definition
    visible_to = _opts(VISIBLE_TO_OPTIONS)
    if entity == "deal":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "title", "title", "Title", "varchar", mandatory=True),
            f(count(), "creator_user_id", "creator_user_id", "Creator", "user", editable=False),
            f(count(), "owner_id", "user_id", "Owner", "user"),
            f(count(), "value", "value", "Value", "monetary", subfields=MONETARY_SUB),
            f(count(), None, "currency", "Currency", "varchar_options"),
            f(count(), None, "weighted_value", "Weighted value", "monetary", editable=False),
            f(count(), "probability", "probability", "Probability", "double"),
            f(count(), "org_id", "org_id", "Organization", "org"),
            f(count(), "pipeline_id", "pipeline", "Pipeline", "double"),
            f(count(), "person_id", "person_id", "Contact person", "people"),
            f(count(), "stage_id", "stage_id", "Stage", "stage"),
            f(count(), "status", "status", "Status", "status", options=_opts(STATUS_OPTIONS)),
            f(count(), "add_time", "add_time", "Deal created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "stage_change_time", "stage_change_time", "Last stage change", "date", editable=False),
            f(count(), "won_time", "won_time", "Won time", "date", editable=False),
            f(count(), "lost_time", "lost_time", "Lost time", "date", editable=False),
            f(count(), "close_time", "close_time", "Deal closed on", "date", editable=False),
            f(count(), "lost_reason", "lost_reason", "Lost reason", "varchar_options"),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "expected_close_date", "expected_close_date", "Expected close date", "date"),
            f(count(), "label_ids", "label", "Label", "set", options=_opts(DEAL_LABELS)),
            f(count(), "is_archived", "is_archived", "Archived status", "boolean", editable=False),
            f(count(), "origin", "origin", "Source origin", "varchar", editable=False),
            f(count(), "origin_id", "origin_id", "Source origin ID", "varchar", editable=False),
            f(count(), "channel", "channel", "Source channel", "enum", options=_opts(CHANNELS)),
            f(count(), "channel_id", "channel_id", "Source channel ID", "varchar"),
            f(count(), "arr", "arr", "ARR", "double", editable=False),
            f(count(), "mrr", "mrr", "MRR", "double", editable=False),
            f(count(), "acv", "acv", "ACV", "double", editable=False),
            f(count(), "next_activity_id", "next_activity_id", "Next activity", "activity", optional=True),
            f(count(), "last_activity_id", "last_activity_id", "Last activity", "activity", optional=True),
            f(count(), "first_won_time", "first_won_time", "First won time", "date", optional=True),
            f(count(), "products_count", "products_count", "Number of products", "int", optional=True),
            f(count(), "files_count", "files_count", "Number of files", "int", optional=True),
            f(count(), "notes_count", "notes_count", "Number of notes", "int", optional=True),
            f(count(), "followers_count", "followers_count", "Number of followers", "int", optional=True),
            f(
                count(),
                "email_messages_count",
                "email_messages_count",
                "Number of email messages",
                "int",
                optional=True,
            ),
            f(count(), "activities_count", "activities_count", "Total activities", "int", optional=True),
            f(
                count(),
                "done_activities_count",
                "done_activities_count",
                "Done activities",
                "int",
                optional=True,
            ),
            f(
                count(),
                "undone_activities_count",
                "undone_activities_count",
                "Activities to do",
                "int",
                optional=True,
            ),
            f(
                count(),
                "participants_count",
                "participants_count",
                "Number of participants",
                "int",
                optional=True,
            ),
            f(
                count(),
                "last_incoming_mail_time",
                "last_incoming_mail_time",
                "Last email received",
                "date",
                optional=True,
            ),
            f(
                count(),
                "last_outgoing_mail_time",
                "last_outgoing_mail_time",
                "Last email sent",
                "date",
                optional=True,
            ),
            f(count(), "smart_bcc_email", "cc_email", "Smart BCC email", "varchar", optional=True),
            f(count(), "source_lead_id", "source_lead_id", "Source lead", "lead", optional=True),
        ]
    if entity == "person":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "name", "name", "Name", "varchar", mandatory=True),
            f(count(), "first_name", "first_name", "First name", "varchar"),
            f(count(), "last_name", "last_name", "Last name", "varchar"),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "org_id", "org_id", "Organization", "org"),
            f(count(), "emails", "email", "Email", "varchar"),
            f(count(), "phones", "phone", "Phone", "phone"),
            f(count(), "add_time", "add_time", "Person created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "label_ids", "label_ids", "Labels", "set", options=_opts(PERSON_LABELS)),
            f(count(), "picture_id", "picture_id", "Profile picture", "picture", editable=False),
            f(
                count(),
                "postal_address",
                "postal_address",
                "Postal address",
                "address",
                subfields=ADDRESS_SUB,
            ),
            f(count(), "notes", "notes", "Notes", "text"),
            f(count(), "im", "im", "Instant messenger", "varchar"),
            f(count(), "birthday", "birthday", "Birthday", "date"),
            f(count(), "job_title", "job_title", "Job title", "varchar"),
            *_counted_person_org_fields(count, "person"),
        ]
    if entity == "organization":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "name", "name", "Name", "varchar", mandatory=True),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "add_time", "add_time", "Organization created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "address", "address", "Address", "address", subfields=ADDRESS_SUB),
            f(count(), "label_ids", "label_ids", "Labels", "set", options=_opts(ORG_LABELS)),
            f(count(), "website", "website", "Website", "varchar"),
            f(count(), "linkedin", "linkedin", "LinkedIn profile", "varchar"),
            f(count(), "industry", "industry", "Industry", "enum", options=_opts(INDUSTRIES)),
            f(count(), "annual_revenue", "annual_revenue", "Annual revenue", "double"),
            f(count(), "employee_count", "employee_count", "Number of employees", "int"),
            *_counted_person_org_fields(count, "organization"),
        ]
    if entity == "product":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "name", "name", "Name", "varchar", mandatory=True),
            f(count(), "code", "code", "Product code", "varchar"),
            f(count(), "description", "description", "Description", "text"),
            f(count(), "unit", "unit", "Unit", "varchar"),
            f(count(), "tax", "tax", "Tax %", "double"),
            f(count(), "category", "category", "Category", "enum", options=_opts(PRODUCT_CATEGORIES)),
            f(count(), "is_linkable", "selectable", "Selectable", "boolean"),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "prices", "prices", "Unit prices", "price_list"),
            f(count(), "billing_frequency", "billing_frequency", "Billing frequency", "billing_frequency"),
            f(count(), "add_time", "add_time", "Product created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
        ]
    if entity == "activity":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "subject", "subject", "Subject", "varchar", mandatory=True),
            f(count(), "type", "type", "Type", "varchar_options"),
            f(count(), "owner_id", "user_id", "Assigned to user", "user"),
            f(count(), "creator_user_id", "created_by_user_id", "Creator", "user", editable=False),
            f(count(), "deal_id", "deal_id", "Deal", "deal"),
            f(count(), "lead_id", "lead_id", "Lead", "lead"),
            f(count(), "person_id", "person_id", "Contact person", "people"),
            f(count(), "org_id", "org_id", "Organization", "org"),
            f(count(), "project_id", "project_id", "Project", "project"),
            f(count(), "due_date", "due_date", "Due date", "date"),
            f(count(), "due_time", "due_time", "Due time", "time"),
            f(count(), "duration", "duration", "Duration", "time"),
            f(count(), "busy", "busy_flag", "Free/busy", "boolean"),
            f(count(), "done", "done", "Done", "boolean"),
            f(
                count(),
                "marked_as_done_time",
                "marked_as_done_time",
                "Marked as done time",
                "date",
                editable=False,
            ),
            f(count(), "location", "location", "Location", "address", subfields=ADDRESS_SUB),
            f(count(), "public_description", "public_description", "Public description", "text"),
            f(count(), "note", "note", "Note", "text"),
            f(count(), "priority", "priority", "Priority", "enum", options=_opts(PRIORITIES)),
            f(count(), "add_time", "add_time", "Add time", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "attendees", "attendees", "Attendees", "json", optional=True),
        ]
    if entity == "lead":
        # Leads have few fields of their own; they share the deals' custom fields (see Store.fields).
        return [
            f(count(), "title", "title", "Title", "varchar", mandatory=True),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "creator_id", "creator_id", "Creator", "user", editable=False),
            f(count(), "label_ids", "label_ids", "Labels", "set"),
            f(count(), "person_id", "person_id", "Contact person", "people"),
            f(count(), "organization_id", "organization_id", "Organization", "org"),
            f(count(), "value", "value", "Value", "monetary", subfields=MONETARY_SUB),
            f(count(), "expected_close_date", "expected_close_date", "Expected close date", "date"),
            f(count(), "source_name", "source_name", "Source", "varchar", editable=False),
            f(count(), "origin", "origin", "Source origin", "varchar", editable=False),
            f(count(), "channel", "channel", "Source channel", "enum", options=_opts(CHANNELS)),
            f(count(), "channel_id", "channel_id", "Source channel ID", "varchar"),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "was_seen", "was_seen", "Seen", "boolean"),
            f(count(), "is_archived", "is_archived", "Archived", "boolean"),
            f(count(), "add_time", "add_time", "Lead created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "next_activity_id", "next_activity_id", "Next activity", "activity", editable=False),
        ]
    raise ValueError(f"no system fields for {entity!r}")


PRODUCT_CATEGORIES = ((1, "Software"), (2, "Services"), (3, "Hardware"))
PRIORITIES = ((1, "Low"), (2, "Medium"), (3, "High"))


def _counted_person_org_fields(count: Callable[[], int], entity: str) -> list[Record]:
    names = [
        ("next_activity_id", "Next activity", "activity"),
        ("last_activity_id", "Last activity", "activity"),
        ("open_deals_count", "Open deals", "int"),
        ("related_open_deals_count", "Open deals (related)", "int"),
        ("closed_deals_count", "Closed deals", "int"),
        ("related_closed_deals_count", "Closed deals (related)", "int"),
        ("email_messages_count", "Email messages count", "int"),
        ("activities_count", "Total activities", "int"),
        ("done_activities_count", "Done activities", "int"),
        ("undone_activities_count", "Activities to do", "int"),
        ("files_count", "Number of files", "int"),
        ("notes_count", "Number of notes", "int"),
        ("followers_count", "Number of followers", "int"),
        ("won_deals_count", "Won deals", "int"),
        ("related_won_deals_count", "Won deals (related)", "int"),
        ("lost_deals_count", "Lost deals", "int"),
        ("related_lost_deals_count", "Lost deals (related)", "int"),
    ]
    if entity == "person":
        names += [
            ("participant_open_deals_count", "Open deals as participant", "int"),
            ("participant_closed_deals_count", "Closed deals as participant", "int"),
            ("last_incoming_mail_time", "Last email received", "date"),
            ("last_outgoing_mail_time", "Last email sent", "date"),
            ("marketing_status", "Marketing status", "enum"),
            ("doi_status", "Double opt-in status", "enum"),
        ]
    else:
        names.append(("people_count", "People", "int"))
    names.append(("smart_bcc_email", "Smart BCC email", "varchar"))
    return [
        field_definition(
            count(), code, "cc_email" if code == "smart_bcc_email" else code, name, ftype, optional=True
        )
        for code, name, ftype in names
    ]


def _counter(entity: str) -> Callable[[], int]:
    # v1 field ids are unique per account in Pipedrive; give each entity its own block of ids.
    bases = {"deal": 12_000, "person": 9_000, "organization": 4_000, "product": 15_000, "activity": 20_000}
    base = bases.get(entity, 25_000)
    state = [base]

    def count() -> int:
        state[0] += 1
        return state[0]

    return count


# Custom fields: (entity, name, type, options). Keys are derived from the seed.
CUSTOM_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("deal", "Deal source", "enum", ("Inbound", "Outbound", "Referral", "Partner", "Event")),
    (
        "deal",
        "Product interest",
        "set",
        ("CRM", "Analytics", "Support", "Training", "Consulting", "Integrations"),
    ),
    ("deal", "Contract value", "monetary", ()),
    ("deal", "Contract period", "daterange", ()),
    ("deal", "Renewal date", "date", ()),
    ("deal", "Kick-off call", "time", ()),
    ("deal", "Technical contact", "people", ()),
    ("deal", "Account manager", "user", ()),
    ("deal", "Expected margin", "double", ()),
    ("deal", "Competitor", "varchar", ()),
    ("deal", "Partner organization", "org", ()),
    ("deal", "Internal notes", "text", ()),
    ("person", "Preferred language", "enum", ("English", "German", "French", "Spanish", "Dutch", "Swedish")),
    ("person", "LinkedIn profile", "varchar", ()),
    ("person", "Backup phone", "phone", ()),
    ("person", "Lead score", "double", ()),
    ("person", "Interests", "set", ("Newsletter", "Webinars", "Events", "Product updates")),
    ("person", "Customer since", "date", ()),
    ("organization", "Billing address", "address", ()),
    ("organization", "VAT number", "varchar", ()),
    ("organization", "Credit limit", "monetary", ()),
    ("organization", "Segment", "enum", ("SMB", "Mid-market", "Enterprise", "Public sector")),
    ("organization", "Support hours", "timerange", ()),
    ("organization", "Key account manager", "user", ()),
    ("product", "Warranty months", "double", ()),
    ("product", "Product line", "enum", ("Core", "Add-ons", "Services")),
)
SUBFIELDS = {
    "monetary": MONETARY_SUB,
    "address": ADDRESS_SUB,
    "daterange": [("start", "Start of {}", "date"), ("until", "End of {}", "date")],
    "timerange": [
        ("start", "Start of {}", "time"),
        ("until", "End of {}", "time"),
        ("timezone_id", "Timezone of {}", "int"),
    ],
    "time": [("value", "Time of {}", "time"), ("timezone_id", "Timezone of {}", "int")],
}


def custom_fields(seed: int, entity: str, first_id: int, option_ids: Callable[[], int]) -> list[Record]:
    out: list[Record] = []
    for index, (owner, name, ftype, labels) in enumerate(f for f in CUSTOM_FIELDS if f[0] == entity):
        del owner
        options = [{"id": option_ids(), "label": label} for label in labels] if labels else None
        definition = field_definition(
            first_id + index,
            field_key(seed, entity, name),
            None,
            name,
            ftype,
            options=options,
            custom=True,
            subfields=SUBFIELDS.get(ftype),
        )
        definition["v1_key"] = definition["code"]
        out.append(definition)
    return out


# ---------------------------------------------------------------------------------------------------------
# The generator.


class _Gen:
    """One generation run: the seeded RNG, the pools and the tables filled so far."""

    def __init__(self, config: SandboxConfig) -> None:
        self.seed = config.seed
        self.rng = random.Random(config.seed)
        self.n = sizes(config.scale)
        self.pools = build_pools(config.seed, config.scale)
        self.tables: dict[str, dict[Any, Record]] = {}
        self.fields: dict[str, list[Record]] = {}
        self.custom: dict[str, dict[str, Record]] = {}  # entity -> field name -> definition
        self.config = config

    # -- helpers ------------------------------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def lognormal_pool(self, mu: float, sigma: float, size: int = 4_096) -> list[float]:
        """Draws from a log-normal distribution to sample from: one draw per record costs far more."""
        return [self.rng.lognormvariate(mu, sigma) for _ in range(size)]

    def times(self, start: int = HISTORY_START, end: int = HISTORY_END) -> tuple[int, int]:
        """An (add_time, update_time) pair within [start, end], skewed to recent updates."""
        rnd = self.rng.random
        add = start + int(rnd() * (end - start))
        update = add + int((end - add) * rnd() ** 3)
        return add, update

    # -- company and users -------------------------------------------------------------------------------

    def company(self) -> tuple[int, str, str]:
        rng = self.rng
        name = rng.choice(self.pools.companies)
        domain = ascii_slug(name, "-")[:24].strip("-") or "sandbox"
        return 1_000_000 + self.seed % 9_000_000, name, domain

    def users(self, domain: str) -> tuple[dict[int, Record], int]:
        rng = self.rng
        users: dict[int, Record] = {}
        first_id = 10_000_001
        for index in range(self.n["user"]):
            loc = rng.randrange(len(LOCALES))
            fi = rng.randrange(len(self.pools.first[loc]))
            li = rng.randrange(len(self.pools.last[loc]))
            name = f"{self.pools.first[loc][fi]} {self.pools.last[loc][li]}"
            email = f"{self.pools.first_slug[loc][fi]}.{self.pools.last_slug[loc][li]}@{domain}.example"
            created = HISTORY_START - DAY * rng.randint(30, 400) if index == 0 else self.times()[0]
            token = api_token_for(self.seed, index)
            if index == 0 and self.config.api_token:
                token = self.config.api_token
            users[first_id + index] = {
                "id": first_id + index,
                "name": name,
                "email": email,
                "api_token": token,
                "default_currency": "EUR" if loc != 0 else "USD",
                "locale": LOCALES[loc][0],
                "lang": 1,
                "phone": f"{LOCALES[loc][2]} {rng.randint(200, 999)} {rng.randint(1_000_000, 9_999_999)}",
                "activated": True,
                "last_login": HISTORY_END - rng.randint(0, 30 * DAY),
                "add_time": created,  # v1 calls it "created"
                "update_time": HISTORY_END - rng.randint(0, 300 * DAY),  # v1 calls it "modified"
                "has_created_company": index == 0,
                "is_admin": index == 0 or rng.random() < 0.2,
                "active_flag": index == 0 or rng.random() < 0.9,
                "timezone_name": TIMEZONES[loc % len(TIMEZONES)][1],
                "role_id": 1,
                "icon_url": None,
                "is_deleted": False,
            }
        return users, first_id

    # -- pipelines, stages -------------------------------------------------------------------------------

    def pipelines(self) -> None:
        count = 3 if self.config.scale < 10_000 else 4
        pipelines: dict[Any, Record] = {}
        stages: dict[Any, Record] = {}
        for index, (name, stage_defs) in enumerate(PIPELINES[:count]):
            pid = index + 1
            add = HISTORY_START + index * 30 * DAY
            pipelines[pid] = {
                "id": pid,
                "name": name,
                "order_nr": index,
                "is_deal_probability_enabled": index != 1,
                "is_deleted": False,
                "add_time": add,
                "update_time": add + 90 * DAY,
            }
            for order, (stage_name, probability) in enumerate(stage_defs):
                sid = len(stages) + 1
                stages[sid] = {
                    "id": sid,
                    "name": stage_name,
                    "order_nr": order,
                    "pipeline_id": pid,
                    "deal_probability": probability,
                    "is_deal_rot_enabled": order < 2,
                    "days_to_rotten": 30 if order < 2 else None,
                    "is_deleted": False,
                    "add_time": add,
                    "update_time": add + 60 * DAY,
                }
        self.tables["pipeline"] = pipelines
        self.tables["stage"] = stages

    # -- fields ------------------------------------------------------------------------------------------

    def define_fields(self) -> None:
        option_counter = [100]

        def option_id() -> int:
            option_counter[0] += 1
            return option_counter[0]

        for entity in ("deal", "person", "organization", "product", "activity"):
            system = system_fields(entity)
            custom = custom_fields(self.seed, entity, system[-1]["id"] + 1, option_id)
            self.fields[entity] = system + custom
            self.custom[entity] = {definition["name"]: definition for definition in custom}
        self.fields["lead"] = system_fields("lead")

    # -- organizations -----------------------------------------------------------------------------------

    def organizations(self, user_ids: list[int]) -> None:
        rng = self.rng
        rnd = rng.random
        pools = self.pools
        companies = pools.companies
        cf = self.custom["organization"]
        k_billing = cf["Billing address"]["code"]
        k_vat = cf["VAT number"]["code"]
        k_credit = cf["Credit limit"]["code"]
        k_segment = cf["Segment"]["code"]
        segment_ids = [o["id"] for o in cf["Segment"]["options"]]
        k_hours = cf["Support hours"]["code"]
        k_kam = cf["Key account manager"]["code"]
        locale_ids = rng.choices(range(len(LOCALES)), LOCALE_WEIGHTS, k=self.n["organization"])
        hours = (("08:00:00", "16:00:00", 2), ("09:00:00", "17:00:00", 1), ("09:00:00", "18:00:00", 3))
        orgs: dict[Any, Record] = {}
        self.org_locale: list[int] = [0]
        self.org_domain: list[str] = [""]
        for oid in range(1, self.n["organization"] + 1):
            loc = locale_ids[oid - 1]
            name = (
                companies[int(rnd() * len(companies))]
                + COMPANY_QUALIFIERS[int(rnd() * len(COMPANY_QUALIFIERS))]
            )
            add, update = self.times()
            slug = ascii_slug(name.split(",")[0], "-")[:30].strip("-") or f"org{oid}"
            record: Record = {
                "id": oid,
                "name": name,
                "owner_id": user_ids[int(rnd() * len(user_ids))],
                "add_time": add,
                "update_time": update,
                "visible_to": 3,
                "website": f"https://www.{slug}.example" if rnd() < 0.8 else None,
            }
            if rnd() < 0.85:
                pool = pools.addresses[loc]
                record["address"] = pool[int(rnd() * len(pool))]
            if rnd() < 0.35:
                record["label_ids"] = (ORG_LABELS[int(rnd() * 3)][0],)
            if rnd() < 0.6:
                record["industry"] = INDUSTRIES[int(rnd() * len(INDUSTRIES))][0]
            if rnd() < 0.4:
                record["employee_count"] = int(rng.lognormvariate(4, 1.4)) + 1
                record["annual_revenue"] = record["employee_count"] * int(80_000 + rnd() * 120_000)
            if rnd() < 0.2:
                record["linkedin"] = f"https://www.linkedin.com/company/{slug}"
            if rnd() < 0.5:
                pool = pools.addresses[loc]
                record[k_billing] = pool[int(rnd() * len(pool))]
            if rnd() < 0.6:
                record[k_vat] = f"{LOCALES[loc][3]}{rng.randint(10_000_000, 999_999_999)}"
            if rnd() < 0.4:
                record[k_credit] = (float(int(rnd() * 50) * 1_000 + 5_000), "EUR" if loc else "USD")
            if rnd() < 0.7:
                record[k_segment] = segment_ids[int(rnd() * len(segment_ids))]
            if rnd() < 0.3:
                record[k_hours] = hours[int(rnd() * 3)]
            if rnd() < 0.3:
                record[k_kam] = user_ids[int(rnd() * len(user_ids))]
            if rnd() < 0.02:
                record["is_deleted"] = True
            orgs[oid] = record
            self.org_locale.append(loc)
            self.org_domain.append(f"{slug}.example")
        self.tables["organization"] = orgs

    # -- persons -----------------------------------------------------------------------------------------

    def persons(self, user_ids: list[int]) -> None:
        rng = self.rng
        rnd = rng.random
        pools = self.pools
        n_orgs = self.n["organization"]
        cf = self.custom["person"]
        k_lang = cf["Preferred language"]["code"]
        lang_ids = [o["id"] for o in cf["Preferred language"]["options"]]
        k_linkedin = cf["LinkedIn profile"]["code"]
        k_phone2 = cf["Backup phone"]["code"]
        k_score = cf["Lead score"]["code"]
        k_interests = cf["Interests"]["code"]
        interest_ids = [o["id"] for o in cf["Interests"]["options"]]
        k_since = cf["Customer since"]["code"]
        interest_sets = _subsets(interest_ids, 3)
        persons: dict[Any, Record] = {}
        self.org_persons: dict[int, list[int]] = {}
        phone_labels = ("work", "mobile", "home", "other")
        for pid in range(1, self.n["person"] + 1):
            org_id = 1 + int(rnd() * n_orgs) if rnd() < 0.85 else None
            loc = self.org_locale[org_id] if org_id else int(rnd() * len(LOCALES))
            firsts, lasts = pools.first[loc], pools.last[loc]
            fi, li = int(rnd() * len(firsts)), int(rnd() * len(lasts))
            first, last = firsts[fi], lasts[li]
            local = f"{pools.first_slug[loc][fi]}.{pools.last_slug[loc][li]}"
            if rnd() < 0.3:
                local += str(int(rnd() * 99))
            work_domain = self.org_domain[org_id] if org_id else FREE_MAIL[int(rnd() * len(FREE_MAIL))]
            emails: list[tuple[str, str, bool]] = [(f"{local}@{work_domain}", "work", True)]
            if rnd() < 0.45:
                emails.append((f"{local}@{FREE_MAIL[int(rnd() * len(FREE_MAIL))]}", "home", False))
            if rnd() < 0.1:
                emails.append((f"{pools.first_slug[loc][fi]}@{work_domain}", "other", False))
            prefix = LOCALES[loc][2]
            phones: list[tuple[str, str, bool]] = []
            for index in range(1 + (rnd() < 0.5) + (rnd() < 0.15)):
                number = f"{prefix} {int(100 + rnd() * 900)} {int(1_000_000 + rnd() * 8_999_999)}"
                phones.append((number, phone_labels[index], index == 0))
            add, update = self.times()
            record: Record = {
                "id": pid,
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "owner_id": user_ids[int(rnd() * len(user_ids))],
                "add_time": add,
                "update_time": update,
                "emails": tuple(emails),
                "phones": tuple(phones),
                "visible_to": 3,
            }
            if org_id:
                record["org_id"] = org_id
                self.org_persons.setdefault(org_id, []).append(pid)
            if rnd() < 0.6:
                record["job_title"] = JOB_TITLES[int(rnd() * len(JOB_TITLES))]
            if rnd() < 0.25:
                record["label_ids"] = (PERSON_LABELS[int(rnd() * 3)][0],)
            if rnd() < 0.05:
                record["birthday"] = (
                    f"{1960 + int(rnd() * 40)}-{1 + int(rnd() * 12):02d}-{1 + int(rnd() * 28):02d}"
                )
            if rnd() < 0.6:
                record[k_lang] = lang_ids[loc % len(lang_ids)] if rnd() < 0.8 else lang_ids[0]
            if rnd() < 0.3:
                record[k_linkedin] = f"https://www.linkedin.com/in/{local.replace('.', '-')}"
            if rnd() < 0.15:
                record[k_phone2] = f"{prefix} {int(100 + rnd() * 900)} {int(1_000_000 + rnd() * 8_999_999)}"
            if rnd() < 0.5:
                record[k_score] = float(int(rnd() * 1000)) / 10
            if rnd() < 0.35:
                record[k_interests] = interest_sets[int(rnd() * len(interest_sets))]
            if rnd() < 0.3:
                record[k_since] = _date(add + int(rnd() * 400 * DAY))
            if rnd() < 0.02:
                record["is_deleted"] = True
            persons[pid] = record
        self.tables["person"] = persons

    # -- products ----------------------------------------------------------------------------------------

    def products(self, user_ids: list[int]) -> None:
        rng = self.rng
        rnd = rng.random
        cf = self.custom["product"]
        k_warranty = cf["Warranty months"]["code"]
        k_line = cf["Product line"]["code"]
        line_ids = [o["id"] for o in cf["Product line"]["options"]]
        category_id = {label: cid for cid, label in PRODUCT_CATEGORIES}
        products: dict[Any, Record] = {}
        for pid in range(1, self.n["product"] + 1):
            adjective = PRODUCT_ADJECTIVES[(pid - 1) % len(PRODUCT_ADJECTIVES)]
            noun, unit, category = PRODUCT_NOUNS[((pid - 1) // len(PRODUCT_ADJECTIVES)) % len(PRODUCT_NOUNS)]
            generation = (pid - 1) // (len(PRODUCT_ADJECTIVES) * len(PRODUCT_NOUNS))
            name = f"{adjective} {noun}" + (f" v{generation + 1}" if generation else "")
            base = round(rng.lognormvariate(5, 1.0), 0) + 9
            prices = [("EUR", base, round(base * 0.4, 2), None)]
            for currency in ("USD", "GBP", "SEK"):
                if rnd() < 0.5:
                    prices.append(
                        (
                            currency,
                            round(base / EUR_RATE[currency], 0),
                            round(base * 0.4 / EUR_RATE[currency], 2),
                            None,
                        )
                    )
            add, update = self.times(HISTORY_START, HISTORY_START + 3 * 365 * DAY)
            record: Record = {
                "id": pid,
                "name": name,
                "code": f"{ascii_slug(noun)[:4].upper()}-{pid:04d}",
                "description": f"{name} ({unit}).",
                "unit": unit,
                "tax": (0.0, 9.0, 20.0, 24.0)[int(rnd() * 4)],
                "category": category_id[category],
                "is_linkable": True,
                "visible_to": 3,
                "owner_id": user_ids[int(rnd() * len(user_ids))],
                "add_time": add,
                "update_time": update,
                "prices": tuple(prices),
                "billing_frequency": "monthly"
                if unit == "month"
                else ("annually" if unit == "license" else "one-time"),
            }
            if rnd() < 0.5:
                record[k_warranty] = float((12, 24, 36)[int(rnd() * 3)])
            record[k_line] = line_ids[0 if category == "Software" else (2 if category == "Services" else 1)]
            if rnd() < 0.03:
                record["is_deleted"] = True
            products[pid] = record
        self.tables["product"] = products

    # -- deals -------------------------------------------------------------------------------------------

    def deals(self, user_ids: list[int]) -> None:
        rng = self.rng
        rnd = rng.random
        n_persons, n_orgs, n = self.n["person"], self.n["organization"], self.n["deal"]
        orgs = self.tables["organization"]
        persons = self.tables["person"]
        products = self.tables["product"]
        product_names = [p["name"] for p in products.values()]
        stages_by_pipeline: dict[int, list[Record]] = {}
        for stage in self.tables["stage"].values():
            stages_by_pipeline.setdefault(stage["pipeline_id"], []).append(stage)
        pipeline_ids = sorted(stages_by_pipeline)
        pipeline_weights = [60, 15, 15, 10][: len(pipeline_ids)]
        cf = self.custom["deal"]
        keys = {name: definition["code"] for name, definition in cf.items()}
        source_ids = [o["id"] for o in cf["Deal source"]["options"]]
        interest_ids = [o["id"] for o in cf["Product interest"]["options"]]
        self.interest_sets = _subsets(interest_ids, 3)
        values = self.lognormal_pool(8.4, 1.1)
        competitors = ("Salesforce", "HubSpot", "Zoho", "Close", "Freshsales", "In-house tool")
        currencies = rng.choices(DEAL_CURRENCIES, DEAL_CURRENCY_WEIGHTS, k=n)
        pipelines = rng.choices(pipeline_ids, pipeline_weights, k=n)
        statuses = rng.choices(("open", "won", "lost"), (45, 30, 25), k=n)
        deals: dict[Any, Record] = {}
        for did in range(1, n + 1):
            org_id = 1 + int(rnd() * n_orgs) if rnd() < 0.9 else None
            members = self.org_persons.get(org_id or 0)
            if members and rnd() < 0.85:
                person_id: int | None = members[int(rnd() * len(members))]
            else:
                person_id = 1 + int(rnd() * n_persons) if rnd() < 0.7 else None
            if org_id is None and person_id is None:
                person_id = 1 + int(rnd() * n_persons)
            pipeline_id = pipelines[did - 1]
            stage_list = stages_by_pipeline[pipeline_id]
            stage = stage_list[int(rnd() * len(stage_list))]
            currency = currencies[did - 1]
            status = statuses[did - 1]
            value = (
                0.0
                if rnd() < 0.04
                else round(
                    values[int(rnd() * len(values))] / EUR_RATE[currency], -1 if currency != "JPY" else -3
                )
            )
            add = HISTORY_START + int(rnd() * (HISTORY_END - HISTORY_START - 5 * DAY))
            if status == "open":
                close = None
                update = add + int((HISTORY_END - add) * rnd() ** 2)
            else:
                close = min(add + int(DAY + rnd() * 240 * DAY), HISTORY_END)
                update = close + int((HISTORY_END - close) * rnd() ** 4)
            org_name = orgs[org_id]["name"] if org_id else persons[person_id]["name"]
            pattern = DEAL_TITLE_PATTERNS[int(rnd() * len(DEAL_TITLE_PATTERNS))]
            title = pattern.format(
                org=org_name,
                n=5 * (1 + int(rnd() * 40)),
                product=product_names[int(rnd() * len(product_names))],
            )
            record: Record = {
                "id": did,
                "title": title,
                "creator_user_id": user_ids[int(rnd() * len(user_ids))],
                "owner_id": user_ids[int(rnd() * len(user_ids))],
                "pipeline_id": pipeline_id,
                "stage_id": stage["id"],
                "value": value,
                "currency": currency,
                "add_time": add,
                "update_time": update,
                "stage_change_time": add + int((update - add) * rnd()),
                "status": status,
                "visible_to": 3,
                "expected_close_date": _date(add + int((20 + rnd() * 160) * DAY)),
                "origin": DEAL_ORIGINS[int(rnd() * len(DEAL_ORIGINS))],
            }
            if person_id:
                record["person_id"] = person_id
            if org_id:
                record["org_id"] = org_id
            if close is not None:
                record["close_time"] = close
                if status == "won":
                    record["won_time"] = close
                else:
                    record["lost_time"] = close
                    record["lost_reason"] = LOST_REASONS[int(rnd() * len(LOST_REASONS))]
            if rnd() < 0.3:
                record["label_ids"] = (DEAL_LABELS[int(rnd() * 4)][0],)
            if rnd() < 0.15:
                record["channel"] = CHANNELS[int(rnd() * len(CHANNELS))][0]
            self._deal_custom_fields(
                record, keys, source_ids, interest_ids, competitors, user_ids, add, currency
            )
            if rnd() < 0.05:
                record["is_archived"] = True
                record["archive_time"] = update
            if rnd() < 0.03:
                record["is_deleted"] = True
            deals[did] = record
        self.tables["deal"] = deals

    def _deal_custom_fields(
        self,
        record: Record,
        keys: dict[str, str],
        source_ids: list[int],
        interest_ids: list[int],
        competitors: tuple[str, ...],
        user_ids: list[int],
        add: int,
        currency: str,
    ) -> None:
        rng = self.rng
        rnd = rng.random
        if rnd() < 0.7:
            record[keys["Deal source"]] = source_ids[int(rnd() * len(source_ids))]
        if rnd() < 0.5:
            record[keys["Product interest"]] = self.interest_sets[int(rnd() * len(self.interest_sets))]
        if rnd() < 0.5:
            record[keys["Contract value"]] = (round(record["value"] * (0.8 + rnd() * 0.6), 0), currency)
        if rnd() < 0.4:
            start = add + int(rnd() * 200) * DAY
            record[keys["Contract period"]] = (
                _date(start),
                _date(start + (365 if rnd() < 0.7 else 730) * DAY),
            )
        if rnd() < 0.35:
            record[keys["Renewal date"]] = _date(add + int(300 + rnd() * 500) * DAY)
        if rnd() < 0.25:
            record[keys["Kick-off call"]] = (
                f"{9 + int(rnd() * 8):02d}:{(0, 15, 30, 45)[int(rnd() * 4)]:02d}:00",
                TIMEZONES[int(rnd() * 4)][0],
            )
        if rnd() < 0.3:
            record[keys["Technical contact"]] = 1 + int(rnd() * self.n["person"])
        if rnd() < 0.5:
            record[keys["Account manager"]] = user_ids[int(rnd() * len(user_ids))]
        if rnd() < 0.45:
            record[keys["Expected margin"]] = round(5 + rnd() * 45, 1)
        if rnd() < 0.2:
            record[keys["Competitor"]] = competitors[int(rnd() * len(competitors))]
        if rnd() < 0.1:
            record[keys["Partner organization"]] = 1 + int(rnd() * self.n["organization"])
        if rnd() < 0.1:
            record[keys["Internal notes"]] = NOTE_SENTENCES[int(rnd() * len(NOTE_SENTENCES))]

    # -- deal products, participants ------------------------------------------------------------------------

    def deal_products(self) -> None:
        rng = self.rng
        rnd = rng.random
        products = [p for p in self.tables["product"].values() if not p.get("is_deleted")]
        attachments: dict[Any, Record] = {}
        next_id = 1
        for deal in self.tables["deal"].values():
            if rnd() >= 0.45:
                continue
            currency = deal["currency"]
            count = 1 + (rnd() < 0.4) + (rnd() < 0.15)
            for order in range(count):
                product = products[int(rnd() * len(products))]
                eur_price = product["prices"][0][1]
                item_price = round(eur_price / EUR_RATE[currency], 2 if currency != "JPY" else 0)
                quantity = float(1 + int(rng.expovariate(0.15)))
                discount = 0.0 if rnd() < 0.7 else float((5, 10, 15, 20)[int(rnd() * 4)])
                add = deal["add_time"] + int(rnd() * DAY)
                attachments[next_id] = {
                    "id": next_id,
                    "deal_id": deal["id"],
                    "product_id": product["id"],
                    "name": product["name"],
                    "item_price": item_price,
                    "quantity": quantity,
                    "discount": discount,
                    "discount_type": "percentage",
                    "tax": product["tax"],
                    "tax_method": "exclusive" if product["tax"] else "none",
                    "currency": currency,
                    "comments": "",
                    "is_enabled": True,
                    "order_nr": order + 1,
                    "billing_frequency": product.get("billing_frequency", "one-time"),
                    "add_time": add,
                    "update_time": add + int((deal["update_time"] - add) * rnd())
                    if deal["update_time"] > add
                    else add,
                }
                next_id += 1
        self.tables["deal_product"] = attachments
        # As in Pipedrive, a deal with products is worth what its products add up to.
        totals: dict[int, float] = {}
        for attachment in attachments.values():
            totals[attachment["deal_id"]] = totals.get(attachment["deal_id"], 0.0) + line_total(attachment)
        deals = self.tables["deal"]
        for deal_id, total in totals.items():
            deals[deal_id]["value"] = round(total, 0 if deals[deal_id]["currency"] == "JPY" else 2)

    def participants(self, user_ids: list[int]) -> None:
        rnd = self.rng.random
        deals = self.tables["deal"]
        n_deals, n_persons = self.n["deal"], self.n["person"]
        participants: dict[Any, Record] = {}
        seen: set[tuple[int, int]] = set()
        next_id = 1
        # The primary contact of a deal is its first participant in Pipedrive; add it, then extra people.
        for deal in deals.values():
            if deal.get("person_id"):
                participants[next_id] = {
                    "id": next_id,
                    "deal_id": deal["id"],
                    "person_id": deal["person_id"],
                    "add_time": deal["add_time"],
                    "added_by_user_id": deal["creator_user_id"],
                    "active_flag": True,
                }
                seen.add((deal["id"], deal["person_id"]))
                next_id += 1
        for _ in range(self.n["participant_deals"]):
            deal = deals[1 + int(rnd() * n_deals)]
            members = self.org_persons.get(deal.get("org_id") or 0) or []
            person_id = (
                members[int(rnd() * len(members))] if members and rnd() < 0.8 else 1 + int(rnd() * n_persons)
            )
            if (deal["id"], person_id) in seen:
                continue
            seen.add((deal["id"], person_id))
            participants[next_id] = {
                "id": next_id,
                "deal_id": deal["id"],
                "person_id": person_id,
                "add_time": deal["add_time"] + int(rnd() * 30 * DAY),
                "added_by_user_id": user_ids[int(rnd() * len(user_ids))],
                "active_flag": True,
            }
            next_id += 1
        self.tables["participant"] = participants

    # -- activities --------------------------------------------------------------------------------------

    def activities(self, user_ids: list[int]) -> None:
        rng = self.rng
        rnd = rng.random
        deals = self.tables["deal"]
        n_deals, n_persons, n_orgs = self.n["deal"], self.n["person"], self.n["organization"]
        lead_ids = list(self.tables.get("lead", {}))
        types = rng.choices([t[1] for t in ACTIVITY_TYPES], ACTIVITY_TYPE_WEIGHTS, k=self.n["activity"])
        activities: dict[Any, Record] = {}
        durations = ("00:15:00", "00:30:00", "00:45:00", "01:00:00", "01:30:00", "02:00:00")
        for aid in range(1, self.n["activity"] + 1):
            kind = types[aid - 1]
            subjects = ACTIVITY_SUBJECTS[kind]
            roll = rnd()
            deal_id = person_id = org_id = None
            lead_id = None
            if roll < 0.7:
                deal = deals[1 + int(rnd() * n_deals)]
                deal_id = deal["id"]
                person_id = deal.get("person_id")
                org_id = deal.get("org_id")
                start = deal["add_time"]
            elif roll < 0.8 and lead_ids:
                lead_id = lead_ids[int(rnd() * len(lead_ids))]
                start = HISTORY_START
            elif roll < 0.93:
                person_id = 1 + int(rnd() * n_persons)
                start = HISTORY_START
            else:
                org_id = 1 + int(rnd() * n_orgs)
                start = HISTORY_START
            add = start + int((HISTORY_END - start) * rnd())
            due = add + int(rnd() * 21 * DAY)
            done = due < HISTORY_END - 5 * DAY and rnd() < 0.85
            update = add + int((HISTORY_END - add) * rnd() ** 3)
            record: Record = {
                "id": aid,
                "subject": subjects[int(rnd() * len(subjects))],
                "type": kind,
                "owner_id": user_ids[int(rnd() * len(user_ids))],
                "creator_user_id": user_ids[int(rnd() * len(user_ids))],
                "add_time": add,
                "update_time": update,
                "due_date": _date(due),
                "busy": kind == "meeting",
                "done": done,
            }
            if kind in ("call", "meeting", "lunch"):
                record["due_time"] = f"{8 + int(rnd() * 9):02d}:{(0, 15, 30, 45)[int(rnd() * 4)]:02d}:00"
                record["duration"] = durations[int(rnd() * len(durations))]
            if done:
                record["marked_as_done_time"] = max(due, add) if max(due, add) <= update else update
            if deal_id:
                record["deal_id"] = deal_id
            if lead_id:
                record["lead_id"] = lead_id
            if person_id:
                record["person_id"] = person_id
                record["participants"] = ((person_id, True),)
            if org_id:
                record["org_id"] = org_id
            if rnd() < 0.2:
                record["note"] = NOTE_SENTENCES[int(rnd() * len(NOTE_SENTENCES))]
            if rnd() < 0.02:
                record["is_deleted"] = True
            activities[aid] = record
        self.tables["activity"] = activities

    # -- leads -------------------------------------------------------------------------------------------

    def leads(self, user_ids: list[int]) -> None:
        rng = self.rng
        rnd = rng.random
        labels: dict[Any, Record] = {}
        for index, (name, color) in enumerate(LEAD_LABELS):
            lid = self.uuid()
            labels[lid] = {
                "id": lid,
                "name": name,
                "color": color,
                "add_time": HISTORY_START + index * DAY,
                "update_time": HISTORY_START + index * DAY,
            }
        label_ids = list(labels)
        n_persons, n_orgs = self.n["person"], self.n["organization"]
        orgs, persons = self.tables["organization"], self.tables["person"]
        leads: dict[Any, Record] = {}
        for _ in range(self.n["lead"]):
            lid = self.uuid()
            person_id = 1 + int(rnd() * n_persons) if rnd() < 0.8 else None
            org_id = persons[person_id].get("org_id") if person_id else 1 + int(rnd() * n_orgs)
            if org_id is None and person_id is None:
                org_id = 1 + int(rnd() * n_orgs)
            subject = orgs[org_id]["name"] if org_id else persons[person_id]["name"]
            source_name, origin = LEAD_ORIGINS[int(rnd() * len(LEAD_ORIGINS))]
            add, update = self.times(HISTORY_START + 365 * DAY)
            record: Record = {
                "id": lid,
                "title": f"{subject} lead",
                "owner_id": user_ids[int(rnd() * len(user_ids))],
                "creator_id": user_ids[int(rnd() * len(user_ids))],
                "label_ids": (label_ids[int(rnd() * len(label_ids))],) if rnd() < 0.6 else (),
                "source_name": source_name,
                "origin": origin,
                "is_archived": rnd() < 0.12,
                "was_seen": rnd() < 0.7,
                "add_time": add,
                "update_time": update,
                "visible_to": "3",
            }
            if person_id:
                record["person_id"] = person_id
            if org_id:
                record["organization_id"] = org_id
            if rnd() < 0.6:
                currency = DEAL_CURRENCIES[int(rnd() * 3)]
                record["value"] = (round(rng.lognormvariate(8, 1) / EUR_RATE[currency], -1), currency)
            if rnd() < 0.4:
                record["expected_close_date"] = _date(add + int(30 + rnd() * 120) * DAY)
            leads[lid] = record
        self.tables["lead_label"] = labels
        self.tables["lead"] = leads

    # -- notes, files, filters ---------------------------------------------------------------------------

    def notes(self, user_ids: list[int]) -> None:
        rnd = self.rng.random
        deals = self.tables["deal"]
        lead_ids = list(self.tables["lead"])
        n_deals, n_persons, n_orgs = self.n["deal"], self.n["person"], self.n["organization"]
        notes: dict[Any, Record] = {}
        for nid in range(1, self.n["note"] + 1):
            roll = rnd()
            record: Record = {"id": nid, "user_id": user_ids[int(rnd() * len(user_ids))], "active_flag": True}
            start = HISTORY_START
            if roll < 0.6:
                deal = deals[1 + int(rnd() * n_deals)]
                record["deal_id"] = deal["id"]
                start = deal["add_time"]
                if deal.get("person_id"):
                    record["person_id"] = deal["person_id"]
                if deal.get("org_id"):
                    record["org_id"] = deal["org_id"]
                if rnd() < 0.1:
                    record["pinned_to_deal_flag"] = True
            elif roll < 0.75:
                record["lead_id"] = lead_ids[int(rnd() * len(lead_ids))]
            elif roll < 0.9:
                record["person_id"] = 1 + int(rnd() * n_persons)
            else:
                record["org_id"] = 1 + int(rnd() * n_orgs)
            sentences = NOTE_SENTENCES
            first = sentences[int(rnd() * len(sentences))]
            second = sentences[int(rnd() * len(sentences))]
            record["content"] = f"<p>{first}</p><p>{second}</p>" if rnd() < 0.5 else first
            add, update = self.times(start)
            record["add_time"] = add
            record["update_time"] = update
            record["last_update_user_id"] = record["user_id"]
            notes[nid] = record
        self.tables["note"] = notes

    def files(self, user_ids: list[int]) -> None:
        rnd = self.rng.random
        deals = self.tables["deal"]
        n_deals = self.n["deal"]
        kinds = (
            ("proposal", "txt"),
            ("price-list", "csv"),
            ("meeting-notes", "txt"),
            ("contract-summary", "txt"),
            ("order", "json"),
        )
        files: dict[Any, Record] = {}
        for fid in range(1, self.n["file"] + 1):
            deal = deals[1 + int(rnd() * n_deals)]
            stem, ext = kinds[int(rnd() * len(kinds))]
            add, update = self.times(deal["add_time"])
            record: Record = {
                "id": fid,
                "user_id": user_ids[int(rnd() * len(user_ids))],
                "deal_id": deal["id"],
                "add_time": add,
                "update_time": update,
                "file_name": f"{stem}-{fid}.{ext}",
                "file_type": "text" if ext != "json" else "json",
                "active_flag": True,
                "name": f"{stem.replace('-', ' ').capitalize()} {fid}.{ext}",
                "description": "",
            }
            if deal.get("person_id"):
                record["person_id"] = deal["person_id"]
            if deal.get("org_id"):
                record["org_id"] = deal["org_id"]
            record["file_size"] = len(file_content(record))
            files[fid] = record
        self.tables["file"] = files

    def filters(self, main_user_id: int) -> None:
        deal_fields = {f["code"]: f for f in self.fields["deal"] if f["code"]}
        person_fields = {f["code"]: f for f in self.fields["person"] if f["code"]}
        org_fields = {f["code"]: f for f in self.fields["organization"] if f["code"]}
        activity_fields = {f["code"]: f for f in self.fields["activity"] if f["code"]}

        def cond(obj: str, definition: Record, operator: str, value: Any) -> Record:
            return {
                "object": obj,
                "field_id": str(definition["id"]),
                "operator": operator,
                "value": value,
                "extra_value": None,
                "json_value_flag": False,
            }

        def conditions(ands: list[Record], ors: list[Record] | None = None) -> Record:
            return {
                "glue": "and",
                "conditions": [{"glue": "and", "conditions": ands}, {"glue": "or", "conditions": ors or []}],
            }

        stages = sorted(self.tables["stage"].values(), key=lambda s: s["id"])
        source = self.custom["deal"]["Deal source"]
        specs = [
            ("All open deals", "deals", conditions([cond("deal", deal_fields["status"], "=", "open")])),
            (
                "Won deals over 10 000",
                "deals",
                conditions(
                    [
                        cond("deal", deal_fields["status"], "=", "won"),
                        cond("deal", deal_fields["value"], ">", "10000"),
                    ]
                ),
            ),
            (
                "Early-stage or referral deals",
                "deals",
                conditions(
                    [],
                    [
                        cond("deal", deal_fields["stage_id"], "=", str(stages[0]["id"])),
                        cond("deal", source, "=", str(source["options"][2]["id"])),
                    ],
                ),
            ),
            (
                "People with a job title",
                "people",
                conditions([cond("person", person_fields["job_title"], "IS NOT NULL", None)]),
            ),
            (
                "Organizations named A…",
                "org",
                conditions([cond("organization", org_fields["name"], "LIKE '$%'", "A")]),
            ),
            (
                "Open activities",
                "activity",
                conditions([cond("activity", activity_fields["done"], "=", "0")]),
            ),
        ]
        filters: dict[Any, Record] = {}
        for index, (name, ftype, conds) in enumerate(specs):
            fid = index + 1
            filters[fid] = {
                "id": fid,
                "name": name,
                "type": ftype,
                "conditions": conds,
                "user_id": main_user_id,
                "add_time": HISTORY_START + (index + 10) * DAY,
                "update_time": HISTORY_START + (index + 100) * DAY,
                "active_flag": True,
                "is_editable": True,
                "visible_to": "7",
            }
        self.tables["filter"] = filters

    def static_tables(self) -> None:
        self.tables["activity_type"] = {
            index + 1: {
                "id": index + 1,
                "name": name,
                "key_string": key,
                "icon_key": icon,
                "color": color,
                "order_nr": index + 1,
                "active_flag": True,
                "is_custom_flag": False,
                "add_time": HISTORY_START,
                "update_time": HISTORY_START,
            }
            for index, (name, key, icon, color) in enumerate(ACTIVITY_TYPES)
        }
        self.tables["currency"] = {
            index + 1: {
                "id": index + 1,
                "code": code,
                "name": name,
                "decimal_points": decimals,
                "symbol": symbol,
                "active_flag": True,
                "is_custom_flag": False,
            }
            for index, (code, name, decimals, symbol) in enumerate(CURRENCIES)
        }

    # -- oddities (SandboxConfig.oddities) ------------------------------------------------------------------

    def oddities(self, user_ids: list[int]) -> None:
        """Merged records and sparse ones, drawn from a random stream of their own (the rest stays the same)."""
        rng = random.Random(self.seed * 7_919 + 17)
        tables = self.tables
        for kind, pairs in (("deal", 3), ("person", 3), ("organization", 2)):
            alive = [i for i, r in tables[kind].items() if not r.get("is_deleted")]
            for _ in range(pairs):
                source, target = rng.sample(alive, 2)
                alive.remove(source)
                _merge(tables, kind, source, target, HISTORY_END - int(rng.random() * 20 * DAY))
        alive = [r for r in tables["deal"].values() if not r.get("is_deleted") and not r.get("is_archived")]
        gone = rng.choice(alive)  # archived, then deleted: ArchivedDeals with Status = 'deleted'
        gone.update(is_archived=True, archive_time=gone["update_time"], is_deleted=True)
        stage = min(tables["stage"].values(), key=lambda s: s["id"])
        owner = user_ids[0]
        sparse: list[tuple[str, Record]] = []
        for index in range(4):
            when = HISTORY_START + int(rng.random() * (HISTORY_END - HISTORY_START))
            base = {"add_time": when, "update_time": when, "owner_id": owner}
            sparse += [
                ("deal", {**base, "title": f"Sparse deal {index}", "status": ("open", "won", "lost", "open")[index],
                          "pipeline_id": stage["pipeline_id"], "stage_id": stage["id"], "currency": "EUR",
                          "value": None if index % 2 else 0.0}),
                ("person", {**base, "name": f"Sparse person {index}"}),
                ("organization", {**base, "name": f"Sparse organization {index}"}),
                ("activity", {**base, "subject": None if index % 2 else "", "type": "task", "done": index == 3}),
                ("product", {**base, "name": f"Sparse product {index}", "prices": ()}),
            ]  # fmt: skip
        for kind, record in sparse:
            record["id"] = max(tables[kind], default=0) + 1
            tables[kind][record["id"]] = record


# Related items that follow a merged record to the one that remains (as the store's merge moves them).
_MERGE_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "deal": (("activity", "deal_id"), ("note", "deal_id"), ("file", "deal_id"), ("participant", "deal_id"),
             ("deal_product", "deal_id")),
    "person": (("deal", "person_id"), ("activity", "person_id"), ("note", "person_id"), ("file", "person_id"),
               ("participant", "person_id"), ("lead", "person_id")),
    "organization": (("person", "org_id"), ("deal", "org_id"), ("activity", "org_id"), ("note", "org_id"),
                     ("file", "org_id"), ("lead", "organization_id")),
}  # fmt: skip


def _merge(tables: dict[str, dict[Any, Record]], kind: str, source_id: int, target_id: int, now: int) -> None:
    """Record ``source_id`` merged into ``target_id``: the target fills its gaps from the source and takes
    over its related items; the source is deleted."""
    source, target = tables[kind][source_id], tables[kind][target_id]
    for key, value in source.items():
        if key not in target and key not in ("id", "is_deleted", "is_archived", "archive_time"):
            target[key] = value
    for related, key in _MERGE_LINKS[kind]:
        for record in tables.get(related, {}).values():
            if record.get(key) == source_id:
                record[key] = target_id
                record["update_time"] = max(record.get("update_time") or 0, now)
    target["update_time"] = max(target.get("update_time") or 0, now)
    source["is_deleted"] = True
    source["update_time"] = max(source.get("update_time") or 0, now)


def line_total(attachment: Record) -> float:
    """A deal-product line's total: price x quantity, less the discount, plus exclusive tax."""
    base = attachment["item_price"] * attachment["quantity"]
    discount = attachment.get("discount", 0.0)
    if attachment.get("discount_type", "percentage") == "percentage":
        net = base - base * discount / 100
    else:
        net = base - discount
    if attachment.get("tax_method") == "exclusive":
        net *= 1 + attachment.get("tax", 0.0) / 100
    return round(net, 2)


def _date_table() -> list[str]:
    """``YYYY-MM-DD`` of every day from 1970 to 2069: a list index is the cheapest epoch-to-date there is."""
    import datetime as _dt

    if not _DATES:
        first = _dt.date(1970, 1, 1)
        _DATES.extend((first + _dt.timedelta(days=n)).isoformat() for n in range(36_525))
    return _DATES


_DATES: list[str] = []


def _date(timestamp: int) -> str:
    """``YYYY-MM-DD`` of an epoch second."""
    return _date_table()[timestamp // DAY]


def _subsets(ids: Sequence[int], most: int) -> list[tuple[int, ...]]:
    """Every non-empty subset of ``ids`` with at most ``most`` members, as sorted tuples (shared values)."""
    from itertools import combinations

    return [combo for size in range(1, most + 1) for combo in combinations(sorted(ids), size)]


def file_content(record: Record) -> bytes:
    """The bytes of a generated file: small, deterministic, and shaped like its extension says."""
    name = record["file_name"]
    fid = record["id"]
    if name.endswith(".csv"):
        rows = ["product,quantity,unit_price"] + [
            f"item-{fid}-{i},{(fid * 7 + i) % 20 + 1},{(fid * 13 + i * 17) % 900 + 99}" for i in range(5)
        ]
        return ("\n".join(rows) + "\n").encode()
    if name.endswith(".json"):
        return f'{{"order": {fid}, "deal_id": {record.get("deal_id")}, "lines": {fid % 5 + 1}}}\n'.encode()
    sentence = NOTE_SENTENCES[fid % len(NOTE_SENTENCES)]
    return f"{record['name']}\n\n{sentence}\nDeal {record.get('deal_id')}.\n".encode()


def generate(config: SandboxConfig) -> Dataset:
    """The whole company for ``config.seed`` and ``config.scale``; same inputs, same data."""
    # Hundreds of thousands of new dicts would trigger the cyclic GC again and again; none of them
    # form cycles, so pausing it saves a fifth of the time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(config)
    finally:
        if was_enabled:
            gc.enable()


def _generate(config: SandboxConfig) -> Dataset:
    gen = _Gen(config)
    company_id, company_name, domain = gen.company()
    users, main_user_id = gen.users(domain)
    active_users = [uid for uid, user in users.items() if user["active_flag"]]
    gen.pipelines()
    gen.define_fields()
    gen.organizations(active_users)
    gen.persons(active_users)
    gen.products(active_users)
    gen.deals(active_users)
    gen.deal_products()
    gen.participants(active_users)
    gen.leads(active_users)
    gen.activities(active_users)
    gen.notes(active_users)
    gen.files(active_users)
    gen.filters(main_user_id)
    gen.static_tables()
    if config.oddities:
        gen.oddities(active_users)
    return Dataset(
        company_id=company_id,
        company_name=company_name,
        company_domain=domain,
        default_currency="EUR",
        main_user_id=main_user_id,
        users=users,
        tables=gen.tables,
        fields=gen.fields,
        counts={kind: len(table) for kind, table in gen.tables.items()},
    )

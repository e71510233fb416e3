"""Pools of names, companies, streets and cities: the only place Faker runs (once per locale, never per
record; records are sampled from the pools)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from pipedrive_sandbox.data_vocab import LOCALES, Record


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits of ``text`` (for e-mail addresses and domains)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return sep.join("".join(ch for ch in word if ch.isalnum()) for word in plain.split()).strip(sep)


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

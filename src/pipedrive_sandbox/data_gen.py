"""One generation run (``GenBase``): the seeded random stream, the pools, the company and its users,
pipelines and stages, field definitions and the fixed tables; the helpers every record family uses."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Sequence
from typing import Any

from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.data_fields import custom_fields, system_fields
from pipedrive_sandbox.data_pools import ascii_slug, build_pools
from pipedrive_sandbox.data_vocab import (
    ACTIVITY_TYPES,
    CURRENCIES,
    DAY,
    HISTORY_END,
    HISTORY_START,
    LOCALES,
    PIPELINES,
    TIMEZONES,
    Record,
)


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


class GenBase:
    """One generation run: the seeded RNG, the pools and the tables filled so far; the company, its users,
    pipelines, field definitions and fixed tables. The record families are mixins on top of it."""

    # Filled by one family, read by the next (organizations -> persons -> deals, participants).
    org_locale: list[int]
    org_domain: list[str]
    org_persons: dict[int, list[int]]
    interest_sets: list[tuple[int, ...]]

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


def _date_table() -> list[str]:
    """``YYYY-MM-DD`` of every day from 1970 to 2069: a list index is the cheapest epoch-to-date there is."""
    import datetime as _dt

    if not _DATES:
        first = _dt.date(1970, 1, 1)
        _DATES.extend((first + _dt.timedelta(days=n)).isoformat() for n in range(36_525))
    return _DATES


_DATES: list[str] = []


def date_of(timestamp: int) -> str:
    """``YYYY-MM-DD`` of an epoch second."""
    return _date_table()[timestamp // DAY]


def subsets(ids: Sequence[int], most: int) -> list[tuple[int, ...]]:
    """Every non-empty subset of ``ids`` with at most ``most`` members, as sorted tuples (shared values)."""
    from itertools import combinations

    return [combo for size in range(1, most + 1) for combo in combinations(sorted(ids), size)]

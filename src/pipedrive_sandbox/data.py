"""Deterministic generation of one company's Pipedrive data from a seed and a scale.

``generate(config)`` returns a :class:`Dataset`: users, pipelines and stages, organizations, persons,
deals (open, won, lost, some deleted, some archived), activities, products with prices, deal-product
attachments, deal participants, leads with labels, notes, files, filters, activity types, currencies and
the field definitions (system and custom) of every entity.

The generation is split by concept: ``data_vocab`` (the constants), ``data_pools`` (the Faker pools),
``data_fields`` (field definitions), ``data_gen`` (one run: the random stream, company, users, pipelines),
the record families ``data_contacts``, ``data_deals`` and ``data_work`` (mixins of one generator, so the
draws keep their order) and ``data_oddities``; ``data_more`` adds the resources beyond the core entities.

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
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.data_contacts import ContactsGen
from pipedrive_sandbox.data_deals import DealsGen
from pipedrive_sandbox.data_oddities import OdditiesGen
from pipedrive_sandbox.data_vocab import TIMEZONES, Record
from pipedrive_sandbox.data_work import WorkGen


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


class _Gen(ContactsGen, DealsGen, WorkGen, OdditiesGen):
    """Every family of records, over one seeded random stream (the order of ``_generate``'s calls is the
    order of the draws: keep it)."""


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

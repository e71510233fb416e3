"""Generated products, deals, deal-product lines and deal participants."""

from __future__ import annotations

from typing import Any

from pipedrive_sandbox.data_fields import PRODUCT_CATEGORIES
from pipedrive_sandbox.data_gen import GenBase, date_of, subsets
from pipedrive_sandbox.data_pools import ascii_slug
from pipedrive_sandbox.data_vocab import (
    CHANNELS,
    DAY,
    DEAL_CURRENCIES,
    DEAL_CURRENCY_WEIGHTS,
    DEAL_LABELS,
    DEAL_ORIGINS,
    DEAL_TITLE_PATTERNS,
    EUR_RATE,
    HISTORY_END,
    HISTORY_START,
    LOST_REASONS,
    NOTE_SENTENCES,
    PRODUCT_ADJECTIVES,
    PRODUCT_NOUNS,
    TIMEZONES,
    Record,
)


class DealsGen(GenBase):
    """Products, deals (with their custom fields), deal-product lines and participants."""

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
        self.interest_sets = subsets(interest_ids, 3)
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
                "expected_close_date": date_of(add + int((20 + rnd() * 160) * DAY)),
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
                date_of(start),
                date_of(start + (365 if rnd() < 0.7 else 730) * DAY),
            )
        if rnd() < 0.35:
            record[keys["Renewal date"]] = date_of(add + int(300 + rnd() * 500) * DAY)
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

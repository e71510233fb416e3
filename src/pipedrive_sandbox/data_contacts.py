"""Generated organizations and persons."""

from __future__ import annotations

from typing import Any

from pipedrive_sandbox.data_gen import GenBase, date_of, subsets
from pipedrive_sandbox.data_pools import ascii_slug
from pipedrive_sandbox.data_vocab import (
    COMPANY_QUALIFIERS,
    DAY,
    FREE_MAIL,
    INDUSTRIES,
    JOB_TITLES,
    LOCALE_WEIGHTS,
    LOCALES,
    ORG_LABELS,
    PERSON_LABELS,
    Record,
)


class ContactsGen(GenBase):
    """Organizations and persons."""

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
        self.org_locale = [0]
        self.org_domain = [""]
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
        interest_sets = subsets(interest_ids, 3)
        persons: dict[Any, Record] = {}
        self.org_persons = {}
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
                record[k_since] = date_of(add + int(rnd() * 400 * DAY))
            if rnd() < 0.02:
                record["is_deleted"] = True
            persons[pid] = record
        self.tables["person"] = persons

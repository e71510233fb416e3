"""Generated activities, leads, notes, files and filters."""

from __future__ import annotations

from typing import Any

from pipedrive_sandbox.data_gen import GenBase, date_of
from pipedrive_sandbox.data_vocab import (
    ACTIVITY_SUBJECTS,
    ACTIVITY_TYPE_WEIGHTS,
    ACTIVITY_TYPES,
    DAY,
    DEAL_CURRENCIES,
    EUR_RATE,
    HISTORY_END,
    HISTORY_START,
    LEAD_LABELS,
    LEAD_ORIGINS,
    NOTE_SENTENCES,
    Record,
)


class WorkGen(GenBase):
    """Activities, leads, notes, files and filters."""

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
                "due_date": date_of(due),
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
                record["expected_close_date"] = date_of(add + int(30 + rnd() * 120) * DAY)
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

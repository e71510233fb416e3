"""Generated records of the resources beyond the core entities: followers, call logs, goals, mail threads and
messages, note comments, organization relationships, project boards, phases, templates, projects and tasks,
roles and their assignments, permission sets, webhooks, and the stage history of every deal.

They are drawn from their own random stream (seeded from the company's seed), after ``data.generate`` has
made the core entities, so adding them changes none of the core records; and they point at those records:
mail threads link to deals and their persons, goals to pipelines and users, tasks to projects, followers
to the owners of what they follow, call logs to deals and persons.
"""

from __future__ import annotations

import gc
import itertools
import random
from typing import Any

from pipedrive_sandbox.data_fields import field_definition
from pipedrive_sandbox.data_vocab import DAY, HISTORY_END, HISTORY_START, NOTE_SENTENCES

Record = dict[str, Any]

CALL_OUTCOMES = ("connected", "no_answer", "left_message", "left_voicemail", "wrong_number", "busy")
GOAL_TYPES = ("deals_won", "deals_progressed", "activities_completed", "activities_added", "deals_started")
ROLES = (("Sales director", None), ("Account executives", 1), ("Sales development", 1), ("Support", None))
BOARDS = ("Customer onboarding", "Implementation")
PHASES = ("Kick-off", "In progress", "Review", "Done")
TASK_TITLES = (
    "Schedule kick-off call",
    "Collect requirements",
    "Configure account",
    "Import data",
    "Train the team",
    "Sign-off meeting",
)
MAIL_SUBJECTS = ("Proposal", "Follow-up", "Pricing question", "Meeting notes", "Contract draft", "Intro")
FOLDERS = ("inbox", "sent", "archive")


def generate(tables: dict[str, dict[Any, Record]], users: dict[int, Record], seed: int) -> None:
    """Add the extra kinds to ``tables`` (in place)."""
    # As data.generate: none of these records form cycles, so the cyclic GC has nothing to find in them.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _generate(tables, users, seed)
    finally:
        if was_enabled:
            gc.enable()


def _generate(tables: dict[str, dict[Any, Record]], users: dict[int, Record], seed: int) -> None:
    rng = random.Random(seed ^ 0x7AB1E5)
    active = sorted(uid for uid, user in users.items() if user.get("active_flag", True))
    _followers(tables, active, rng)
    _call_logs(tables, rng)
    _goals(tables, active, rng)
    _mail(tables, users, rng)
    _note_comments(tables, rng)
    _relationships(tables, rng)
    _projects(tables, active, rng)
    _roles(tables, active)


def _followers(tables: dict[str, dict[Any, Record]], users: list[int], rng: random.Random) -> None:
    out: dict[Any, Record] = {}
    for kind in ("deal", "person", "organization", "product"):
        for record in tables[kind].values():
            owner = record.get("owner_id")
            followers = [owner] if owner else []
            if rng.random() < 0.25:
                other = users[int(rng.random() * len(users))]
                if other not in followers:
                    followers.append(other)
            for user_id in followers:
                fid = len(out) + 1
                added = record.get("add_time", HISTORY_START) + int(rng.random() * 3 * DAY)
                out[fid] = {
                    "id": fid,
                    "item_type": kind,
                    "item_id": record["id"],
                    "user_id": user_id,
                    "actor_user_id": owner or user_id,
                    "add_time": min(added, HISTORY_END),
                    "update_time": min(added, HISTORY_END),
                }
    tables["follower"] = out


def _call_logs(tables: dict[str, dict[Any, Record]], rng: random.Random) -> None:
    out: dict[Any, Record] = {}
    persons = tables["person"]
    for deal in tables["deal"].values():
        if rng.random() > 0.3 or not deal.get("person_id"):
            continue
        person = persons.get(deal["person_id"]) or {}
        phones = person.get("phones") or ()
        number = phones[0][0] if phones and isinstance(phones[0], tuple) else "+1 555 0100"
        start = deal["add_time"] + int(rng.random() * 20 * DAY)
        seconds = int(rng.random() * 1800) + 30
        cid = f"{len(out) + 1:024x}"
        out[cid] = {
            "id": cid,
            "user_id": deal["owner_id"],
            "subject": f"Call about {deal['title']}"[:120],
            "duration": str(seconds),
            "outcome": CALL_OUTCOMES[int(rng.random() * len(CALL_OUTCOMES))],
            "from_phone_number": "+1 555 0199",
            "to_phone_number": str(number),
            "start_time": start,
            "end_time": start + seconds,
            "person_id": deal["person_id"],
            "org_id": deal.get("org_id"),
            "deal_id": deal["id"],
            "note": NOTE_SENTENCES[int(rng.random() * len(NOTE_SENTENCES))],
            "has_recording": rng.random() < 0.2,
            "add_time": start,
            "update_time": start + seconds,
        }
    tables["call_log"] = out


def _goals(tables: dict[str, dict[Any, Record]], users: list[int], rng: random.Random) -> None:
    out: dict[Any, Record] = {}
    pipelines = sorted(tables["pipeline"])
    for index in range(max(4, len(users))):
        goal_type = GOAL_TYPES[index % len(GOAL_TYPES)]
        user_id = users[index % len(users)]
        company = index % 3 == 0
        gid = f"{0xA0 + index:032x}"
        params: Record = {}
        if goal_type.startswith("deals"):
            params["pipeline_id"] = [pipelines[index % len(pipelines)]]
        year = 2025 - (index % 2)
        quarterly = index % 2 == 0
        out[gid] = {
            "id": gid,
            "owner_id": users[0],
            "title": f"{goal_type.replace('_', ' ').capitalize()} {'Q' if quarterly else 'FY'} {year}",
            "type": {"name": goal_type, "params": params},
            "assignee": {"id": 1 if company else user_id, "type": "company" if company else "person"},
            "interval": "quarterly" if quarterly else "yearly",
            "duration": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
            "expected_outcome": {
                "target": 10 + int(rng.random() * 90),
                "tracking_metric": "quantity",
            },
            "is_active": index % 5 != 4,
            "report_ids": [f"{0xB0 + index:032x}"],
            "add_time": HISTORY_START + index * DAY,
            "update_time": HISTORY_START + index * DAY,
        }
    tables["goal"] = out


def _mail(tables: dict[str, dict[Any, Record]], users: dict[int, Record], rng: random.Random) -> None:
    threads: dict[Any, Record] = {}
    messages: dict[Any, Record] = {}
    persons = tables["person"]
    for deal in tables["deal"].values():
        if rng.random() > 0.35 or not deal.get("person_id"):
            continue
        person = persons.get(deal["person_id"]) or {}
        emails = person.get("emails") or ()
        address = (
            emails[0][0] if emails and isinstance(emails[0], tuple) else f"person{deal['person_id']}@example"
        )
        owner = users.get(deal["owner_id"]) or {}
        tid = len(threads) + 1
        first = deal["add_time"] + int(rng.random() * 10 * DAY)
        count = 1 + int(rng.random() * 4)
        times = []
        for n in range(count):
            mid = len(messages) + 1
            at = min(first + n * int(DAY * (0.2 + rng.random() * 3)), HISTORY_END)
            times.append(at)
            inbound = n % 2 == 0
            me = {
                "email_address": owner.get("email", ""),
                "name": owner.get("name", ""),
                "user_id": owner.get("id"),
            }
            them = {"email_address": address, "name": person.get("name", ""), "person_id": person.get("id")}
            cc = [me] if rng.random() < 0.2 else []
            # the deal's owner keeps a copy of some outgoing mail in the CRM's dropbox address
            bcc = (
                [{"email_address": f"deal{deal['id']}@bcc.example", "name": ""}]
                if not inbound and rng.random() < 0.5
                else []
            )
            messages[mid] = {
                "id": mid,
                "thread_id": tid,
                "deal_id": deal["id"],
                "person_id": person.get("id"),
                "org_id": deal.get("org_id"),
                "user_id": deal["owner_id"],
                "subject": f"{MAIL_SUBJECTS[tid % len(MAIL_SUBJECTS)]}: {deal['title']}"[:140],
                "snippet": NOTE_SENTENCES[(tid + n) % len(NOTE_SENTENCES)][:80],
                "from": [them if inbound else me],
                "to": [me if inbound else them],
                "cc": cc,
                "bcc": bcc,
                "sent": not inbound,
                "read": rng.random() < 0.8,
                "message_time": at,
                "add_time": at,
                "update_time": at,
            }
        threads[tid] = {
            "id": tid,
            "deal_id": deal["id"],
            "person_id": person.get("id"),
            "org_id": deal.get("org_id"),
            "user_id": deal["owner_id"],
            "subject": f"{MAIL_SUBJECTS[tid % len(MAIL_SUBJECTS)]}: {deal['title']}"[:140],
            "folder": FOLDERS[tid % len(FOLDERS)],
            "party": {
                "email_address": address,
                "name": person.get("name", ""),
                "person_id": person.get("id"),
            },
            "user_email": owner.get("email", ""),
            "message_count": count,
            "first_message_time": times[0],
            "last_message_time": times[-1],
            "read": rng.random() < 0.8,
            "add_time": times[0],
            "update_time": times[-1],
        }
    tables["mail_thread"] = threads
    tables["mail_message"] = messages


def _note_comments(tables: dict[str, dict[Any, Record]], rng: random.Random) -> None:
    out: dict[Any, Record] = {}
    for note in tables["note"].values():
        if rng.random() > 0.2:
            continue
        for n in range(1 + int(rng.random() * 2)):
            uid = f"{0xC0FFEE:08x}-{len(out) + 1:04x}-4000-8000-{note['id']:012x}"
            at = min(note["add_time"] + (n + 1) * int(DAY * rng.random() * 2 + 60), HISTORY_END)
            out[uid] = {
                "id": uid,
                "note_id": note["id"],
                "user_id": note.get("user_id"),
                "content": NOTE_SENTENCES[(note["id"] + n) % len(NOTE_SENTENCES)],
                "active_flag": True,
                "add_time": at,
                "update_time": at,
            }
    tables["note_comment"] = out


def _relationships(tables: dict[str, dict[Any, Record]], rng: random.Random) -> None:
    out: dict[Any, Record] = {}
    orgs = sorted(i for i, o in tables["organization"].items() if not o.get("is_deleted"))
    for index in range(0, len(orgs) - 1, 7):
        owner, linked = orgs[index], orgs[index + 1]
        rid = len(out) + 1
        at = max(tables["organization"][owner]["add_time"], tables["organization"][linked]["add_time"])
        out[rid] = {
            "id": rid,
            "type": "parent" if rng.random() < 0.6 else "related",
            "rel_owner_org_id": owner,
            "rel_linked_org_id": linked,
            "active_flag": True,
            "add_time": at,
            "update_time": at,
        }
    tables["org_relationship"] = out


def _projects(tables: dict[str, dict[Any, Record]], users: list[int], rng: random.Random) -> None:
    boards: dict[Any, Record] = {}
    phases: dict[Any, Record] = {}
    for b, name in enumerate(BOARDS, start=1):
        boards[b] = {
            "id": b,
            "name": name,
            "order_nr": b,
            "add_time": HISTORY_START,
            "update_time": HISTORY_START,
        }
        for p, phase in enumerate(PHASES):
            pid = len(phases) + 1
            phases[pid] = {
                "id": pid,
                "name": phase,
                "board_id": b,
                "order_nr": p,
                "add_time": HISTORY_START,
                "update_time": HISTORY_START,
            }
    templates = {
        1: {
            "id": 1,
            "title": "Standard onboarding",
            "description": "Kick-off, configuration, import and training.",
            "projects_board_id": 1,
            "owner_id": users[0],
            "add_time": HISTORY_START,
            "update_time": HISTORY_START,
        }
    }
    projects: dict[Any, Record] = {}
    tasks: dict[Any, Record] = {}
    won = [d for d in tables["deal"].values() if d.get("status") == "won" and not d.get("is_deleted")]
    for deal in won[: max(3, len(won) // 4)]:
        prid = len(projects) + 1
        board = 1 + prid % len(BOARDS)
        board_phases = [p for p in phases.values() if p["board_id"] == board]
        in_phase = board_phases[int(rng.random() * len(board_phases))]
        start = deal.get("won_time") or deal["update_time"]
        done = in_phase["name"] == "Done"
        projects[prid] = {
            "id": prid,
            "title": f"Onboarding: {deal['title']}"[:120],
            "description": "Onboarding after the won deal.",
            "status": "completed" if done else "open",
            "board_id": board,
            "phase_id": in_phase["id"],
            "owner_id": deal["owner_id"],
            "start_date": _day(start),
            "end_date": _day(start + 60 * DAY),
            "deal_ids": [deal["id"]],
            "person_ids": [deal["person_id"]] if deal.get("person_id") else [],
            "org_ids": [deal["org_id"]] if deal.get("org_id") else [],
            "label_ids": [],
            "health_status": None,
            "add_time": start,
            "update_time": min(start + 5 * DAY, HISTORY_END) if start < HISTORY_END else start,
            "status_change_time": start,
            "is_archived": rng.random() < 0.1,
            "template_id": 1,
        }
        for t, title in enumerate(TASK_TITLES):
            tid = len(tasks) + 1
            is_done = done or t < int(rng.random() * len(TASK_TITLES))
            tasks[tid] = {
                "id": tid,
                "title": title,
                "creator_id": deal["owner_id"],
                "description": None,
                "project_id": prid,
                "is_done": is_done,
                "is_milestone": t == len(TASK_TITLES) - 1,
                "due_date": _day(start + (t + 1) * 7 * DAY),
                "start_date": _day(start + t * 7 * DAY),
                "parent_task_id": None,
                "assignee_ids": [users[(prid + t) % len(users)]],
                "priority": None,
                "add_time": start,
                "update_time": start,
                "marked_as_done_time": start + (t + 1) * 6 * DAY if is_done else None,
            }
    tables["project_board"] = boards
    tables["project_phase"] = phases
    tables["project_template"] = templates
    tables["project"] = projects
    tables["task"] = tasks


def _roles(tables: dict[str, dict[Any, Record]], users: list[int]) -> None:
    roles: dict[Any, Record] = {}
    for rid, (name, parent) in enumerate(ROLES, start=1):
        roles[rid] = {
            "id": rid,
            "name": name,
            "parent_role_id": parent,
            "active_flag": True,
            "level": 1 if parent is None else 2,
            "settings": {
                "deal_default_visibility": 3 if rid == 1 else 1,
                "lead_default_visibility": 3 if rid == 1 else 1,
                "org_default_visibility": 3,
                "person_default_visibility": 3,
                "product_default_visibility": 3,
                "deal_access_level": 7 if rid == 1 else 1,
                "org_access_level": 7 if rid == 1 else 1,
                "person_access_level": 7 if rid == 1 else 1,
                "product_access_level": 7 if rid == 1 else 1,
            },
            "add_time": HISTORY_START,
            "update_time": HISTORY_START,
        }
    assignments: dict[Any, Record] = {}
    for index, user_id in enumerate(users):
        role_id = 1 if index == 0 else 2 + index % (len(ROLES) - 1)
        assignments[index + 1] = {
            "id": index + 1,
            "user_id": user_id,
            "role_id": role_id,
            "active_flag": True,
            "type": "1",
            "add_time": HISTORY_START,
            "update_time": HISTORY_START,
        }
    tables["role"] = roles
    tables["role_assignment"] = assignments


def project_fields(first_id: int) -> list[Record]:
    """The system fields of projects (Pipedrive's /projectFields lists them; custom ones are added by users)."""
    names = (
        ("id", "ID", "int"),
        ("title", "Title", "varchar"),
        ("description", "Description", "text"),
        ("status", "Status", "status"),
        ("board_id", "Board", "projects_board"),
        ("phase_id", "Phase", "projects_phase"),
        ("owner_id", "Owner", "user"),
        ("start_date", "Start date", "date"),
        ("end_date", "End date", "date"),
        ("deal_ids", "Deals", "deal"),
        ("person_ids", "People", "people"),
        ("org_ids", "Organizations", "org"),
        ("add_time", "Created", "date"),
        ("update_time", "Last update", "date"),
    )
    statuses = [
        {"id": n, "label": label} for n, label in enumerate(("Open", "Completed", "Canceled"), start=1)
    ]
    return [
        field_definition(
            first_id + n,
            code,
            code,
            label,
            ftype,
            editable=code not in ("id", "add_time", "update_time"),
            options=statuses if code == "status" else None,
        )
        for n, (code, label, ftype) in enumerate(names)
    ]


def _day(timestamp: int) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(timestamp, _dt.UTC).date().isoformat()


def generated_changelog(kind: str, record: Record, store: Any) -> list[Record]:
    """The change log a generated record arrives with: for a deal, its pipeline, first stage and status
    when it was added, each stage it moved through up to its current one, and its closing; for persons
    and organizations, their owner when added. Deterministic per record."""
    owner = record.get("owner_id")
    added = record.get("add_time", HISTORY_START)

    def entry(field_key: str, old: Any, new: Any, at: int) -> Record:
        return {
            "field_key": field_key,
            "old_value": old,
            "new_value": new,
            "actor_user_id": owner,
            "time": at,
            "change_source": "app",
        }

    if kind != "deal":
        return [entry("owner_id", None, owner, added)] if owner else []
    stages = sorted(
        (s for s in store.tables["stage"].values() if s["pipeline_id"] == record.get("pipeline_id")),
        key=lambda s: s["order_nr"],
    )
    ids = [s["id"] for s in stages]
    current = record.get("stage_id")
    path = ids[: ids.index(current) + 1] if current in ids else [current]
    end = record.get("close_time") or record.get("stage_change_time") or added
    last_move = min(record.get("stage_change_time") or end, end)
    out = [
        entry("pipeline_id", None, record.get("pipeline_id"), added),
        entry("stage_id", None, path[0], added),
        entry("status", None, "open", added),
    ]
    moves = len(path) - 1
    rng = random.Random(int(record["id"]) * 7919 + 17)
    if moves:
        span = max(last_move - added, moves)
        cuts = [*sorted(added + 1 + int(rng.random() * (span - 1)) for _ in range(moves - 1)), added + span]
        for (before, after), at in zip(itertools.pairwise(path), cuts, strict=True):
            out.append(entry("stage_id", before, after, at))
    status = record.get("status")
    if status in ("won", "lost") and record.get("close_time"):
        at = max(record["close_time"], out[-1]["time"])
        out.append(entry("status", "open", status, at))
    return out

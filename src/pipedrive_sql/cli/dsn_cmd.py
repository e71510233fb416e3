"""``pipedrive-sql dsn``: list, show, add, edit, remove and test data sources."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from pipedrive_sql import dsn as dsns
from pipedrive_sql.cli import console
from pipedrive_sql.cli.connecting import parse_assignments
from pipedrive_sql.cli.whoami import check_dsn
from pipedrive_sql.errors import DSNError
from pipedrive_sql.settings import find_property

app = typer.Typer(
    help="Data sources (DSNs): connection properties saved under a name, for you (user) or everyone "
    "(system, with --system).",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The data source's name (case-insensitive).")]
SystemOption = Annotated[
    bool, typer.Option("--system", help="Address the system file (all users and services) instead of yours.")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", metavar="KEY=VALUE", help="Set a connection property (repeatable)."),
]
KeyringOption = Annotated[
    bool | None,
    typer.Option(
        "--keyring/--no-keyring",
        help="Keep secrets in the system keyring (default: when a usable one exists) or in the file.",
        show_default=False,
    ),
]
NoInputOption = Annotated[bool, typer.Option("--no-input", help="Never prompt, even on a terminal.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _scope(system: bool) -> dsns.Scope | None:
    return "system" if system else None


# --------------------------------------------------------------------------------------------- list/show


@app.command("list")
def list_command(
    system: SystemOption = False,
    user: Annotated[bool, typer.Option("--user", help="Only your data sources.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the data sources (secrets never shown)."""
    scope: dsns.Scope | None = "system" if system else "user" if user else None
    sources = dsns.list_dsns(scope)
    _warn_permissions(sources)
    if as_json:
        console.out.print_json(json.dumps([_summary(ds) for ds in sources]))
        return
    if not sources:
        console.note(f"No data sources. Add one with `pipedrive-sql dsn add NAME` ({_files(scope)}).")
        return
    rows = [_summary(ds) for ds in sources]
    if console.stdout_is_terminal():
        console.out.print(_rich_list(rows))
    else:
        for row in rows:
            print("\t".join(str(v) for v in row.values()))


def _files(scope: dsns.Scope | None) -> str:
    scopes: tuple[dsns.Scope, ...] = (scope,) if scope else ("user", "system")
    return "; ".join(f"{s}: {dsns.dsn_file(s)}" for s in scopes)


def _summary(ds: dsns.DataSource) -> dict[str, Any]:
    props = {k.lower(): v for k, v in ds.properties.items()}
    if props.get("sandbox", "").lower() in ("true", "yes", "on", "1"):
        target = "sandbox"
    else:
        target = props.get("baseurl") or props.get("companydomain") or ""
    secrets = [k for k, v in ds.properties.items() if v and _secret(k)]
    where = "keyring" if ds.in_keyring and len(ds.in_keyring) == len(secrets) else "file" if secrets else ""
    if ds.in_keyring and where == "file":
        where = "file+keyring"
    return {
        "name": ds.name,
        "scope": ds.scope + (" (shadowed)" if ds.shadowed else ""),
        "auth": props.get("authscheme", "Basic"),
        "target": target,
        "secrets": where,
    }


def _secret(name: str) -> bool:
    try:
        return find_property(name).secret
    except Exception:
        return True


def _rich_list(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=None, header_style="bold")
    for column in ("Name", "Scope", "Auth", "Target", "Secrets"):
        table.add_column(column)
    for row in rows:
        style = "dim" if "shadowed" in row["scope"] else None
        table.add_row(*(Text(str(v)) for v in row.values()), style=style)
    return table


@app.command("show")
def show_command(name: NameArg, system: SystemOption = False, as_json: JsonOption = False) -> None:
    """Show a data source's properties, secrets masked."""
    ds = dsns.get_dsn(name, _scope(system))
    _warn_permissions([ds])
    masked = ds.masked()
    if as_json:
        doc = {"name": ds.name, "scope": ds.scope, "file": str(ds.path), "properties": masked}
        console.out.print_json(json.dumps(doc))
        return
    if console.stdout_is_terminal():
        table = Table(title=Text(f"{ds.name} ({ds.scope}, {ds.path})"), header_style="bold")
        table.add_column("Property")
        table.add_column("Value")
        for key, value in masked.items():
            table.add_row(Text(key), Text(value))
        console.out.print(table)
    else:
        for key, value in masked.items():
            print(f"{key}={value}")


def _warn_permissions(sources: list[dsns.DataSource]) -> None:
    seen: set[str] = set()
    for ds in sources:
        problem = dsns.permission_problem(ds)
        if problem and str(ds.path) not in seen:
            seen.add(str(ds.path))
            console.warning(problem)


@app.command("path")
def path_command(system: SystemOption = False) -> None:
    """Print where the data sources are kept."""
    print(dsns.dsn_file("system" if system else "user"))


# --------------------------------------------------------------------------------------------- add/edit


@app.command("add")
def add_command(
    name: NameArg,
    assignments: SetOption = None,
    system: SystemOption = False,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a data source of that name.")] = False,
    keyring: KeyringOption = None,
    no_input: NoInputOption = False,
) -> None:
    """Create a data source from --set KEY=VALUE; on a terminal, ask for what is missing."""
    props = parse_assignments(assignments or [], "--set")
    if not replace:
        _refuse_existing(name, system)
    if console.can_prompt() and not no_input:
        props = _ask_missing(props)
    ds = dsns.save_dsn(name, props, system=system, replace=replace, use_keyring=keyring)
    _report_saved(ds, "Saved")


def _refuse_existing(name: str, system: bool) -> None:
    # Checked before prompting, so nobody types a secret only to be told the name is taken.
    try:
        ds = dsns.get_dsn(name, "system" if system else "user")
    except DSNError:
        return
    flag = " --system" if system else ""
    raise DSNError(
        f"A {ds.scope} data source named {ds.name!r} already exists: change it with "
        f"`pipedrive-sql dsn edit {ds.name}{flag}`, or overwrite it with `dsn add {ds.name}{flag} --replace`."
    )


@app.command("edit")
def edit_command(
    name: NameArg,
    assignments: SetOption = None,
    unset: Annotated[
        list[str] | None, typer.Option("--unset", metavar="KEY", help="Remove a property (repeatable).")
    ] = None,
    system: SystemOption = False,
    keyring: KeyringOption = None,
    no_input: NoInputOption = False,
) -> None:
    """Change a data source: --set KEY=VALUE, --set KEY= or --unset KEY; on a terminal with neither, ask."""
    changes = parse_assignments(assignments or [], "--set")
    current = dsns.get_dsn(name, "system" if system else "user")
    if console.can_prompt() and not no_input:
        if not changes and not unset:
            changes = _ask_all(current)
        else:
            after = {k: v for k, v in current.properties.items() if k not in _names(unset or [])}
            after.update({_canonical(k): v for k, v in changes.items()})
            changes.update(_ask_missing({k: v for k, v in after.items() if v}, only_new=True))
    ds = dsns.update_dsn(current.name, changes, unset=unset or [], system=system, use_keyring=keyring)
    _report_saved(ds, "Updated")


def _names(items: list[str]) -> set[str]:
    return {_canonical(n) for n in items}


def _canonical(name: str) -> str:
    return find_property(name).name


def _report_saved(ds: dsns.DataSource, verb: str) -> None:
    where = f"{ds.scope} file {ds.path}"
    kept = f"; {', '.join(ds.in_keyring)} in the keyring" if ds.in_keyring else ""
    console.success(f"{verb} data source {ds.name!r} ({where}{kept}).")
    missing = _required_missing(ds.properties)
    if missing:
        console.warning(
            f"{ds.name!r} has no {', '.join(missing)} yet: add with "
            f"`pipedrive-sql dsn edit {ds.name}{' --system' if ds.scope == 'system' else ''} "
            f"--set {missing[0]}=...`."
        )
    _warn_permissions([ds])


# --------------------------------------------------------------------------------------------- prompting


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "on", "1")


def _required_missing(props: dict[str, str]) -> list[str]:
    """The properties a connection with ``props`` still needs before it can sign in."""
    given = {k.lower(): v for k, v in props.items() if v}
    if _truthy(given.get("sandbox")):
        return []
    if given.get("authscheme", "Basic").lower() == "oauth":
        if given.get("initiateoauth", "").upper() == "OFF":
            need = ["OAuthAccessToken"]
        else:
            need = ["OAuthClientId", "OAuthClientSecret"]
    else:
        need = ["APIToken"] + ([] if "baseurl" in given else ["CompanyDomain"])
    return [n for n in need if n.lower() not in given]


def _ask_missing(props: dict[str, str], *, only_new: bool = False) -> dict[str, str]:
    """``props`` plus answers for the required properties it lacks (asked on stderr; secrets hidden)."""
    out = {_canonical(k): v for k, v in props.items()}
    if not only_new and "AuthScheme" not in out and not _truthy(out.get("Sandbox")):
        out["AuthScheme"] = _ask("AuthScheme", default="Basic", choices=["Basic", "OAuth"])
    answers: dict[str, str] = {}
    for name in _required_missing(out):
        value = _ask(name)
        if value:
            answers[name] = value
    if only_new:
        return answers
    out.update(answers)
    return out


def _ask_all(current: dsns.DataSource) -> dict[str, str]:
    """Ask for each property the sign-in needs, offering the current value (secrets: Enter keeps them)."""
    props = dict(current.properties)
    changes: dict[str, str] = {}
    scheme = _ask("AuthScheme", default=props.get("AuthScheme", "Basic"), choices=["Basic", "OAuth"])
    if scheme != props.get("AuthScheme", "Basic"):
        changes["AuthScheme"] = scheme
    props["AuthScheme"] = scheme
    names = list(dict.fromkeys([*_main_properties(props), *_required_missing(props)]))
    for name in names:
        old = props.get(name, "")
        value = _ask(name, default=old, keep_hint=bool(old) and _secret(name))
        if value != old:
            changes[name] = value
    return changes


def _main_properties(props: dict[str, str]) -> list[str]:
    if _truthy(props.get("Sandbox")):
        return ["Sandbox"]
    if props.get("AuthScheme", "Basic").lower() == "oauth":
        return ["OAuthClientId", "OAuthClientSecret", "CallbackURL", "InitiateOAuth", "OAuthSettingsLocation"]
    return ["APIToken", "CompanyDomain"]


def _ask(name: str, *, default: str = "", choices: list[str] | None = None, keep_hint: bool = False) -> str:
    from rich.prompt import Prompt

    prop = find_property(name)
    secret = prop.secret
    label = Text.assemble((prop.name, "bold"), f" ({prop.meaning.rstrip('.')})")
    if secret and keep_hint:
        label.append(" [Enter keeps the current value]", style="dim")
    while True:
        if secret:
            answer = Prompt.ask(label, console=console.err, password=True)
            answer = answer or default
        else:
            extra: dict[str, Any] = {"default": default} if default else {}
            answer = Prompt.ask(label, console=console.err, choices=choices, **extra) or ""
        try:
            if answer:
                prop.convert(answer)
            return answer
        except Exception as exc:
            console.error(str(exc))


# --------------------------------------------------------------------------------------------- remove


@app.command("remove")
def remove_command(
    name: NameArg,
    system: SystemOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a data source (and its secrets in the keyring)."""
    ds = dsns.get_dsn(name, "system" if system else "user")
    if console.can_prompt() and not yes:
        from rich.prompt import Confirm

        if not Confirm.ask(f"Remove the {ds.scope} data source {ds.name!r}?", console=console.err):
            raise typer.Exit(1)
    removed = dsns.remove_dsn(ds.name, system=system)
    console.success(f"Removed data source {removed.name!r} from {removed.path}.")
    if not system:
        try:
            shadowed = dsns.get_dsn(name, "system")
        except DSNError:
            return
        console.note(f"The system data source {shadowed.name!r} of that name is now in effect.")


# --------------------------------------------------------------------------------------------- test


@app.command("test")
def test_command(name: NameArg, system: SystemOption = False) -> None:
    """Connect with a data source and report who is signed in."""
    report = check_dsn(name, system=system)
    console.success(f"Connected with data source {report.source!r}.")
    for label, value in report.lines():
        console.out.print(Text.assemble((f"{label}: ", "bold"), value))

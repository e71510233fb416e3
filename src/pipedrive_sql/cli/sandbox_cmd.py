"""``pipedrive-sql sandbox serve``: run the local emulator of the Pipedrive API in the foreground."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

import typer

from pipedrive_sql.cli import console
from pipedrive_sql.errors import InterfaceError

app = typer.Typer(help="The local emulator of the Pipedrive API (no account needed).", no_args_is_help=True)

# The sandbox's own table of choices, read when the command runs (pipedrive_sandbox stays optional here).
_PLANS = ("lite", "growth", "premium", "ultimate")


@app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback unless you say otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the generated data (same seed, same data).")] = 1,
    scale: Annotated[int, typer.Option(min=1, help="Number of deals; everything else scales with it.")] = 500,
    api_token: Annotated[
        str | None, typer.Option(help="The main user's API token (default: derived from the seed).")
    ] = None,
    oauth_client_id: Annotated[str | None, typer.Option(help="The OAuth app's client id.")] = None,
    oauth_client_secret: Annotated[str | None, typer.Option(help="The OAuth app's client secret.")] = None,
    token_lifetime: Annotated[int, typer.Option(min=1, help="Seconds an OAuth access token lives.")] = 3600,
    plan: Annotated[
        str, typer.Option(help="Pipedrive plan whose rate limits apply: lite, growth, premium, ultimate.")
    ] = "growth",
    latency_ms: Annotated[int, typer.Option(min=0, help="Added latency per request, milliseconds.")] = 0,
    fault_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of requests that fail (0..1), from the seed.")
    ] = 0.0,
    faults: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated fault kinds to inject: 429,500,502,503,reset,slow (default: all)."
        ),
    ] = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Approve OAuth authorizations at once (headless tests).")
    ] = False,
    no_rate_limit: Annotated[bool, typer.Option("--no-rate-limit", help="Turn rate limits off.")] = False,
) -> None:
    """Serve Pipedrive's v2 and v1 API, an OAuth server, rate limits and faults until Ctrl-C."""
    config_cls, serve = _sandbox()
    if plan.lower() not in _PLANS:
        raise typer.BadParameter(f"{plan!r} is not one of {', '.join(_PLANS)}.", param_hint="'--plan'")
    kwargs: dict[str, Any] = dict(
        host=host,
        port=port,
        seed=seed,
        scale=scale,
        api_token=api_token,
        oauth_client_id=oauth_client_id,
        oauth_client_secret=oauth_client_secret,
        token_lifetime=token_lifetime,
        plan=plan.lower(),
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        auto_approve=auto_approve,
        rate_limit=not no_rate_limit,
    )
    if faults is not None:
        kwargs["faults"] = _fault_kinds(faults)
    if not _is_loopback(host):
        console.warning(f"Listening on {host}: other machines can reach the sandbox.")
    try:
        serve(config_cls(**kwargs))
    except KeyboardInterrupt:
        # Ctrl-C is how a foreground server is meant to stop: not a failure.
        console.note("Sandbox stopped.")
    except RuntimeError as exc:  # SandboxError: the port is taken, the address cannot be bound...
        raise InterfaceError(f"The sandbox could not start: {exc}.") from None


def _fault_kinds(text: str) -> tuple[str, ...]:
    from pipedrive_sandbox.config import FAULT_KINDS

    kinds = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise typer.BadParameter(
            f"{', '.join(unknown) or 'nothing'}: use a comma-separated list of {','.join(FAULT_KINDS)}.",
            param_hint="'--faults'",
        )
    return kinds


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _sandbox() -> tuple[Any, Any]:
    # Imported here: the driver reaches the sandbox only when a user asks for it (see DESIGN.md).
    try:
        from pipedrive_sandbox.config import SandboxConfig
        from pipedrive_sandbox.server import serve
    except ImportError as exc:
        raise InterfaceError(f"The sandbox server is not available in this installation ({exc}).") from None
    return SandboxConfig, serve

"""``python -m pipedrive_sandbox``: the same options as ``pipedrive-sql sandbox serve``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipedrive_sandbox.config import FAULT_KINDS, PLANS, SandboxConfig


def _fault_kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown fault kinds {', '.join(unknown)}; choose from {','.join(FAULT_KINDS)}"
        )
    return kinds


def _fraction(value: str) -> float:
    rate = float(value)
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError("the fault rate is a fraction between 0 and 1")
    return rate


def build_parser(prog: str = "python -m pipedrive_sandbox") -> argparse.ArgumentParser:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog=prog, description="Run a local emulator of the Pipedrive API.")
    add = parser.add_argument
    add("--host", default=defaults.host, help="address to bind (default: loopback only)")
    add("--port", type=int, default=defaults.port, help="port to bind; 0 picks a free one")
    add("--seed", type=int, default=defaults.seed, help="seed of the generated data and of the faults")
    add("--scale", type=int, default=defaults.scale, help="number of deals; everything else scales with it")
    add("--api-token", help="the main user's API token (default: derived from the seed)")
    add("--oauth-client-id", help="the OAuth app's client id (default: derived from the seed)")
    add("--oauth-client-secret", help="the OAuth app's client secret (default: derived from the seed)")
    add(
        "--token-lifetime",
        type=int,
        default=defaults.token_lifetime,
        help="seconds an OAuth access token lives",
    )
    add("--plan", choices=PLANS, default=defaults.plan, help="the company's plan: sets the rate limits")
    add("--latency-ms", type=int, default=defaults.latency_ms, help="delay added to every API request")
    add(
        "--fault-rate", type=_fraction, default=defaults.fault_rate, help="fraction of API requests that fail"
    )
    add(
        "--faults",
        type=_fault_kinds,
        default=defaults.faults,
        help=f"fault kinds, from {','.join(FAULT_KINDS)}",
    )
    add(
        "--auto-approve",
        action="store_true",
        help="approve OAuth authorization requests without a consent page",
    )
    add("--no-rate-limit", action="store_true", help="no burst limit, no daily budget, no rate-limit headers")
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        scale=args.scale,
        api_token=args.api_token,
        oauth_client_id=args.oauth_client_id,
        oauth_client_secret=args.oauth_client_secret,
        token_lifetime=args.token_lifetime,
        plan=args.plan,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        faults=tuple(args.faults),
        auto_approve=args.auto_approve,
        rate_limit=not args.no_rate_limit,
    )


def main(argv: Sequence[str] | None = None) -> int:
    from pipedrive_sandbox.server import SandboxError, serve

    args = build_parser().parse_args(argv)
    try:
        serve(config_from_args(args))
    except SandboxError as exc:
        print(f"pipedrive-sandbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

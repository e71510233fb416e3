"""Sign-in: Basic (API token) and OAuth (flows, encrypted token storage, automatic refresh)."""

from __future__ import annotations

from pipedrive_sql.auth.basic import ApiTokenAuth

__all__ = ["ApiTokenAuth"]

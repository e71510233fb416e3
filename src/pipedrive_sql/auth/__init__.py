"""Sign-in: Basic (API token) and OAuth (flows, encrypted token storage, automatic refresh).

``build_auth(settings)`` is what ``connect()`` calls: it returns the ``httpx.Auth`` of the connection and the
API base URL its tokens imply. See docs/authentication.md for the flows.
"""

from __future__ import annotations

from pipedrive_sql.auth.basic import ApiTokenAuth
from pipedrive_sql.auth.build import build_auth, open_store
from pipedrive_sql.auth.desktop import run_desktop_flow
from pipedrive_sql.auth.endpoints import OAuthEndpoints
from pipedrive_sql.auth.oauth import OAuthAuth
from pipedrive_sql.auth.store import FileTokenStore, MemoryTokenStore, TokenStore
from pipedrive_sql.auth.tokens import TokenSet

__all__ = [
    "ApiTokenAuth",
    "FileTokenStore",
    "MemoryTokenStore",
    "OAuthAuth",
    "OAuthEndpoints",
    "TokenSet",
    "TokenStore",
    "build_auth",
    "open_store",
    "run_desktop_flow",
]

"""Sealing the OAuth settings file: AES-256-GCM under a key derived from the app's client secret.

Layout (all of it before the ciphertext is authenticated as associated data)::

    magic "PDSQL-OAUTH" 0x01 | u16 length | client id (utf-8) | salt (16) | nonce (12) | ciphertext+tag

The key is HKDF-SHA256(ikm=client secret, salt=random per write, info=label + client id). Client secrets
are long random strings issued by Pipedrive, so a fast KDF is enough; a fresh salt and nonce per write mean
no key/nonce pair is ever reused. The client id is stored in clear (it is not a secret: it travels in every
authorization URL) so that a file written for another app can be named as such.

``cryptography`` is imported when a file is sealed or opened, not with this module: connections that sign in
with an API token never need it, and its OpenSSL bindings add some 6 MB to every process that loads them.
"""

from __future__ import annotations

import os
import struct

__all__ = ["ForeignFile", "NotASettingsFile", "WrongSecret", "open_sealed", "seal"]

MAGIC = b"PDSQL-OAUTH\x01"
_INFO = b"pipedrive-sql oauth settings v1\0"
_SALT = 16
_NONCE = 12


class NotASettingsFile(Exception):
    """The bytes are not a (complete) settings file of this format."""


class ForeignFile(Exception):
    """The file was written for another OAuthClientId."""

    def __init__(self, client_id: str) -> None:
        super().__init__(client_id)
        self.client_id = client_id


class WrongSecret(Exception):
    """Authentication failed: another client secret, or the bytes were altered."""


def _key(client_id: str, client_secret: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO + client_id.encode())
    return hkdf.derive(client_secret.encode())


def seal(plaintext: bytes, client_id: str, client_secret: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cid = client_id.encode()
    salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
    header = MAGIC + struct.pack(">H", len(cid)) + cid + salt + nonce
    return header + AESGCM(_key(client_id, client_secret, salt)).encrypt(nonce, plaintext, header)


def open_sealed(data: bytes, client_id: str, client_secret: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 2:
        raise NotASettingsFile
    (cid_len,) = struct.unpack_from(">H", data, len(MAGIC))
    start = len(MAGIC) + 2
    header_end = start + cid_len + _SALT + _NONCE
    if len(data) < header_end + 16:  # 16 = the GCM tag
        raise NotASettingsFile
    try:
        stored_id = data[start : start + cid_len].decode()
    except UnicodeDecodeError:
        raise NotASettingsFile from None
    if stored_id != client_id:
        raise ForeignFile(stored_id)
    salt = data[start + cid_len : start + cid_len + _SALT]
    nonce = data[start + cid_len + _SALT : header_end]
    try:
        return AESGCM(_key(client_id, client_secret, salt)).decrypt(
            nonce, data[header_end:], data[:header_end]
        )
    except InvalidTag:
        raise WrongSecret from None

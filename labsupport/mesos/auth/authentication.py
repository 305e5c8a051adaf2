"""Mesos authentication: framework principals and secrets (CRAM-MD5), operator HTTP Basic auth.

From Mesos 1.11.0 docs/authentication.md and src/master/master.cpp. With
``--authenticate_frameworks`` the master refuses a framework that did not authenticate:
``Framework at <pid> is not authenticated`` (``Master::validateFrameworkAuthentication``); the
scheduler driver of a framework whose secret is wrong logs ``Master <pid> refused authentication``
and reports the error ``Master refused authentication`` (src/sched/sched.cpp). A framework that
authenticated as one principal and registers with another gets ``Framework principal 'x' does not
match authenticated principal 'y'``. ``--credentials`` lists principals and secrets
(``{"credentials": [{"principal": "ops", "secret": "s3cret"}]}``).

CRAM-MD5 (RFC 2195, via Cyrus SASL in Mesos): the master sends a challenge, the client answers
``principal + " " + hex(HMAC-MD5(secret, challenge))``; the secret never crosses the wire but is
stored in plain text on the master. Operator endpoints (``--authenticate_http_readwrite``,
``--authenticate_http_readonly``) use HTTP Basic authentication with the same credentials; without
valid credentials the answer is ``401 Unauthorized`` with ``WWW-Authenticate: Basic realm="mesos"``.
TLS (libprocess ``LIBPROCESS_SSL_ENABLED=true`` and its certificate variables) protects these
exchanges on the wire; it is not simulated.

Simplified: the challenge is derived from the cluster seed (deterministic); the scheduler's libprocess
address is ``scheduler-<n>@10.0.0.100:<port>``.

>>> creds = parse_credentials({"ops": "s3cret"})
>>> resp = cram_md5_response("ops", "s3cret", b"<1.2@master>")
>>> resp
'ops 89c94ebe295cf1089ce50bae2f384a88'
>>> verify_cram_md5(creds, b"<1.2@master>", resp)
'ops'
>>> http_basic(creds, "Basic b3BzOnMzY3JldA==")
'ops'
"""
from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any

from labsupport.core import LabError

__all__ = ["AuthenticationError", "parse_credentials", "cram_md5_response", "verify_cram_md5", "http_basic",
           "UNAUTHORIZED_HEADER"]

UNAUTHORIZED_HEADER = ("WWW-Authenticate", 'Basic realm="mesos"')


class AuthenticationError(LabError):
    """The master refused a framework or an operator request for want of valid credentials."""


def parse_credentials(credentials: Any) -> dict[str, str]:
    """``{"ops": "s3cret"}`` or the ``--credentials`` JSON form -> ``{principal: secret}``."""
    if credentials is None:
        return {}
    if isinstance(credentials, Mapping) and "credentials" in credentials:
        items = credentials["credentials"]
        if not isinstance(items, list):
            raise LabError("credentials: 'credentials' must be a list of {principal, secret}")
        out = {}
        for i, c in enumerate(items):
            if not isinstance(c, Mapping) or not isinstance(c.get("principal"), str) or not isinstance(c.get("secret"), str):
                raise LabError(f"credentials[{i}]: expected {{'principal': '...', 'secret': '...'}}, got {c!r}")
            out[c["principal"]] = c["secret"]
        return out
    if isinstance(credentials, Mapping):
        for p, s in credentials.items():
            if not isinstance(p, str) or not p or not isinstance(s, str):
                raise LabError(f"credentials: principals and secrets must be strings, got {p!r}: {s!r}")
        return dict(credentials)
    raise LabError(f"credentials: expected a dict {{principal: secret}}, got {type(credentials).__name__}")


def cram_md5_response(principal: str, secret: str, challenge: bytes) -> str:
    """The client's answer to a CRAM-MD5 challenge (RFC 2195)."""
    return f"{principal} {hmac.new(secret.encode(), challenge, 'md5').hexdigest()}"


def verify_cram_md5(credentials: Mapping[str, str], challenge: bytes, response: str) -> str | None:
    """The authenticated principal, or None when the principal is unknown or the digest is wrong."""
    principal, _, digest = response.rpartition(" ")
    secret = credentials.get(principal)
    if secret is None:
        return None
    expected = cram_md5_response(principal, secret, challenge).rpartition(" ")[2]
    return principal if hmac.compare_digest(expected, digest) else None


def http_basic(credentials: Mapping[str, str], authorization: str | None) -> str | None:
    """The principal of a valid ``Authorization: Basic ...`` header, else None (-> 401)."""
    if not authorization or not authorization.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user if credentials.get(user) == password and user else None

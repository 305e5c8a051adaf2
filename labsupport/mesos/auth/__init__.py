"""Mesos authentication (CRAM-MD5 credentials, HTTP Basic) and the local authorizer's ACLs."""
from labsupport.mesos.auth.acls import ACLs, Entity
from labsupport.mesos.auth.authentication import (
    AuthenticationError,
    cram_md5_response,
    http_basic,
    parse_credentials,
    verify_cram_md5,
)

__all__ = ["ACLs", "Entity", "AuthenticationError", "cram_md5_response", "http_basic", "parse_credentials", "verify_cram_md5"]

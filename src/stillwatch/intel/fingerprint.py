"""The custom STIX observable for values shared only as keyed HMACs.

``x-stillwatch-fingerprint`` follows STIX 2.1's rules for custom cyber-observables: a type
name of lower-case words joined by hyphens, a deterministic id from ``fingerprint_kind`` and
``hmac_sha256``, and no clear-text value. ``fingerprint_kind`` is one of FINGERPRINT_KINDS.
"""

from __future__ import annotations

from stix2 import v21
from stix2.properties import EnumProperty, StringProperty

FINGERPRINT_TYPE = "x-stillwatch-fingerprint"
#: fingerprint_kind -> the HMAC domain (``Hasher.digest`` kind) of the value it hides.
FINGERPRINT_KINDS: dict[str, str] = {
    "prompt_template": "template",
    "account": "account",
    "payment": "payment",
}


@v21.CustomObservable(  # type: ignore[misc]
    FINGERPRINT_TYPE,
    [
        ("fingerprint_kind", EnumProperty(list(FINGERPRINT_KINDS), required=True)),
        ("hmac_sha256", StringProperty(required=True)),
        ("key_id", StringProperty(required=True)),
    ],
    id_contrib_props=["fingerprint_kind", "hmac_sha256"],
)
class Fingerprint:
    """A keyed HMAC-SHA256 of a prompt template id, account id or payment fingerprint."""

"""The JWT assertion: build and sign it, take a pasted one apart, explain it.

Salesforce wants an RS256-signed compact JWT whose claims name the app (``iss``),
the user (``sub``), the audience (``aud``) and an expiry (``exp``). Decoding is
deliberately forgiving about how a token was pasted and precise about why a text
is not a token, because people paste the wrong thing surprisingly often.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sfjwt_gui.engine.errors import JwtFormatError, KeyFileError, UsageError
from sfjwt_gui.engine.redact import hidden_text, mask_assertion

logger = logging.getLogger(__name__)

DEFAULT_LIFETIME_S = 180
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SIGNING_ALG = "RS256"

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
_BEARER = re.compile(r"^bearer(?:\s+|$)", re.IGNORECASE)
_SESSION_ID = re.compile(r"^00D[A-Za-z0-9]{12,15}!")
_PART_NAMES = ("header", "payload", "signature")
_FORMAT_FIX = (
    "Paste the assertion itself: three base64url parts separated by dots, "
    "starting with eyJ."
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_SECONDS_PER_YEAR = 31_556_952
# Epoch values this large are almost surely milliseconds (1e11 s is year 5138).
_MILLISECONDS_FROM = 100_000_000_000
_MAX_YEARS_SHOWN = 1_000_000_000


def build_claims(
    *,
    client_id: str,
    username: str,
    audience: str,
    lifetime_s: int = DEFAULT_LIFETIME_S,
    now: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The claim set Salesforce expects: iss, sub, aud and exp (UTC epoch seconds).

    Surrounding spaces are removed from the three texts. ``extra`` claims are
    added last and may replace a standard one (to reproduce a faulty client).
    A negative ``lifetime_s`` gives an assertion that has already expired.
    """
    values = {"client_id": client_id, "username": username, "audience": audience}
    for name, value in values.items():
        label = name.replace("_", " ")
        if not isinstance(value, str) or not value.strip():
            raise UsageError(
                f"The {label} is empty; the assertion needs it.",
                code=f"{name}_missing",
                fix=f"Enter the {label} before building the assertion.",
            )
    if isinstance(lifetime_s, bool) or not isinstance(lifetime_s, int):
        raise UsageError(
            "The assertion lifetime must be a whole number of seconds.",
            code="lifetime_invalid",
            fix=f"Use a number such as {DEFAULT_LIFETIME_S}.",
        )

    issued = time.time() if now is None else now
    try:
        expires = int(issued + lifetime_s)
    except OverflowError:
        raise UsageError(
            "The assertion lifetime is too large: no date is that far away.",
            code="lifetime_invalid",
            fix=f"Use a number such as {DEFAULT_LIFETIME_S}.",
        ) from None
    claims: dict[str, Any] = {
        "iss": client_id.strip(),
        "sub": username.strip(),
        "aud": audience.strip(),
        "exp": expires,
    }
    if extra:
        claims.update(extra)
    return claims


def sign_assertion(claims: Mapping[str, Any], key: rsa.RSAPrivateKey) -> str:
    """Sign the claims with RS256; the header is exactly {"alg":"RS256","typ":"JWT"}."""
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError(
            "The key is not an RSA private key; Salesforce only accepts RS256.",
            code="key_not_rsa",
            fix="Choose the RSA private key that pairs with the uploaded certificate.",
        )

    try:
        token = jwt.encode(
            dict(claims), key, algorithm=SIGNING_ALG, headers={"typ": "JWT"}
        )
    except (TypeError, ValueError, jwt.PyJWTError) as error:
        # The library's text describes the claims or the key size, never the key.
        raise UsageError(
            f"The claims cannot be put into a JWT: {str(error).rstrip('.')}.",
            code="claims_invalid",
            fix="Use text or numbers as claim values; iss must be text.",
        ) from None

    logger.debug("Signed an %s assertion with %d claims", SIGNING_ALG, len(claims))
    return token


@dataclass(frozen=True)
class DecodedJwt:
    """A compact JWT taken apart; nothing here is checked for validity."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: str
    # Whoever holds the signature can replay the assertion: keep it out of reprs.
    signature: str = field(repr=False)
    alg: str


def decode_jwt(token: str) -> DecodedJwt:
    """Take a compact JWT apart without verifying it.

    Tolerates surrounding whitespace, line breaks inside and a "Bearer " prefix.
    Raises only :class:`JwtFormatError`, with a message saying what the text is
    instead of a JWT.
    """
    text = _cleaned(token)
    parts = text.split(".")
    if len(parts) != 3:
        raise _format_error(_wrong_part_count(len(parts)))

    for name, part in zip(_PART_NAMES, parts, strict=True):
        _check_base64url(name, part)

    header = _json_object("header", parts[0])
    claims = _json_object("payload", parts[1])
    alg = header.get("alg")
    return DecodedJwt(
        header=header,
        claims=claims,
        signing_input=f"{parts[0]}.{parts[1]}",
        signature=parts[2],
        alg=alg if isinstance(alg, str) else "",
    )


def verify_signature(
    token: str,
    public_source: x509.Certificate | rsa.RSAPublicKey | rsa.RSAPrivateKey,
) -> bool:
    """True when the RS256 signature verifies with this certificate or key.

    Only the signature is checked (not exp or aud). Another algorithm, or a
    certificate holding a non-RSA key, gives False. A text that is not a JWT
    raises :class:`JwtFormatError`.
    """
    decoded = decode_jwt(token)
    if decoded.alg != SIGNING_ALG or not decoded.signature:
        return False

    if isinstance(public_source, x509.Certificate):
        public_key: object = public_source.public_key()
    elif isinstance(public_source, rsa.RSAPrivateKey):
        public_key = public_source.public_key()
    else:
        public_key = public_source
    if not isinstance(public_key, rsa.RSAPublicKey):
        logger.debug("Cannot verify RS256 with a %s", type(public_key).__name__)
        return False

    try:
        public_key.verify(
            _b64url_bytes(decoded.signature),
            decoded.signing_input.encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class ClaimLine:
    """One claim or header field with a plain explanation."""

    name: str
    value: str
    meaning: str
    readable: str = ""


_CLAIM_MEANINGS = {
    "iss": "Consumer key of the connected app (or external client app) that "
    "holds the certificate.",
    "sub": "Salesforce username of the user the access token is for.",
    "prn": "Older name for sub; Salesforce uses it instead of sub when both "
    "are present.",
    "aud": "Who the assertion is for: the login host (login or test), the "
    "Experience Cloud site URL, or the My Domain URL for external client apps.",
    "exp": "Time after which Salesforce refuses the assertion (UTC epoch "
    "seconds); it does not limit the access token.",
    "iat": "Time the assertion was made; Salesforce accepts it but needs none.",
    "nbf": "Earliest time the assertion may be used; Salesforce is not known "
    "to read it.",
    "jti": "Unique id of this assertion; Salesforce is not known to read it.",
    "scope": "Requested scopes; what Salesforce does with them is not documented.",
}
_HEADER_MEANINGS = {
    "alg": "Signature algorithm; Salesforce accepts only RS256 (RSA with SHA-256).",
    "typ": 'Token type; "JWT" is accepted.',
    "kid": "Key id; not needed, Salesforce finds the certificate through iss.",
}
_TIME_CLAIMS = ("exp", "iat", "nbf")


def explain_claims(
    claims: Mapping[str, Any], *, now: float | None = None
) -> list[ClaimLine]:
    """Every claim with its meaning, the known ones first; dates made readable."""
    known = [name for name in _CLAIM_MEANINGS if name in claims]
    others = [name for name in claims if name not in _CLAIM_MEANINGS]

    lines = []
    for name in known + others:
        meaning = _CLAIM_MEANINGS.get(
            name, "Extra claim; Salesforce ignores claims it does not know."
        )
        readable = ""
        if name in _TIME_CLAIMS:
            readable = describe_epoch(claims[name], now=now)
        lines.append(ClaimLine(name, _as_text(claims[name]), meaning, readable))
    return lines


def explain_header(header: Mapping[str, Any]) -> list[ClaimLine]:
    """Every header field with its meaning."""
    lines = []
    for name, value in header.items():
        meaning = _HEADER_MEANINGS.get(
            name, "Extra header field; Salesforce is not known to read it."
        )
        if name == "alg" and value != SIGNING_ALG:
            meaning += f" {_as_text(value)} will be refused."
        lines.append(ClaimLine(name, _as_text(value), meaning))
    return lines


def describe_epoch(value: Any, *, now: float | None = None) -> str:
    """An epoch time as "2026-12-03 17:00:05 UTC (in 3 min)", or "not a date"."""
    seconds = _as_seconds(value)
    if seconds is None:
        return "not a date"
    current = time.time() if now is None else now
    relative = _relative(seconds - current)

    moment = _utc_text(seconds)
    if not moment:
        moment = "beyond year 9999" if seconds > 0 else "before year 1"
    as_milliseconds = _utc_text(seconds / 1000) if seconds >= _MILLISECONDS_FROM else ""
    if as_milliseconds:
        return f"{moment} ({relative}; as milliseconds: {as_milliseconds})"
    return f"{moment} ({relative})"


def mask_signature(token: str) -> str:
    """The token with its signature hidden: safe to show or log."""
    try:
        decoded = decode_jwt(token)
    except JwtFormatError:
        return hidden_text(token.strip() if isinstance(token, str) else "")
    return mask_assertion(f"{decoded.signing_input}.{decoded.signature}")


def _format_error(message: str) -> JwtFormatError:
    return JwtFormatError(message, code="jwt_malformed", fix=_FORMAT_FIX)


def _cleaned(token: object) -> str:
    """The pasted text without wrapping; refuses texts that are clearly not JWTs."""
    if isinstance(token, (bytes, bytearray)):
        token = bytes(token).decode("utf-8", errors="replace")
    if not isinstance(token, str):
        raise _format_error("The assertion is not text.")

    text = _BEARER.sub("", token.strip(), count=1)
    if not text:
        raise _format_error("The assertion is empty.")

    if "-----BEGIN" in text:
        what = "a private key" if "PRIVATE KEY" in text else "a PEM certificate or key"
        raise _format_error(
            f"This looks like {what}, not a JWT. The key signs the assertion; it "
            "is never sent itself."
        )
    if _SESSION_ID.match(text):
        raise _format_error(
            "This looks like a Salesforce access token (00D...!...), the result of "
            "a login, not a JWT assertion."
        )
    if text.startswith(("{", "[")):
        raise _format_error(
            "This looks like JSON (a decoded payload or a server answer), not a "
            "compact JWT."
        )
    return "".join(text.split())


def _wrong_part_count(count: int) -> str:
    if count == 5:
        return (
            "This has five dot-separated parts: an encrypted JWT (JWE). Salesforce "
            "needs a signed JWT with three parts."
        )
    if count == 1:
        return "This has no dots; a JWT has three parts: header.payload.signature."
    return (
        f"This has {count} dot-separated parts; a JWT has exactly three: "
        "header.payload.signature."
    )


def _check_base64url(name: str, part: str) -> None:
    if not part and name != "signature":
        raise _format_error(f"The {name} part of the JWT is empty.")
    if "+" in part or "/" in part:
        raise _format_error(
            f"The {name} part contains '+' or '/': that is plain base64. A JWT uses "
            "base64url ('-' and '_' instead, no '=' padding); Salesforce refuses the "
            "plain form as an invalid assertion."
        )
    if not _BASE64URL.match(part) or len(part.rstrip("=")) % 4 == 1:
        raise _format_error(f"The {name} part of the JWT is not valid base64url.")


def _b64url_bytes(part: str) -> bytes:
    stripped = part.rstrip("=")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def _json_object(name: str, part: str) -> dict[str, Any]:
    try:
        text = _b64url_bytes(part).decode("utf-8")
    except (binascii.Error, ValueError):
        raise _format_error(f"The {name} of the JWT is not UTF-8 text.") from None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _format_error(f"The {name} of the JWT is not JSON.") from None
    if not isinstance(value, dict):
        raise _format_error(
            f"The {name} of the JWT is JSON but not an object ({{...}})."
        )
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _as_seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
    elif not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) else None


def _utc_text(seconds: float) -> str:
    try:
        moment = _EPOCH + dt.timedelta(seconds=int(seconds))
    except OverflowError:
        return ""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} UTC"
    )


def _relative(delta: float) -> str:
    span = abs(delta)
    if round(span) == 0:
        return "now"

    amount, unit = _rounded_span(span)
    text = f"{amount:,} {unit}"
    if amount > _MAX_YEARS_SHOWN and unit == "years":
        text = f"more than {_MAX_YEARS_SHOWN:,} years"
    return f"in {text}" if delta > 0 else f"{text} ago"


def _rounded_span(span: float) -> tuple[int, str]:
    if round(span) < 60:
        return round(span), "s"
    if round(span / 60) < 60:
        return round(span / 60), "min"
    if round(span / 3600) < 48:
        return round(span / 3600), "h"
    days = round(span / 86400)
    if days < 730:
        return days, "day" if days == 1 else "days"
    return round(span / _SECONDS_PER_YEAR), "years"

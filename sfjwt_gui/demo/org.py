"""The demo org: Salesforce's token endpoint and follow-up calls, without sockets.

``DemoOrg.handle`` turns one HTTP request into one ``DemoResponse``; the server
in ``server.py`` only moves bytes. The token endpoint checks a request in the
order Salesforce appears to (see the reference's "Ordering hint"): form and
grant type, assertion shape, HMAC algorithm, issuer, signature, audience,
expiry, subject, then the scenario's failure and the hourly login limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, unquote

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.demo import rest
from sfjwt_gui.demo.assertion import (
    INVALID_ASSERTION,
    Refusal,
    bearer_token,
    expiry_seconds,
    parse_jwt,
    read_form,
    without_slash,
)
from sfjwt_gui.demo.scenarios import (
    FOREIGN_PAGES,
    OAUTH_FAILURES,
    SCENARIOS,
    SERVER_ERROR_HTML,
    padded_json,
    throwaway_certificate,
    truncated,
    with_invalid_utf8,
)
from sfjwt_gui.demo.settings import (
    CLOCK_SKEW_SCENARIO_OFFSET_S,
    FORM_ANSWER_CONTENT_TYPE,
    HTML_CONTENT_TYPE,
    HUGE_ANSWER_BYTES,
    JSON_CONTENT_TYPE,
    JWT_BEARER_GRANT,
    SANDBOX_AUDIENCE,
    TEXT_CONTENT_TYPE,
    TOKEN_PATH,
    XML_CONTENT_TYPE,
    DemoSettings,
)
from sfjwt_gui.engine.errors import UsageError

logger = logging.getLogger(__name__)

_LOGIN_WINDOW_S = 3600.0
_KEPT_SECRETS = 100


@dataclass(frozen=True)
class DemoResponse:
    """One answer of the demo org, and how the server should deliver it.

    ``behaviour`` is "" (send it), "reset" (send the headers and part of the
    body, then close the socket) or "trickle" (send the body one byte at a time,
    slowly). ``body_stream``, when set, makes the body (``body`` is then empty)
    and the headers carry its Content-Length.
    """

    status: int
    headers: dict[str, str]
    body: bytes
    delay_s: float = 0.0
    behaviour: str = ""
    body_stream: Callable[[], Iterator[bytes]] | None = None


class DemoOrg:
    """A local stand-in of one Salesforce org with one connected app and one user.

    Thread-safe: the server calls ``handle`` from many threads at once.
    """

    def __init__(self, settings: DemoSettings | None = None) -> None:
        self.settings = settings if settings is not None else DemoSettings()
        _check_scenario_name(self.settings.scenario)
        self._lock = threading.RLock()
        # Signs id + issued_at in success answers, as an app's consumer secret does.
        self._signing_secret = secrets.token_bytes(32)
        self._live_tokens: set[str] = set()
        # The latest tokens issued and assertions received, for tests that
        # check such secrets never leave the app's memory.
        self._issued_tokens: deque[str] = deque(maxlen=_KEPT_SECRETS)
        self._received_assertions: deque[str] = deque(maxlen=_KEPT_SECRETS)
        self._login_times: list[float] = []
        self._login_count = 0
        self._api_calls = 0
        self._throwaway_certificate: x509.Certificate | None = None
        self._scenario_since = self.now()

    def set_scenario(self, name: str) -> None:
        """Put the org into scenario ``name`` (UsageError for an unknown name)."""
        _check_scenario_name(name)
        with self._lock:
            self.settings.scenario = name
            self._scenario_since = self.now()
        logger.info("Demo org scenario set to %s", name)

    def register_certificate(self, cert: x509.Certificate) -> None:
        """Upload ``cert`` to the demo org's connected app."""
        with self._lock:
            self.settings.certificate = cert
        logger.info("Demo org app certificate replaced (%s)", cert.subject)

    def now(self) -> float:
        """The server clock: real time plus the configured offset."""
        offset = self.settings.clock_offset_s
        if self.settings.scenario == "clock_skew":
            offset += CLOCK_SKEW_SCENARIO_OFFSET_S
        return time.time() + offset

    @property
    def issued_tokens(self) -> list[str]:
        """The latest access tokens this org issued, oldest first."""
        with self._lock:
            return list(self._issued_tokens)

    @property
    def received_assertions(self) -> list[str]:
        """The latest assertions posted to the token endpoint, oldest first."""
        with self._lock:
            return list(self._received_assertions)

    @property
    def login_count(self) -> int:
        """How many logins (issued tokens) the org has granted."""
        with self._lock:
            return self._login_count

    def handle(
        self,
        method: str,
        path_with_query: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        base_url: str,
        client_ip: str = "127.0.0.1",
    ) -> DemoResponse:
        """Answer one HTTP request the way the org would."""
        verb = "GET" if method.upper() == "HEAD" else method.upper()
        # An origin-form target: "//x" is a path here, never a host name.
        raw_path, _, raw_query = path_with_query.partition("#")[0].partition("?")
        # The CLI joins some URLs into "//services/..."; servers fold the slashes.
        path = re.sub(r"/{2,}", "/", unquote(raw_path)).rstrip("/") or "/"

        try:
            query = dict(parse_qsl(raw_query, keep_blank_values=True))
            lower_headers = {name.lower(): value for name, value in headers.items()}
            return self._route(verb, path, query, lower_headers, body, base_url)
        except Exception:
            # A bug must show as a server error, not kill the request thread.
            logger.exception("Demo org failed on %s %s from %s", verb, path, client_ip)
            return self._text(500, SERVER_ERROR_HTML, HTML_CONTENT_TYPE)

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> DemoResponse:
        base_url = base_url.rstrip("/")
        logger.debug("Demo org request %s %s", method, path)
        if path == TOKEN_PATH:
            if method != "POST":
                # Wording unconfirmed; a GET can never carry the form.
                return self._oauth_error("invalid_request", "must use HTTP POST")
            return self._token_endpoint(headers, body, base_url)
        if path == "/services/oauth2/revoke" and method in ("GET", "POST"):
            return self._revoke(query, headers, body)
        if path == "/services/oauth2/userinfo" and method in ("GET", "POST"):
            return self._userinfo(headers, base_url)
        if path.startswith("/id/") and method in ("GET", "POST"):
            return self._identity(path, query, headers, base_url)
        if path == "/services/data" and method == "GET":
            return self._json(200, rest.VERSION_LIST)
        if path.startswith("/services/data/v"):
            return self._rest(method, path, query, headers, base_url)
        return self._text(404, rest.NOT_FOUND_HTML, HTML_CONTENT_TYPE)

    # -- token endpoint -------------------------------------------------------

    def _token_endpoint(
        self, headers: dict[str, str], body: bytes, base_url: str
    ) -> DemoResponse:
        scenario = self.settings.scenario
        if scenario in FOREIGN_PAGES:
            status, page = FOREIGN_PAGES[scenario]
            return self._text(status, page, HTML_CONTENT_TYPE)

        try:
            self._check_token_request(headers, body)
        except Refusal as refusal:
            logger.info(
                "Demo org refused a login: %s (%s)", refusal.error, refusal.description
            )
            answer = self._oauth_error(refusal.error, refusal.description)
        else:
            answer = self._json(200, self._issue_token(base_url), no_store=True)

        return self._damaged(answer, scenario)

    def _check_token_request(self, headers: dict[str, str], body: bytes) -> None:
        settings = self.settings
        form = read_form(headers, body)
        if form is None or form.get("grant_type") != JWT_BEARER_GRANT:
            raise Refusal("unsupported_grant_type", "grant type not supported")

        assertion = form.get("assertion", "")
        if assertion:
            with self._lock:
                self._received_assertions.append(assertion)
        header, claims = parse_jwt(assertion)
        if str(header.get("alg", "")).upper().startswith("HS"):
            raise Refusal("invalid_client", "invalid client credentials")

        if claims.get("iss") != settings.client_id or self._app_still_propagating():
            raise Refusal("invalid_client_id", "client identifier invalid")

        self._check_signature(form["assertion"])

        audience = claims.get("aud")
        accepted = {without_slash(value) for value in self._accepted_audiences()}
        if not isinstance(audience, str) or without_slash(audience) not in accepted:
            raise Refusal("invalid_grant", "audience is invalid")

        expires = expiry_seconds(claims.get("exp"))
        if expires is None:
            raise Refusal(*INVALID_ASSERTION)
        if self.now() > expires + settings.exp_leeway_s:
            raise Refusal("invalid_grant", "expired authorization code")

        # prn is the older name of sub and wins when both are present.
        subject = claims["prn"] if "prn" in claims else claims.get("sub")
        # Salesforce usernames are case-insensitive.
        if not isinstance(subject, str) or (
            subject.casefold() != settings.username.casefold()
        ):
            raise Refusal("invalid_grant", settings.unknown_user_error)

        if settings.scenario in OAUTH_FAILURES:
            raise Refusal(*OAUTH_FAILURES[settings.scenario])

        self._count_login()

    def _app_still_propagating(self) -> bool:
        if self.settings.scenario != "propagation_delay":
            return False
        with self._lock:
            since = self._scenario_since
        return self.now() - since < self.settings.propagation_delay_s

    def _accepted_audiences(self) -> tuple[str, ...]:
        if self.settings.scenario == "audience_invalid":
            return (SANDBOX_AUDIENCE,)
        return self.settings.accepted_audiences

    def _check_signature(self, assertion: str) -> None:
        certificate = self._app_certificate()
        public_key = certificate.public_key() if certificate is not None else None
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise Refusal(*INVALID_ASSERTION)
        try:
            jwt.PyJWS().decode_complete(assertion, key=public_key, algorithms=["RS256"])
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            logger.debug("Demo org: signature refused (%s)", type(error).__name__)
            raise Refusal(*INVALID_ASSERTION) from None

    def _app_certificate(self) -> x509.Certificate | None:
        if self.settings.scenario != "wrong_certificate":
            return self.settings.certificate
        with self._lock:
            if self._throwaway_certificate is None:
                self._throwaway_certificate = throwaway_certificate()
            return self._throwaway_certificate

    def _count_login(self) -> None:
        settings = self.settings
        limit = 0 if settings.scenario == "login_rate" else settings.login_rate_per_hour
        with self._lock:
            now = self.now()
            self._login_times = [
                at for at in self._login_times if at > now - _LOGIN_WINDOW_S
            ]
            if len(self._login_times) >= limit:
                raise Refusal("invalid_grant", "login rate exceeded")
            self._login_times.append(now)
            self._login_count += 1

    def _issue_token(self, base_url: str) -> dict[str, Any]:
        settings = self.settings
        # Real access tokens start with the 15-character form of the org id.
        opaque = secrets.token_urlsafe(72).replace("-", ".")
        token = f"{settings.org_id[:15]}!AQ{opaque}"
        with self._lock:
            self._live_tokens.add(token)
            self._issued_tokens.append(token)

        identity_url = f"{base_url}/id/{settings.org_id}/{settings.user_id}"
        issued_at = str(int(self.now() * 1000))
        answer: dict[str, Any] = {"access_token": token}
        if settings.include_issued_at:
            signed = (identity_url + issued_at).encode("utf-8")
            digest = hmac.new(self._signing_secret, signed, hashlib.sha256).digest()
            answer["signature"] = base64.b64encode(digest).decode("ascii")
        answer["scope"] = settings.scope
        answer["instance_url"] = base_url
        answer["id"] = identity_url
        # The OAuth token type, not a secret.
        answer["token_type"] = "Bearer"  # noqa: S105
        if settings.include_issued_at:
            answer["issued_at"] = issued_at

        logger.info("Demo org issued a token to %s", settings.username)
        return answer

    def _damaged(self, answer: DemoResponse, scenario: str) -> DemoResponse:
        """The answer as the scenario delivers it: late, cut, damaged or huge."""
        if scenario == "slow":
            return replace(answer, delay_s=self.settings.slow_delay_s)
        if scenario == "truncated_json":
            return replace(answer, body=truncated(answer.body))
        if scenario == "invalid_utf8":
            return replace(answer, body=with_invalid_utf8(answer.body))
        if scenario == "huge_answer":
            original = answer.body
            return replace(
                answer,
                headers={**answer.headers, "Content-Length": str(HUGE_ANSWER_BYTES)},
                body=b"",
                body_stream=lambda: padded_json(original, HUGE_ANSWER_BYTES),
            )
        if scenario in ("reset", "trickle"):
            return replace(answer, behaviour=scenario)
        return answer

    # -- follow-up endpoints --------------------------------------------------

    def _token_is_live(self, token: str | None) -> bool:
        with self._lock:
            return token is not None and token in self._live_tokens

    def _revoke(
        self, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> DemoResponse:
        form = read_form(headers, body) or {}
        token = form.get("token") or query.get("token") or ""
        with self._lock:
            known = token in self._live_tokens
            self._live_tokens.discard(token)

        if not known:
            return self._oauth_error("invalid_token", "invalid token")
        logger.info("Demo org revoked a token")
        return DemoResponse(200, self._headers({"Cache-Control": "no-store"}), b"")

    def _userinfo(self, headers: dict[str, str], base_url: str) -> DemoResponse:
        live = self._token_is_live(bearer_token(headers))
        if not live or self.settings.scenario == "userinfo_forbidden":
            return self._text(403, "Bad_OAuth_Token", TEXT_CONTENT_TYPE)
        return self._json(200, rest.userinfo(self.settings, base_url))

    def _identity(
        self,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        base_url: str,
    ) -> DemoResponse:
        token = bearer_token(headers) or query.get("oauth_token")
        if not self._token_is_live(token):
            return self._text(403, "Bad_OAuth_Token", TEXT_CONTENT_TYPE)
        if not rest.is_own_identity_path(self.settings, path):
            return self._text(404, rest.NOT_FOUND_HTML, HTML_CONTENT_TYPE)

        answer_format = rest.identity_format(query.get("format"), headers.get("accept"))
        if answer_format is None:
            # Salesforce's answer to an unknown format is unconfirmed. A refusal
            # makes a misspelt format fail here rather than pass here and break
            # against a real org; jsonp (JavaScript for a callback) is not emulated.
            return self._oauth_error("invalid_request", "unsupported format")

        payload = rest.identity(self.settings, base_url, query.get("version"))
        if answer_format == "xml":
            return self._bytes(200, rest.as_xml("user", payload), XML_CONTENT_TYPE)
        if answer_format == "urlencoded":
            body = rest.as_form(payload)
            return self._bytes(200, body, FORM_ANSWER_CONTENT_TYPE)
        return self._json(200, payload)

    def _rest(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        base_url: str,
    ) -> DemoResponse:
        if not self._token_is_live(bearer_token(headers)):
            return self._json(401, rest.INVALID_SESSION)

        with self._lock:
            self._api_calls += 1
            used = self._api_calls
        status, payload = rest.rest_answer(
            self.settings, method, path, query, base_url, used
        )
        return self._json(
            status, payload, extra={"Sforce-Limit-Info": rest.usage(used)}
        )

    # -- answer builders ------------------------------------------------------

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        return {"Date": formatdate(self.now(), usegmt=True), **extra}

    def _json(
        self,
        status: int,
        payload: Any,
        *,
        no_store: bool = False,
        extra: Mapping[str, str] | None = None,
    ) -> DemoResponse:
        headers = {"Content-Type": JSON_CONTENT_TYPE, **(extra or {})}
        if no_store:
            headers["Cache-Control"] = "no-store"
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return DemoResponse(status, self._headers(headers), body)

    def _oauth_error(self, error: str, description: str) -> DemoResponse:
        payload = {"error": error, "error_description": description}
        return self._json(400, payload, no_store=True)

    def _text(self, status: int, text: str, content_type: str) -> DemoResponse:
        return self._bytes(status, text.encode("utf-8"), content_type)

    def _bytes(self, status: int, body: bytes, content_type: str) -> DemoResponse:
        headers = self._headers({"Content-Type": content_type})
        return DemoResponse(status, headers, body)


def _check_scenario_name(name: str) -> None:
    if name not in SCENARIOS:
        raise UsageError(
            f"The demo org has no scenario called {name!r}.",
            fix="Choose one of: " + ", ".join(SCENARIOS) + ".",
        )

"""Hostile text: login URLs, JWTs, token responses, profile files and history.

Each property runs a thousand generated cases, the same ones on every run
(derandomized, no example database). Whatever comes in, only the engine's own
errors (SfjwtError subclasses) may come out, and where it is cheap to say what
a right answer looks like, the answer is checked too.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st
from property_settings import THOROUGH

from sfjwt_gui.engine.assertion import (
    build_claims,
    decode_jwt,
    describe_epoch,
    explain_claims,
    explain_header,
    mask_signature,
    sign_assertion,
    verify_signature,
)
from sfjwt_gui.engine.diagnose import AnswerContext, diagnose_answer
from sfjwt_gui.engine.errors import (
    JwtFormatError,
    LoginUrlError,
    ProfileError,
    SfjwtError,
    UsageError,
)
from sfjwt_gui.engine.exchange import HttpClient, HttpRecord
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.login import LoginSettings, run_login
from sfjwt_gui.engine.loginurl import (
    TOKEN_PATH,
    LoginKind,
    classify_login_url,
    is_loopback_host,
    normalise_audience,
)
from sfjwt_gui.engine.profile_format import (
    Profile,
    encode_profile,
    profile_from_bytes,
)
from sfjwt_gui.engine.profiles import ProfileStore
from sfjwt_gui.engine.tokeninfo import TokenInfo, ids_from_identity_url

T = TypeVar("T")


def attempt(call: Callable[[], T]) -> T | SfjwtError:
    """What ``call`` returns, or the engine error it raises; anything else escapes."""
    try:
        return call()
    except SfjwtError as error:
        return error


def assert_readable(error: SfjwtError) -> None:
    assert error.message.strip()
    assert error.fix.strip()


# JSON numbers have no size limit: whole numbers too big for a float included.
big_integers = st.sampled_from([10**400, -(10**400), 2**1024, 10**20])
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | big_integers
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
# Two levels of nesting find what deeper ones would, and draw far faster.
_shallow = (
    json_scalars
    | st.lists(json_scalars, max_size=3)
    | st.dictionaries(st.text(max_size=6), json_scalars, max_size=3)
)
json_values = (
    _shallow
    | st.lists(_shallow, max_size=3)
    | st.dictionaries(st.text(max_size=6), _shallow, max_size=3)
)
# Values of every JSON type, the awkward ones included; cheap to draw.
odd_values = st.sampled_from(
    [None, True, 0, -1, 1.5, 1e308, 10**400, "", "x", [], ["a"], [1], {}, {"a": 1}]
)


# ---- login URLs --------------------------------------------------------------

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)
url_texts = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["https://", "http://", "", "//", "HTTPS://", "ftp://", "x:"]),
    st.one_of(
        st.text(alphabet="aZ09-._:[]%@\\é ", max_size=30),
        st.lists(labels, min_size=1, max_size=4).map(".".join),
        st.sampled_from(["127.0.0.1", "[::1]", "::1", "localhost", "999.1.1.1"]),
    ),
    st.sampled_from(["", ":443", ":8443", ":0", ":99999", ":x", ":", "."]),
    st.text(alphabet="/?#&=as.%@:", max_size=20),
)


@THOROUGH
@given(text=st.one_of(st.text(), url_texts), own_audience=st.booleans())
def test_login_urls_classify_or_say_why_not(text: str, own_audience: bool) -> None:
    is_loopback_host(text)  # never raises
    normalise_audience(text)
    target = attempt(lambda: classify_login_url(text, my_domain_audience=own_audience))
    if isinstance(target, SfjwtError):
        assert isinstance(target, LoginUrlError)
        assert_readable(target)
        return

    # A usable URL keeps its host, and reading it again changes nothing.
    assert target.host
    assert target.host.lower() in target.base_url.lower()
    assert target.token_endpoint == target.base_url + TOKEN_PATH
    assert target.is_loopback == is_loopback_host(target.host)
    again = classify_login_url(target.base_url, my_domain_audience=own_audience)
    assert (again.base_url, again.kind) == (target.base_url, target.kind)


@THOROUGH
@given(name=labels, path=st.text(alphabet="/?#=as.%", max_size=20))
def test_a_my_domain_url_keeps_its_host_and_drops_any_page_path(
    name: str, path: str
) -> None:
    host = f"{name}.my.salesforce.com"

    target = classify_login_url(f"https://{host.upper()}/{path}")

    assert target.host == host
    assert target.base_url == f"https://{host}"
    assert target.kind in (LoginKind.MY_DOMAIN, LoginKind.MY_DOMAIN_SANDBOX)


# ---- JWTs --------------------------------------------------------------------

b64url_parts = st.text(alphabet="ABCxyz0189-_=+/eyJ", max_size=40)


@THOROUGH
@given(
    text=st.one_of(
        st.text(),
        st.lists(b64url_parts, min_size=1, max_size=6).map(".".join),
        st.sampled_from(["Bearer ", "  ", "eyJ", "-----BEGIN "]).flatmap(
            lambda prefix: st.text(max_size=40).map(prefix.__add__)
        ),
    )
)
def test_anything_pasted_as_a_jwt_decodes_or_says_why_not(
    text: str, key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> None:
    masked = mask_signature(text)  # never raises
    assert isinstance(masked, str)
    decoded = attempt(lambda: decode_jwt(text))
    if isinstance(decoded, SfjwtError):
        assert isinstance(decoded, JwtFormatError)
        assert_readable(decoded)
        with pytest.raises(JwtFormatError):
            verify_signature(text, key_pair[1])
        return

    explain_header(decoded.header)
    for line in explain_claims(decoded.claims, now=0):
        assert line.name in decoded.claims
    assert verify_signature(text, key_pair[1]) is False


claim_sets = st.dictionaries(st.text(max_size=10), json_values, max_size=6)


@THOROUGH
@given(claims=claim_sets, base=st.fixed_dictionaries({"iss": st.text(max_size=20)}))
def test_a_signed_token_decodes_to_its_claims_and_verifies_with_its_key(
    claims: dict[str, Any],
    base: dict[str, Any],
    key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate],
    other_key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate],
) -> None:
    claims = {**base, **claims}
    token = attempt(lambda: sign_assertion(claims, key_pair[0]))
    if isinstance(token, SfjwtError):
        # The signing library's own rules about standard claims (iss is text...).
        assert isinstance(token, UsageError)
        assert token.code == "claims_invalid"
        return

    decoded = decode_jwt(f"  Bearer {token}\n")

    assert decoded.claims == claims
    assert decoded.alg == "RS256"
    assert verify_signature(token, key_pair[1]) is True
    assert verify_signature(token, other_key_pair[1]) is False
    assert decoded.signature not in mask_signature(token)
    for name in ("exp", "iat", "nbf"):
        if name in claims:
            assert describe_epoch(claims[name], now=0)


@THOROUGH
@given(
    lifetime=json_scalars,
    now=st.floats(min_value=0, max_value=4e9),
)
def test_any_lifetime_builds_claims_or_is_refused(lifetime: Any, now: float) -> None:
    claims = attempt(
        lambda: build_claims(
            client_id="3MVG9x",
            username="u@example.com",
            audience="a",
            now=now,
            lifetime_s=lifetime,
        )
    )
    if isinstance(claims, SfjwtError):
        assert isinstance(claims, UsageError)
        assert claims.code == "lifetime_invalid"
        return
    assert isinstance(claims["exp"], int)


# ---- token responses ---------------------------------------------------------

identity_urls = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="[]:/@id0a.", max_size=20).map("https://".__add__),
)


header_values = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "text/html",
        "application/json; charset=rot13",
        "application/json; charset=utf-16",
        "application/json; charset=idna",
        "",
        'text/plain; charset="x"',
    ]
)
# URLs a token response may point the follow-up calls at, sane or not.
server_urls = identity_urls | st.sampled_from(
    ["https://acme.my.salesforce.com", "http://evil.example/id/00D/005", "file:///x"]
)
# Shaped as Salesforce's (org id, "!", opaque part): a text that is surely
# the token wherever it turns up.
SESSION_ID_PREFIX = "00D5g000004XyZ1!"
session_ids = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._",
    min_size=16,
    max_size=40,
).map(SESSION_ID_PREFIX.__add__)
token_bodies = st.fixed_dictionaries(
    {"access_token": session_ids | st.text(min_size=1, max_size=30)},
    optional={
        "instance_url": server_urls | odd_values,
        "id": server_urls | odd_values,
        "scope": odd_values,
        "signature": odd_values,
    },
)
response_bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    token_bodies.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "access_token": odd_values,
            "error": st.sampled_from(["invalid_grant", "invalid_client"]) | odd_values,
            "error_description": st.text(max_size=20) | odd_values,
        },
    ).map(lambda value: json.dumps(value).encode()),
)
response_headers = st.fixed_dictionaries(
    {"Content-Type": header_values},
    optional={
        "Date": st.text(max_size=40)
        | st.sampled_from(["Mon, 01 Jan 0001 00:00:00 GMT", "Tue, 1 Jan 9999"]),
        "Location": st.text(max_size=20),
    },
)
answers = st.tuples(
    st.sampled_from([200, 200, 200, 302, 400, 401, 403, 500, 503, 204]),
    response_headers,
    response_bodies,
)
# Mostly a token, so that the follow-up calls run; sometimes anything at all.
token_answers = st.tuples(
    st.just(200),
    st.just({"Content-Type": "application/json"}),
    token_bodies.map(lambda value: json.dumps(value).encode()),
)


@THOROUGH
@given(body=json_values, id_url=identity_urls, status=st.integers(0, 999))
def test_token_fields_and_records_never_fail_to_read(
    body: Any, id_url: str, status: int
) -> None:
    ids_from_identity_url(id_url)
    if isinstance(body, dict):
        info = TokenInfo.from_response({**body, "id": id_url})
        assert "access_token" in info.to_dict()

    record = HttpRecord(
        "POST",
        "https://login.salesforce.com/x",
        {},
        {},
        datetime.now(timezone.utc),
        elapsed_ms=5.0,
        status=status,
        response_headers={"Content-Type": "application/json", "Date": id_url},
        body=json.dumps(body).encode(),
    )
    assert record.json() == body
    assert isinstance(record.text, str)
    findings = diagnose_answer(record, AnswerContext())
    assert all(finding.title for finding in findings)


class CannedAdapter(requests.adapters.HTTPAdapter):
    """Answers every request from a list, without any network."""

    def __init__(self, replies: list[tuple[int, dict[str, str], bytes]]) -> None:
        super().__init__()
        self.replies = replies
        self.sent = 0

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **_: Any
    ) -> requests.Response:
        status, headers, body = self.replies[self.sent % len(self.replies)]
        self.sent += 1
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,
            status=status,
            preload_content=False,
            decode_content=False,
            reason="Canned",
        )
        return self.build_response(request, raw)


@pytest.fixture(scope="module")
def login_files(
    tmp_path_factory: pytest.TempPathFactory,
    key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate],
) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("props-login")
    key_path, cert_path = folder / "sf.key", folder / "sf.crt"
    key_path.write_bytes(
        key_pair[0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(key_pair[1].public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


@THOROUGH
@given(
    first=token_answers | answers,
    then=st.lists(answers, max_size=3),
    revoke=st.booleans(),
)
def test_any_token_endpoint_answer_becomes_findings_not_a_crash(
    login_files: tuple[str, str],
    first: tuple[int, dict[str, str], bytes],
    then: list[tuple[int, dict[str, str], bytes]],
    revoke: bool,
) -> None:
    replies = [first, *then]
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", CannedAdapter(replies))
    session.mount("http://", CannedAdapter(replies))
    login = LoginSettings(
        login_url="https://acme.my.salesforce.com",
        client_id="3MVG9props",
        username="user@acme.example",
        key_path=login_files[0],
        cert_path=login_files[1],
        verify_token=True,
        revoke_after=revoke,
    )

    result = run_login(login, client=HttpClient(session=session))

    assert result.sent
    assert result.ok or result.findings
    if result.ok:
        # Each follow-up call is a step of its own, whatever URL the answer gave.
        assert result.verification
        assert result.verification[0].name == "userinfo"
    token = result.token.access_token if result.token is not None else ""
    if token.startswith(SESSION_ID_PREFIX):
        for finding in result.findings:
            assert token not in finding.as_text()


# ---- profile files and history -----------------------------------------------

_TYPED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text(max_size=20),
    "int": st.integers() | big_integers,
    "float": st.floats() | st.integers() | big_integers,
    "bool": st.booleans(),
    "list[str]": st.lists(st.text(max_size=8), max_size=3),
}


@st.composite
def profile_fields(draw: st.DrawFn) -> dict[str, Any]:
    """Fields of the right JSON type (edge values included), at most one not."""
    fields: dict[str, Any] = {}
    for name, field in Profile.__dataclass_fields__.items():
        if draw(st.booleans()):
            fields[name] = draw(_TYPED_VALUES[str(field.type)])
    extra = ["passphrase", "access_token", "token_lifetime", "Name", "x"]
    for name in draw(st.lists(st.sampled_from(extra), max_size=2)):
        fields[name] = draw(odd_values)
    spoil = draw(st.booleans())
    if fields and spoil:
        spoiled = draw(st.sampled_from(sorted(fields)))
        fields[spoiled] = draw(odd_values)
    return fields


profile_documents = st.fixed_dictionaries(
    {},
    optional={
        "schema_version": st.sampled_from([0, 1, 2, -1, "1", True, 1.0, None]),
        "profile": profile_fields() | json_values,
    },
)
profile_bytes = st.one_of(
    st.binary(max_size=200),
    profile_documents.map(lambda document: json.dumps(document).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
)


@THOROUGH
@given(raw=profile_bytes)
def test_profile_bytes_load_or_say_the_file_is_damaged(raw: bytes) -> None:
    profile = attempt(lambda: profile_from_bytes(raw, Path("p.json")))
    if isinstance(profile, SfjwtError):
        assert isinstance(profile, ProfileError)
        assert profile.code in ("profile_corrupt", "profile_too_new")
        assert "p.json" in profile.message
        assert_readable(profile)
        return

    # What loads is saved back unchanged, and no secret-looking field survives.
    assert profile_from_bytes(encode_profile(profile), Path("p.json")) == profile
    assert set(profile.to_dict()) == set(Profile.__dataclass_fields__)


@THOROUGH
@given(files=st.lists(profile_bytes, min_size=1, max_size=3))
def test_a_profiles_folder_of_anything_lists_without_failing(
    files: list[bytes],
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for number, raw in enumerate(files):
            (folder / f"file-{number}.json").write_bytes(raw)
        store = ProfileStore(folder)

        listing = store.list()

        # Every file is a profile or a problem; damaged files are moved, not lost.
        assert len(listing.profiles) + len(listing.problems) == len(files)
        assert len(list(folder.iterdir())) == len(files)
        for profile in listing.profiles:
            assert store.get(profile.name) == profile
        again = store.list()
        assert again.profiles == listing.profiles


history_lines = st.one_of(
    st.binary(max_size=80),
    st.fixed_dictionaries(
        {"at": st.text(max_size=5), "ok": st.booleans()},
        optional={
            "codes": st.lists(st.text(max_size=5), max_size=2) | odd_values,
            "status": st.integers(100, 599) | odd_values,
            "elapsed_ms": st.floats(0, 1e4) | odd_values,
            "summary": st.text(max_size=10) | odd_values,
            "login_url": odd_values,
        },
    ).map(lambda entry: json.dumps(entry).encode()),
)


@THOROUGH
@given(lines=st.lists(history_lines, max_size=6))
def test_a_history_file_of_anything_reads_without_failing(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        store = HistoryStore(Path(temp))
        path = store._path("Acme")
        path.write_bytes(b"\n".join(lines))

        entries = store.entries("Acme")

        assert len(entries) <= len(lines)
        assert all(isinstance(entry.ok, bool) for entry in entries)
        assert store.count("Acme") == len(entries)

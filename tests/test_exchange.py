"""The HTTP exchange: every answer and every transport failure ends up in a record."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import re
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
import requests
import urllib3.exceptions
from loopback_servers import (
    Connection,
    LoopbackServer,
    ReceivedRequest,
    TlsFiles,
    closed_port,
    http_date,
    make_tls_files,
    never_respond,
    reset_mid_body,
    respond,
    respond_json,
    respond_tunnel_refused,
    send_raw,
    stream_zeros,
    trickle,
)

from sfjwt_gui import __version__
from sfjwt_gui.engine.errors import LoginUrlError, UsageError
from sfjwt_gui.engine.exchange import (
    MAX_BODY_BYTES,
    FailureCode,
    HttpClient,
    HttpRecord,
    check_url_allowed,
)

TOKEN_PATH = "/services/oauth2/token"
ASSERTION = (
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhQGIuYyJ9.c2lnbmF0dXJlLW9mLXRoZS1hc3NlcnRpb24"
)
FORM = {
    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "assertion": ASSERTION,
}
ACCESS_TOKEN = "00D5g000000AbCd!AQ8AQsecretsecretsecret"
TOKEN_BODY = {
    "access_token": ACCESS_TOKEN,
    "scope": "api id web",
    "instance_url": "https://acme.my.salesforce.com",
    "id": "https://login.salesforce.com/id/00D5g000000AbCdEAK/0055g00000XyZ12AAB",
    "token_type": "Bearer",
}


class CountingSession(requests.Session):
    """A real session that counts what it sends (to prove nothing was sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        self.sent += 1
        return super().send(request, **kwargs)


class FailingSession(requests.Session):
    """A session whose transport fails with a given exception."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        raise self.error


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(timeout=5) as http:
        yield http


@pytest.fixture
def quick_client() -> Iterator[HttpClient]:
    with HttpClient(timeout=0.5) as http:
        yield http


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(tls_files: TlsFiles) -> Iterator[LoopbackServer]:
    with LoopbackServer(
        respond_json(TOKEN_BODY), tls=tls_files.server_context()
    ) as server:
        yield server


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy exceptions from the machine: loopback goes through HTTPS_PROXY too."""
    for name in ("NO_PROXY", "no_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_token_post_sends_the_form_and_records_the_json_answer(
    client: HttpClient,
) -> None:
    before = dt.datetime.now(dt.timezone.utc)

    with LoopbackServer(respond_json(TOKEN_BODY)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    sent = server.received[0]
    assert (sent.method, sent.target) == ("POST", TOKEN_PATH)
    assert sent.header("Content-Type") == "application/x-www-form-urlencoded"
    assert sent.form == FORM
    assert sent.header("User-Agent") == f"sfjwt-gui/{__version__}"
    assert sent.header("Accept") == "application/json"

    assert record.ok
    assert (record.status, record.reason, record.failure) == (200, "OK", None)
    assert record.json() == TOKEN_BODY
    assert record.content_type == "application/json"
    assert record.request_form == FORM
    assert record.request_headers["User-Agent"] == f"sfjwt-gui/{__version__}"
    assert record.request_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert record.url == server.url(TOKEN_PATH)
    assert before <= record.started_at <= dt.datetime.now(dt.timezone.utc)
    assert record.elapsed_ms is not None
    assert record.elapsed_ms >= 0


def test_oauth_error_400_is_recorded_not_raised(client: HttpClient) -> None:
    error = {"error": "invalid_grant", "error_description": "audience is invalid"}

    with LoopbackServer(respond_json(error, status=400)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert not record.ok
    assert record.failure is None
    assert record.status == 400
    assert record.json() == error


def test_html_answer_is_text_not_json(client: HttpClient) -> None:
    page = "<html><body>Système en maintenance</body></html>".encode("iso-8859-1")
    content_type = "Text/HTML; charset=ISO-8859-1"

    with LoopbackServer(respond(200, page, content_type=content_type)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.ok
    assert record.content_type == "text/html"
    assert "Système en maintenance" in record.text
    assert record.json() is None


def test_invalid_utf8_body_is_readable_and_not_json(client: HttpClient) -> None:
    body = b'{"error": "\xff\xfe broken"}'

    with LoopbackServer(respond(200, body)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.body == body
    assert record.json() is None
    assert "\ufffd" in record.text
    assert "broken" in record.text


def test_cut_short_json_gives_no_json(client: HttpClient) -> None:
    with LoopbackServer(respond(200, b'{"access_token": "00D5g')) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.ok
    assert record.json() is None
    assert record.text == '{"access_token": "00D5g'


def test_refused_connection_names_host_and_port(client: HttpClient) -> None:
    port = closed_port()

    record = client.post_form(f"http://127.0.0.1:{port}{TOKEN_PATH}", FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.CONNECTION_FAILED
    assert f"127.0.0.1:{port}" in record.failure.message
    assert "connection refused" in record.failure.message
    assert record.status is None
    assert not record.ok


def test_unknown_host_name_is_reported_as_dns(client: HttpClient) -> None:
    host = "sfjwt-test-login.invalid"
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror:
        pass
    else:
        pytest.skip("this resolver answers for the reserved .invalid domain")

    record = client.post_form(f"https://{host}{TOKEN_PATH}", FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.CONNECTION_FAILED
    assert f"The host name {host} could not be resolved" in record.failure.message


def test_server_that_never_answers_times_out(quick_client: HttpClient) -> None:
    with LoopbackServer(never_respond()) as server:
        record = quick_client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.TIMEOUT
    assert "0.5 s" in record.failure.message
    assert record.status is None


def test_body_trickling_past_the_deadline_is_cut_off(
    quick_client: HttpClient,
) -> None:
    body = b"x" * 200  # at one byte per 50 ms: 10 s, far past the 0.5 s deadline

    with LoopbackServer(trickle(body, interval_s=0.05)) as server:
        record = quick_client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.TIMEOUT
    assert record.status == 200
    assert 0 < len(record.body) < len(body)
    assert not record.ok


def test_reset_in_the_middle_of_the_body(client: HttpClient) -> None:
    with LoopbackServer(reset_mid_body(b'{"access_token": "', 500)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.CONNECTION_FAILED
    assert "cut while reading the answer" in record.failure.message
    assert record.status == 200


def test_broken_chunked_encoding_is_a_cut_connection(client: HttpClient) -> None:
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-size\r\n"

    with LoopbackServer(send_raw(answer)) as server:
        record = client.get(server.url("/services/oauth2/userinfo"))

    assert record.failure is not None
    assert record.failure.code is FailureCode.CONNECTION_FAILED


def test_huge_body_is_capped_without_holding_it_in_memory(client: HttpClient) -> None:
    with LoopbackServer(stream_zeros(64 * 1024 * 1024)) as server:
        tracemalloc.start()
        try:
            record = client.get(server.url("/huge"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert record.failure is not None
    assert record.failure.code is FailureCode.RESPONSE_TOO_LARGE
    assert record.body_truncated
    assert len(record.body) == MAX_BODY_BYTES
    assert record.status == 200
    assert record.json() is None
    assert peak < 8 * 1024 * 1024


def test_compressed_answer_is_recorded_decompressed(client: HttpClient) -> None:
    packed = gzip.compress(json.dumps(TOKEN_BODY).encode())
    headers = {"Content-Encoding": "gzip"}

    with LoopbackServer(respond(200, packed, headers=headers)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.ok
    assert record.json() == TOKEN_BODY


def test_compressed_huge_answer_is_capped_after_decompression(
    client: HttpClient,
) -> None:
    packed = gzip.compress(bytes(64 * 1024 * 1024))
    headers = {"Content-Encoding": "gzip", "Content-Type": "text/plain"}

    with LoopbackServer(respond(200, packed, headers=headers)) as server:
        tracemalloc.start()
        try:
            record = client.get(server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert record.failure is not None
    assert record.failure.code is FailureCode.RESPONSE_TOO_LARGE
    assert len(record.body) == MAX_BODY_BYTES
    assert peak < 8 * 1024 * 1024


def test_body_of_exactly_the_cap_is_kept_whole(client: HttpClient) -> None:
    with LoopbackServer(stream_zeros(MAX_BODY_BYTES)) as server:
        record = client.get(server.url("/exact"))

    assert record.failure is None
    assert not record.body_truncated
    assert len(record.body) == MAX_BODY_BYTES


def test_self_signed_https_fails_verification_without_a_ca_bundle(
    client: HttpClient, tls_server: LoopbackServer
) -> None:
    record = client.post_form(tls_server.url(TOKEN_PATH), FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.TLS_ERROR
    assert (
        "TLS certificate of 127.0.0.1 could not be verified" in record.failure.message
    )
    assert tls_server.received == []


def test_self_signed_https_works_with_its_certificate_as_ca_bundle(
    tls_files: TlsFiles, tls_server: LoopbackServer
) -> None:
    with HttpClient(timeout=5, ca_bundle=tls_files.cert_path) as http:
        record = http.post_form(tls_server.url(TOKEN_PATH), FORM)

    assert record.ok
    assert record.json() == TOKEN_BODY
    assert tls_server.received[0].form == FORM


def test_missing_ca_bundle_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "corporate-ca.pem"

    with pytest.raises(UsageError, match=re.escape(str(missing))):
        HttpClient(ca_bundle=missing)


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan")])
def test_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(UsageError, match="timeout"):
        HttpClient(timeout=timeout)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(403, "answered 403 Forbidden"), (407, "user name and password")],
)
def test_proxy_refusing_the_tunnel_is_a_proxy_error(
    proxy_env: pytest.MonkeyPatch,
    tls_files: TlsFiles,
    tls_server: LoopbackServer,
    status: int,
    expected: str,
) -> None:
    with LoopbackServer(respond_tunnel_refused(status)) as proxy:
        proxy_env.setenv("HTTPS_PROXY", proxy.base_url)
        with HttpClient(timeout=5, ca_bundle=tls_files.cert_path) as http:
            record = http.post_form(tls_server.url(TOKEN_PATH), FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.PROXY_ERROR
    assert f"The proxy {proxy.base_url} answered" in record.failure.message
    assert expected in record.failure.message
    # The proxy path was really taken: the proxy saw the tunnel request.
    assert [(r.method, r.target) for r in proxy.received] == [
        ("CONNECT", f"127.0.0.1:{tls_server.port}")
    ]
    assert tls_server.received == []


def test_proxy_that_is_down_is_a_proxy_error_without_its_password(
    proxy_env: pytest.MonkeyPatch, tls_files: TlsFiles, tls_server: LoopbackServer
) -> None:
    port = closed_port()
    proxy_env.setenv("HTTPS_PROXY", f"http://alice:pr0xy-pass@127.0.0.1:{port}")

    with HttpClient(timeout=5, ca_bundle=tls_files.cert_path) as http:
        record = http.post_form(tls_server.url(TOKEN_PATH), FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.PROXY_ERROR
    assert f"The proxy http://127.0.0.1:{port} refused" in record.failure.message
    assert "pr0xy-pass" not in record.failure.message + record.failure.detail
    assert tls_server.received == []


@pytest.mark.parametrize("bypass", ["no_proxy_variable", "session_without_env"])
def test_proxy_is_skipped_when_no_proxy_or_trust_env_says_so(
    proxy_env: pytest.MonkeyPatch,
    tls_files: TlsFiles,
    tls_server: LoopbackServer,
    bypass: str,
) -> None:
    session = requests.Session()
    if bypass == "no_proxy_variable":
        proxy_env.setenv("NO_PROXY", "127.0.0.1")
    else:
        session.trust_env = False

    with LoopbackServer(respond_tunnel_refused(403)) as proxy:
        proxy_env.setenv("HTTPS_PROXY", proxy.base_url)
        with HttpClient(
            timeout=5, ca_bundle=tls_files.cert_path, session=session
        ) as http:
            record = http.post_form(tls_server.url(TOKEN_PATH), FORM)

    assert record.ok
    assert proxy.received == []
    session.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://login.salesforce.com/services/oauth2/token",
        "http://127.0.0.1:8080/services/oauth2/token",
        "http://127.10.20.30/",
        "http://localhost/",
        "http://LOCALHOST:9/",
        "http://[::1]:9/",
    ],
)
def test_https_anywhere_and_http_to_this_computer_are_allowed(url: str) -> None:
    check_url_allowed(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://login.salesforce.com/services/oauth2/token",
        "http://10.0.0.1/",
        "http://128.0.0.1/",
        "http://localhost.attacker.example/",
    ],
)
def test_plain_http_to_another_computer_is_refused_before_sending(url: str) -> None:
    session = CountingSession()

    with pytest.raises(LoginUrlError) as refused:
        check_url_allowed(url)
    with pytest.raises(LoginUrlError):
        HttpClient(session=session).post_form(url, FORM)

    assert refused.value.code == "login_url_insecure"
    assert "https://" in refused.value.fix
    assert session.sent == 0


@pytest.mark.parametrize(
    "url",
    [
        "",
        "login.salesforce.com",
        "ftp://login.salesforce.com/",
        "https://",
        "https://login.salesforce.com:99999/",
        "http://[::1",
        "https://login.salesforce.com/a path",
    ],
)
def test_unusable_url_is_a_login_url_error(url: str) -> None:
    with pytest.raises(LoginUrlError) as refused:
        HttpClient().get(url)

    assert refused.value.code == "login_url_invalid"


def test_cancel_before_sending_sends_nothing() -> None:
    cancel = threading.Event()
    cancel.set()
    session = CountingSession()

    with LoopbackServer(respond_json(TOKEN_BODY)) as server:
        record = HttpClient(session=session).post_form(
            server.url(TOKEN_PATH), FORM, cancel=cancel
        )

    assert record.failure is not None
    assert record.failure.code is FailureCode.CANCELLED
    assert record.status is None
    assert session.sent == 0
    assert server.received == []


def test_cancel_while_the_body_arrives_stops_reading(client: HttpClient) -> None:
    cancel = threading.Event()
    body = b"y" * 100

    def answer_then_cancel(request: ReceivedRequest, conn: Connection) -> None:
        conn.send_head(200, {"Content-Length": str(len(body))})
        conn.send(body[:10])
        cancel.set()
        for index in range(10, len(body)):
            if not conn.send(body[index : index + 1]) or conn.pause(0.05):
                return

    with LoopbackServer(answer_then_cancel) as server:
        record = client.get(server.url("/slow"), cancel=cancel)

    assert record.failure is not None
    assert record.failure.code is FailureCode.CANCELLED
    assert record.status == 200
    assert len(record.body) < len(body)


@pytest.mark.parametrize("offset_s", [3600, -600])
def test_clock_skew_comes_from_the_server_date(
    client: HttpClient, offset_s: int
) -> None:
    server_now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)
    headers = {"Date": http_date(server_now)}

    with LoopbackServer(respond_json(TOKEN_BODY, headers=headers)) as server:
        record = client.post_form(server.url(TOKEN_PATH), FORM)

    assert record.server_date is not None
    assert abs((record.server_date - server_now).total_seconds()) < 1
    assert record.clock_skew_s is not None
    assert record.clock_skew_s == pytest.approx(offset_s, abs=5)


def test_bearer_token_is_sent_but_recorded_hidden(client: HttpClient) -> None:
    with LoopbackServer(respond_json({"user_id": "0055g00000XyZ12AAB"})) as server:
        record = client.get(
            server.url("/services/oauth2/userinfo"),
            bearer=ACCESS_TOKEN,
            params={"format": "json"},
        )

    sent = server.received[0]
    assert sent.header("Authorization") == f"Bearer {ACCESS_TOKEN}"
    assert sent.target == "/services/oauth2/userinfo?format=json"
    assert record.request_headers["Authorization"] == "Bearer <hidden>"
    assert record.url.endswith("/services/oauth2/userinfo?format=json")
    assert ACCESS_TOKEN not in repr(record)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_redirect_is_recorded_not_followed(client: HttpClient, method: str) -> None:
    location = "https://acme.my.salesforce.com/services/oauth2/token"

    with LoopbackServer(respond(302, headers={"Location": location})) as server:
        if method == "POST":
            record = client.post_form(server.url(TOKEN_PATH), FORM)
        else:
            record = client.get(server.url(TOKEN_PATH))

    assert record.status == 302
    assert record.header("location") == location
    assert record.failure is None
    assert not record.ok
    assert len(server.received) == 1


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError(f"send failed: assertion={quote_plus(ASSERTION)}"),
        requests.exceptions.ChunkedEncodingError(f"broken after {ASSERTION}"),
        urllib3.exceptions.ProtocolError(f"protocol error near {ASSERTION}"),
        OSError(f"socket error with {ASSERTION}"),
    ],
    ids=["connection", "chunked", "protocol", "os"],
)
def test_transport_exceptions_become_failures_without_form_values(
    error: BaseException,
) -> None:
    with HttpClient(session=FailingSession(error)) as http:
        record = http.post_form("https://login.salesforce.com" + TOKEN_PATH, FORM)

    assert record.failure is not None
    assert record.failure.code is FailureCode.CONNECTION_FAILED
    assert ASSERTION not in record.failure.detail
    assert quote_plus(ASSERTION) not in record.failure.detail
    assert "<hidden>" in record.failure.detail
    assert type(error).__name__ in record.failure.detail


def test_debug_log_names_the_request_but_no_secret(
    client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sfjwt_gui.engine.exchange")

    with LoopbackServer(respond_json(TOKEN_BODY)) as server:
        client.post_form(server.url(TOKEN_PATH), FORM)
    with LoopbackServer(respond_json({})) as server:
        client.get(server.url("/userinfo"), bearer=ACCESS_TOKEN, params={"t": "x"})

    messages = [r.getMessage() for r in caplog.records]
    assert any("POST" in m and TOKEN_PATH in m and "200" in m for m in messages)
    assert any(m.startswith("GET") and "ms" in m for m in messages)
    assert ASSERTION not in caplog.text
    assert ACCESS_TOKEN not in caplog.text


def test_client_closes_only_the_session_it_created(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[requests.Session] = []
    monkeypatch.setattr(requests.Session, "close", lambda self: closed.append(self))
    own = HttpClient()
    given = requests.Session()

    with own:
        pass
    with HttpClient(session=given):
        pass

    assert len(closed) == 1
    assert closed[0] is not given


def _record(headers: dict[str, str], body: bytes = b"", **changes: Any) -> HttpRecord:
    fields: dict[str, Any] = {
        "method": "GET",
        "url": "https://login.salesforce.com/",
        "request_headers": {},
        "request_form": {},
        "started_at": dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc),
        "elapsed_ms": 2000.0,
        "status": 200,
        "response_headers": headers,
        "body": body,
    }
    return HttpRecord(**{**fields, **changes})


def test_record_reads_headers_case_insensitively() -> None:
    record = _record({"content-type": 'Application/JSON; charset="UTF-8"'})

    assert record.content_type == "application/json"
    assert record.header("Content-Type").startswith("Application/JSON")
    assert record.header("X-Missing") == ""


def test_record_text_falls_back_to_utf8_for_an_unknown_charset() -> None:
    record = _record({"Content-Type": "text/plain; charset=x-no-such"}, "é".encode())

    assert record.text == "é"


def test_record_json_refuses_a_truncated_body_even_if_it_parses() -> None:
    record = _record({}, b"[1, 2]", body_truncated=True)

    assert record.json() is None


@pytest.mark.parametrize("date", [None, "", "yesterday", "Mon, 99 Foo 2026 99:99:99"])
def test_record_without_a_usable_date_has_no_skew(date: str | None) -> None:
    record = _record({} if date is None else {"Date": date})

    assert record.server_date is None
    assert record.clock_skew_s is None


def test_record_skew_is_measured_at_the_midpoint() -> None:
    # Sent at 12:00:00, answered after 2 s: the server's 12:00:01 means no skew.
    record = _record({"Date": "Thu, 01 Jan 2026 12:00:01 GMT"})

    assert record.clock_skew_s == pytest.approx(0.0)


def test_record_is_ok_only_for_a_whole_2xx_answer() -> None:
    assert _record({}).ok
    assert not _record({}, status=302).ok
    assert not _record({}, status=None).ok

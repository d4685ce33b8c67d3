"""Secrets are masked wherever text leaves the engine, logs included."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from sfjwt_gui.engine import logsetup
from sfjwt_gui.engine.redact import mask_assertion, mask_form, mask_token, scrub

SESSION_ID = "00D5g00000SfJwTDEM!AR8AQJXg5d3bKx9qP1uQw7Zt0sYcVb.nM2kLh4GfE6dRa"
ASSERTION = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXNlY3JldC12YWx1ZS0xMjM0"
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
    "-----END PRIVATE KEY-----"
)


def test_masked_token_keeps_the_org_id_only() -> None:
    masked = mask_token(SESSION_ID)

    assert masked.startswith("00D5g00000SfJwTDEM!")
    assert "AR8AQ" not in masked
    assert str(len(SESSION_ID)) in masked


def test_masked_assertion_keeps_header_and_claims_but_not_the_signature() -> None:
    masked = mask_assertion(ASSERTION)

    header, claims, _ = ASSERTION.split(".")
    assert masked.startswith(f"{header}.{claims}.")
    assert "c2lnbmF0dXJl" not in masked


def test_masked_form_hides_assertion_and_tokens_only() -> None:
    form = {"grant_type": "urn:x", "assertion": ASSERTION, "token": SESSION_ID}

    masked = mask_form(form)

    assert masked["grant_type"] == "urn:x"
    assert "c2lnbmF0dXJl" not in masked["assertion"]
    assert "AR8AQ" not in masked["token"]


@pytest.mark.parametrize("secret", [SESSION_ID, ASSERTION, PEM])
def test_scrub_removes_anything_shaped_like_a_secret(secret: str) -> None:
    cleaned = scrub(f"before {secret} after")

    assert "before" in cleaned
    assert "after" in cleaned
    assert "AR8AQ" not in cleaned
    assert "c2lnbmF0dXJl" not in cleaned
    assert "MIIEvQ" not in cleaned


def test_scrub_removes_named_secrets_of_any_shape() -> None:
    assert "hunter22" not in scrub("passphrase was hunter22", ["hunter22"])


def test_log_file_and_memory_tail_never_hold_a_secret(isolated_config: Path) -> None:
    path = logsetup.configure_logging(level=logging.INFO)
    log = logging.getLogger("sfjwt_gui.test")

    log.warning("token %s assertion %s key %s", SESSION_ID, ASSERTION, PEM)
    for handler in logging.getLogger().handlers:
        handler.flush()

    assert path == isolated_config.parent / "logs" / logsetup.LOG_FILE_NAME
    written = path.read_text(encoding="utf-8")
    tail = logsetup.memory_tail()
    assert tail is not None
    for text in (written, "\n".join(tail.lines())):
        assert "token 00D5g00000SfJwTDEM!" in text
        assert "AR8AQ" not in text
        assert "c2lnbmF0dXJl" not in text
        assert "MIIEvQ" not in text


def test_logging_follows_a_moved_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = logsetup.configure_logging()
    monkeypatch.setenv("SFJWT_LOG_DIR", str(tmp_path / "elsewhere"))

    second = logsetup.configure_logging()

    assert first != second
    assert second == tmp_path / "elsewhere" / logsetup.LOG_FILE_NAME
    file_handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.handlers.RotatingFileHandler)
    ]
    assert len(file_handlers) == 1

"""Login URLs: what kind of host, which token endpoint, which audience, which error."""

from __future__ import annotations

import pytest

from sfjwt_gui.engine.errors import LoginUrlError
from sfjwt_gui.engine.loginurl import (
    LoginKind,
    classify_login_url,
    effective_audience,
    is_loopback_host,
    normalise_audience,
)

LOGIN = "https://login.salesforce.com"
TEST = "https://test.salesforce.com"

# (typed, kind, base_url, automatic audience, is_sandbox)
CLASSIFICATION_ROWS = [
    ("https://login.salesforce.com", LoginKind.PRODUCTION, LOGIN, LOGIN, False),
    ("login.salesforce.com", LoginKind.PRODUCTION, LOGIN, LOGIN, False),
    (
        "https://login.salesforce.com/services/oauth2/token",
        LoginKind.PRODUCTION,
        LOGIN,
        LOGIN,
        False,
    ),
    ("HTTPS://Login.Salesforce.com:443/", LoginKind.PRODUCTION, LOGIN, LOGIN, False),
    ("  https://test.salesforce.com/\n", LoginKind.SANDBOX, TEST, TEST, True),
    (
        "https://test.salesforce.com/services/oauth2/authorize?response_type=code",
        LoginKind.SANDBOX,
        TEST,
        TEST,
        True,
    ),
    (
        "https://acme.my.salesforce.com",
        LoginKind.MY_DOMAIN,
        "https://acme.my.salesforce.com",
        LOGIN,
        False,
    ),
    (
        "acme.my.salesforce.com/lightning/setup/SetupOneHome/home",
        LoginKind.MY_DOMAIN,
        "https://acme.my.salesforce.com",
        LOGIN,
        False,
    ),
    (
        "https://acme-dev-ed.develop.my.salesforce.com/",
        LoginKind.MY_DOMAIN,
        "https://acme-dev-ed.develop.my.salesforce.com",
        LOGIN,
        False,
    ),
    (
        "https://curious-otter-4f2a1b.trailblaze.my.salesforce.com",
        LoginKind.MY_DOMAIN,
        "https://curious-otter-4f2a1b.trailblaze.my.salesforce.com",
        LOGIN,
        False,
    ),
    (
        "https://lightning-corp.my.salesforce.com",
        LoginKind.MY_DOMAIN,
        "https://lightning-corp.my.salesforce.com",
        LOGIN,
        False,
    ),
    (
        "https://Acme--UAT.sandbox.my.salesforce.com/services/oauth2/token",
        LoginKind.MY_DOMAIN_SANDBOX,
        "https://acme--uat.sandbox.my.salesforce.com",
        TEST,
        True,
    ),
    (
        "https://power-dream-1234-dev-ed.scratch.my.salesforce.com",
        LoginKind.MY_DOMAIN_SANDBOX,
        "https://power-dream-1234-dev-ed.scratch.my.salesforce.com",
        TEST,
        True,
    ),
    (
        "https://acme--qa.my.salesforce.com",
        LoginKind.MY_DOMAIN_SANDBOX,
        "https://acme--qa.my.salesforce.com",
        TEST,
        True,
    ),
    (
        "https://acme.my.site.com/customers/s/login/?language=en_US",
        LoginKind.EXPERIENCE_CLOUD,
        "https://acme.my.site.com/customers",
        "https://acme.my.site.com/customers",
        False,
    ),
    (
        "https://acme.force.com/partners/services/oauth2/token",
        LoginKind.EXPERIENCE_CLOUD,
        "https://acme.force.com/partners",
        "https://acme.force.com/partners",
        False,
    ),
    (
        "https://support.acme.site.com",
        LoginKind.EXPERIENCE_CLOUD,
        "https://support.acme.site.com",
        "https://support.acme.site.com",
        False,
    ),
    (
        "https://acme--uat.sandbox.my.site.com/help",
        LoginKind.EXPERIENCE_CLOUD,
        "https://acme--uat.sandbox.my.site.com/help",
        "https://acme--uat.sandbox.my.site.com/help",
        True,
    ),
    (
        "http://127.0.0.1:8443/",
        LoginKind.LOOPBACK,
        "http://127.0.0.1:8443",
        LOGIN,
        False,
    ),
    (
        "http://localhost:8080",
        LoginKind.LOOPBACK,
        "http://localhost:8080",
        LOGIN,
        False,
    ),
    ("https://[::1]:8443", LoginKind.LOOPBACK, "https://[::1]:8443", LOGIN, False),
    ("http://127.10.0.3", LoginKind.LOOPBACK, "http://127.10.0.3", LOGIN, False),
    (
        "https://gs1.salesforce.com/services/oauth2/token",
        LoginKind.OTHER,
        "https://gs1.salesforce.com",
        "https://gs1.salesforce.com",
        False,
    ),
    (
        "https://sf-proxy.corp.example/salesforce/services/oauth2/token",
        LoginKind.OTHER,
        "https://sf-proxy.corp.example/salesforce",
        LOGIN,
        False,
    ),
    (
        "https://acme.my.salesforce.mil",
        LoginKind.OTHER,
        "https://acme.my.salesforce.mil",
        LOGIN,
        False,
    ),
]


@pytest.mark.parametrize(
    ("typed", "kind", "base_url", "audience", "is_sandbox"), CLASSIFICATION_ROWS
)
def test_classification(
    typed: str, kind: LoginKind, base_url: str, audience: str, is_sandbox: bool
) -> None:
    target = classify_login_url(typed)

    assert target.kind is kind
    assert target.base_url == base_url
    assert target.token_endpoint == base_url + "/services/oauth2/token"
    assert target.default_audience == audience
    assert target.is_sandbox is is_sandbox
    assert target.is_loopback is (kind is LoginKind.LOOPBACK)
    assert target.audience_reason.endswith(".")
    assert target.description.endswith(".")


def test_host_is_lowercase_without_brackets() -> None:
    assert classify_login_url("https://ACME.My.Salesforce.COM").host == (
        "acme.my.salesforce.com"
    )
    assert classify_login_url("https://[::1]:8443").host == "::1"


def test_descriptions_tell_sandbox_from_production() -> None:
    assert classify_login_url(TEST).description == "Sandbox login host."
    sandbox = classify_login_url("https://acme--uat.sandbox.my.salesforce.com")
    assert sandbox.description == "My Domain of a sandbox."
    assert (
        "Developer Edition"
        in classify_login_url(
            "https://acme-dev-ed.develop.my.salesforce.com"
        ).description
    )


def test_my_domain_audience_switch_uses_the_my_domain_itself() -> None:
    plain = classify_login_url("https://acme.my.salesforce.com")
    switched = classify_login_url(
        "https://acme.my.salesforce.com/", my_domain_audience=True
    )
    sandbox = classify_login_url(
        "https://acme--uat.sandbox.my.salesforce.com", my_domain_audience=True
    )

    assert plain.default_audience == LOGIN
    assert switched.default_audience == "https://acme.my.salesforce.com"
    assert sandbox.default_audience == "https://acme--uat.sandbox.my.salesforce.com"
    # Either way the user learns about the other choice.
    assert "My Domain URL" in plain.audience_reason
    assert LOGIN in switched.audience_reason
    assert TEST in sandbox.audience_reason


def test_my_domain_audience_switch_leaves_other_kinds_alone() -> None:
    assert classify_login_url(LOGIN, my_domain_audience=True).default_audience == LOGIN
    assert classify_login_url(TEST, my_domain_audience=True).default_audience == TEST


def test_override_wins_and_says_what_automatic_would_be() -> None:
    target = classify_login_url("https://acme--uat.sandbox.my.salesforce.com")

    audience, reason = effective_audience(target, " HTTPS://Login.Salesforce.com/ ")

    assert audience == LOGIN
    assert reason == f"Set by you (automatic would be {TEST})."


def test_blank_override_keeps_the_automatic_audience() -> None:
    target = classify_login_url("https://acme.my.site.com/customers")

    assert effective_audience(target, "   ") == (
        "https://acme.my.site.com/customers",
        target.audience_reason,
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://login.salesforce.com/", LOGIN),
        ("  HTTPS://TEST.Salesforce.COM  ", TEST),
        ("https://Acme.My.Site.com/Customers/", "https://acme.my.site.com/Customers"),
        ("https://login.salesforce.com//", "https://login.salesforce.com/"),
        ("", ""),
    ],
)
def test_normalise_audience(typed: str, expected: str) -> None:
    assert normalise_audience(typed) == expected


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("https://acme.lightning.force.com", "https://acme.my.salesforce.com"),
        (
            "https://acme--uat.sandbox.lightning.force.com/lightning/setup/Home",
            "https://acme--uat.sandbox.my.salesforce.com",
        ),
        (
            "acme-dev-ed.develop.lightning.force.com",
            "https://acme-dev-ed.develop.my.salesforce.com",
        ),
    ],
)
def test_lightning_domains_are_refused_with_the_my_domain_to_use(
    typed: str, suggestion: str
) -> None:
    with pytest.raises(LoginUrlError) as caught:
        classify_login_url(typed)

    assert caught.value.code == "login_url_lightning"
    assert suggestion in caught.value.message
    assert suggestion in caught.value.fix


def test_lightning_error_does_not_repeat_a_pasted_session_id() -> None:
    with pytest.raises(LoginUrlError) as caught:
        classify_login_url("https://acme.lightning.force.com/one?sid=00D5g0!ARsecret")

    assert "ARsecret" not in str(caught.value)


def test_http_is_refused_for_remote_hosts() -> None:
    with pytest.raises(LoginUrlError) as caught:
        classify_login_url("http://acme.my.salesforce.com")

    assert caught.value.code == "login_url_insecure"
    assert "https://acme.my.salesforce.com" in caught.value.fix


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("acme my salesforce com", "spaces"),
        ("ftp://files.example.com", "ftp://"),
        ("mailto:admin@example.com", "not a web address"),
        ("https:/acme.my.salesforce.com", "not a web address"),
        ("https://", "no host"),
        ("https://:8443", "no host"),
        ("https://acme.my.salesforce.com:99999", "port"),
        ("https://acme.my.salesforce.com:0", "port"),
        ("https://acme.my.salesforce.com:abc", "port"),
        ("https://acme..my.salesforce.com", "host name"),
        ("https://-acme.my.salesforce.com", "host name"),
        ("https://[::1", "host"),
        ("https://300.1.1.1", "IP address"),
        ("acme", "single word"),
        ("https://acme.my.salesforce.com\\services", "cannot appear"),
    ],
)
def test_invalid_urls_say_what_is_wrong_and_show_an_example(
    typed: str, problem: str
) -> None:
    with pytest.raises(LoginUrlError) as caught:
        classify_login_url(typed)

    assert caught.value.code == "login_url_invalid"
    assert problem in caught.value.message
    assert "https://login.salesforce.com" in caught.value.message
    assert caught.value.fix


def test_credentials_in_the_url_are_refused_without_being_repeated() -> None:
    with pytest.raises(LoginUrlError) as caught:
        classify_login_url("https://admin:Hunter2pass@acme.my.salesforce.com")

    assert caught.value.code == "login_url_invalid"
    assert "user:password@" in caught.value.message
    assert "Hunter2pass" not in str(caught.value)


def test_non_text_input_is_a_login_url_error() -> None:
    with pytest.raises(LoginUrlError):
        classify_login_url(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("localhost.evil.example", False),
        ("acme.my.salesforce.com", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected

"""The demo org's follow-up endpoints: userinfo, identity, REST and revoke."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from demo_requests import (
    BASE_URL,
    FORM,
    TOKEN_PATH,
    KeyPair,
    access_token,
    get,
    login,
    oauth_error,
)

from sfjwt_gui.demo.org import DemoOrg, DemoResponse
from sfjwt_gui.demo.settings import DemoSettings


@pytest.fixture
def org(key_pair: KeyPair) -> DemoOrg:
    return DemoOrg(DemoSettings(certificate=key_pair[1]))


@pytest.fixture
def key(key_pair: KeyPair) -> rsa.RSAPrivateKey:
    return key_pair[0]


def test_userinfo_describes_the_token_user(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)

    response = get(org, "/services/oauth2/userinfo", token)

    payload = json.loads(response.body)
    settings = org.settings
    assert response.status == 200
    assert payload["sub"] == f"{BASE_URL}/id/{settings.org_id}/{settings.user_id}"
    assert payload["preferred_username"] == settings.username
    assert payload["organization_id"] == settings.org_id
    assert payload["user_id"] == settings.user_id
    assert payload["urls"]["rest"].endswith("/services/data/v{version}/")
    for field in ("nickname", "name", "email", "email_verified", "zoneinfo"):
        assert field in payload
    assert payload["is_salesforce_integration_user"] is False


@pytest.mark.parametrize("token", [None, "00D5g00000SfJwT!AQmadeup"])
def test_userinfo_without_a_live_token_is_bad_oauth_token(
    org: DemoOrg, token: str | None
) -> None:
    response = get(org, "/services/oauth2/userinfo", token)

    assert response.status == 403
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.body == b"Bad_OAuth_Token"


def test_identity_url_answers_with_header_or_query_token(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    payload = json.loads(login(org, key).body)
    path = payload["id"].removeprefix(BASE_URL)

    by_header = get(org, path + "?format=json", payload["access_token"])
    by_query = get(
        org, f"{path}?format=json&version=62.0&oauth_token=" + payload["access_token"]
    )

    assert by_header.status == 200
    identity = json.loads(by_query.body)
    assert identity["username"] == org.settings.username
    assert identity["asserted_user"] is True
    assert identity["active"] is True
    assert identity["urls"]["query"] == f"{BASE_URL}/services/data/v62.0/query/"
    assert "{version}" in json.loads(by_header.body)["urls"]["sobjects"]


def test_identity_url_refuses_a_bad_token_and_other_ids(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)
    settings = org.settings

    bad_token = get(org, f"/id/{settings.org_id}/{settings.user_id}", "nope")
    other_user = get(org, f"/id/{settings.org_id}/0055g00000OtherUSR", token)
    short_ids = get(org, f"/id/{settings.org_id[:15]}/{settings.user_id[:15]}", token)

    assert bad_token.status == 403
    assert other_user.status == 404
    assert short_ids.status == 200


XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
# Characters that must be escaped in XML and in a form body.
AWKWARD_USERNAME = "r&d<ops>@sfjwt-demo.example"


def identity_path(org: DemoOrg) -> str:
    return f"/id/{org.settings.org_id}/{org.settings.user_id}"


def get_with(
    org: DemoOrg, path: str, token: str, headers: dict[str, str]
) -> DemoResponse:
    headers = {"Authorization": f"Bearer {token}", **headers}
    return org.handle("GET", path, headers, b"", base_url=BASE_URL)


def as_text(value: Any) -> Any:
    """A JSON value the way the XML and form answers spell it."""
    if isinstance(value, dict):
        return {name: as_text(item) for name, item in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def xml_values(element: ET.Element) -> Any:
    if element.get(XSI_NIL) == "true":
        return None
    if len(element):
        return {child.tag: xml_values(child) for child in element}
    return element.text or ""


def test_identity_url_answers_xml_with_the_json_values(
    key_pair: KeyPair, key: rsa.RSAPrivateKey
) -> None:
    org = DemoOrg(DemoSettings(certificate=key_pair[1], username=AWKWARD_USERNAME))
    token = access_token(org, key)
    path = identity_path(org)

    as_json = get(org, path + "?format=json&version=62.0", token)
    as_xml = get(org, path + "?format=xml&version=62.0", token)

    assert as_xml.status == 200
    assert as_xml.headers["Content-Type"] == "application/xml;charset=UTF-8"
    assert as_xml.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"r&amp;d&lt;ops&gt;@" in as_xml.body
    root = ET.fromstring(as_xml.body)  # noqa: S314 - the demo org's own answer
    assert root.tag == "user"
    values = xml_values(root)
    assert values == as_text(json.loads(as_json.body))
    assert values["username"] == AWKWARD_USERNAME
    assert values["user_id"] == org.settings.user_id
    assert values["organization_id"] == org.settings.org_id
    assert values["urls"]["query"] == f"{BASE_URL}/services/data/v62.0/query/"
    assert root.find("addr_city") is not None
    assert values["addr_city"] is None


def test_identity_xml_without_version_keeps_the_placeholder(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)

    response = get(org, identity_path(org) + "?format=xml", token)

    root = ET.fromstring(response.body)  # noqa: S314 - the demo org's own answer
    assert root.findtext("urls/rest") == f"{BASE_URL}/services/data/v{{version}}/"


def test_identity_url_answers_urlencoded_with_the_json_values(
    key_pair: KeyPair, key: rsa.RSAPrivateKey
) -> None:
    org = DemoOrg(DemoSettings(certificate=key_pair[1], username=AWKWARD_USERNAME))
    token = access_token(org, key)
    path = identity_path(org)

    as_json = json.loads(get(org, path + "?format=json&version=62.0", token).body)
    response = get(org, path + "?format=urlencoded&version=62.0", token)

    fields = dict(parse_qsl(response.body.decode("ascii"), keep_blank_values=True))
    assert response.status == 200
    assert response.headers["Content-Type"] == (
        "application/x-www-form-urlencoded;charset=UTF-8"
    )
    assert fields["username"] == AWKWARD_USERNAME
    assert fields["organization_id"] == as_json["organization_id"]
    assert fields["asserted_user"] == "true"
    assert fields["urls.query"] == as_json["urls"]["query"]
    assert fields["urls.query"].endswith("/services/data/v62.0/query/")
    assert fields["addr_city"] == ""


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        ("", "application/xml", "application/xml"),
        ("", "application/xml,application/json", "application/xml"),
        ("", "text/html,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
        ("", "application/json,application/xml", "application/json"),
        ("", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("", "*/*", "application/json"),
        # Not among the documented types: the default answer.
        ("", "text/xml", "application/json"),
        ("", "", "application/json"),
        # The format parameter wins over the header.
        ("?format=json", "application/xml", "application/json"),
        ("?format=xml", "application/json", "application/xml"),
    ],
)
def test_identity_url_format_follows_the_accept_header(
    org: DemoOrg, key: rsa.RSAPrivateKey, query: str, accept: str, content_type: str
) -> None:
    token = access_token(org, key)
    headers = {"Accept": accept} if accept else {}

    response = get_with(org, identity_path(org) + query, token, headers)

    assert response.status == 200
    assert response.headers["Content-Type"] == content_type + ";charset=UTF-8"


def test_identity_url_refuses_an_unknown_format(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)

    response = get(org, identity_path(org) + "?format=yaml", token)

    assert oauth_error(response) == (400, "invalid_request", "unsupported format")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("?format=xml", ""),
        ("?format=urlencoded", ""),
        ("?format=yaml", ""),
        ("", "application/xml"),
    ],
)
def test_identity_url_refuses_a_dead_token_in_every_format(
    org: DemoOrg, key: rsa.RSAPrivateKey, query: str, accept: str
) -> None:
    revoked = access_token(org, key)
    assert _revoke_form(org, revoked).status == 200
    headers = {"Accept": accept} if accept else {}

    answers = [
        get_with(org, identity_path(org) + query, revoked, headers),
        get_with(org, identity_path(org) + query, "00D5g00000SfJwT!AQmadeup", headers),
    ]

    for response in answers:
        assert response.status == 403
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.body == b"Bad_OAuth_Token"


def test_versions_list_needs_no_token(org: DemoOrg) -> None:
    response = get(org, "/services/data/")

    versions = json.loads(response.body)
    assert response.status == 200
    assert versions[0] == {
        "label": "Summer '14",
        "url": "/services/data/v31.0",
        "version": "31.0",
    }
    assert {
        "label": "Spring '24",
        "url": "/services/data/v60.0",
        "version": "60.0",
    } in versions


def test_resource_map_holds_the_identity_url(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)

    response = get(org, "/services/data/v60.0/", token)

    resources = json.loads(response.body)
    assert resources["identity"].startswith(BASE_URL + "/id/")
    assert resources["query"] == "/services/data/v60.0/query"
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"


def test_organization_query_answers_what_the_salesforce_cli_reads(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)
    soql = (
        "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, "
        "NamespacePrefix, OrganizationType FROM Organization"
    )

    response = get(org, "/services/data/v60.0/query?" + urlencode({"q": soql}), token)

    result = json.loads(response.body)
    assert response.status == 200
    assert result["totalSize"] == 1
    record = result["records"][0]
    assert record["attributes"]["type"] == "Organization"
    assert record["Name"] == "sfjwt Demo Org"
    assert record["InstanceName"] == "DEMO1"
    assert record["IsSandbox"] is False
    assert record["TrialExpirationDate"] is None
    assert record["NamespacePrefix"] is None
    assert record["OrganizationType"] == "Developer Edition"


def test_query_paths_joined_with_a_double_slash_still_work(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)
    query = urlencode({"q": "Select Namespaceprefix FROM Organization"})

    response = get(org, "//services/data/v51.0/query?" + query, token)

    record = json.loads(response.body)["records"][0]
    assert record["NamespacePrefix"] is None


def test_query_of_an_unknown_organization_field_is_invalid_field(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)
    query = urlencode({"q": "SELECT Id, Colour FROM Organization"})

    response = get(org, "/services/data/v60.0/query?" + query, token)

    assert response.status == 400
    assert json.loads(response.body)[0]["errorCode"] == "INVALID_FIELD"


def test_scratch_org_info_query_answers_like_an_org_that_is_no_dev_hub(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)
    query = urlencode({"q": "SELECT Id FROM ScratchOrgInfo limit 1"})

    response = get(org, "/services/data/v51.0/query?" + query, token)

    assert response.status == 400
    assert json.loads(response.body) == [
        {
            "errorCode": "INVALID_TYPE",
            "message": "sObject type 'ScratchOrgInfo' is not supported.",
        }
    ]


def test_query_of_other_objects_finds_nothing(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)
    query = urlencode({"q": "SELECT Id FROM Account"})

    response = get(org, "/services/data/v60.0/query?" + query, token)

    assert json.loads(response.body) == {"totalSize": 0, "done": True, "records": []}


def test_limits_count_the_api_calls(org: DemoOrg, key: rsa.RSAPrivateKey) -> None:
    token = access_token(org, key)

    first = get(org, "/services/data/v60.0/limits", token)
    second = get(org, "/services/data/v60.0/limits/", token)

    daily = json.loads(first.body)["DailyApiRequests"]
    assert daily == {"Max": 15000, "Remaining": 14999}
    assert json.loads(second.body)["DailyApiRequests"]["Remaining"] == 14998
    assert second.headers["Sforce-Limit-Info"] == "api-usage=2/15000"


@pytest.mark.parametrize(
    "path",
    [
        "/services/data/v60.0/",
        "/services/data/v60.0/limits",
        "/services/data/v60.0/query?q=x",
    ],
)
def test_rest_calls_without_a_live_token_are_invalid_session(
    org: DemoOrg, path: str
) -> None:
    response = get(org, path, "00D5g00000SfJwT!AQmadeup")

    assert response.status == 401
    assert json.loads(response.body) == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_unknown_rest_resource_and_version_are_not_found(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    token = access_token(org, key)

    unknown_resource = get(org, "/services/data/v60.0/nothing-here", token)
    unknown_version = get(org, "/services/data/v99.0/limits", token)

    assert unknown_resource.status == 404
    assert json.loads(unknown_version.body)[0]["errorCode"] == "NOT_FOUND"


def _revoke_form(org: DemoOrg, token: str) -> DemoResponse:
    body = urlencode({"token": token}).encode()
    headers = {"Content-Type": FORM}
    return org.handle(
        "POST", "/services/oauth2/revoke", headers, body, base_url=BASE_URL
    )


def test_revoked_tokens_stop_working(org: DemoOrg, key: rsa.RSAPrivateKey) -> None:
    by_form = access_token(org, key)
    by_query = access_token(org, key)

    assert _revoke_form(org, by_form).status == 200
    assert get(org, "/services/oauth2/revoke?token=" + by_query).status == 200

    assert get(org, "/services/oauth2/userinfo", by_form).status == 403
    assert get(org, "/services/data/v60.0/limits", by_query).status == 401


def test_revoking_an_unknown_token_is_invalid_token(org: DemoOrg) -> None:
    response = _revoke_form(org, "00D5g00000SfJwT!AQmadeup")

    assert oauth_error(response) == (400, "invalid_token", "invalid token")


def test_token_endpoint_refuses_get(org: DemoOrg) -> None:
    response = get(org, TOKEN_PATH)

    assert response.status == 400
    assert json.loads(response.body)["error"] == "invalid_request"


def test_unknown_path_is_an_html_not_found_page(org: DemoOrg) -> None:
    response = get(org, "/lightning/page/home")

    assert response.status == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"<html>" in response.body
    assert "Date" in response.headers

"""What the demo org answers after a login: userinfo, identity and a little REST.

Just enough of each answer for clients to prove a token works, and for the
Salesforce CLI's post-login checks (API versions, the Organization query, the
Dev Hub probe on ScratchOrgInfo) to pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sfjwt_gui.demo.settings import (
    DAILY_API_REQUEST_LIMIT,
    DEMO_ORG_NAME,
    DEMO_USER_DISPLAY_NAME,
    NEWEST_API_VERSION,
    OLDEST_API_VERSION,
    DemoSettings,
)

NOT_FOUND_HTML = """<!DOCTYPE html>
<html><head><title>URL No Longer Exists</title></head>
<body><h1>URL No Longer Exists</h1>
<p>You have attempted to reach a URL that no longer exists on salesforce.com.</p>
<p>You may have reached this page after clicking on a direct link into the
application. This direct link might be a bookmark to a particular page, such as a
report or view page. Or it might be a link from a web site.</p>
</body></html>
"""

INVALID_SESSION = [
    {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
]
_NOT_FOUND = [
    {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
]
_SEASONS = ("Spring", "Summer", "Winter")
_REST_PATH = re.compile(r"/services/data/v(\d+\.\d)(/.*)?")
_SELECT = re.compile(r"\s*select\s+(.+?)\s+from\s+(\w+)", re.IGNORECASE | re.DOTALL)
_FROM = re.compile(r"\bfrom\s+(\w+)", re.IGNORECASE)

_XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
# Double-quoted like Salesforce's own samples; ElementTree writes single quotes.
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The reference lists urlencoded for the identity URL beside json and xml
# (section 1.2); Salesforce's current page names it only as an Accept type.
IDENTITY_FORMATS = ("json", "xml", "urlencoded")
# The Accept values documented for the identity URL, checked left to right; the
# first one listed wins, whatever its q-value. text/xml is not among them.
_ACCEPTED_MEDIA_TYPES = {
    "application/json": "json",
    "application/xml": "xml",
    "application/x-www-form-urlencoded": "urlencoded",
    "*/*": "json",
}


def _release_label(major: int) -> str:
    # Three releases a year; 60.0 was Spring '24 and Winter belongs to the next year.
    steps = major - 60
    season = _SEASONS[steps % 3]
    year = 24 + steps // 3 + (1 if season == "Winter" else 0)
    return f"{season} '{year:02d}"


API_VERSIONS = tuple(
    f"{major}.0" for major in range(OLDEST_API_VERSION, NEWEST_API_VERSION + 1)
)
VERSION_LIST = [
    {
        "label": _release_label(int(float(version))),
        "url": f"/services/data/v{version}",
        "version": version,
    }
    for version in API_VERSIONS
]


def usage(used: int) -> str:
    """The Sforce-Limit-Info header value after ``used`` API calls today."""
    return f"api-usage={used}/{DAILY_API_REQUEST_LIMIT}"


def _urls(settings: DemoSettings, base_url: str, version: str | None) -> dict[str, str]:
    org15 = settings.org_id[:15]
    data = f"{base_url}/services/data/v{{version}}"
    urls = {
        "enterprise": f"{base_url}/services/Soap/c/{{version}}/{org15}",
        "metadata": f"{base_url}/services/Soap/m/{{version}}/{org15}",
        "partner": f"{base_url}/services/Soap/u/{{version}}/{org15}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{base_url}/services/Soap/T/{{version}}/{org15}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{base_url}/{settings.user_id}",
        "feeds": f"{data}/chatter/feeds",
        "groups": f"{data}/chatter/groups",
        "users": f"{data}/chatter/users",
        "feed_items": f"{data}/chatter/feed-items",
        "feed_elements": f"{data}/chatter/feed-elements",
        "custom_domain": base_url,
    }
    if version:
        urls = {name: url.replace("{version}", version) for name, url in urls.items()}
    return urls


def _photos(base_url: str) -> dict[str, str]:
    return {
        "picture": f"{base_url}/profilephoto/005/F",
        "thumbnail": f"{base_url}/profilephoto/005/T",
    }


def userinfo(settings: DemoSettings, base_url: str) -> dict[str, Any]:
    """The body of GET /services/oauth2/userinfo for the org's one user."""
    given, _, family = DEMO_USER_DISPLAY_NAME.partition(" ")
    return {
        "sub": f"{base_url}/id/{settings.org_id}/{settings.user_id}",
        "user_id": settings.user_id,
        "organization_id": settings.org_id,
        "preferred_username": settings.username,
        "nickname": settings.username.split("@")[0],
        "name": DEMO_USER_DISPLAY_NAME,
        "email": settings.username,
        "email_verified": True,
        "given_name": given,
        "family_name": family,
        "zoneinfo": "America/Los_Angeles",
        "photos": _photos(base_url),
        "profile": f"{base_url}/{settings.user_id}",
        "picture": f"{base_url}/profilephoto/005/F",
        "address": {"country": "US"},
        "is_salesforce_integration_user": False,
        "urls": _urls(settings, base_url, None),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28800000,
        "updated_at": "2024-01-01T00:00:00Z",
    }


def is_own_identity_path(settings: DemoSettings, path: str) -> bool:
    """Whether ``path`` is /id/<org>/<user> of this org's user (15 or 18 chars)."""
    parts = path.split("/")
    if len(parts) != 4:
        return False
    return _same_id(parts[2], settings.org_id) and _same_id(parts[3], settings.user_id)


def _same_id(given: str, actual: str) -> bool:
    return given == actual or (len(given) == 15 and given == actual[:15])


def identity(
    settings: DemoSettings, base_url: str, version: str | None
) -> dict[str, Any]:
    """The body of GET on the identity URL; ``version`` fills {version} in urls."""
    given, _, family = DEMO_USER_DISPLAY_NAME.partition(" ")
    return {
        "id": f"{base_url}/id/{settings.org_id}/{settings.user_id}",
        "asserted_user": True,
        "user_id": settings.user_id,
        "organization_id": settings.org_id,
        "username": settings.username,
        "nick_name": settings.username.split("@")[0],
        "display_name": DEMO_USER_DISPLAY_NAME,
        "email": settings.username,
        "email_verified": True,
        "first_name": given,
        "last_name": family,
        "timezone": "America/Los_Angeles",
        "photos": _photos(base_url),
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": "US",
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": _urls(settings, base_url, version),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28800000,
        "last_modified_date": "2024-01-01T00:00:00.000+0000",
        "is_app_installed": True,
    }


def identity_format(format_parameter: str | None, accept: str | None) -> str | None:
    """The identity answer's format: "json", "xml", "urlencoded", None if unknown.

    ``format`` wins over the Accept header, as documented for the identity URL.
    """
    if format_parameter:
        return format_parameter if format_parameter in IDENTITY_FORMATS else None

    for media_range in (accept or "").split(","):
        media_type = media_range.partition(";")[0].strip().lower()
        if media_type in _ACCEPTED_MEDIA_TYPES:
            return _ACCEPTED_MEDIA_TYPES[media_type]
    # No documented type in the header (text/xml, text/html, none at all):
    # JSON, the documented default; whether Salesforce answers 406 is unconfirmed.
    return "json"


def as_xml(root: str, payload: Mapping[str, Any]) -> bytes:
    """``payload`` the way Salesforce renders it as XML, nested maps as elements."""
    # The literal prefixed names keep ElementTree from inventing "ns0" and make
    # the declaration appear even when no value is null, as in Salesforce's sample.
    element = ET.Element(root, {"xmlns:xsi": _XSI_NAMESPACE})
    _fill_element(element, payload)
    return _XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def _fill_element(parent: ET.Element, payload: Mapping[str, Any]) -> None:
    for name, value in payload.items():
        # A list repeats its element, as XML bindings of an array usually do.
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, name)
            if isinstance(item, Mapping):
                _fill_element(child, item)
            elif item is None:
                child.set("xsi:nil", "true")
            else:
                child.text = _scalar_text(item)


def as_form(payload: Mapping[str, Any]) -> bytes:
    """``payload`` as an application/x-www-form-urlencoded body."""
    return urlencode(_form_fields(payload, "")).encode("ascii")


def _form_fields(payload: Mapping[str, Any], prefix: str) -> list[tuple[str, str]]:
    # How Salesforce flattens nested maps in this format is undocumented; dotted
    # names (urls.rest=...) keep every value reachable and the keys unambiguous.
    fields: list[tuple[str, str]] = []
    for name, value in payload.items():
        if isinstance(value, Mapping):
            fields.extend(_form_fields(value, f"{prefix}{name}."))
            continue
        for item in value if isinstance(value, list) else [value]:
            text = "" if item is None else _scalar_text(item)
            fields.append((prefix + name, text))
    return fields


def _scalar_text(value: Any) -> str:
    # JSON's spelling of booleans, which is also xsd:boolean's.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rest_answer(
    settings: DemoSettings,
    method: str,
    path: str,
    query: dict[str, str],
    base_url: str,
    used: int,
) -> tuple[int, Any]:
    """Status and JSON body of an authorised call under /services/data/vNN.N."""
    match = _REST_PATH.fullmatch(path)
    if match is None or match.group(1) not in API_VERSIONS:
        return 404, _NOT_FOUND
    if method != "GET":
        message = f"HTTP Method '{method}' not allowed. Allowed are GET,HEAD"
        return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": message}]

    version, resource = match.group(1), match.group(2) or ""
    if resource == "":
        return 200, _resource_map(settings, base_url, version)
    if resource == "/query":
        return _query(settings, query.get("q", ""), version)
    if resource == "/limits":
        return 200, _limits(used)
    return 404, _NOT_FOUND


def _resource_map(settings: DemoSettings, base_url: str, version: str) -> Any:
    names = (
        "tooling",
        "metadata",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "search",
        "composite",
        "recent",
        "limits",
        "process",
        "query",
        "sobjects",
        "actions",
        "ui-api",
        "connect",
    )
    resources = {name: f"/services/data/v{version}/{name}" for name in names}
    resources["identity"] = f"{base_url}/id/{settings.org_id}/{settings.user_id}"
    return resources


def _limits(used: int) -> Any:
    return {
        "DailyApiRequests": {
            "Max": DAILY_API_REQUEST_LIMIT,
            "Remaining": max(DAILY_API_REQUEST_LIMIT - used, 0),
        },
        "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DataStorageMB": {"Max": 5, "Remaining": 5},
        "FileStorageMB": {"Max": 20, "Remaining": 20},
    }


def _organization(settings: DemoSettings) -> dict[str, Any]:
    return {
        "Id": settings.org_id,
        "Name": DEMO_ORG_NAME,
        "InstanceName": "DEMO1",
        "IsSandbox": False,
        "TrialExpirationDate": None,
        "NamespacePrefix": None,
        "OrganizationType": "Developer Edition",
    }


def _query(settings: DemoSettings, soql: str, version: str) -> tuple[int, Any]:
    found = _FROM.search(soql)
    if found is None:
        message = "unexpected token: the query needs SELECT ... FROM ..."
        return 400, [{"message": message, "errorCode": "MALFORMED_QUERY"}]

    sobject = found.group(1)
    if sobject.lower() == "scratchorginfo":
        # What an org that is not a Dev Hub answers to the CLI's Dev Hub probe.
        message = "sObject type 'ScratchOrgInfo' is not supported."
        return 400, [{"errorCode": "INVALID_TYPE", "message": message}]
    if sobject.lower() != "organization":
        return 200, {"totalSize": 0, "done": True, "records": []}

    record = _organization(settings)
    by_lower_name = {name.lower(): name for name in record}
    selected = _SELECT.match(soql)
    fields = selected.group(1).split(",") if selected else ["Id"]
    row: dict[str, Any] = {
        "attributes": {
            "type": "Organization",
            "url": f"/services/data/v{version}/sobjects/Organization/{settings.org_id}",
        }
    }
    for field in (field.strip() for field in fields):
        name = by_lower_name.get(field.lower())
        if name is None:
            message = (
                f"No such column '{field}' on entity 'Organization'. If you are "
                "attempting to use a custom field, be sure to append the '__c' "
                "after the custom field name. Please reference your WSDL or the "
                "describe call for the appropriate names."
            )
            return 400, [{"message": message, "errorCode": "INVALID_FIELD"}]
        row[name] = record[name]
    return 200, {"totalSize": 1, "done": True, "records": [row]}

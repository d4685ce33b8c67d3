"""How the demo org is set up: its app, its user, and the facts left configurable.

Where Salesforce's behaviour is not confirmed (the audience normalisation, the
``exp`` leeway, the wire string for an unknown user, ``issued_at``), the value
is a setting, so support staff can make the demo match what they observe.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

# 85 characters of the consumer-key alphabet, starting 3MVG9 like real keys.
DEMO_CLIENT_ID = (
    "3MVG9sfjwtDEMO.ConsumerKey."
    "0000000000000000000000000000000000000000000000000000000000"
)
DEMO_USERNAME = "integration@sfjwt-demo.example"
DEMO_ORG_NAME = "sfjwt Demo Org"
DEMO_USER_DISPLAY_NAME = "Integration User"

PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"

# A URL path, not a secret.
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
HTML_CONTENT_TYPE = "text/html;charset=UTF-8"
TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"
XML_CONTENT_TYPE = "application/xml;charset=UTF-8"
FORM_ANSWER_CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"

# The REST API versions the demo org lists, oldest first; the last is the newest.
OLDEST_API_VERSION = 31
NEWEST_API_VERSION = 66
DAILY_API_REQUEST_LIMIT = 15000

# The clock_skew scenario puts the server clock this far ahead.
CLOCK_SKEW_SCENARIO_OFFSET_S = 600.0
HUGE_ANSWER_BYTES = 2 * 1024 * 1024
# Request bodies larger than this are refused (a token request is a few KiB).
MAX_REQUEST_BODY_BYTES = 1024 * 1024


@dataclass
class DemoSettings:
    """Everything that makes one demo org: its app, its user and its quirks."""

    client_id: str = DEMO_CLIENT_ID
    username: str = DEMO_USERNAME
    # The certificate "uploaded" to the connected app; None: nothing uploaded yet.
    certificate: x509.Certificate | None = None
    org_id: str = "00D5g00000SfJwTDEM"
    user_id: str = "0055g00000SfJwTUSR"
    # Compared after stripping one trailing slash from both sides (unconfirmed).
    accepted_audiences: tuple[str, ...] = (PRODUCTION_AUDIENCE,)
    exp_leeway_s: int = 180
    unknown_user_error: str = "user hasn't approved this consumer"
    # issued_at and signature in the success body (unconfirmed for this flow).
    include_issued_at: bool = True
    scope: str = "api id web"
    scenario: str = "normal"
    slow_delay_s: float = 5.0
    propagation_delay_s: float = 120.0
    login_rate_per_hour: int = 3600
    # Server clock ahead (+) or behind (-) the real clock, in seconds.
    clock_offset_s: float = 0.0
    # The trickle scenario sends one byte of its body per interval.
    trickle_interval_s: float = 1.0

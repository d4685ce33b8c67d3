"""Catalog entries for what the token endpoint answered, or failed to answer."""

from __future__ import annotations

from sfjwt_gui.engine.findings import CatalogEntry, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

LOGIN_HISTORY = (
    "Setup > Login History lists each JWT attempt (login type Remote Access 2.0) "
    "with Salesforce's own reason, such as Failed: Not approved for access."
)

SERVER_ENTRIES = (
    CatalogEntry(
        "user_not_approved",
        E,
        "The user is not approved for this connected app",
        (
            "The app's Permitted Users is Admin approved users are "
            "pre-authorized, but the user's profile or permission set is not "
            "assigned to the app.",
            "Permitted Users is All users may self-authorize and the user never "
            "approved the app through a flow that issued a refresh token.",
            "The login host and audience point to another org type (production "
            "credentials sent to a sandbox, or the reverse).",
            "The user or org was created minutes ago and the approval has not "
            "reached every server yet.",
            "The sandbox was refreshed and the app's policies differ there.",
            "The username is mistyped or belongs to another org.",
        ),
        "In Setup > App Manager > your app > Manage > Edit Policies, set Permitted "
        "Users to Admin approved users are pre-authorized, then add the user's "
        "profile or a permission set under Profiles / Permission Sets. For a new "
        "org or user, retry in a few minutes.",
        LOGIN_HISTORY,
    ),
    CatalogEntry(
        "audience_invalid",
        E,
        "Salesforce rejected the audience (aud)",
        (
            "A sandbox was given the production audience "
            "https://login.salesforce.com, or production the sandbox one.",
            "A My Domain or site URL was used where the org expects "
            "login/test, or the reverse on a newer external client app.",
        ),
        "Use https://login.salesforce.com for production and Developer Edition, "
        "https://test.salesforce.com for sandboxes and scratch orgs, the site URL "
        "for Experience Cloud users; for external client apps since Spring '26 "
        "try the My Domain URL.",
    ),
    CatalogEntry(
        "invalid_assertion",
        E,
        "Salesforce could not verify the assertion's signature",
        (
            "The certificate uploaded to this connected app is not the one that "
            "pairs with the private key used.",
            "The certificate was replaced on the app and the key was not.",
            "The assertion is not a valid JWT (wrong encoding, missing claims).",
        ),
        "Upload the certificate that pairs with this key to the connected app "
        "(Use digital signatures), or point the profile at the right key, then "
        "wait a few minutes for the change to apply.",
    ),
    CatalogEntry(
        "assertion_expired",
        E,
        "Salesforce says the assertion has expired",
        (
            "This computer's clock is wrong (check the time zone and NTP).",
            "exp was computed from local time instead of UTC.",
            "The token lifetime is too short for the delay to the server.",
        ),
        "Synchronise this computer's clock, and keep exp a few minutes ahead "
        "of the current UTC time (the default is 3 minutes).",
    ),
    CatalogEntry(
        "client_id_invalid",
        E,
        "Salesforce does not know this consumer key",
        (
            "The consumer key is mistyped, truncated or from another app.",
            "The app lives in another org (created in production, used against "
            "a sandbox refreshed before it, or the reverse).",
            "The login URL points to the wrong org.",
            "The app was created or edited minutes ago and has not propagated.",
        ),
        "Copy the key again from Manage Consumer Details, use the login URL of "
        "the org that holds the app, and after creating or editing the app wait "
        "up to 10 minutes.",
    ),
    CatalogEntry(
        "refresh_scope_missing",
        E,
        "The app lacks the refresh_token scope or is not pre-authorized",
        (
            "The connected app's OAuth scopes lack Perform requests at any time "
            "(refresh_token, offline_access).",
            "The app is not installed or pre-authorized in this org.",
        ),
        "Add the refresh_token, offline_access scope to the app, and make sure it "
        "is installed with admin pre-authorization.",
    ),
    CatalogEntry(
        "app_not_admin_approved",
        E,
        "The user is not admin approved to access this app",
        (
            "Permitted Users is admin approved, but none of the user's profiles "
            "or permission sets is assigned to the app.",
        ),
        "Assign the user's profile or a permission set to the app's policies.",
        LOGIN_HISTORY,
    ),
    CatalogEntry(
        "eca_not_installed",
        E,
        "The external client app is not installed in this org",
        (
            "The external client app exists in another org (they are local to "
            "the org that created them).",
            "The login URL or audience is login/test while the external client "
            "app expects the My Domain (Spring '26 and later).",
            "The sandbox was just refreshed.",
        ),
        "Create or install the app in this org, and use the org's My Domain URL "
        "as both login URL and audience.",
    ),
    CatalogEntry(
        "app_not_installed",
        E,
        "The connected app must be installed into the org",
        ("Uninstalled connected apps are blocked in this org.",),
        "In Setup > Connected Apps OAuth Usage, install the app, then "
        "pre-authorize the integration user.",
    ),
    CatalogEntry(
        "hmac_signed",
        E,
        "The assertion was not signed with RS256",
        (
            "The JWT was signed with an HMAC algorithm (HS256), using the "
            "certificate or consumer secret as a shared secret.",
        ),
        "Sign the assertion with RS256 and the private key.",
    ),
    CatalogEntry(
        "unsupported_grant_type",
        E,
        "Salesforce did not recognise the grant type",
        (
            "grant_type is missing or misspelled.",
            "The body was not sent as a form (application/x-www-form-urlencoded).",
            "The request went to a host that is not a Salesforce login host.",
        ),
        "Post a form body with grant_type="
        "urn:ietf:params:oauth:grant-type:jwt-bearer and the assertion.",
    ),
    CatalogEntry(
        "login_rate_exceeded",
        E,
        "Too many logins for this user",
        (
            "More than about 3,600 logins in an hour for this user: every JWT "
            "grant counts as a login.",
        ),
        "Reuse an access token until it stops working instead of logging in for "
        "every request, and wait for the hourly window to pass.",
    ),
    CatalogEntry(
        "ip_restricted",
        E,
        "Login refused by IP range or login hours",
        (
            "The caller's IP address is outside the user profile's Login IP Ranges.",
            "The request came outside the profile's Login Hours.",
        ),
        "Add the caller's IP range to the profile, set the app's IP Relaxation to "
        "Relax IP restrictions, or adjust the login hours.",
        LOGIN_HISTORY,
    ),
    CatalogEntry(
        "inactive_user",
        E,
        "The user is inactive",
        ("The user named in sub has been deactivated.",),
        "Reactivate the user or use another integration user.",
    ),
    CatalogEntry(
        "inactive_org",
        E,
        "The org is locked, closed or suspended",
        ("The trial expired, the scratch org was deleted, or the org is locked.",),
        "Use an active org.",
    ),
    CatalogEntry(
        "scope_invalid",
        E,
        "Salesforce rejected the requested scope",
        ("A scope claim or the app's scopes are invalid or unknown.",),
        "Remove any scope claim from the assertion and check the app's OAuth scopes.",
    ),
    CatalogEntry(
        "oauth_error_unknown",
        E,
        "Salesforce refused the login with an error sfjwt-gui does not know",
        ("See Salesforce's own words below.",),
        "Look the error up in Setup > Login History, and check the connected app's "
        "policies.",
        LOGIN_HISTORY,
    ),
    CatalogEntry(
        "not_json",
        E,
        "The server did not answer like a Salesforce token endpoint",
        (
            "The login URL points to a web page (a Lightning or site page, a "
            "typo) rather than a Salesforce login host.",
            "A proxy or firewall answered with its own page.",
            "The answer was cut short or damaged on the way.",
        ),
        "Check the login URL: https://login.salesforce.com, "
        "https://test.salesforce.com or the org's My Domain.",
    ),
    CatalogEntry(
        "http_error",
        E,
        "The server answered with an HTTP error",
        (
            "Salesforce or a proxy in between has a problem (5xx).",
            "The URL path is not the token endpoint, or the request was redirected.",
        ),
        "Retry in a few minutes; check trust.salesforce.com for incidents and "
        "the login URL for typos.",
    ),
    CatalogEntry(
        "timeout",
        E,
        "No answer in time",
        (
            "The network is slow or a firewall silently drops the traffic.",
            "A proxy is required and not configured.",
            "The server is overloaded.",
        ),
        "Check the network and proxy settings (HTTPS_PROXY), or raise the timeout.",
    ),
    CatalogEntry(
        "connection_failed",
        E,
        "Could not connect to the login host",
        (
            "The host name is mistyped or does not exist (DNS).",
            "No network, or a firewall blocks the connection.",
            "A proxy is required and not configured.",
        ),
        "Check the login URL and the network; behind a corporate proxy set "
        "HTTPS_PROXY.",
    ),
    CatalogEntry(
        "tls_error",
        E,
        "The server's TLS certificate could not be verified",
        (
            "A corporate proxy inspects TLS traffic with its own root certificate.",
            "The host is not who it claims to be.",
        ),
        "Ask IT for the corporate root certificate and give it as CA bundle, or "
        "have it installed in the system's certificate store (sfjwt-gui trusts "
        "what the system trusts). Never turn verification off.",
    ),
    CatalogEntry(
        "proxy_error",
        E,
        "The proxy refused the connection",
        (
            "The proxy needs authentication.",
            "The proxy does not allow this host.",
            "The proxy address is wrong or the proxy is down.",
        ),
        "Check the profile's proxy setting, HTTPS_PROXY and NO_PROXY; put proxy "
        "credentials in HTTPS_PROXY; ask IT to allow the Salesforce hosts.",
    ),
    CatalogEntry(
        "response_too_large",
        E,
        "The answer was too large for a token response",
        ("The URL points to a download or a page, not the token endpoint.",),
        "Check the login URL.",
    ),
    CatalogEntry(
        "cancelled",
        INFO,
        "The test was cancelled",
        ("Cancel was pressed before the answer arrived.",),
        "Run the test again when ready.",
    ),
    CatalogEntry(
        "clock_skew",
        W,
        "This computer's clock differs from the server's",
        (
            "This computer's clock is wrong or not synchronised (NTP).",
            "The time zone is set wrong, so UTC is off by hours.",
        ),
        "Synchronise the clock; a skew of more than a few minutes makes "
        "Salesforce reject assertions as expired.",
    ),
    CatalogEntry(
        "verification_failed",
        W,
        "The token was issued but the follow-up check failed",
        (
            "The app lacks the openid or id scope needed by userinfo.",
            "The instance URL is not reachable yet (a new My Domain).",
        ),
        "Add the api and id scopes to the app, or check the instance URL.",
    ),
)

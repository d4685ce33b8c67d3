"""Catalog entries for problems found before anything is sent (preflight)."""

from __future__ import annotations

from sfjwt_gui.engine.findings import CatalogEntry, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

LOCAL_ENTRIES = (
    CatalogEntry(
        "key_missing",
        E,
        "No private key file",
        ("No key file was chosen.", "The file was moved, renamed or deleted."),
        "Choose the private key (.key) that pairs with the certificate uploaded to "
        "the connected app, or generate a new key and certificate.",
    ),
    CatalogEntry(
        "key_unreadable",
        E,
        "The private key file cannot be used",
        (
            "The file is not a private key (a certificate, public key, CSR or "
            "another file was chosen).",
            "The file is damaged or was copied with extra characters.",
            "The key is in OpenSSH format, which JWT signing cannot use.",
        ),
        "Pick the .key file generated together with the certificate, or convert "
        "the key to PEM (PKCS#8).",
    ),
    CatalogEntry(
        "key_encrypted",
        E,
        "The private key needs its passphrase",
        ("The key file is protected by a passphrase and none was given.",),
        "Enter the key's passphrase. sfjwt-gui keeps it in memory only.",
    ),
    CatalogEntry(
        "key_passphrase_wrong",
        E,
        "Wrong passphrase for the private key",
        (
            "The passphrase was mistyped (check Caps Lock and the keyboard layout).",
            "The key was encrypted with another passphrase.",
        ),
        "Enter the passphrase used when the key was created.",
    ),
    CatalogEntry(
        "key_not_rsa",
        E,
        "The key is not an RSA key",
        (
            "The key is an EC, Ed25519 or DSA key; Salesforce verifies JWT "
            "assertions signed with RS256, which needs RSA.",
        ),
        "Generate an RSA key (2048 bits or more) and a certificate for it, and "
        "upload that certificate to the connected app.",
    ),
    CatalogEntry(
        "key_too_small",
        E,
        "The RSA key is shorter than 2048 bits",
        ("The key was generated with an old recipe (1024 bits or less).",),
        "Generate a new 2048-bit (or larger) key and upload its certificate.",
    ),
    CatalogEntry(
        "cert_unreadable",
        W,
        "The certificate file cannot be read",
        (
            "The file is not an X.509 certificate (a key or another file was chosen).",
            "The file is damaged.",
        ),
        "Choose the .crt file uploaded to the connected app. Without it the key "
        "cannot be checked locally, but the login can still be tried.",
    ),
    CatalogEntry(
        "cert_missing",
        INFO,
        "No certificate given",
        ("Only the private key was chosen.",),
        "Add the certificate uploaded to the connected app so sfjwt-gui can check "
        "that the key matches it before anything is sent.",
    ),
    CatalogEntry(
        "cert_key_mismatch",
        E,
        "The private key does not belong to the certificate",
        (
            "The key of another key pair was chosen.",
            "The certificate was regenerated after the key was copied.",
        ),
        "Use the key generated together with this certificate, or upload the "
        "certificate that belongs to this key. Salesforce would answer "
        '"invalid assertion".',
    ),
    CatalogEntry(
        "cert_expired",
        W,
        "The certificate has expired",
        ("The certificate's validity period has ended.",),
        "Salesforce keeps accepting an expired certificate for JWT logins, but "
        "your security policy may not: plan a new key pair and upload its "
        "certificate.",
    ),
    CatalogEntry(
        "cert_expires_soon",
        W,
        "The certificate expires soon",
        ("The certificate's validity ends within 30 days.",),
        "Generate a new key and certificate, upload the certificate to the "
        "connected app, then switch the integration to the new key.",
    ),
    CatalogEntry(
        "client_id_missing",
        E,
        "Consumer key is missing",
        ("The connected app's consumer key has not been entered.",),
        "Copy the consumer key from Setup > App Manager > your app > View > "
        "Manage Consumer Details.",
    ),
    CatalogEntry(
        "client_id_format",
        W,
        "The consumer key does not look like one",
        (
            "Only part of the key was copied, or spaces and line breaks came with it.",
            "The consumer secret or another value was pasted instead.",
        ),
        "Copy the consumer key again from Manage Consumer Details; it usually "
        "starts with 3MVG and is about 85 characters of letters, digits, dots "
        "and underscores.",
    ),
    CatalogEntry(
        "username_missing",
        E,
        "Username is missing",
        ("The JWT bearer flow logs in as a user; its username goes in `sub`.",),
        "Enter the Salesforce username of the integration user "
        "(like name@company.com, or name@company.com.sandbox in a sandbox).",
    ),
    CatalogEntry(
        "username_format",
        W,
        "The username does not look like a Salesforce username",
        (
            "Salesforce usernames have the form of an email address.",
            "The value is XML- or URL-escaped (such as &amp;).",
        ),
        "Enter the username exactly as shown on the user's record in Setup.",
    ),
    CatalogEntry(
        "login_url_invalid",
        E,
        "The login URL is not valid",
        ("The URL is empty, mistyped, or not a web address.",),
        "Use https://login.salesforce.com (production), https://test.salesforce.com "
        "(sandbox) or your My Domain, such as https://acme.my.salesforce.com.",
    ),
    CatalogEntry(
        "login_url_insecure",
        E,
        "The login URL does not use https",
        ("Salesforce only accepts logins over https.",),
        "Change http:// to https://. Plain http is only allowed for the local "
        "demo org.",
    ),
    CatalogEntry(
        "login_url_lightning",
        E,
        "A Lightning domain is not a login URL",
        (
            "The address was copied from the browser while in Lightning "
            "Experience (*.lightning.force.com).",
        ),
        "Use the org's My Domain (*.my.salesforce.com) instead.",
    ),
    CatalogEntry(
        "audience_mismatch",
        W,
        "The audience does not fit the login URL",
        (
            "A sandbox login URL with the production audience, or the reverse.",
            "An audience override left over from another org.",
        ),
        "Clear the audience override to use the automatic value, or set "
        "https://login.salesforce.com for production and "
        "https://test.salesforce.com for sandboxes.",
    ),
    CatalogEntry(
        "sandbox_user_on_production",
        W,
        "A sandbox username with a production login URL",
        (
            "Sandbox usernames end with the sandbox name (name@company.com.uat), "
            "but the login URL points to production.",
        ),
        "Use https://test.salesforce.com or the sandbox's My Domain "
        "(*.sandbox.my.salesforce.com).",
    ),
    CatalogEntry(
        "ca_bundle_missing",
        E,
        "The CA bundle file cannot be used",
        ("The file was moved, renamed or deleted.", "The path is mistyped."),
        "Choose the PEM file holding your network's root certificate, or leave "
        "the CA bundle empty to trust the usual certificate authorities.",
    ),
    CatalogEntry(
        "proxy_invalid",
        E,
        "The proxy setting is not a proxy address",
        (
            "The proxy field has a typing mistake, spaces, a path or a port out "
            "of range.",
            "A SOCKS or other kind of proxy was given; only http:// and https:// "
            "proxies are supported.",
        ),
        'Leave the proxy empty to use HTTPS_PROXY from the environment, type "direct" '
        "for no proxy, or give an address such as http://proxy.example.com:3128.",
    ),
    CatalogEntry(
        "proxy_has_password",
        E,
        "The proxy address holds a password",
        (
            "The proxy's user name and password were typed into the profile, which "
            "is a plain file that gets exported and shared.",
        ),
        "Remove the user name and password from the proxy field and set them in "
        "HTTPS_PROXY in the environment (http://user:password@proxy:port).",
    ),
    CatalogEntry(
        "timeout_invalid",
        E,
        "The network timeout is not a positive number of seconds",
        ("The timeout was set to zero, a negative number or text.",),
        "Enter a timeout in seconds, such as 30.",
    ),
    CatalogEntry(
        "lifetime_invalid",
        E,
        "The token lifetime is not a positive number of seconds",
        ("The lifetime was set to zero, a negative number or text.",),
        "Enter a lifetime in seconds, such as 180 (3 minutes).",
    ),
    CatalogEntry(
        "settings_invalid",
        E,
        "An input cannot be used",
        ("A value is out of range or of the wrong kind.",),
        "Correct the value named above.",
    ),
)

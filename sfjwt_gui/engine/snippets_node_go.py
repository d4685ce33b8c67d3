"""Working login code to hand on for Node.js (jsforce) and Go (golang-jwt v5).

Like the Python snippets: a fresh assertion with the tested claims, posted to
the same token URL; prints where it logged in and the user id, never the token.
"""

from __future__ import annotations

import shlex

from sfjwt_gui.engine.export_inputs import (
    DIRECT_PROXY,
    JWT_BEARER_GRANT,
    PASSPHRASE_ENV,
    PRIVATE_KEY_ENV,
    ExportInputs,
    KeyForm,
    comment_text,
    go_string,
    js_string,
    pem_key_command,
    snippet_title,
)

# -- Node.js -------------------------------------------------------------------


def node_jsforce(inputs: ExportInputs) -> str:
    """A Node.js script: jsonwebtoken signs, jsforce posts and keeps the session."""
    key_from_env = inputs.key_form is KeyForm.PKCS12
    run = "node sf-jwt-login.js"
    if inputs.ca_bundle:
        run = f"NODE_EXTRA_CA_CERTS={shlex.quote(inputs.ca_bundle)} {run}"
    if key_from_env:
        run = f'{PRIVATE_KEY_ENV}="$({pem_key_command(inputs)})" {run}'
    notes = [
        *(f"// {line}" for line in snippet_title(inputs, "jsforce and jsonwebtoken")),
        "// Needs: npm install jsforce@3 jsonwebtoken@9",
        f"// Run: {comment_text(run)}",
    ]
    if inputs.key_encrypted and not key_from_env:
        notes.append(f"// The key's passphrase is read from ${PASSPHRASE_ENV}.")
    if inputs.proxy == DIRECT_PROXY:
        # FIXME(exports): jsforce falls back to HTTPS_PROXY from the environment;
        # the snippet only says to unset it rather than bypassing it itself.
        notes.append("// The profile uses no proxy: unset HTTPS_PROXY before running.")

    key_options: list[str] = []
    if key_from_env:
        key_source = f"process.env.{PRIVATE_KEY_ENV}"
    else:
        key_source = "fs.readFileSync(KEY_FILE)"
        if inputs.key_form is KeyForm.DER:
            key_options += ['format: "der"', f"type: {js_string(inputs.der_type)}"]
        if inputs.key_encrypted:
            key_options.append(f"passphrase: process.env.{PASSPHRASE_ENV}")
    connection = "{ loginUrl: LOGIN_URL" + (
        ", httpProxy: PROXY }" if inputs.proxy_url else " }"
    )
    lines = [
        *notes,
        'const crypto = require("node:crypto");',
        'const fs = require("node:fs");',
        'const jsforce = require("jsforce");',
        'const jwt = require("jsonwebtoken");',
        "",
        f"const LOGIN_URL = {js_string(inputs.login_url)};",
        f"const CLIENT_ID = {js_string(inputs.client_id)};",
        f"const USERNAME = {js_string(inputs.username)};",
        f"const AUDIENCE = {js_string(inputs.audience)};",
        *([] if key_from_env else [f"const KEY_FILE = {js_string(inputs.key_path)};"]),
        f"const LIFETIME_S = {int(inputs.lifetime_s)};",
        *(
            [f"const PROXY = {js_string(inputs.proxy_url)};"]
            if inputs.proxy_url
            else []
        ),
        "",
        "async function main() {",
        "  const key = crypto.createPrivateKey({",
        f"    key: {key_source},",
        *(f"    {option}," for option in key_options),
        "  });",
        "  const assertion = jwt.sign(",
        "    { iss: CLIENT_ID, sub: USERNAME, aud: AUDIENCE },",
        "    key,",
        '    { algorithm: "RS256", expiresIn: LIFETIME_S },',
        "  );",
        f"  const conn = new jsforce.Connection({connection});",
        "  const user = await conn.authorize({",
        f"    grant_type: {js_string(JWT_BEARER_GRANT)},",
        "    assertion,",
        "  });",
        "  console.log(`Logged in: ${conn.instanceUrl} as user ${user.id}`);",
        "}",
        "",
        "main().catch((error) => {",
        "  console.error(`Login refused: ${error.name}: ${error.message}`);",
        "  process.exit(1);",
        "});",
    ]
    return "\n".join(lines) + "\n"


# -- Go ------------------------------------------------------------------------


def go_golang_jwt(inputs: ExportInputs) -> str:
    """A Go program: golang-jwt v5 signs (aud a single string), net/http posts."""
    key_from_env = not inputs.plain_pem
    run = "go run ."
    if inputs.ca_bundle:
        run = f"SSL_CERT_FILE={shlex.quote(inputs.ca_bundle)} {run}"
    if key_from_env:
        run = f'{PRIVATE_KEY_ENV}="$({pem_key_command(inputs)})" {run}'
    notes = [
        *(f"// {line}" for line in snippet_title(inputs, "golang-jwt v5")),
        "// Needs: go mod init sfjwtlogin && go get github.com/golang-jwt/jwt/v5",
        f"// Run: {comment_text(run)}",
    ]
    if key_from_env:
        notes.append(
            "// Go reads only unencrypted PEM keys: openssl converts this one on "
            "the fly."
        )
    if inputs.ca_bundle:
        notes.append("// SSL_CERT_FILE replaces the system's CAs on Linux and BSD.")
    # FIXME(exports): Go honours the profile's proxy setting only through the
    # environment, as these notes tell; the program sets no transport proxy.
    if inputs.proxy == DIRECT_PROXY:
        notes.append("// The profile uses no proxy: unset HTTPS_PROXY before running.")
    elif inputs.proxy_url:
        notes.append(
            f"// The profile goes through {comment_text(inputs.proxy_url)}: "
            "set HTTPS_PROXY to it."
        )

    read_key = (
        f"pemKey := []byte(os.Getenv({go_string(PRIVATE_KEY_ENV)}))"
        if key_from_env
        else "pemKey, err := os.ReadFile(keyFile)\n\tif err != nil {\n"
        '\t\tfail("reading the key file", err)\n\t}'
    )
    key_const = [] if key_from_env else [f"\tkeyFile  = {go_string(inputs.key_path)}"]
    lines = [
        *notes,
        "package main",
        "",
        "import (",
        '\t"encoding/json"',
        '\t"fmt"',
        '\t"net/http"',
        '\t"net/url"',
        '\t"os"',
        '\t"strings"',
        '\t"time"',
        "",
        '\t"github.com/golang-jwt/jwt/v5"',
        ")",
        "",
        "const (",
        f"\ttokenURL = {go_string(inputs.token_url)}",
        f"\tclientID = {go_string(inputs.client_id)}",
        f"\tusername = {go_string(inputs.username)}",
        f"\taudience = {go_string(inputs.audience)}",
        *key_const,
        f"\tlifetime = {_go_duration(inputs.lifetime_s)}",
        ")",
        "",
        "func main() {",
        f"\t{read_key}",
        "\tkey, err := jwt.ParseRSAPrivateKeyFromPEM(pemKey)",
        "\tif err != nil {",
        '\t\tfail("reading the private key", err)',
        "\t}",
        "\t// MapClaims keeps aud a single string, as Salesforce expects.",
        "\tclaims := jwt.MapClaims{",
        '\t\t"iss": clientID,',
        '\t\t"sub": username,',
        '\t\t"aud": audience,',
        '\t\t"exp": time.Now().Add(lifetime).Unix(),',
        "\t}",
        "\tassertion, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)."
        "SignedString(key)",
        "\tif err != nil {",
        '\t\tfail("signing the assertion", err)',
        "\t}",
        "",
        "\tform := url.Values{",
        f'\t\t"grant_type": {{{go_string(JWT_BEARER_GRANT)}}},',
        '\t\t"assertion":  {assertion},',
        "\t}",
        f"\tclient := &http.Client{{Timeout: {_go_duration(inputs.timeout_s)}}}",
        "\tresponse, err := client.PostForm(tokenURL, form)",
        "\tif err != nil {",
        '\t\tfail("posting the assertion", err)',
        "\t}",
        "\tdefer response.Body.Close()",
        "\tvar answer map[string]any",
        "\tif err := json.NewDecoder(response.Body).Decode(&answer); err != nil {",
        '\t\tfail(fmt.Sprintf("reading the answer (HTTP %d)", response.StatusCode), '
        "err)",
        "\t}",
        "\tif response.StatusCode != http.StatusOK {",
        '\t\tfmt.Fprintf(os.Stderr, "Login refused: HTTP %d %v: %v\\n",',
        '\t\t\tresponse.StatusCode, answer["error"], answer["error_description"])',
        "\t\tos.Exit(1)",
        "\t}",
        '\tinstanceURL, _ := answer["instance_url"].(string)',
        '\tidentity, _ := answer["id"].(string)',
        '\tuserID := identity[strings.LastIndex(identity, "/")+1:]',
        '\tfmt.Printf("Logged in: %s as user %s\\n", instanceURL, userID)',
        "}",
        "",
        "func fail(what string, err error) {",
        '\tfmt.Fprintf(os.Stderr, "Failed %s: %v\\n", what, err)',
        "\tos.Exit(1)",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _go_duration(seconds: float) -> str:
    """A Go time.Duration expression for a number of seconds."""
    if float(seconds).is_integer():
        return f"{int(seconds)} * time.Second"
    return f"{round(seconds * 1000)} * time.Millisecond"

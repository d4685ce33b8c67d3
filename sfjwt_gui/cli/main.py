"""`sfjwt`: the command line. Parses arguments and hands each command its module.

Command modules are imported only when their command runs, so that `sfjwt
decode` does not pay for `requests`, and nothing here ever imports PySide6.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from sfjwt_gui import __version__
from sfjwt_gui.cli.output import error_line
from sfjwt_gui.engine.errors import SfjwtError

USAGE_STATUS = 2
COMMANDS = {
    "keygen": "sfjwt_gui.cli.cmd_keys",
    "inspect": "sfjwt_gui.cli.cmd_keys",
    "login": "sfjwt_gui.cli.cmd_login",
    "decode": "sfjwt_gui.cli.cmd_decode",
    "profiles": "sfjwt_gui.cli.cmd_profiles",
    "demo": "sfjwt_gui.cli.cmd_demo",
    "export": "sfjwt_gui.cli.cmd_export",
    "check-connection": "sfjwt_gui.cli.cmd_connect",
}


def add_login_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """The options naming a connected app; shared by `login` and `profiles add`."""
    parser.add_argument("--login-url", required=required, metavar="URL")
    parser.add_argument(
        "--client-id",
        required=required,
        metavar="ID",
        help="consumer key of the connected app",
    )
    parser.add_argument("--username", required=required, metavar="USER")
    parser.add_argument(
        "--key",
        required=required,
        metavar="FILE",
        help="private key (PEM, DER or .p12)",
    )
    parser.add_argument(
        "--cert",
        metavar="FILE",
        help="certificate uploaded to the app, to check the key",
    )
    parser.add_argument(
        "--audience", metavar="URL", help="override the automatic audience (aud)"
    )
    parser.add_argument(
        "--lifetime",
        type=int,
        metavar="S",
        help="seconds until the assertion expires (default 180)",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="trust only the CA certificates in this PEM file, instead of the "
        "system's certificate store",
    )
    parser.add_argument(
        "--proxy",
        metavar="URL|direct",
        help="proxy for this app (default: HTTPS_PROXY from the environment)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="network timeout in seconds (default 30)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfjwt",
        description="Set up, test and diagnose Salesforce's JWT bearer login.",
    )
    parser.add_argument("--version", action="version", version=f"sfjwt {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log details to stderr (never secrets)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="generate an RSA key and certificate")
    keygen.add_argument("--out", required=True, metavar="DIR")
    keygen.add_argument("--bits", type=int, default=2048, choices=(2048, 3072, 4096))
    keygen.add_argument("--days", type=int, default=365)
    keygen.add_argument(
        "--cn",
        default="sfjwt JWT bearer",
        metavar="NAME",
        help="certificate common name",
    )
    keygen.add_argument(
        "--passphrase-env",
        metavar="VAR",
        help="encrypt the key with the passphrase in this variable",
    )
    keygen.add_argument("--force", action="store_true", help="replace existing files")

    inspect = commands.add_parser("inspect", help="say what key/cert/p12 files are")
    inspect.add_argument("files", nargs="+", metavar="FILE")
    inspect.add_argument("--passphrase-env", metavar="VAR")
    inspect.add_argument("--json", action="store_true")

    login = commands.add_parser("login", help="test a JWT bearer login")
    login.add_argument("--profile", metavar="NAME", help="use a saved profile")
    add_login_options(login, required=False)
    login.add_argument("--passphrase-env", metavar="VAR")
    login.add_argument(
        "--verify",
        action="store_true",
        help="after login, ask userinfo and the identity URL",
    )
    login.add_argument("--revoke", action="store_true", help="revoke the token after")
    login.add_argument(
        "--show-secrets",
        action="store_true",
        help="print the access token and assertion in clear",
    )
    login.add_argument("--json", action="store_true")

    decode = commands.add_parser("decode", help="decode a JWT for reading")
    decode.add_argument("jwt", nargs="?", default="-", metavar="TOKEN|-")
    decode.add_argument("--cert", metavar="FILE", help="verify the signature too")
    decode.add_argument("--json", action="store_true")

    export = commands.add_parser(
        "export", help="the login as a command, code or support report"
    )
    export.add_argument("--profile", metavar="NAME", help="use a saved profile")
    add_login_options(export, required=False)
    export.add_argument("--passphrase-env", metavar="VAR")
    export.add_argument(
        "--format",
        required=True,
        choices=(
            "sf", "curl", "python", "simple-salesforce", "node", "go",
            "report-md", "report-json",
        ),
    )  # fmt: skip
    export.add_argument(
        "--include-assertion",
        action="store_true",
        help="curl: post a freshly signed assertion written into the command "
        "(a secret until it expires)",
    )
    export.add_argument("--out", metavar="FILE", help="write to FILE, not stdout")
    export.add_argument("--force", action="store_true", help="replace FILE")
    export.set_defaults(verify=True, revoke=False)

    profiles = commands.add_parser("profiles", help="manage saved profiles")
    _add_profile_commands(profiles)

    demo = commands.add_parser("demo", help="run the local demo org")
    demo.add_argument("--port", type=int, default=0)
    demo.add_argument("--cert", metavar="FILE", help="certificate of the demo app")
    demo.add_argument("--client-id", metavar="ID")
    demo.add_argument("--username", metavar="USER")
    demo.add_argument("--scenario", default="normal", metavar="NAME")
    demo.add_argument("--list-scenarios", action="store_true")

    check = commands.add_parser(
        "check-connection",
        help="check DNS, connection, TLS and /services/data/ step by step",
    )
    where = check.add_mutually_exclusive_group(required=True)
    where.add_argument("--profile", metavar="NAME", help="use a saved profile")
    where.add_argument("--login-url", metavar="URL")
    check.add_argument(
        "--proxy",
        metavar="URL|direct",
        help='proxy URL, or "direct" for none (default: HTTPS_PROXY)',
    )
    check.add_argument("--ca-bundle", metavar="FILE", help="CA certificates (PEM)")
    check.add_argument("--timeout", type=float, metavar="S", help="default 10")
    check.add_argument("--json", action="store_true")
    return parser


def _add_profile_commands(profiles: argparse.ArgumentParser) -> None:
    actions = profiles.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list profiles")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="show one profile")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="create or update a profile")
    add.add_argument("name")
    add_login_options(add, required=False)
    add.add_argument("--notes", default=None)
    add.add_argument(
        "--keychain",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="remember the key's passphrase in the system keychain",
    )
    delete = actions.add_parser("delete", help="delete a profile")
    delete.add_argument("name")
    rename = actions.add_parser("rename", help="rename a profile")
    rename.add_argument("name")
    rename.add_argument("new_name")
    forget = actions.add_parser(
        "forget-passphrase",
        help="remove a profile's key passphrase from the system keychain",
    )
    forget.add_argument("name")
    export = actions.add_parser("export", help="write a profile to a file")
    export.add_argument("name")
    export.add_argument("file")
    imported = actions.add_parser("import", help="read a profile from a file")
    imported.add_argument("file")
    imported.add_argument("--name", default=None)
    imported.add_argument("--replace", action="store_true")


if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[TextIO]
else:  # subscripting StreamHandler at run time needs Python 3.11
    _StreamHandler = logging.StreamHandler


class _CurrentStderr(_StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


_console: logging.Handler | None = None


def _configure_logging(*, verbose: bool) -> None:
    """Records go to the log file; stderr shows warnings (everything with -v)."""
    from sfjwt_gui.engine.logsetup import SecretScrubFilter, configure_logging

    global _console
    configure_logging(level=logging.DEBUG if verbose else logging.INFO)
    if _console is None:
        _console = _CurrentStderr()
        _console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        _console.addFilter(SecretScrubFilter())
        logging.getLogger().addHandler(_console)
    _console.setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return USAGE_STATUS

    _configure_logging(verbose=args.verbose)
    module = importlib.import_module(COMMANDS[args.command])
    try:
        status: int = module.run(args)
    except SfjwtError as error:
        error_line(str(error))
        return USAGE_STATUS
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())

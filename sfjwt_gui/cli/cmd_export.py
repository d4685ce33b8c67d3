"""`sfjwt export`: the login as a command, code or support report, for scripts.

Code formats need no login: they are written from the settings. The support
reports, and curl with ``--include-assertion``, run a login first and export
that run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sfjwt_gui.cli.cmd_login import settings_from_args
from sfjwt_gui.cli.passphrase import passphrase_for_key
from sfjwt_gui.engine.errors import KeyFileError, UsageError
from sfjwt_gui.engine.exports import (
    FORMATS,
    ExportFormat,
    holds_secret,
    render_export,
    write_export,
)
from sfjwt_gui.engine.filekinds import FileKind

if TYPE_CHECKING:
    from sfjwt_gui.engine.filekinds import FileIdentity
    from sfjwt_gui.engine.login import LoginResult, LoginSettings
    from sfjwt_gui.engine.profiles import Profile

logger = logging.getLogger(__name__)

FORMAT_NAMES = tuple(item.value for item in ExportFormat)


def run(args: argparse.Namespace) -> int:
    export_format = ExportFormat(args.format)
    include_assertion = bool(args.include_assertion)
    if include_assertion and export_format is not ExportFormat.CURL:
        raise UsageError(
            "--include-assertion only applies to --format curl.",
            fix="Drop --include-assertion, or export curl.",
        )

    profile = _load_profile(args.profile) if args.profile else None
    settings = settings_from_args(args, profile)
    identity = _key_identity(settings.key_path)

    result = None
    if FORMATS[export_format].is_report or include_assertion:
        result = _login(
            settings, identity, profile, include_assertion=include_assertion
        )

    text = render_export(
        export_format,
        settings,
        result,
        profile_name=profile.name if profile is not None else "",
        key_identity=identity,
        include_assertion=include_assertion,
    )
    if not args.out:
        sys.stdout.write(text)
        return 0

    path = Path(args.out).expanduser()
    secret = holds_secret(export_format, include_assertion=include_assertion)
    write_export(path, text, private=secret, force=args.force)
    mode = " (mode 0600: it holds the assertion)" if secret else ""
    sys.stderr.write(f"Written to {path}{mode}\n")
    return 0


def _load_profile(name: str) -> Profile:
    from sfjwt_gui.engine.profiles import ProfileStore

    return ProfileStore().get(name)


def _key_identity(key_path: str) -> FileIdentity | None:
    """What the key file holds; None (taken for a plain PEM key) if unreadable."""
    from sfjwt_gui.engine.keyfiles import identify_file

    try:
        identity = identify_file(Path(key_path).expanduser())
    except KeyFileError as error:
        sys.stderr.write(
            f"sfjwt: warning: {error.message} The export takes it for an "
            "unencrypted PEM key.\n"
        )
        return None
    if identity.kind not in (FileKind.PRIVATE_KEY, FileKind.PKCS12):
        sys.stderr.write(
            f"sfjwt: warning: {key_path} is not a private key "
            f"({identity.description}).\n"
        )
    return identity


def _login(
    settings: LoginSettings,
    identity: FileIdentity | None,
    profile: Profile | None,
    *,
    include_assertion: bool,
) -> LoginResult:
    """Run the login the export describes, saying on stderr how it went."""
    from sfjwt_gui.engine.login import run_login
    from sfjwt_gui.engine.summary import one_line_summary

    encrypted = identity is not None and identity.encrypted
    if settings.passphrase is None and encrypted:
        settings.passphrase = passphrase_for_key(profile, settings.key_path)

    result = run_login(settings)
    summary = one_line_summary(result)
    sys.stderr.write(f"Login: {summary}\n")
    if include_assertion and not result.assertion:
        raise UsageError(
            f"No assertion was signed: {summary}",
            fix="Fix what `sfjwt login` reports for these settings, then export again.",
        )
    return result

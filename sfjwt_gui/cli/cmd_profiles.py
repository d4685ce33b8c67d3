"""`sfjwt profiles ...`: saved setups, never holding a secret."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sfjwt_gui.cli.output import Style, error_line, print_json, print_rows
from sfjwt_gui.cli.passphrase import follow_profile_change, forget_kept_passphrase
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.engine.proxies import normalised_proxy

# Profile fields set by `profiles add`, by the option that sets them.
OPTION_FIELDS = {
    "login_url": "login_url",
    "client_id": "client_id",
    "username": "username",
    "key": "key_path",
    "cert": "cert_path",
    "audience": "audience",
    "lifetime": "lifetime_s",
    "timeout": "timeout_s",
    "ca_bundle": "ca_bundle",
    "proxy": "proxy",
    "notes": "notes",
    "keychain": "use_keychain",
}


def run(args: argparse.Namespace) -> int:
    store = ProfileStore()
    action = args.action
    if action == "list":
        return _list(store, as_json=args.json)
    if action == "show":
        profile = store.get(args.name)
        if args.json:
            print_json(profile.to_dict())
        else:
            _show(profile)
        return 0
    if action == "add":
        return _add(store, args)
    if action == "delete":
        deleted = _readable(store, args.name)
        store.delete(args.name)
        HistoryStore().delete(args.name)
        if deleted is not None:
            follow_profile_change(deleted, None)
        sys.stdout.write(f"Deleted profile {args.name}.\n")
        return 0
    if action == "rename":
        before = _readable(store, args.name)
        renamed = store.rename(args.name, args.new_name)
        HistoryStore().rename(args.name, renamed.name)
        if before is not None:
            follow_profile_change(before, renamed)
        sys.stdout.write(f"Renamed {args.name} to {renamed.name}.\n")
        return 0
    if action == "forget-passphrase":
        return _forget_passphrase(store.get(args.name))
    if action == "export":
        store.export(args.name, Path(args.file).expanduser())
        sys.stdout.write(f"Exported {args.name} to {args.file} (no secrets inside).\n")
        return 0
    imported = store.import_file(
        Path(args.file).expanduser(), name=args.name, replace=args.replace
    )
    sys.stdout.write(f"Imported profile {imported.name}.\n")
    return 0


def _forget_passphrase(profile: Profile) -> int:
    if forget_kept_passphrase(profile):
        message = f"Removed the passphrase of {profile.name} from the system keychain."
    else:
        message = f"The system keychain keeps no passphrase for {profile.name}."
    sys.stdout.write(message + "\n")
    return 0


def _readable(store: ProfileStore, name: str) -> Profile | None:
    """The profile, or None when it cannot be read (delete and rename say why)."""
    try:
        return store.get(name)
    except ProfileError:
        return None


def _list(store: ProfileStore, *, as_json: bool) -> int:
    listing = store.list()
    history = HistoryStore()
    if as_json:
        print_json(
            {
                "profiles": [
                    {
                        **profile.to_dict(),
                        "last_test": _last_test(history, profile.name),
                    }
                    for profile in listing.profiles
                ],
                "problems": [
                    {
                        "file": str(problem.path),
                        "code": problem.code,
                        "message": problem.message,
                    }
                    for problem in listing.problems
                ],
            }
        )
        return 0

    style = Style(sys.stdout)
    if not listing.profiles:
        sys.stdout.write(
            "No profiles yet. Create one with `sfjwt profiles add NAME`.\n"
        )
    for profile in listing.profiles:
        last = history.last(profile.name)
        state = "never tested"
        if last is not None:
            state = (style.green("passed") if last.ok else style.red("failed")) + (
                f" {last.at}"
            )
        sys.stdout.write(
            f"{style.bold(profile.name)}  {profile.username or '-'}  "
            f"{profile.login_url or '-'}  {state}\n"
        )
    for problem in listing.problems:
        error_line(problem.message)
    return 0


def _last_test(history: HistoryStore, name: str) -> dict[str, object] | None:
    last = history.last(name)
    if last is None:
        return None
    return {"at": last.at, "ok": last.ok, "codes": list(last.codes)}


def _show(profile: Profile) -> None:
    style = Style(sys.stdout)
    sys.stdout.write(style.bold(profile.name) + "\n")
    print_rows(
        [
            ("Login URL", profile.login_url),
            ("Audience", profile.audience or "automatic"),
            ("Consumer key", profile.client_id),
            ("Username", profile.username),
            ("Private key", profile.key_path),
            ("Certificate", profile.cert_path),
            ("Lifetime", f"{profile.lifetime_s} s"),
            ("Notes", profile.notes),
        ],
        style,
        sys.stdout,
    )


def _add(store: ProfileStore, args: argparse.Namespace) -> int:
    try:
        profile = store.get(args.name)
        verb = "Updated"
    except ProfileError as error:
        if error.code != "profile_not_found":
            raise
        profile = Profile(name=args.name)
        verb = "Created"

    for option, attribute in OPTION_FIELDS.items():
        value = getattr(args, option, None)
        if value is not None:
            if attribute in ("key_path", "cert_path", "ca_bundle"):
                value = str(Path(value).expanduser().resolve())
            elif attribute == "proxy":
                # Refuses a proxy URL with a password: profiles hold no secret.
                value = normalised_proxy(value)
            setattr(profile, attribute, value)
    saved = store.save(profile)
    sys.stdout.write(f"{verb} profile {saved.name}.\n")
    return 0

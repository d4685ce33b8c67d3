"""Build the one-folder sfjwt-gui app for this platform with PyInstaller.

    python packaging/build.py [--dist DIR] [--work DIR] [--clean] [--keep-unused-qt]

Linux, Windows and macOS alike: the folder holds the window (`sfjwt-gui`) and
the command line (`sfjwt`) sharing one Python and one set of libraries; on
macOS it is also wrapped as sfjwt-gui.app. On Linux the folder gains a share/
tree (desktop entry, AppStream metainfo, icons) to copy into ~/.local/share or
/usr/share. The folder is then packed for download as
sfjwt-gui-VERSION-OS-ARCH.tar.gz next to it (.zip on Windows). Prints how long
the build took and the sizes of the folder and of the archive.

Needs PyInstaller: pip install -e ".[build]".
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import freeze_plan as plan

SPEC_FILE = Path(__file__).resolve().parent / "sfjwt-gui.spec"
MIB = 1024 * 1024


def folder_size(folder: Path) -> int:
    """Bytes in the files below folder; links count as the link, not their target."""
    return sum(
        path.lstat().st_size
        for path in folder.rglob("*")
        if path.is_symlink() or path.is_file()
    )


def run_pyinstaller(
    dist: Path, work: Path, *, clean: bool, keep_unused_qt: bool
) -> None:
    """Run the spec; raises SystemExit with PyInstaller's status when it fails."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC_FILE),
        "--noconfirm",
        "--log-level=WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
    ]
    if clean:
        command.append("--clean")
    if keep_unused_qt:
        command += ["--", "--keep-unused-qt"]
    status = subprocess.run(command, check=False).returncode
    if status != 0:
        raise SystemExit(f"PyInstaller failed with status {status}")


def add_linux_desktop_files(info: plan.AppInfo, app_folder: Path) -> list[Path]:
    """The freedesktop share/ tree: .desktop entry, metainfo and themed icons."""
    share = app_folder / "share"
    copies = [
        (plan.LINUX_DIR / f"{info.app_id}.desktop", share / "applications"),
        (plan.LINUX_DIR / f"{info.app_id}.metainfo.xml", share / "metainfo"),
    ]
    written = [_copy(source, folder / source.name) for source, folder in copies]

    hicolor = share / "icons" / "hicolor"
    for png in sorted(plan.ICON_DIR.glob(f"{plan.ICON_BASE_NAME}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        target = hicolor / f"{size}x{size}" / "apps" / f"{info.app_id}.png"
        written.append(_copy(png, target))
    scalable = hicolor / "scalable" / "apps" / f"{info.app_id}.svg"
    written.append(_copy(plan.SVG_FILE, scalable))
    return written


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def archive_path(dist: Path, info: plan.AppInfo) -> Path:
    """Where the download goes: dist/NAME-VERSION-OS-ARCH.tar.gz (.zip on Windows)."""
    system = platform.system().lower()
    system = {"darwin": "macos"}.get(system, system)
    # Windows says AMD64 where Linux and macOS say x86_64.
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64"}.get(machine, machine)
    suffix = ".zip" if system == "windows" else ".tar.gz"
    return dist / f"{info.name}-{info.version}-{system}-{machine}{suffix}"


def write_archive(folder: Path, archive: Path) -> Path:
    """Pack ``folder``, as the one folder at the top, into a .tar.gz or a .zip.

    Symbolic links stay links and every file keeps its mode, so the commands
    are still executable once unpacked. An existing archive is replaced.
    """
    archive.unlink(missing_ok=True)
    if archive.name.endswith(".zip"):
        _write_zip(folder, archive)
        return archive

    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name, filter=_without_owner)
    return archive


def _without_owner(member: tarfile.TarInfo) -> tarfile.TarInfo:
    # The builder's user and group mean nothing on the machine that unpacks it.
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


def _write_zip(folder: Path, archive: Path) -> None:
    # rglob does not descend into linked folders: a link is stored as a link.
    paths = sorted([folder, *folder.rglob("*")])
    with zipfile.ZipFile(
        archive, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False
    ) as bundle:
        for path in paths:
            name = path.relative_to(folder.parent).as_posix()
            if not path.is_symlink():
                bundle.write(path, name)  # keeps the mode in external_attr
                continue
            # Info-ZIP's convention, which unzip follows: a link's mode marks
            # it as one and its data is the path it points to.
            modified = time.localtime(path.lstat().st_mtime)[:6]
            entry = zipfile.ZipInfo(name, date_time=modified)
            entry.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(entry, os.readlink(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dist", type=Path, default=plan.ROOT / "dist", help="where the app goes"
    )
    parser.add_argument(
        "--work", type=Path, default=plan.ROOT / "build", help="PyInstaller's scratch"
    )
    parser.add_argument(
        "--clean",
        action="store_true",
        help="start from nothing: empty the scratch folder and PyInstaller's cache",
    )
    parser.add_argument(
        "--keep-unused-qt",
        action="store_true",
        help="leave every Qt module in (to measure what leaving them out saves)",
    )
    options = parser.parse_args(argv)

    info = plan.app_info()
    if options.clean:
        shutil.rmtree(options.work, ignore_errors=True)
    print(f"Building {info.name} {info.version} ({info.app_id}) for {sys.platform}")

    started = time.monotonic()
    run_pyinstaller(
        options.dist.resolve(),
        options.work.resolve(),
        clean=options.clean,
        keep_unused_qt=options.keep_unused_qt,
    )
    app_folder = options.dist.resolve() / info.name
    if sys.platform.startswith("linux"):
        add_linux_desktop_files(info, app_folder)
    elapsed = time.monotonic() - started

    size = folder_size(app_folder)
    archive = write_archive(app_folder, archive_path(app_folder.parent, info))
    print(f"Built {app_folder} in {elapsed:.0f} s: {size / MIB:.1f} MiB")
    print(f"Archive {archive}: {archive.stat().st_size / MIB:.1f} MiB")
    bundle = options.dist.resolve() / f"{info.name}.app"
    if bundle.is_dir():
        print(f"macOS bundle: {bundle} ({folder_size(bundle) / MIB:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The README's screenshots come from packaging/screenshots.py and stay in step."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "packaging" / "screenshots.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def readme_screenshots() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"resources/screenshots/([\w.-]+\.png)", text))


@pytest.mark.slow
def test_the_script_renders_every_screenshot_the_readme_shows(tmp_path: Path) -> None:
    out = tmp_path / "shots"

    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )

    assert done.returncode == 0, done.stderr
    rendered = {path.name for path in out.iterdir()}
    shown = readme_screenshots()
    assert shown, "the README shows no screenshot"
    assert shown <= rendered
    for name in shown:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        # The image is the window: far more than an empty or failed grab.
        assert len(data) > 10_000, name
        assert (REPO / "resources" / "screenshots" / name).exists(), name

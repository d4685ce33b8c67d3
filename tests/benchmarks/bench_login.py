"""`sfjwt login --json` as a whole process vs a minimal requests + PyJWT script.

Both log in against the same demo org on loopback with the same key; the goal
is that sfjwt costs at most 1.3 times the minimal script. Where the
Salesforce CLI is installed, `sf org login jwt` runs too: sfjwt is to be at
least 4 times faster. Also reports the command line's import time and the
engine's in-process login time.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from sfjwt_gui.demo.materials import ensure_demo_materials
from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME, DemoSettings
from sfjwt_gui.engine.login import LoginSettings, run_login

from .common import median_interleaved, print_table, time_process

# How much faster than the Salesforce CLI's own JWT login sfjwt's must be.
SF_GOAL_RATIO = 4.0

MINIMAL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import jwt, requests
    url, client_id, username, key_file = sys.argv[1:5]
    key = open(key_file, "rb").read()
    claims = {"iss": client_id, "sub": username,
              "aud": "https://login.salesforce.com", "exp": int(time.time()) + 180}
    assertion = jwt.encode(claims, key, algorithm="RS256")
    answer = requests.post(url + "/services/oauth2/token", timeout=30, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": assertion})
    answer.raise_for_status()
    print(answer.json()["instance_url"])
    """
)


def run(runs: int = 9) -> list[tuple[str, str, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="sfjwt-bench-"))
    materials = ensure_demo_materials(workdir / "demo")
    org = DemoOrg(DemoSettings(certificate=materials.certificate))
    org.settings.login_rate_per_hour = 1_000_000
    server = DemoServer(org)
    server.start()
    script = workdir / "minimal.py"
    script.write_text(MINIMAL_SCRIPT)
    inputs = [server.base_url, DEMO_CLIENT_ID, DEMO_USERNAME, str(materials.key_path)]
    sfjwt = [
        sys.executable,
        "-m",
        "sfjwt_gui.cli.main",
        "login",
        "--json",
        "--login-url",
        inputs[0],
        "--client-id",
        inputs[1],
        "--username",
        inputs[2],
        "--key",
        inputs[3],
    ]
    env = {"SFJWT_CONFIG_DIR": str(workdir / "config")}

    candidates: dict[str, Callable[[], float]] = {
        "sfjwt": lambda: time_process(sfjwt, env=env),
        "minimal": lambda: time_process([sys.executable, str(script), *inputs]),
        "import": lambda: time_process(
            [sys.executable, "-c", "import sfjwt_gui.cli.main"]
        ),
        "python": lambda: time_process([sys.executable, "-c", "pass"]),
    }
    sf_cli = shutil.which("sf")
    if sf_cli is not None:
        sf_home = workdir / "sf-home"
        sf_home.mkdir()
        sf_login = [
            sf_cli,
            "org",
            "login",
            "jwt",
            "--username",
            DEMO_USERNAME,
            "--jwt-key-file",
            inputs[3],
            "--client-id",
            DEMO_CLIENT_ID,
            "--instance-url",
            server.base_url,
        ]
        sf_env = {
            "HOME": str(sf_home),
            "SF_DISABLE_TELEMETRY": "true",
            "SF_AUTOUPDATE_DISABLE": "true",
        }
        candidates["sf"] = lambda: time_process(sf_login, env=sf_env)

    try:
        medians = median_interleaved(runs, candidates)
        in_process = _in_process_login(server.base_url, materials.key_path, runs)
    finally:
        server.stop()

    ratio = medians["sfjwt"] / medians["minimal"]
    rows = [
        ("sfjwt login --json (process)", f"{medians['sfjwt'] * 1000:.0f} ms", ""),
        ("minimal requests+PyJWT script", f"{medians['minimal'] * 1000:.0f} ms", ""),
        ("ratio sfjwt / minimal", f"{ratio:.2f}x", "goal <= 1.30x"),
        ("python -c pass", f"{medians['python'] * 1000:.0f} ms", ""),
        ("import sfjwt_gui.cli.main", f"{medians['import'] * 1000:.0f} ms", ""),
        ("run_login in process (median)", f"{in_process * 1000:.1f} ms", ""),
    ]
    sf_goal = f"goal: sfjwt at least {SF_GOAL_RATIO:g}x faster"
    if "sf" in medians:
        rows.append(
            (
                "sf org login jwt (Salesforce CLI)",
                f"{medians['sf'] * 1000:.0f} ms",
                f"sfjwt {medians['sf'] / medians['sfjwt']:.1f}x faster ({sf_goal})",
            )
        )
    else:
        rows.append(("sf org login jwt (Salesforce CLI)", "not installed", sf_goal))
    return rows


def _in_process_login(base_url: str, key_path: Path, runs: int) -> float:
    settings = LoginSettings(
        login_url=base_url,
        client_id=DEMO_CLIENT_ID,
        username=DEMO_USERNAME,
        key_path=str(key_path),
    )
    run_login(settings)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run_login(settings)
        timings.append(time.perf_counter() - started)
        if not result.ok:
            raise RuntimeError(f"demo login failed: {result.findings}")
    return statistics.median(timings)


if __name__ == "__main__":
    print_table("Login", run())

"""The demo org inside the app: started for the demo profile, fed its certificate."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine.errors import UsageError
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.keys import certificate_pem, private_key_pem
from sfjwt_gui.engine.login import run_login
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.demo_control import DemoController, scenario_list
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
WAIT_MS = 10_000


@pytest.fixture
def session(qtbot: QtBot) -> Iterator[ProfileSession]:
    session = ProfileSession(ProfileStore(), HistoryStore())
    yield session
    session.flush()


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.cancel_all()


@pytest.fixture
def demo(session: ProfileSession, tasks: TaskRunner) -> Iterator[DemoController]:
    controller = DemoController(session, tasks)
    yield controller
    controller.stop()


def write_pair(folder: Path, pair: KeyPair) -> tuple[Path, Path]:
    key, cert = pair
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "demo.key", folder / "demo.crt"
    key_path.write_bytes(private_key_pem(key))
    cert_path.write_bytes(certificate_pem(cert))
    return key_path, cert_path


def test_start_serves_on_loopback_and_stop_ends_it(
    qtbot: QtBot, demo: DemoController
) -> None:
    with qtbot.waitSignal(demo.running_changed, timeout=WAIT_MS) as started:
        base_url = demo.start()

    assert started.args == [True]
    assert base_url.startswith("http://127.0.0.1:")
    assert demo.port == int(base_url.rsplit(":", 1)[1])
    assert demo.start() == base_url  # already running: same server
    assert requests.get(f"{base_url}/services/data/", timeout=10).status_code == 200

    with qtbot.waitSignal(demo.running_changed, timeout=WAIT_MS) as stopped:
        demo.stop()

    assert stopped.args == [False]
    assert demo.base_url == ""
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/services/data/", timeout=10)


def test_the_remembered_port_is_reused_and_a_taken_one_is_replaced(
    session: ProfileSession,
) -> None:
    first = DemoController(session, TaskRunner())
    port = urlport(first.start())
    first.stop()

    again = DemoController(session, TaskRunner(), preferred_port=port)
    assert urlport(again.start()) == port
    again.stop()

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        moved = DemoController(session, TaskRunner(), preferred_port=taken)
        new_port = urlport(moved.start())
        moved.stop()
    assert new_port not in (0, taken)


def urlport(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_selecting_the_demo_profile_starts_the_org_and_points_the_profile_at_it(
    qtbot: QtBot, session: ProfileSession, demo: DemoController
) -> None:
    session.store.save(Profile(name="Demo", is_demo=True, login_url="http://old"))

    session.select("Demo")

    assert demo.running
    assert session.profile is not None
    assert session.profile.login_url == demo.base_url
    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        pass
    assert ProfileStore().get("Demo").login_url == demo.base_url


def test_an_ordinary_profile_leaves_the_demo_org_alone(
    session: ProfileSession, demo: DemoController
) -> None:
    session.store.save(Profile(name="Acme", login_url="https://login.salesforce.com"))

    session.select("Acme")

    assert not demo.running
    assert session.profile is not None
    assert session.profile.login_url == "https://login.salesforce.com"


def test_the_demo_org_takes_the_profiles_certificate_and_the_login_works(
    qtbot: QtBot,
    session: ProfileSession,
    demo: DemoController,
    tmp_path: Path,
    key_pair: KeyPair,
) -> None:
    profile = demo.create_demo_profile(session.store)
    session.select(profile.name)
    assert demo.org is not None
    assert demo.org.settings.certificate is None  # no key yet, nothing uploaded
    key_path, cert_path = write_pair(tmp_path / "keys", key_pair)

    with qtbot.waitSignal(demo.status_message, timeout=WAIT_MS) as told:
        session.update(key_path=str(key_path), cert_path=str(cert_path))

    assert "certificate" in told.args[0]
    assert demo.org.settings.certificate == key_pair[1]
    result = run_login(session.login_settings(verify_token=False))
    assert result.ok, [finding.code for finding in result.findings]


def test_a_new_certificate_in_the_same_file_is_uploaded_again(
    qtbot: QtBot,
    session: ProfileSession,
    tasks: TaskRunner,
    demo: DemoController,
    tmp_path: Path,
    key_pair: KeyPair,
    other_key_pair: KeyPair,
) -> None:
    session.select(demo.create_demo_profile(session.store).name)
    key_path, cert_path = write_pair(tmp_path / "keys", key_pair)
    session.update(key_path=str(key_path), cert_path=str(cert_path))
    assert demo.org is not None
    assert demo.org.settings.certificate == key_pair[1]

    # Key generation with "Replace existing files": same file names, new pair.
    def regenerate(_cancel: threading.Event) -> None:
        cert_path.write_bytes(certificate_pem(other_key_pair[1]) + b"\n")

    with qtbot.waitSignal(tasks.task_ended, timeout=WAIT_MS):
        tasks.run("Generating key", regenerate, lambda _result: None)

    assert demo.org.settings.certificate == other_key_pair[1]


def test_an_unreadable_certificate_is_reported_not_raised(
    qtbot: QtBot, session: ProfileSession, demo: DemoController, tmp_path: Path
) -> None:
    session.select(demo.create_demo_profile(session.store).name)
    garbage = tmp_path / "notes.crt"
    garbage.write_text("just some notes\n", encoding="utf-8")

    with qtbot.waitSignal(demo.status_message, timeout=WAIT_MS) as told:
        session.update(cert_path=str(garbage))

    assert told.args[0].startswith("Demo org: ")
    assert demo.org is not None
    assert demo.org.settings.certificate is None


def test_a_certificate_path_typed_halfway_is_reported_not_raised(
    qtbot: QtBot,
    session: ProfileSession,
    demo: DemoController,
    tmp_path: Path,
) -> None:
    session.select(demo.create_demo_profile(session.store).name)
    folder = tmp_path / "certs"  # as typed on the way to certs/server.crt
    folder.mkdir()

    with qtbot.waitSignal(demo.status_message, timeout=WAIT_MS) as told:
        session.update(cert_path=str(folder))

    assert told.args[0].startswith("Demo org: ")
    assert demo.org is not None
    assert demo.org.settings.certificate is None


def test_scenarios_switch_the_org_and_unknown_names_are_refused(
    qtbot: QtBot, demo: DemoController
) -> None:
    names = [scenario.name for scenario in scenario_list()]
    assert names[0] == "normal"
    assert {"user_not_approved", "audience_invalid", "clock_skew"} <= set(names)

    # Chosen before the org exists: applied when it starts.
    demo.set_scenario("clock_skew")
    demo.start()
    assert demo.org is not None
    assert demo.org.settings.scenario == "clock_skew"

    with qtbot.waitSignal(demo.scenario_changed, timeout=WAIT_MS) as changed:
        demo.set_scenario("user_not_approved")
    assert changed.args == ["user_not_approved"]
    assert demo.org.settings.scenario == "user_not_approved"

    with pytest.raises(UsageError, match="no scenario named 'nope'"):
        demo.set_scenario("nope")
    assert demo.scenario == "user_not_approved"


def test_create_demo_profile_reuses_the_existing_demo_profile(
    session: ProfileSession, demo: DemoController
) -> None:
    session.store.save(Profile(name="Demo"))  # an ordinary profile took the name
    demo.start()

    first = demo.create_demo_profile(session.store)
    second = demo.create_demo_profile(session.store)

    assert first.name == second.name == "Demo (2)"
    assert first.is_demo
    assert first.login_url == demo.base_url
    assert [p.name for p in ProfileStore().list().profiles] == ["Demo", "Demo (2)"]

"""The built-in demo org, run inside the app for the demo profile.

While a demo profile is selected the controller keeps the demo server running,
keeps the profile's login URL pointing at it and "uploads" the profile's
certificate to the demo org's connected app, as an admin would in Salesforce.
The demo modules are imported on first use: a window that never opens the
demo does not pay for them at start.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal, Slot

from sfjwt_gui.engine.errors import SfjwtError, UsageError
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner

if TYPE_CHECKING:
    from cryptography import x509

    from sfjwt_gui.demo.org import DemoOrg
    from sfjwt_gui.demo.server import DemoServer

logger = logging.getLogger(__name__)

DEMO_PROFILE_NAME = "Demo"
DEFAULT_SCENARIO = "normal"


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    title: str
    description: str


def scenario_list() -> list[ScenarioInfo]:
    """The demo org's scenarios in menu order ("normal" first)."""
    from sfjwt_gui.demo.scenarios import SCENARIOS

    return [
        ScenarioInfo(scenario.name, scenario.title, scenario.description)
        for scenario in SCENARIOS.values()
    ]


@dataclass(frozen=True)
class _CertStamp:
    """Which certificate file, in which version, the demo org was given."""

    path: str
    mtime_ns: int
    size: int


def _stamp(cert_path: str) -> _CertStamp | None:
    try:
        info = Path(cert_path).expanduser().stat()
    except OSError:
        return None
    return _CertStamp(cert_path, info.st_mtime_ns, info.st_size)


class DemoController(QObject):
    """Starts and stops the in-process demo org and follows the demo profile.

    Signals:
        running_changed(bool): the demo server started or stopped.
        scenario_changed(str): the name of the scenario now in force.
        status_message(str): a short text for the status bar.
    """

    running_changed = Signal(bool)
    scenario_changed = Signal(str)
    status_message = Signal(str)

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        *,
        preferred_port: int = 0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._port = preferred_port
        self._scenario = DEFAULT_SCENARIO
        self._org: DemoOrg | None = None
        self._server: DemoServer | None = None
        self._registered: _CertStamp | None = None
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self._session.field_changed.connect(self._on_session_field_changed)
        self._tasks.task_ended.connect(self._on_tasks_task_ended)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        """The demo org's login URL; "" while it is stopped."""
        return self._server.base_url if self._server is not None else ""

    @property
    def port(self) -> int:
        """The port last listened on (kept for the next start), 0 if none yet."""
        return self._port

    @property
    def scenario(self) -> str:
        return self._scenario

    @property
    def org(self) -> DemoOrg | None:
        return self._org

    def start(self) -> str:
        """Start the demo server (if needed) and return its base URL.

        Raises UsageError when no loopback port can be opened.
        """
        if self._server is not None:
            return self._server.base_url

        from sfjwt_gui.demo.server import DemoServer

        org = self._ensure_org()
        server: DemoServer | None = None
        if self._port:
            try:
                server = DemoServer(org, port=self._port)
            except UsageError as error:
                # Another program took the port since last time: any port will do.
                logger.info(
                    "Demo port %s is taken (%s); using another", self._port, error
                )
        if server is None:
            server = DemoServer(org, port=0)
        server.start()

        self._server = server
        self._port = urlsplit(server.base_url).port or 0
        self._registered = None
        self.running_changed.emit(True)
        self.status_message.emit(f"Demo org running at {server.base_url}")
        self._follow_selected_profile()
        return server.base_url

    def follow_session(self) -> None:
        """Catch up with the profile selected before this controller existed."""
        self._on_session_profile_changed()

    def stop(self) -> None:
        """Stop the demo server; the org keeps its certificate and scenario."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        self.running_changed.emit(False)
        self.status_message.emit("Demo org stopped")

    def set_scenario(self, name: str) -> None:
        """Put the demo org into scenario ``name`` (UsageError if unknown)."""
        titles = {scenario.name: scenario.title for scenario in scenario_list()}
        if name not in titles:
            raise UsageError(
                f"The demo org has no scenario named {name!r}.",
                fix=f"Pick one of: {', '.join(titles)}.",
            )
        if self._org is not None:
            self._org.set_scenario(name)
        self._scenario = name
        self.scenario_changed.emit(name)
        self.status_message.emit(f"Demo org scenario: {titles[name]}")

    def create_demo_profile(self, store: ProfileStore) -> Profile:
        """The demo profile: an existing one, or a new "Demo" profile without a key."""
        from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME

        for profile in store.list().profiles:
            if profile.is_demo:
                return profile
        profile = Profile(
            name=store.unique_name(DEMO_PROFILE_NAME),
            login_url=self.base_url,
            client_id=DEMO_CLIENT_ID,
            username=DEMO_USERNAME,
            is_demo=True,
        )
        return store.create(profile)

    def _ensure_org(self) -> DemoOrg:
        if self._org is None:
            from sfjwt_gui.demo.org import DemoOrg
            from sfjwt_gui.demo.settings import DemoSettings

            self._org = DemoOrg(DemoSettings(scenario=self._scenario))
        return self._org

    def _demo_profile(self) -> Profile | None:
        profile = self._session.profile
        return profile if profile is not None and profile.is_demo else None

    def _follow_selected_profile(self) -> None:
        """Point the selected demo profile at the server and hand over its cert."""
        profile = self._demo_profile()
        if profile is None or self._server is None:
            return
        if profile.login_url != self._server.base_url:
            self._session.update(login_url=self._server.base_url)
        self._register_certificate(profile)

    def _register_certificate(self, profile: Profile) -> None:
        """Give the demo org the profile's certificate if it is new or changed."""
        org = self._org
        if org is None or not profile.cert_path:
            return
        stamp = _stamp(profile.cert_path)
        if stamp is None or stamp == self._registered:
            return
        self._registered = stamp
        passphrase = self._session.passphrase_for(
            profile.cert_path
        ) or self._session.passphrase_for(profile.key_path)
        path = Path(profile.cert_path).expanduser()

        from sfjwt_gui.engine.keyfiles import FileKind, identify_file

        try:
            kind = identify_file(path).kind
        except SfjwtError as error:
            # A path typed halfway ("/tmp") or a file that is no certificate.
            self._on_certificate_failed(error)
            return

        if kind is FileKind.PKCS12:
            # Opening a bundle may derive a key from the passphrase: off the GUI thread.
            self._tasks.run(
                "Giving the certificate to the demo org",
                _LoadCertificate(path, passphrase),
                self._on_certificate_loaded,
                self._on_certificate_failed,
            )
            return
        try:
            certificate = _LoadCertificate(path, passphrase)(threading.Event())
        except SfjwtError as error:
            self._on_certificate_failed(error)
            return
        self._on_certificate_loaded(certificate)

    def _on_certificate_loaded(self, certificate: object) -> None:
        if self._org is None:
            return
        self._org.register_certificate(certificate)  # type: ignore[arg-type]
        self.status_message.emit("The demo org now holds this profile's certificate")

    def _on_certificate_failed(self, error: BaseException) -> None:
        self._registered = None
        if not isinstance(error, SfjwtError):
            raise error
        logger.warning("Demo org did not get the certificate: %s", error.message)
        self.status_message.emit(f"Demo org: {error.message}")

    @Slot()
    def _on_session_profile_changed(self) -> None:
        if self._demo_profile() is None:
            return
        if self._server is not None:
            self._follow_selected_profile()
            return
        try:
            self.start()
        except SfjwtError as error:
            logger.warning("Demo org did not start: %s", error.message)
            self.status_message.emit(f"Demo org did not start: {error.message}")

    @Slot(str)
    def _on_session_field_changed(self, field_name: str) -> None:
        profile = self._demo_profile()
        if profile is not None and field_name in ("cert_path", "key_path"):
            self._register_certificate(profile)

    @Slot(str)
    def _on_tasks_task_ended(self, _name: str) -> None:
        # Key generation may rewrite the certificate under the same file name.
        profile = self._demo_profile()
        if profile is not None:
            self._register_certificate(profile)


class _LoadCertificate:
    """Work for TaskRunner: read a certificate file (PEM, DER or PKCS#12)."""

    def __init__(self, path: Path, passphrase: bytes | None) -> None:
        self._path = path
        self._passphrase = passphrase

    def __call__(self, _cancel: threading.Event) -> x509.Certificate:
        from sfjwt_gui.engine.keyfiles import load_certificate

        return load_certificate(self._path, self._passphrase)

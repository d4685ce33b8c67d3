"""Step 2: the connected app - consumer key, username, login URL and audience.

Every field is checked as the user types (the checks are pure string checks,
cheap enough for the GUI thread) and every keystroke goes to the session,
which saves it: an invalid value is kept and flagged, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.loginurl import (
    PRODUCTION_AUDIENCE,
    SANDBOX_AUDIENCE,
    LoginTarget,
    effective_audience,
)
from sfjwt_gui.engine.preflight import (
    check_audience,
    check_client_id,
    check_login_url,
    check_username,
)
from sfjwt_gui.engine.profiles import Profile
from sfjwt_gui.engine.proxies import check_proxy
from sfjwt_gui.gui.app_fields import (
    AdvancedBox,
    AudienceBox,
    ask_ca_bundle,
    check_ca_bundle,
    hint_label,
)
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.step_page import StepPage
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import (
    FieldNote,
    StepState,
    section_label,
    worst_state,
)

LOGIN_URL_PRESETS = (
    ("Production", PRODUCTION_AUDIENCE),
    ("Sandbox", SANDBOX_AUDIENCE),
)


class AppPage(StepPage):
    """The connected app's details, checked field by field as they are typed."""

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, tasks, parent)
        self._loading = False
        # The proxy as saved before the current typing began; see _on_proxy_edited.
        self._proxy_before_typing: str | None = None
        self._build_ui()
        self._connect_signals()
        self._on_session_profile_changed()

    # -- building -----------------------------------------------------------

    def _build_ui(self) -> None:
        content = QWidget(self)
        form = QFormLayout()
        self.client_id_edit = QLineEdit(content)
        self.client_id_note = FieldNote(content)
        self._add_field(
            content,
            form,
            "&Consumer key:",
            self.client_id_edit,
            "In Setup > App Manager, open the app's menu > View > Manage Consumer "
            "Details. It starts with 3MVG.",
            self.client_id_note,
        )
        self.username_edit = QLineEdit(content)
        self.username_note = FieldNote(content)
        self._add_field(
            content,
            form,
            "&Username:",
            self.username_edit,
            "The Salesforce username the token is for (Setup > Users). Sandbox "
            "usernames end in .sandboxname.",
            self.username_note,
        )
        self.login_url_combo = self._build_login_url_combo(content)
        self.login_url_kind = QLabel(content)
        self.login_url_kind.setWordWrap(True)
        self.login_url_kind.setAccessibleName("Login URL kind")
        self.login_url_note = FieldNote(content)
        self._add_field(
            content,
            form,
            "&Login URL:",
            self.login_url_combo,
            "Pick production or sandbox, or type your My Domain "
            "(https://NAME.my.salesforce.com), an Experience Cloud site or a proxy.",
            self.login_url_note,
            self.login_url_kind,
        )
        self.audience = AudienceBox(content)
        self.advanced = AdvancedBox(content)
        form.addRow(self.audience)
        form.addRow(self.advanced)

        layout_widget = QVBoxLayout(content)
        layout_widget.addWidget(section_label("Connected app", content))
        layout_widget.addLayout(form)
        layout_widget.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Not a Tab stop, as the step's own scroll area (steps._place_page).
        scroll.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        scroll.setAccessibleName("Connected app")
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def _add_field(
        self,
        parent: QWidget,
        form: QFormLayout,
        text: str,
        field: QWidget,
        hint: str,
        note: FieldNote,
        extra: QWidget | None = None,
    ) -> None:
        label = QLabel(text, parent)
        label.setBuddy(field)
        field.setAccessibleName(text.replace("&", "").rstrip(":"))
        field.setAccessibleDescription(hint)
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(field)
        if extra is not None:
            column.addWidget(extra)
        column.addWidget(note)
        column.addWidget(hint_label(hint, parent))
        form.addRow(label, column)

    def _build_login_url_combo(self, parent: QWidget) -> QComboBox:
        combo = QComboBox(parent)
        combo.setEditable(True)
        self.login_url_edit = QLineEdit(combo)
        self.login_url_edit.setPlaceholderText("https://login.salesforce.com")
        combo.setLineEdit(self.login_url_edit)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Inline completion would turn a typed "s" into "Sandbox - https://...".
        combo.setCompleter(None)  # type: ignore[arg-type]  # Qt takes no completer
        for name, url in LOGIN_URL_PRESETS:
            combo.addItem(f"{name} - {url}", url)
        combo.setCurrentIndex(-1)
        return combo

    def _connect_signals(self) -> None:
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self._session.field_changed.connect(self._on_session_field_changed)
        self.client_id_edit.textEdited.connect(self._on_client_id_edited)
        self.username_edit.textEdited.connect(self._on_username_edited)
        self.login_url_edit.textEdited.connect(self._on_login_url_edited)
        self.login_url_combo.activated.connect(self._on_login_url_activated)
        self.audience.override_check.toggled.connect(self._on_override_toggled)
        self.audience.edit.textEdited.connect(self._on_audience_edited)
        self.advanced.lifetime_spin.valueChanged.connect(self._on_lifetime_changed)
        self.advanced.timeout_spin.valueChanged.connect(self._on_timeout_changed)
        self.advanced.ca_bundle_edit.textEdited.connect(self._on_ca_bundle_edited)
        self.advanced.ca_bundle_button.clicked.connect(self._on_ca_bundle_clicked)
        self.advanced.proxy_edit.textEdited.connect(self._on_proxy_edited)
        self.advanced.proxy_edit.editingFinished.connect(self._on_proxy_finished)

    # -- following the session ----------------------------------------------

    @Slot()
    def _on_session_profile_changed(self) -> None:
        profile = self._session.profile
        self.setEnabled(profile is not None)
        self._proxy_before_typing = None
        shown = profile if profile is not None else Profile(name="-")
        self._sync(self._reset_audience, shown)
        for sync in self._syncs().values():
            self._sync(sync, shown)
        self._recheck()

    @Slot(str)
    def _on_session_field_changed(self, name: str) -> None:
        profile = self._session.profile
        sync = self._syncs().get(name)
        if profile is None or sync is None:
            return
        self._sync(sync, profile)
        self._recheck()

    def _syncs(self) -> dict[str, Callable[[Profile], None]]:
        return {
            "client_id": self._sync_client_id,
            "username": self._sync_username,
            "login_url": self._sync_login_url,
            "audience": self._sync_audience,
            "lifetime_s": self._sync_lifetime,
            "timeout_s": self._sync_timeout,
            "ca_bundle": self._sync_ca_bundle,
            "proxy": self._sync_proxy,
        }

    def _sync(self, sync: Callable[[Profile], None], profile: Profile) -> None:
        """Show a stored value without sending it back to the session."""
        self._loading = True
        try:
            sync(profile)
        finally:
            self._loading = False

    def _sync_client_id(self, profile: Profile) -> None:
        _set_text(self.client_id_edit, profile.client_id)

    def _sync_username(self, profile: Profile) -> None:
        _set_text(self.username_edit, profile.username)

    def _sync_login_url(self, profile: Profile) -> None:
        if self.login_url_combo.currentText() != profile.login_url:
            self.login_url_combo.setEditText(profile.login_url)

    def _sync_audience(self, profile: Profile) -> None:
        if profile.audience:
            _set_text(self.audience.edit, profile.audience)
            self.audience.override_check.setChecked(True)
        elif self.audience.edit.text():
            # Cleared elsewhere: back to automatic. A box ticked with nothing
            # typed yet stays ticked.
            self.audience.override_check.setChecked(False)

    def _reset_audience(self, _profile: Profile) -> None:
        self.audience.edit.clear()
        self.audience.override_check.setChecked(False)

    def _sync_lifetime(self, profile: Profile) -> None:
        if self.advanced.lifetime_spin.value() != profile.lifetime_s:
            self.advanced.lifetime_spin.setValue(profile.lifetime_s)

    def _sync_timeout(self, profile: Profile) -> None:
        if self.advanced.timeout_spin.value() != profile.timeout_s:
            self.advanced.timeout_spin.setValue(profile.timeout_s)

    def _sync_ca_bundle(self, profile: Profile) -> None:
        _set_text(self.advanced.ca_bundle_edit, profile.ca_bundle)

    def _sync_proxy(self, profile: Profile) -> None:
        if self._proxy_before_typing is None:  # not while the user types in it
            _set_text(self.advanced.proxy_edit, profile.proxy)

    # -- user edits ---------------------------------------------------------

    def _update(self, **changes: object) -> None:
        if not self._loading:
            self._session.update(**changes)

    @Slot(str)
    def _on_client_id_edited(self, text: str) -> None:
        self._update(client_id=text)

    @Slot(str)
    def _on_username_edited(self, text: str) -> None:
        self._update(username=text)

    @Slot(str)
    def _on_login_url_edited(self, text: str) -> None:
        self._update(login_url=text)

    @Slot(int)
    def _on_login_url_activated(self, index: int) -> None:
        url = self.login_url_combo.itemData(index)
        if isinstance(url, str):
            # Show the URL itself, not the preset's label.
            self.login_url_combo.setEditText(url)
            self._update(login_url=url)

    @Slot(bool)
    def _on_override_toggled(self, checked: bool) -> None:
        self.audience.edit.setEnabled(checked)
        if self._loading:
            return
        if checked:
            self.audience.edit.setFocus()
        self._update(audience=self.audience.edit.text() if checked else "")

    @Slot(str)
    def _on_audience_edited(self, text: str) -> None:
        self._update(audience=text)

    @Slot(int)
    def _on_lifetime_changed(self, value: int) -> None:
        self._update(lifetime_s=value)

    @Slot(float)
    def _on_timeout_changed(self, value: float) -> None:
        self._update(timeout_s=value)

    @Slot(str)
    def _on_ca_bundle_edited(self, text: str) -> None:
        self._update(ca_bundle=text)

    @Slot()
    def _on_ca_bundle_clicked(self) -> None:
        chosen = ask_ca_bundle(self, self.advanced.ca_bundle_edit.text())
        if chosen:
            self.advanced.ca_bundle_edit.setText(chosen)
            self._update(ca_bundle=chosen)

    @Slot(str)
    def _on_proxy_edited(self, text: str) -> None:
        profile = self._session.profile
        if self._proxy_before_typing is None and profile is not None:
            self._proxy_before_typing = profile.proxy
        # Unlike other invalid values a proxy password is never kept, not even
        # the part typed before its "@" gave it away ("http://ops:1234" reads
        # as a port): the profile is a plain file. The note says why.
        if any(f.code == "proxy_has_password" for f in check_proxy(text)):
            self._update(proxy=self._proxy_before_typing or "")
            self._recheck()
            return
        self._update(proxy=text)

    @Slot()
    def _on_proxy_finished(self) -> None:
        self._proxy_before_typing = None

    # -- checks -------------------------------------------------------------

    def _recheck(self) -> None:
        """Run every field's check and show the results under the fields."""
        profile = self._session.profile
        if profile is None:
            for note in self._notes():
                note.show_findings([])
            self.login_url_kind.clear()
            self._show_audience(None, "")
            self._set_state(StepState.NONE)
            return

        typed = (
            profile.client_id,
            profile.username,
            profile.login_url,
            profile.audience,
            profile.ca_bundle,
            self.advanced.proxy_edit.text(),
        )
        # A fresh profile is not wrong yet: no notes until something is typed.
        blank = not any(typed)
        url_check = check_login_url(profile.login_url)
        target = url_check.target
        findings = {
            self.client_id_note: check_client_id(profile.client_id),
            self.username_note: check_username(profile.username, target),
            self.login_url_note: url_check.findings,
            self.audience.note: (
                check_audience(target, profile.audience) if target else []
            ),
            self.advanced.ca_bundle_note: check_ca_bundle(profile.ca_bundle),
            self.advanced.proxy_note: check_proxy(self.advanced.proxy_edit.text()),
        }
        for note, found in findings.items():
            note.show_findings([] if blank else found)
        self.login_url_kind.setText(target.description if target else "")
        self._show_audience(target, profile.audience)

        every_finding = [item for found in findings.values() for item in found]
        self._set_state(StepState.NONE if blank else worst_state(every_finding))

    def _show_audience(self, target: LoginTarget | None, override: str) -> None:
        if target is None:
            self.audience.value.setText("-")
            self.audience.reason.setText("Chosen from the login URL once it is valid.")
            return
        audience, reason = effective_audience(target, override)
        self.audience.value.setText(audience)
        self.audience.reason.setText(reason)

    def _notes(self) -> list[FieldNote]:
        return [
            self.client_id_note,
            self.username_note,
            self.login_url_note,
            self.audience.note,
            self.advanced.ca_bundle_note,
            self.advanced.proxy_note,
        ]


def _set_text(edit: QLineEdit, text: str) -> None:
    # Re-setting the same text would move the cursor while the user types.
    if edit.text() != text:
        edit.setText(text)

"""Profiles, their secrets, and switching the whole window from one account to another.

Reading a secret can be slow (the first keyring use costs about 160 ms, a locked keyring may
prompt), so every credential operation runs on the credentials runner. A switch resolves the
secret on the pool, then builds the profile's desk and hands it to the verification and handset
services on the GUI thread, and only then says ``profile_changed``.

Secrets are never kept in an attribute: a secret given to ``save_profile`` or
``test_connection`` lives in the job only until it is used, and the resolved credentials live in
the desk that needs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import ApiCredentials, Balance
from desktop_app.services.handset import HandsetService
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.settings.credentials import (
    CredentialStore,
    SessionCredentialStore,
    resolve_credentials,
)
from desktop_app.settings.profiles import Profile, ProfileStore
from desktop_app.usecases.operations import VerifyOperations

log = logging.getLogger(__name__)

__all__ = ["DeskFactory", "SessionService", "SwitchStep"]

DeskFactory = Callable[[Profile, ApiCredentials], VerifyOperations]
ControlFactory = Callable[[str], SandboxControl]


class SwitchStep(Protocol):
    """Work a profile switch does besides the desk (the composition root's history switch).

    ``prepare`` runs on the credentials runner's thread just before the secret is resolved (slow
    work: opening a database); ``apply`` gets its result on the GUI thread before the profile's
    desk is built, even when the secret then cannot be resolved. A superseded switch's ``apply``
    never comes. ``prepare`` should not raise for what the environment did: it returns a result
    saying so (an exception is reported as the runner's unhandled failure).
    """

    def prepare(self, profile: Profile) -> object:
        """Off the GUI thread: get ready for ``profile``."""

    def apply(self, prepared: object) -> None:
        """On the GUI thread, before the desk: put what ``prepare`` made in place."""


def _take(box: list[str]) -> str | None:
    """Empty the one-slot box a secret travels in, so no closure keeps it afterwards."""
    return box.pop() if box else None


class SessionService(QObject):
    """Owns the active profile: switching, saving and removing profiles, testing credentials.

    Args:
        runner: The credentials runner (one thread: keyring calls and switches stay in order).
        profiles: The profile store.
        credentials: Where secrets are kept (the OS keyring, or the session-only store).
        desk_factory: Builds a profile's operations (its desks) from its resolved credentials.
        verification: Receives each profile's operations.
        handset: Receives the sandbox control (only for the sandbox profile).
        sandbox_url: The running sandbox's base URL, or None when none runs.
        parent: The Qt parent.
        step: Extra work each switch does (see :class:`SwitchStep`), or None.
        control_factory: Builds the sandbox control client for a base URL; without one the
            handset stays unavailable.

    Signals:
        profile_changed(object): The ``Profile`` now active (after its desk is in place).
        profiles_changed(): The list of profiles changed (saved or removed).
    """

    profile_changed = Signal(object)
    profiles_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        profiles: ProfileStore,
        credentials: CredentialStore,
        desk_factory: DeskFactory,
        verification: VerificationService,
        handset: HandsetService,
        sandbox_url: str | None,
        parent: QObject | None = None,
        *,
        control_factory: ControlFactory | None = None,
        step: SwitchStep | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._profiles = profiles
        self._credentials = credentials
        self._desk_factory = desk_factory
        self._verification = verification
        self._handset = handset
        self._sandbox_url = sandbox_url
        self._control_factory = control_factory
        self._step = step
        self._preparing: Task[object] | None = None
        self._current: Profile | None = None
        self._switching: Task[Profile] | None = None

    # -- reading ----------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        """Every profile, as the store lists them (a small file: read on the GUI thread)."""
        return list(self._profiles.profiles())

    def current(self) -> Profile:
        """The active profile: the last one switched to, else the store's active one."""
        if self._current is not None:
            return self._current
        return self._profiles.active()

    @property
    def credentials_persistent(self) -> bool:
        """False once the user chose session-only credentials (nothing survives a restart)."""
        return bool(self._credentials.is_persistent)

    @property
    def credential_store(self) -> CredentialStore:
        """The credential store in use now (it changes on :meth:`use_session_only_credentials`)."""
        return self._credentials

    def use_session_only_credentials(self) -> None:
        """Keep secrets in memory for this session only (no keyring backend exists)."""
        self._credentials = SessionCredentialStore()

    # -- switching --------------------------------------------------------------------------

    def switch(self, name: str) -> Task[Profile]:
        """Make ``name`` the active profile; the task yields it once its desk is in place.

        A switch still resolving is cancelled: the last one asked for wins. A failure (e.g.
        ``CredentialsUnavailable``) leaves the old desk in place.
        """
        if self._switching is not None:
            self._switching.cancel()
        if self._preparing is not None:
            self._preparing.cancel()
        profiles, store, step = self._profiles, self._credentials, self._step
        if step is not None:
            # A task of its own, first on the same one-thread runner: its ``apply`` runs before
            # the desk is built, and it is done even when the secret cannot be resolved.
            def prepare() -> object:
                profile = profiles.get(name)
                return step.prepare(profile) if profile is not None else None

            self._preparing = self._runner.submit(prepare, name="session.prepare",
                                                  then=step.apply)

        def resolve() -> tuple[Profile, ApiCredentials]:
            profile = profiles.get(name)
            if profile is None:
                raise ValueError(f"There is no profile named {name!r}.")
            credentials = resolve_credentials(profile, store)
            profiles.set_active(profile.name)
            return profile, credentials

        task = self._runner.submit(resolve, name="session.switch", then=self._apply)
        self._switching = task
        return task.on_finished(lambda: self._on_switch_finished(task))

    def _apply(self, resolved: tuple[Profile, ApiCredentials]) -> Profile:
        profile, credentials = resolved
        desk = self._desk_factory(profile, credentials)
        self._verification.set_desk(desk)
        self._handset.set_control(self._control_for(profile))
        self._current = profile
        log.info("profile %r is active", profile.name)
        self.profile_changed.emit(profile)
        return profile

    def _control_for(self, profile: Profile) -> SandboxControl | None:
        if not profile.is_sandbox or not self._sandbox_url or self._control_factory is None:
            return None
        return self._control_factory(self._sandbox_url)

    def _on_switch_finished(self, task: Task[Profile]) -> None:
        if self._switching is task:
            self._switching = None

    # -- editing ----------------------------------------------------------------------------

    def save_profile(self, profile: Profile, secret: str | None) -> Task[Profile]:
        """Store the profile and (when given) its secret; the task yields the saved profile.

        Saving the active profile switches to it again, so its desk uses the new settings.
        """
        profiles, store = self._profiles, self._credentials
        box = [secret] if secret is not None else []

        def save() -> Profile:
            value = _take(box)
            try:
                if value is not None:
                    store.set_secret(profile.name, value)
            except BaseException as exc:
                exc.__traceback__ = None  # its frames hold the secret; the error text is enough
                raise
            finally:
                del value
            return profiles.save(profile)

        return self._runner.submit(save, name="session.save", then=self._on_saved)

    def _on_saved(self, profile: Profile) -> Profile:
        self.profiles_changed.emit()
        if self._current is not None and self._current.name == profile.name:
            # Nobody waits on this switch: a failure is reported by the runner's default.
            self.switch(profile.name)
        return profile

    def remove_profile(self, name: str) -> Task[str]:
        """Delete a profile and its stored secret; the task yields the name."""
        profiles, store = self._profiles, self._credentials

        def remove() -> str:
            profiles.remove(name)
            store.delete_secret(name)
            return name

        return self._runner.submit(remove, name="session.remove", then=self._on_removed)

    def _on_removed(self, name: str) -> str:
        self.profiles_changed.emit()
        return name

    def test_connection(self, profile: Profile, secret: str | None) -> Task[Balance]:
        """Check a profile's credentials with a balance call; the task yields the balance.

        Args:
            profile: The profile as edited (it need not be saved).
            secret: The secret as typed; None uses the stored one.
        """
        store, factory = self._credentials, self._desk_factory
        box = [secret] if secret is not None else []

        def test() -> Balance:
            value = _take(box)
            if value is not None:
                credentials = ApiCredentials(profile.api_key, value)
            else:
                credentials = resolve_credentials(profile, store)
            del value
            return factory(profile, credentials).balance()

        return self._runner.submit(test, name="session.test_connection")

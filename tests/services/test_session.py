"""SessionService: switching between two sandboxes, secrets through the store, failures."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import AuthError, CredentialsUnavailable
from desktop_app.domain.models import ApiCredentials, Balance
from desktop_app.services.handset import HandsetService
from desktop_app.services.session import SessionService
from desktop_app.services.verification import VerificationService
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.profiles import Profile, ProfileStore
from desktop_app.usecases.operations import VerifyOperations
from desktop_app.usecases.session import open_desk
from tests.helpers.tasks import settle

BALANCE = "/account/get-balance"


class BrokenKeyring:
    """A credential store whose backend is unusable (what a missing keyring looks like)."""

    is_persistent = True

    def get_secret(self, profile: str) -> str | None:
        raise CredentialsUnavailable("no keyring backend")

    def set_secret(self, profile: str, secret: str) -> None:
        raise CredentialsUnavailable("no keyring backend")

    def delete_secret(self, profile: str) -> None:
        raise CredentialsUnavailable("no keyring backend")


@pytest.fixture
def world(qtbot, make_runner, http, call_log, sandbox_factory, history_store, tmp_path: Path):
    """Two sandboxes: the app's own (Sandbox profile) and a 'live' one with other credentials."""
    own = sandbox_factory()
    live = sandbox_factory(api_key="live-key", api_secret="live-secret-9")
    profiles = ProfileStore(tmp_path / "settings.json")
    live_profile = profiles.save(
        Profile(name="Live", api_host=live.url, rest_host=live.url, api_key="live-key")
    )
    store = SessionCredentialStore()
    store.set_secret("Live", "live-secret-9")

    def desk_factory(profile: Profile, credentials: ApiCredentials) -> VerifyOperations:
        return open_desk(
            profile,
            credentials,
            history_store,
            http,
            sandbox_url=own.url,
            operator="tester",
        )

    verification = VerificationService(make_runner(8, name="network"))
    handset = HandsetService(make_runner(1, name="handset"), None)
    session = SessionService(
        make_runner(1, name="credentials"),
        profiles,
        store,
        desk_factory,
        verification,
        handset,
        own.url,
        control_factory=lambda url: SandboxControl(http, url),
    )

    return SimpleNamespace(
        own=own,
        live=live,
        profiles=profiles,
        store=store,
        live_profile=live_profile,
        session=session,
        verification=verification,
        handset=handset,
        call_log=call_log,
    )


def _netloc(url: str) -> str:
    return url.split("://", 1)[1]


def test_switch_between_two_sandboxes(qtbot, world) -> None:
    w = world

    def balance_on(expected_url: str) -> None:
        assert settle(qtbot, w.verification.balance()).error is None
        assert w.call_log.targets[-1] == (_netloc(expected_url), BALANCE)

    with qtbot.waitSignal(w.session.profile_changed) as changed:
        task = w.session.switch("Sandbox")
    assert changed.args[0].is_sandbox
    assert w.handset.available  # the app's own sandbox has a handset
    assert w.verification.profile_name == "Sandbox"
    assert task.is_done
    balance_on(w.own.url)

    with qtbot.waitSignal(w.session.profile_changed) as changed:
        w.session.switch("Live")
    assert changed.args[0].name == "Live"
    assert not w.handset.available  # no handset for a live-style profile
    assert w.profiles.active_name() == "Live"
    balance_on(w.live.url)

    with qtbot.waitSignal(w.session.profile_changed):
        w.session.switch("Sandbox")
    balance_on(w.own.url)

    # The transport saw each balance call go to the sandbox of the profile active then.
    balance_calls = [c for c in w.call_log.calls if c[0] == BALANCE]
    assert len(balance_calls) == 3
    assert w.session.current().name == "Sandbox"


def test_operations_reach_the_right_sandbox(qtbot, world, http) -> None:
    """The live sandbox only accepts its own key: a call that succeeds proves the routing."""
    w = world
    from desktop_app.domain.validation import StartForm

    with qtbot.waitSignal(w.session.profile_changed):
        w.session.switch("Live")
    with qtbot.waitSignal(w.verification.started) as sent:
        w.verification.send(StartForm(number="+447911000156", brand="Desk"))
    live_messages = SandboxControl(http, w.live.url).messages()
    own_messages = SandboxControl(http, w.own.url).messages()
    assert [m.request_id for m in live_messages] == [sent.args[0].request_id]
    assert own_messages == ()

    with qtbot.waitSignal(w.session.profile_changed):
        w.session.switch("Sandbox")
    with qtbot.waitSignal(w.verification.started) as sent_own:
        w.verification.send(StartForm(number="+447911000256", brand="Desk"))
    own_messages = SandboxControl(http, w.own.url).messages()
    assert [m.request_id for m in own_messages] == [sent_own.args[0].request_id]


def test_wrong_secret_is_an_auth_error_from_test_connection(qtbot, world) -> None:
    w = world
    bad = settle(qtbot, w.session.test_connection(w.live_profile, "not-the-secret"))
    assert isinstance(bad.error, AuthError)
    good = settle(qtbot, w.session.test_connection(w.live_profile, None))  # the stored secret
    assert isinstance(good.value, Balance)


def test_credentials_unavailable_arrives_via_failed(qtbot, make_runner, world) -> None:
    w = world
    session = SessionService(
        make_runner(1),
        w.profiles,
        BrokenKeyring(),
        lambda p, c: None,
        w.verification,
        w.handset,
        w.own.url,
    )
    desk_before = w.verification.desk
    with qtbot.assertNotEmitted(session.profile_changed):
        switched = settle(qtbot, session.switch("Live"))
    assert isinstance(switched.error, CredentialsUnavailable)
    assert w.verification.desk is desk_before  # the old desk stays in place

    saving = settle(qtbot, session.save_profile(w.live_profile, "new-secret"))
    assert isinstance(saving.error, CredentialsUnavailable)
    assert saving.error.__traceback__ is None or "new-secret" not in repr(
        saving.error.__traceback__.tb_frame.f_locals
    )

    # The user's way out: keep secrets for this session only.
    session.use_session_only_credentials()
    assert session.credentials_persistent is False
    with qtbot.waitSignal(session.profiles_changed):
        saved = settle(qtbot, session.save_profile(w.live_profile, "live-secret-9"))
    assert saved.value == w.live_profile


def test_save_profile_keeps_no_secret_and_reswitches_the_active_one(qtbot, world) -> None:
    w = world
    with qtbot.waitSignal(w.session.profile_changed):
        w.session.switch("Live")
    with qtbot.waitSignal(w.session.profiles_changed), qtbot.waitSignal(w.session.profile_changed):
        w.session.save_profile(w.live_profile, "live-secret-9")
    assert w.store.get_secret("Live") == "live-secret-9"
    assert not any("live-secret-9" in repr(value) for value in vars(w.session).values())

    other = Profile(name="Other", api_host=w.live.url, rest_host=w.live.url, api_key="k")
    with qtbot.waitSignal(w.session.profiles_changed):
        w.session.save_profile(other, "s3cret")
    assert [p.name for p in w.session.profiles()] == ["Sandbox", "Live", "Other"]
    with qtbot.waitSignal(w.session.profiles_changed):
        w.session.remove_profile("Other")
    assert w.store.get_secret("Other") is None
    assert [p.name for p in w.session.profiles()] == ["Sandbox", "Live"]


def test_switch_to_an_unknown_profile_fails(qtbot, world) -> None:
    assert isinstance(settle(qtbot, world.session.switch("Nope")).error, ValueError)


def test_last_switch_wins(qtbot, world) -> None:
    w = world
    changed: list[str] = []
    w.session.profile_changed.connect(lambda p: changed.append(p.name))
    first = w.session.switch("Live")
    settle(qtbot, w.session.switch("Sandbox"))
    assert first.is_cancelled
    assert changed == ["Sandbox"]

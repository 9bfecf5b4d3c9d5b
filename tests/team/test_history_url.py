"""The history URL: SQLite or PostgreSQL, TLS options, and never a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.history_url import (
    HistoryUrlError,
    PostgresTarget,
    SqliteTarget,
    parse_history_url,
)
from desktop_app.settings.history_target import ENV_VAR, chosen_history_url
from desktop_app.settings.profiles import Profile, validate_profile


def test_sqlite_urls_and_plain_paths_are_files() -> None:
    assert parse_history_url("sqlite:///var/h.sqlite3") == SqliteTarget(Path("/var/h.sqlite3"))
    assert parse_history_url("/var/h.sqlite3") == SqliteTarget(Path("/var/h.sqlite3"))


def test_a_postgres_url_keeps_tls_options_and_names_its_keyring_item() -> None:
    target = parse_history_url(
        "postgresql://agent@db.example.com:6543/verify?sslmode=verify-full&sslrootcert=/ca.pem"
    )
    assert isinstance(target, PostgresTarget)
    assert target.keyring_item == "agent@db.example.com:6543/verify"
    assert target.connect_kwargs() == {
        "user": "agent", "host": "db.example.com", "port": 6543, "dbname": "verify",
        "sslmode": "verify-full", "sslrootcert": "/ca.pem",
    }  # fmt: skip
    assert parse_history_url(str(target)) == target
    assert parse_history_url("postgresql://a@h/d") == PostgresTarget("a", "h", 5432, "d")


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("postgresql://agent:hunter2@db/verify", "must not contain a password"),
        ("postgresql://agent@db/verify?password=hunter2", "must not contain a password"),
        ("postgresql://db/verify", "needs a user name"),
        ("postgresql://agent@db/", "needs one database name"),
        ("postgresql://agent@db/verify?sslmod=require", "unknown option 'sslmod'"),
        ("postgresql://agent@db/verify?sslmode=maybe", "sslmode must be one of"),
        ("mysql://agent@db/verify", "must start with sqlite:// or postgresql://"),
        ("postgresql://agent@db:99999/verify", "not a valid URL"),
    ],
)
def test_a_bad_url_is_refused_naming_the_field_and_the_rule(url: str, rule: str) -> None:
    with pytest.raises(HistoryUrlError) as refused:
        parse_history_url(url)
    assert "history URL" in str(refused.value)
    assert rule in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_the_option_beats_the_environment_which_beats_the_profile() -> None:
    profile = Profile(name="Team", history_url="postgresql://p@h/profile")
    env = {ENV_VAR: "postgresql://e@h/env"}
    chosen = chosen_history_url("postgresql://o@h/option", profile, env)
    assert isinstance(chosen, PostgresTarget) and chosen.dbname == "option"
    chosen = chosen_history_url(None, profile, env)
    assert isinstance(chosen, PostgresTarget) and chosen.dbname == "env"
    chosen = chosen_history_url(None, profile, {})
    assert isinstance(chosen, PostgresTarget) and chosen.dbname == "profile"
    assert chosen_history_url(None, Profile(name="Solo"), {}) is None


def test_a_profile_with_a_password_in_its_history_url_is_not_saved() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_profile(Profile(name="Team", history_url="postgresql://a:secret@h/d"))
    (error,) = refused.value.errors
    assert error.field == "history_url"
    assert "keyring" in error.message and "secret" not in error.message.replace("keyring", "")

"""Settings read from the environment: typed, defaulted, and loud about mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, parse_database_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VARIABLE = "CONTINUUM_TEST_SETTING"
BASE_DIR = Path("/srv/continuum")


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)


# -- env_str ----------------------------------------------------------------------


def test_env_str_returns_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "survey.example.org")

    assert env_str(VARIABLE) == "survey.example.org"
    assert env_str(VARIABLE, default="ignored") == "survey.example.org"


def test_env_str_falls_back_to_the_default() -> None:
    assert env_str(VARIABLE, default="fallback") == "fallback"
    assert env_str(VARIABLE, default="") == ""


def test_env_str_keeps_an_empty_value_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "")

    assert env_str(VARIABLE, default="fallback") == ""


def test_env_str_without_default_is_required() -> None:
    with pytest.raises(ImproperlyConfigured, match=VARIABLE) as raised:
        env_str(VARIABLE)

    assert str(raised.value) == f"The environment variable {VARIABLE} is required."


# -- env_bool ---------------------------------------------------------------------


def test_env_bool_defaults() -> None:
    assert env_bool(VARIABLE) is False
    assert env_bool(VARIABLE, default=True) is True


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " on "])
def test_env_bool_true_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VARIABLE, value)

    assert env_bool(VARIABLE, default=False) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "off", ""])
def test_env_bool_false_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VARIABLE, value)

    assert env_bool(VARIABLE, default=True) is False


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled"])
def test_env_bool_rejects_anything_else(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VARIABLE, value)

    with pytest.raises(ImproperlyConfigured) as raised:
        env_bool(VARIABLE)

    assert VARIABLE in str(raised.value)
    assert repr(value) in str(raised.value)


# -- env_int ----------------------------------------------------------------------


def test_env_int_default() -> None:
    assert env_int(VARIABLE, 587) == 587


def test_env_int_reads_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "25")

    assert env_int(VARIABLE, 587) == 25


def test_env_int_accepts_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "300")

    assert env_int(VARIABLE, 600, minimum=300) == 300


@pytest.mark.parametrize("value", ["abc", "1.5", "", "10 minutes"])
def test_env_int_rejects_a_non_integer(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VARIABLE, value)

    with pytest.raises(ImproperlyConfigured) as raised:
        env_int(VARIABLE, 5)

    assert str(raised.value) == f"{VARIABLE} must be an integer, got {value!r}."


def test_env_int_rejects_a_value_below_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "299")

    with pytest.raises(ImproperlyConfigured) as raised:
        env_int(VARIABLE, 600, minimum=300)

    assert str(raised.value) == f"{VARIABLE} must be at least 300, got 299."


# -- env_list ---------------------------------------------------------------------


def test_env_list_defaults() -> None:
    assert env_list(VARIABLE) == []
    assert env_list(VARIABLE, default=["localhost"]) == ["localhost"]


def test_env_list_default_is_a_copy() -> None:
    default = ["localhost"]
    env_list(VARIABLE, default=default).append("evil.example")

    assert default == ["localhost"]


def test_env_list_splits_and_trims(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, " survey.example.org, ,10.0.0.5 ,")

    assert env_list(VARIABLE, default=["localhost"]) == ["survey.example.org", "10.0.0.5"]


def test_env_list_empty_value_means_an_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "")

    assert env_list(VARIABLE, default=["localhost"]) == []


# -- parse_database_url -----------------------------------------------------------


def test_sqlite_relative_path_is_under_the_project() -> None:
    assert parse_database_url("sqlite:///var/continuum.sqlite3", base_dir=BASE_DIR) == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/continuum/var/continuum.sqlite3",
    }


def test_sqlite_absolute_path() -> None:
    assert parse_database_url("sqlite:////data/continuum.db", base_dir=BASE_DIR) == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/data/continuum.db",
    }


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///"])
def test_sqlite_without_a_file_is_rejected(url: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_database_url(url, base_dir=BASE_DIR)

    assert str(raised.value) == f"DATABASE_URL {url!r} names no SQLite file."


def test_postgres_with_everything() -> None:
    config = parse_database_url(
        "postgres://continuum:s%40cret%2Fpw@db.example.org:6543/continuum_prod"
        "?sslmode=require&connect_timeout=5",
        base_dir=BASE_DIR,
    )

    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "continuum_prod",
        "USER": "continuum",
        "PASSWORD": "s@cret/pw",
        "HOST": "db.example.org",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require", "connect_timeout": "5"},
    }


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql", "POSTGRES"])
def test_postgres_minimal(scheme: str) -> None:
    config = parse_database_url(f"{scheme}://localhost/continuum", base_dir=BASE_DIR)

    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "continuum",
        "USER": "",
        "PASSWORD": "",
        "HOST": "localhost",
        "PORT": "",
    }


@pytest.mark.parametrize("url", ["postgres://user@localhost:5432", "postgres://localhost/"])
def test_postgres_without_a_database_name_is_rejected(url: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_database_url(url, base_dir=BASE_DIR)

    assert str(raised.value) == f"DATABASE_URL {url!r} names no database."


@pytest.mark.parametrize(
    "url", ["postgres://user@localhost:port/continuum", "postgres://localhost:99999/continuum"]
)
def test_postgres_with_a_bad_port_is_rejected(url: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_database_url(url, base_dir=BASE_DIR)

    assert str(raised.value) == f"DATABASE_URL {url!r} has a malformed port."


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("mysql://root@localhost/continuum", "mysql"), ("postgis://localhost/gis", "postgis")],
)
def test_unknown_scheme_is_rejected(url: str, scheme: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_database_url(url, base_dir=BASE_DIR)

    assert str(raised.value) == (
        f"DATABASE_URL must start with sqlite:// or postgres://, got {scheme!r}."
    )


# -- settings start-up ------------------------------------------------------------


def _start_django(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL",)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(  # our own interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.ALLOWED_HOSTS, settings.DEBUG)",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off() -> None:
    result = _start_django(DEBUG="0", SECRET_KEY=None, ALLOWED_HOSTS="survey.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings_start_with_secret_key_and_allowed_hosts() -> None:
    result = _start_django(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-for-tests",
        ALLOWED_HOSTS="survey.example.org,10.0.0.5",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['survey.example.org', '10.0.0.5'] False"


def test_settings_refuse_a_malformed_variable() -> None:
    result = _start_django(DEBUG="0", SECRET_KEY="x" * 50, EMAIL_PORT="smtp")

    assert result.returncode != 0
    assert "EMAIL_PORT must be an integer" in result.stderr

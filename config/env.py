"""Typed helpers that read settings from the environment and fail loudly.

A malformed value is a deployment mistake; starting with a silently wrong
setting would be worse than not starting at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false, yes/no), got {value!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_database_url(url: str, *, base_dir: Path) -> dict[str, object]:
    """Turn `postgres://user:pass@host:port/name` or `sqlite:///path` into a DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/path.db is relative to the project; sqlite:////abs/path.db is absolute.
        raw = unquote(parts.path)
        if raw in ("", "/"):
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no SQLite file.")
        path = Path(raw[1:])
        if not path.is_absolute():
            path = base_dir / path
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no database.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} has a malformed port.") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        config: dict[str, object] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
        }
        if options:
            config["OPTIONS"] = options
        return config
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://, got {url.split(':', 1)[0]!r}."
    )


_CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
    "rediss": "django.core.cache.backends.redis.RedisCache",
    "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
    "db": "django.core.cache.backends.db.DatabaseCache",
}


def parse_cache_url(url: str) -> dict[str, object]:
    """Turn `locmem://`, `redis://host:6379/0`, `memcached://host:11211` or `db://table`
    into a CACHES entry.

    The cache holds the login and secret-guessing counters (see surveys.ratelimit). One
    process: `locmem://` is enough. Several app servers must share one cache (Redis,
    Memcached, or the database), or each counts only its own share of the guesses.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    backend = _CACHE_BACKENDS.get(scheme)
    if backend is None:
        raise ImproperlyConfigured(
            f"CACHE_URL must start with one of {', '.join(sorted(_CACHE_BACKENDS))}://, "
            f"got {url.split(':', 1)[0]!r}."
        )
    if scheme == "locmem":
        return {"BACKEND": backend, "LOCATION": parts.netloc or "continuum"}
    if scheme == "db":
        table = parts.netloc or parts.path.lstrip("/")
        if not table:
            raise ImproperlyConfigured(f"CACHE_URL {url!r} names no table (db://table_name).")
        return {"BACKEND": backend, "LOCATION": table}
    if not parts.hostname:
        raise ImproperlyConfigured(f"CACHE_URL {url!r} names no host.")
    if scheme == "memcached":
        locations = [location for location in parts.netloc.split(",") if location]
        return {"BACKEND": backend, "LOCATION": locations[0] if len(locations) == 1 else locations}
    # Redis: Django passes the whole URL (password, database number) to redis-py.
    return {"BACKEND": backend, "LOCATION": url}

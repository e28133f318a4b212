"""CACHE_URL: where the guessing and login counters live (config.env.parse_cache_url)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import parse_cache_url


def test_the_default_is_this_process_memory():
    assert parse_cache_url("locmem://") == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "continuum",
    }


def test_redis_keeps_the_whole_url_for_redis_py():
    assert parse_cache_url("redis://:secret@cache.internal:6379/2") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://:secret@cache.internal:6379/2",
    }
    assert parse_cache_url("rediss://cache.internal:6380/0")["LOCATION"].startswith("rediss://")


def test_memcached_takes_one_or_several_servers():
    assert parse_cache_url("memcached://10.0.0.7:11211") == {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": "10.0.0.7:11211",
    }
    assert parse_cache_url("memcached://10.0.0.7:11211,10.0.0.8:11211")["LOCATION"] == [
        "10.0.0.7:11211",
        "10.0.0.8:11211",
    ]


def test_the_database_names_its_table():
    assert parse_cache_url("db://continuum_cache") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "continuum_cache",
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///tmp/cache", "CACHE_URL must start with one of"),
        ("db://", "names no table"),
        ("redis://", "names no host"),
    ],
)
def test_mistakes_stop_the_server_with_a_clear_message(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_cache_url(url)


def test_the_settings_use_the_locmem_cache_by_default(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")

"""A Redis cache that treats an unreachable Redis as an empty cache instead of an error.

Django's RedisCache raises redis.ConnectionError from every call while Redis is down,
and the cache sits under sessions (cached_db), throttles and translations: an outage
would be a 500 on every page. Here a failed call is logged (at most once every
LOG_EVERY seconds per process, so an outage is not a log storm) and answered as a miss:
reads return the default, writes are dropped, `incr` raises ValueError as for a missing
key. Sessions then come from the database, throttles fail open (they see no history),
and translations are fetched again. Programming errors (redis.ResponseError) still raise.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

LOG_EVERY = 30  # seconds
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


class _OutageLog:
    """Log "Redis is unreachable" once per interval, with the first failure's details."""

    last = float("-inf")

    @classmethod
    def failed(cls, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - cls.last >= LOG_EVERY:
            cls.last = now
            logger.warning("Redis is unreachable (%s failed: %s); treating the cache as empty", operation, error)


def _degrades_to(fallback):
    """Make a cache method answer `fallback(*args, **kwargs)` when Redis cannot be reached."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _OUTAGE as error:
                _OutageLog.failed(method.__name__, error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _missing_key(key, *args, **kwargs):
    raise ValueError(f"Key {key!r} not found (the cache is unreachable)")


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; while Redis is unreachable every call is a logged miss."""

    add = _degrades_to(lambda *args, **kwargs: False)(RedisCache.add)
    get = _degrades_to(lambda key, default=None, *args, **kwargs: default)(RedisCache.get)
    set = _degrades_to(lambda *args, **kwargs: None)(RedisCache.set)
    touch = _degrades_to(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _degrades_to(lambda *args, **kwargs: False)(RedisCache.delete)
    get_many = _degrades_to(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _degrades_to(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _degrades_to(_missing_key)(RedisCache.incr)
    # set_many returns the keys it could not store: all of them.
    set_many = _degrades_to(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _degrades_to(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _degrades_to(lambda *args, **kwargs: False)(RedisCache.clear)

"""Quiet logging of a Redis outage: one warning per interval, not one error per cache call.

The cache backend is django-redis with IGNORE_EXCEPTIONS (microblog/settings/base.py):
while Redis is unreachable every cache call is answered as a miss (reads return the
default, writes are dropped), so sessions come from the database (cached_db), throttles
fail open (they see no history) and translations are fetched again. django-redis logs
each ignored call as an error with a traceback, several per page; this filter, on the
logger django-redis writes to, turns the first of each interval into one warning and
drops the rest.
"""

import logging
import time

LOG_EVERY = 30  # seconds


class RedisOutageFilter(logging.Filter):
    """Let one "Redis is unreachable" warning through every LOG_EVERY seconds per process."""

    last = float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        # Configuring logging again adds a second instance: decide once per record.
        if hasattr(record, "redis_outage_shown"):
            return record.redis_outage_shown
        now = time.monotonic()
        record.redis_outage_shown = now - RedisOutageFilter.last >= LOG_EVERY
        if not record.redis_outage_shown:
            return False
        RedisOutageFilter.last = now
        error = record.exc_info[1] if record.exc_info else None
        reason = error.__cause__ or error if error else "unknown error"
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = "Redis is unreachable (%s); treating the cache as empty", (reason,)
        record.exc_info = record.exc_text = None
        return True

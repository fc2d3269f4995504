"""The id of the request being served, for log lines (set by RequestIdMiddleware)."""

import contextvars
import logging

current_request_id = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id` attribute.

    Django logs a 4xx/5xx response ("django.request") after the middleware chain has
    returned, so the id is read from the request attached to the record when present.
    """

    def filter(self, record):
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        return True

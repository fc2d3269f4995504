"""Build Django's LOGGING dict: one place for every mode's handlers and formats."""

import logging

from pythonjsonlogger.core import RESERVED_ATTRS

# Django logs these refusals (each a 400) as errors, which would mail the admins for
# every oversized or over-long form anyone sends; they are the client's fault.
CLIENT_FAULT_LOGGERS = [
    "django.security.RequestDataTooBig",
    "django.security.TooManyFieldsSent",
    "django.security.TooManyFilesSent",
]


class ClientFaultFilter(logging.Filter):
    """Log a refusal of the client's request as a warning, never as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def build_logging(*, level: str, log_format: str, log_file: str = "", mail_admins: bool = False) -> dict:
    """Return a dictConfig for the console (text or JSON lines), a file and admin email."""
    handlers = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if log_format == "json" else "text",
            "filters": ["request_id", "client_ip"],
        },
    }
    if log_file:
        handlers["file"] = {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": log_file,
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "formatter": "json" if log_format == "json" else "text",
            "filters": ["request_id", "client_ip"],
        }
    if mail_admins:
        # The tutorial's SMTPHandler: errors by email, never in DEBUG.
        handlers["mail_admins"] = {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_id", "client_ip"],
        }
    root_handlers = list(handlers)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "microblog.request_id.RequestIdFilter"},
            "client_ip": {"()": "microblog.client_address.ClientAddressFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
            "redis_outage": {"()": "microblog.cache.RedisOutageFilter"},
            "client_fault": {"()": "microblog.logconfig.ClientFaultFilter"},
        },
        "formatters": {
            "text": {"format": "{asctime} {levelname} [{request_id} {client_ip}] {name}: {message}", "style": "{"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "{asctime}{levelname}{name}{message}{request_id}{client_ip}",
                "style": "{",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                # Django attaches the request object to its records; it is not JSON.
                "reserved_attrs": [*RESERVED_ATTRS, "request", "server_time"],
            },
        },
        "handlers": handlers,
        "root": {"handlers": root_handlers, "level": level},
        "loggers": {
            # Propagate to root, so each line is handled once with the request id.
            "django": {"level": level, "handlers": [], "propagate": True},
            "django.server": {"level": level, "handlers": [], "propagate": True},
            "django.db.backends": {"level": "INFO", "propagate": True},
            # django-redis reports each cache call it answered as a miss while Redis is down.
            "microblog.cache": {"filters": ["redis_outage"], "propagate": True},
            **{name: {"filters": ["client_fault"], "propagate": True} for name in CLIENT_FAULT_LOGGERS},
        },
    }

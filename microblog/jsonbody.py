"""Parse every JSON body the site receives, and refuse malformed ones with one exception.

The API (through JSONBodyParser, DRF's DEFAULT_PARSER_CLASSES), POST /translate/,
POST /csp-report/ and the answers of the translation service all come through
parse_json(). Whatever the bytes are (not UTF-8, not JSON, NaN, thousands of nested
brackets), it returns a value or raises MalformedJSON with a sentence for the client:
never a RecursionError, so never a 500.
"""

import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper than any body the site accepts (a CSP report is two levels), and far below the
# nesting at which the decoder would run out of stack wherever it is called from.
MAX_DEPTH = 32


class MalformedJSON(ValueError):
    """A body that is not a JSON document the site can use; str() says why, for the client."""


def _reject_constant(name):
    # NaN and Infinity are Python's extensions, not JSON (RFC 8259).
    raise ValueError(f"{name} is not JSON")


def _depth_exceeds(value, limit: int) -> bool:
    """Return whether `value` nests lists and objects more than `limit` levels deep."""
    pending = [(value, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def parse_json(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> object:
    """Decode a JSON document (UTF-8 bytes or text) and return its value, or raise MalformedJSON."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise MalformedJSON(_("The request body must be JSON encoded as UTF-8.")) from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise MalformedJSON(_("The request body nests too deeply.")) from None
    except json.JSONDecodeError as error:
        raise MalformedJSON(
            _("The request body is not valid JSON (line %(line)d, column %(column)d).")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    except ValueError:
        raise MalformedJSON(_("The request body is not valid JSON.")) from None
    if _depth_exceeds(value, max_depth):
        raise MalformedJSON(_("The request body nests too deeply.")) from None
    return value


def parse_json_object(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> dict:
    """Like parse_json(), for bodies that must be a JSON object at the top."""
    value = parse_json(body, max_depth=max_depth)
    if not isinstance(value, dict):
        raise MalformedJSON(_("The request body must be a JSON object."))
    return value


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, decoding through parse_json_object(): every API body is an object."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return parse_json_object(stream.read())
        except MalformedJSON as error:
            raise ParseError(str(error)) from None

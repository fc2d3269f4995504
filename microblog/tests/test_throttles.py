"""The request throttles of plain views: /csp-report/ per client, /translate/ per user.

The registration and password-reset throttles are tested in test_security.py, the API's
in accounts/tests/test_api.py and test_client_address.py.
"""

import json

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPORT = json.dumps({"csp-report": {"violated-directive": "script-src", "blocked-uri": "inline"}})
TRANSLATE = reverse("posts:translate")


def report(client, **meta):
    return client.post(reverse("csp-report"), REPORT, content_type="application/csp-report", **meta)


def translate(client, text="hola"):
    body = json.dumps({"text": text, "source_language": "es", "dest_language": "en"})
    return client.post(TRANSLATE, body, content_type="application/json")


def test_csp_reports_are_throttled_per_client(client, settings):
    settings.CSP_REPORT_RATE = "2/min"

    first = [report(client, REMOTE_ADDR="203.0.113.7").status_code for _n in range(3)]
    other = report(client, REMOTE_ADDR="198.51.100.2")

    assert first == [204, 204, 429]
    assert other.status_code == 204


def test_a_throttled_csp_report_is_not_logged(client, settings, caplog):
    settings.CSP_REPORT_RATE = "1/min"
    report(client)
    caplog.clear()

    refused = report(client)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not [record for record in caplog.records if record.name == "microblog.security"]


def test_one_ipv6_subscriber_is_one_client(client, settings):
    settings.CSP_REPORT_RATE = "1/min"

    codes = [report(client, REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code for n in range(1, 3)]
    neighbour = report(client, REMOTE_ADDR="2001:db8:1:3::1")

    assert codes == [204, 429]
    assert neighbour.status_code == 204


def test_translations_are_throttled_per_user(client, settings):
    settings.TRANSLATE_RATE = "2/min"
    settings.TRANSLATOR = ""  # the throttle counts before the service is asked
    alice, bob = UserFactory.create_batch(2)
    client.force_login(alice)

    alices = [translate(client, f"texto {n}") for n in range(3)]
    client.force_login(bob)
    bobs = translate(client)

    assert [response.status_code for response in alices] == [503, 503, 429]
    assert alices[-1].json()["error"] == "Too Many Requests"
    assert alices[-1].json()["message"]
    assert int(alices[-1]["Retry-After"]) > 0
    assert bobs.status_code == 503


def test_the_translate_throttle_is_per_user_not_per_address(client, settings):
    settings.TRANSLATE_RATE = "1/min"
    alice = UserFactory()
    client.force_login(alice)

    translate(client)
    from_elsewhere = client.post(
        TRANSLATE,
        json.dumps({"text": "hola", "source_language": "es", "dest_language": "en"}),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.2",
    )

    assert from_elsewhere.status_code == 429


def test_ratelimit_enabled_false_turns_the_view_throttles_off(client, settings):
    settings.CSP_REPORT_RATE = "1/min"
    settings.RATELIMIT_ENABLED = False

    codes = {report(client).status_code for _n in range(3)}

    assert codes == {204}

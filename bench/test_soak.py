"""The soak script's bookkeeping, without starting any server."""

import collections
import threading
from types import SimpleNamespace

import pytest

from bench.soak import Ledger, acknowledged, is_loopback_database_url, main, percentile


def test_percentile_uses_the_nearest_rank_and_copes_with_no_samples():
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile([5, 1, 3, 2, 4], 0.95) == 5
    assert percentile([], 0.5) == 0.0


def test_the_ledger_counts_statuses_and_errors_per_action():
    ledger = Ledger()
    ledger.record("post", 302, 0.010)
    ledger.record("post", 503, 0.020)
    ledger.record("read", 200, 0.030)
    ledger.record("read", "ConnectionError", 0.040)

    summary = ledger.summary()

    assert summary["requests"] == 4
    assert summary["by_status"] == {"200": 1, "302": 1, "503": 1, "ConnectionError": 1}
    assert summary["by_action"]["post"] == {"302": 1, "503": 1}
    assert summary["latency_ms"]["max"] == 40.0


def test_the_check_finds_missing_and_duplicated_acknowledged_writes():
    ledger = Ledger()
    for body in ("kept", "lost", "twice"):
        ledger.acknowledge("post", body)
    ledger.acknowledge("message", "dm")
    stored = {
        "post": collections.Counter({"kept": 1, "twice": 2, "unacknowledged but stored": 1}),
        "message": collections.Counter({"dm": 1}),
    }

    result = ledger.check(stored)

    assert result["post"] == {"acknowledged": 3, "missing": ["lost"], "duplicated": ["twice"]}
    assert result["message"] == {"acknowledged": 1, "missing": [], "duplicated": []}


def test_the_ledger_is_safe_to_share_between_threads():
    ledger = Ledger()

    def work():
        for n in range(500):
            ledger.record("read", 200, 0.001)
            ledger.acknowledge("post", f"{threading.get_ident()}-{n}")

    threads = [threading.Thread(target=work) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ledger.summary()["requests"] == 4000
    assert len(ledger.acknowledged["post"]) == 4000


@pytest.mark.parametrize(
    ("status", "location", "expected"),
    [(302, "/", True), (302, "/auth/login/?next=/", False), (200, "", False), (503, "", False)],
)
def test_only_a_redirect_away_from_sign_in_acknowledges_a_write(status, location, expected):
    response = SimpleNamespace(status_code=status, headers={"Location": location} if location else {})

    assert acknowledged(response) is expected
    assert acknowledged(None) is False


def test_only_loopback_databases_are_accepted():
    assert is_loopback_database_url("postgres://postgres@127.0.0.1:5432/microblog_soak_1")
    assert is_loopback_database_url("postgresql://u@localhost/x")
    assert not is_loopback_database_url("postgres://postgres@db.example.com:5432/prod")


@pytest.mark.parametrize("args", [["--users", "0"], ["--duration", "1"], ["--duration", "99999"]])
def test_out_of_bounds_runs_are_refused_before_anything_starts(args):
    with pytest.raises(SystemExit):
        main(args)

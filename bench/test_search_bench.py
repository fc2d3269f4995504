import json

import pytest

from bench.search_bench import main
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_prints_one_json_line_per_word_with_percentiles(capsys):
    PostFactory.create_batch(3, body="a cafe")

    main(["--runs", "3", "cafe", "quokka"])

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["word"], line["matches"], line["runs"]) for line in lines] == [("cafe", 3, 3), ("quokka", 0, 3)]
    assert all(0 <= line["p50_ms"] <= line["p95_ms"] for line in lines)

"""The API push benchmark, tiny: its three calls do what its labels say."""

from __future__ import annotations

from bench.api_push import run


def test_the_push_benchmark_creates_then_finds_unchanged_then_refuses_one_invalid(database_url):
    results = run(database_url, 6)
    assert [label for label, _, _ in results] == ["first push", "same again", "one invalid"]
    assert [details.split(",")[0] for _, _, details in results] == ["status 200", "status 200", "status 422"]
    assert "created 6" in results[0][2] and "unchanged 6" in results[1][2] and "errors 1" in results[2][2]

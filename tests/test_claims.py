"""helpers.claim: the checked figures of every lesson."""

import json

import pytest

from helpers.claims import ClaimFailed, claim


def test_claim_prints_the_verdict_when_it_holds(capsys):
    claim("test accuracy", 0.973, at_least=0.95)
    assert "✓ test accuracy = 0.973 (claimed ≥ 0.95)" in capsys.readouterr().out


def test_claim_with_both_bounds_holds_inside_and_says_both(capsys):
    claim("relative error", 1e-9, at_least=0.0, at_most=1e-6)
    assert "✓ relative error = 1e-09 (claimed ≥ 0 and ≤ 1e-06)" in capsys.readouterr().out


@pytest.mark.parametrize("value", [-1e-9, 2e-6])
def test_claim_with_both_bounds_fails_on_either_side(value):
    with pytest.raises(ClaimFailed, match="≥ 0 and ≤ 1e-06"):
        claim("relative error", value, at_least=0.0, at_most=1e-6)


@pytest.mark.parametrize("value, bounds", [
    (0.94, {"at_least": 0.95}),
    (2e-6, {"at_most": 1e-6}),
    (float("nan"), {"at_least": 0.0}),
])
def test_claim_fails_with_the_measured_value(value, bounds):
    with pytest.raises(ClaimFailed, match="but this run measured"):
        claim("figure", value, **bounds)


def test_claim_rejects_a_non_number():
    with pytest.raises(ClaimFailed, match="should be a number"):
        claim("accuracy", "high", at_least=0.5)


def test_claim_needs_a_bound():
    with pytest.raises(ValueError, match="needs at_least"):
        claim("accuracy", 0.9)


def test_claims_are_recorded_for_the_benchmark(tmp_path, monkeypatch):
    path = tmp_path / "metrics.jsonl"
    monkeypatch.setenv("HELPERS_METRICS_FILE", str(path))
    claim("spiral accuracy", 0.99, at_least=0.95, headline=True)
    with pytest.raises(ClaimFailed):
        claim("xor accuracy", 0.5, at_least=0.9)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["name"], r["headline"], r["ok"]) for r in rows] == [
        ("spiral accuracy", True, True), ("xor accuracy", False, False)]

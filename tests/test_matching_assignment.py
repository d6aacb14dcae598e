"""Batch assignment: total fit is maximised within capacities and demands (pure unit tests)."""

from __future__ import annotations

from services.matching.domain.assignment import assign


def test_one_strong_researcher_is_not_proposed_to_every_need() -> None:
    fit = {"n1": {"A": 0.9, "B": 0.5}, "n2": {"A": 0.9, "C": 0.6}, "n3": {"A": 0.9, "D": 0.7}}
    result = assign(fit, demand={}, capacity={})
    assigned = [r for a in result.values() for r, _ in a.proposed]
    assert assigned.count("A") == 1 and len(assigned) == 3
    assert result["n1"].proposed == [("A", 0.9)]  # A goes where the runner-up is weakest


def test_exact_optimum_beats_greedy() -> None:
    # Greedy by need order: n1←A (0.9), n2←C (0.1) = 1.0.  Optimal: n1←B (0.8), n2←A (0.85) = 1.65.
    fit = {"n1": {"A": 0.9, "B": 0.8}, "n2": {"A": 0.85, "C": 0.1}}
    result = assign(fit, demand={}, capacity={})
    assert result["n1"].proposed == [("B", 0.8)] and result["n2"].proposed == [("A", 0.85)]
    assert result["n1"].alternates == [("A", 0.9)]  # A stays visible as an alternate


def test_demand_and_capacity() -> None:
    fit = {"n1": {"A": 0.9, "B": 0.8, "C": 0.7}, "n2": {"A": 0.95, "B": 0.6}}
    result = assign(fit, demand={"n1": 2}, capacity={"A": 2, "B": 1, "C": 0})
    assert [r for r, _ in result["n1"].proposed] == ["A", "B"]  # two distinct experts
    assert [r for r, _ in result["n2"].proposed] == ["A"]  # A has room for two
    everyone = {r for a in result.values() for r, _ in a.proposed + a.alternates}
    assert "C" not in everyone  # no capacity left: neither proposed nor an alternate


def test_a_need_without_eligible_researchers_is_reported_empty() -> None:
    result = assign({"n1": {}, "n2": {"A": 0.5}}, demand={}, capacity={})
    assert result["n1"].proposed == [] and result["n1"].alternates == []
    assert result["n2"].proposed == [("A", 0.5)]

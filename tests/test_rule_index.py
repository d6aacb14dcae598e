"""tests/README.md's index from rule ids to tests is generated from the tests and kept current."""

from __future__ import annotations

from tests.rule_index import cited_rules, current_readme, rewritten


def test_the_rule_index_in_tests_readme_is_current() -> None:
    assert current_readme() == rewritten(current_readme()), "run: python -m tests.rule_index"


def test_the_rules_of_intake_and_matching_each_have_a_test() -> None:
    done = {f"R-E{i}" for i in range(1, 6)} | {"R-U1", "R-U2"} | {f"R-C{i}" for i in range(1, 8)}
    done |= {"R-F1", "R-F2", "R-F3", "R-F4"} | {f"R-V{i}" for i in range(1, 8)}
    assert done - set(cited_rules()) == set()

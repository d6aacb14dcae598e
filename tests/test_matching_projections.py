"""Matching keeps its own copy of intake's registries and of each need's review state, from events."""

from __future__ import annotations

import uuid

from shared.auth import Bureau, Role
from shared.events.contracts import ResearcherSnapshot
from tests.factories import HARBIN
from tests.flows import PROVINCE, register_enterprise, register_institution, register_researcher, submit_need
from tests.support import Platform, auth, eventually


async def _profile(platform: Platform, kind: str, key):
    async with platform["matching"].runtime.uow() as uow:
        return await getattr(uow, kind).get(key)


async def test_registry_events_build_matchings_copy_and_updates_replace_it(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, inst)
    code, _ = await register_enterprise(platform)
    rid = uuid.UUID(researcher["id"])

    copy = await eventually(lambda: _profile(platform, "researchers", rid), what="the researcher in matching")
    assert copy.version == 1 and copy.achievements[0].title == researcher["achievements"][0]["title"]
    assert (
        await eventually(lambda: _profile(platform, "institutions", uuid.UUID(institution_id)), what="the unit")
    ).version == 1
    assert (await eventually(lambda: _profile(platform, "enterprises", code), what="the enterprise")).name

    client = platform["intake"].client
    await client.patch(f"/intake/v1/researchers/{rid}", json={"research_fields": "寒区储能系统"}, headers=inst)

    async def updated():
        profile = await _profile(platform, "researchers", rid)
        return profile if profile and profile.version == 2 else None

    assert (await eventually(updated, what="version 2 in matching")).research_fields == "寒区储能系统"


async def test_an_older_snapshot_never_overwrites_a_newer_one(platform: Platform) -> None:
    snapshot = ResearcherSnapshot(
        researcher_id=uuid.uuid4(),
        institution_id=uuid.uuid4(),
        name="甲",
        date_of_birth="1980-01-01",
        highest_degree="doctorate",
        title="senior",
        disciplines=["数学"],
        research_fields="新",
        research_misconduct=False,
        achievements=[],
        version=3,
    )
    async with platform["matching"].runtime.uow() as uow:
        assert await uow.researchers.upsert(snapshot) is True
        assert (
            await uow.researchers.upsert(snapshot.model_copy(update={"version": 2, "research_fields": "旧"})) is False
        )
        assert await uow.researchers.upsert(snapshot) is False  # the same version again: nothing to do
        stored = await uow.researchers.get(snapshot.researcher_id)
        await uow.rollback()
    assert stored.version == 3 and stored.research_fields == "新"


async def test_need_review_is_followed_until_reported_R_F1_R_F2(platform: Platform, batches: dict) -> None:
    _, owner = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, owner, batches["commissioner"])
    science = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
    client = platform["intake"].client
    await client.post(f"/intake/v1/needs/{need['id']}/approve", headers=science)
    await client.post(f"/intake/v1/needs/{need['id']}/report", headers=science)

    async def reported():
        response = await platform["matching"].client.get(f"/matching/v1/needs/{need['id']}", headers=PROVINCE)
        body = response.json()
        return body if response.status_code == 200 and body["status"] == "reported" else None

    seen = await eventually(reported, what="the need reported in matching")
    assert [h["event_type"].rsplit(".", 2)[-2] for h in seen["history"]] == [
        "submitted",
        "approved_by_city",
        "reported_to_province",
    ]

"""Steps the system tests take through the real REST APIs (setting the scene, not asserting)."""

from __future__ import annotations

from devstack.inprocess import InProcessPlatform
from shared.auth import Role
from tests.factories import HARBIN, enterprise_body, institution_body, need_body, open_window, researcher_body
from tests.support import auth

PROVINCE = auth(Role.PROVINCE, subject="province-admin")


async def _ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def ensure_batches(platform: InProcessPlatform) -> dict[str, str]:
    """This year's batch of each programme, open today (created once per test session)."""
    client = platform["intake"].client
    out = {}
    window = open_window()
    for programme in ("chief_technologist", "commissioner"):
        listed = (
            await client.get(f"/intake/v1/batches?programme={programme}&year={window['year']}", headers=PROVINCE)
        ).json()
        if listed["items"]:
            out[programme] = listed["items"][0]["id"]
            continue
        body = {"programme": programme, "title": f"{window['year']} 年度征集", **window}
        out[programme] = (await _ok(await client.post("/intake/v1/batches", json=body, headers=PROVINCE)))["id"]
    return out


async def register_enterprise(
    platform: InProcessPlatform, city: str = HARBIN, **overrides
) -> tuple[str, dict[str, str]]:
    """Registers an enterprise (as the province) and returns its credit code and an enterprise user's headers."""
    body = enterprise_body(city, **overrides)
    created = await _ok(await platform["intake"].client.post("/intake/v1/enterprises", json=body, headers=PROVINCE))
    return created["id"], auth(Role.ENTERPRISE, enterprise_id=created["id"])


async def submit_need(platform: InProcessPlatform, headers: dict[str, str], batch_id: str, **overrides) -> dict:
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=need_body(batch_id, **overrides), headers=headers
    )
    return await _ok(response)


async def register_institution(platform: InProcessPlatform, **overrides) -> tuple[str, dict[str, str]]:
    created = await _ok(
        await platform["intake"].client.post(
            "/intake/v1/institutions", json=institution_body(**overrides), headers=PROVINCE
        )
    )
    return created["id"], auth(Role.INSTITUTION, institution_id=created["id"])


async def register_researcher(
    platform: InProcessPlatform, institution_id: str, headers: dict[str, str], **overrides
) -> dict:
    response = await platform["intake"].client.post(
        f"/intake/v1/institutions/{institution_id}/researchers", json=researcher_body(**overrides), headers=headers
    )
    return await _ok(response)

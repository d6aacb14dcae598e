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


async def ensure_batch(platform: InProcessPlatform, programme: str, year: int) -> dict:
    """A batch of its own for a test module (batches are one per programme and year), open today."""
    client = platform["intake"].client
    listed = (await client.get(f"/intake/v1/batches?programme={programme}&year={year}", headers=PROVINCE)).json()
    if listed["items"]:
        return listed["items"][0]
    body = {"programme": programme, "title": f"{year} 年度测试批次", **open_window(), "year": year}
    return await _ok(await client.post("/intake/v1/batches", json=body, headers=PROVINCE))


async def approve_and_report(platform: InProcessPlatform, need: dict, city: str = HARBIN) -> None:
    """Both bureaus of the city approve (总师) and the city reports the need to the province (R-F1)."""
    from shared.auth import Bureau

    client = platform["intake"].client
    bureaus = [Bureau.SCIENCE_TECH] + ([Bureau.INDUSTRY_IT] if need["programme"] == "chief_technologist" else [])
    for bureau in bureaus:
        await _ok(
            await client.post(
                f"/intake/v1/needs/{need['id']}/approve", headers=auth(Role.CITY_BUREAU, city_code=city, bureau=bureau)
            ),
            200,
        )
    await _ok(
        await client.post(
            f"/intake/v1/needs/{need['id']}/report",
            headers=auth(Role.CITY_BUREAU, city_code=city, bureau=Bureau.SCIENCE_TECH),
        ),
        200,
    )


async def wait_for_run(platform: InProcessPlatform, run_id: str, timeout: float = 120) -> dict:
    from tests.support import eventually

    async def finished():
        run = (await platform["matching"].client.get(f"/matching/v1/runs/{run_id}", headers=PROVINCE)).json()
        return run if run["status"] in ("succeeded", "failed") else None

    return await eventually(finished, timeout=timeout, interval=0.2, what=f"matching run {run_id}")


async def wait_for_list(platform: InProcessPlatform, need_id: str, version: int = 1, timeout: float = 120) -> dict:
    """The need's current candidate list once matching has written version ``version`` (or later)."""
    from tests.support import eventually

    async def written():
        response = await platform["matching"].client.get(
            f"/matching/v1/needs/{need_id}/candidate-list", headers=PROVINCE
        )
        return response.json() if response.status_code == 200 and response.json()["version"] >= version else None

    return await eventually(written, timeout=timeout, interval=0.2, what=f"candidate list of need {need_id}")


async def publish(platform: InProcessPlatform, payload) -> None:
    """Publish an event to Kafka as its owning service would (e.g. agreements, whose issue is still open, or
    intake's events in an order the real flow rarely produces)."""
    from shared.events.envelope import CloudEvent
    from shared.messaging.kafka import make_producer

    producer = make_producer(platform["matching"].runtime.settings)
    await producer.start()
    try:
        owner = payload.event_type.split("techbridge.", 1)[1].split(".")[0]  # cn.gov.hlj.techbridge.<service>.…
        event = CloudEvent.wrap(payload, source=f"/techbridge/{owner}")
        await producer.send_and_wait(payload.topic, event.to_bytes(), key=event.subject.encode())
    finally:
        await producer.stop()

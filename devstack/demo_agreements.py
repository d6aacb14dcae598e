"""The demo's second part: reported needs carried on through matching's answers, negotiation and selection.

Once matching has candidate lists for the needs the first part reported, the province pushes two thirds of
them and each candidate's unit answers "willing" (a 特派员 candidate also files the application and the unit
approves it, R-F4). Agreements then holds pairs to negotiate; they are taken to different stages so every
screen has something on it: still to negotiate, a meeting scheduled, an intent reached, reported to the
province (总师 by both bureaus, SOEs by SASAC, 特派员 filed). Each batch's list is drawn up from the reported
intents; the 总师 list is approved and put on public notice, the 特派员 filing noticed.

Everything goes through the public APIs, and a re-run changes nothing: each step looks at the current state
first, and writes carry Idempotency-Keys.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from shared.auth import Bureau, Principal, Role, mint_token
from shared.timeutil import today_in_china

STAGES = ("to_negotiate", "scheduled", "intent_reached", "reported")
# A filed 特派员 pair gets its agreement at once (R-F8): most of them are filed, so agreements show every state.
COMMISSIONER_STAGES = ("reported", "reported", "reported", "to_negotiate", "reported", "scheduled", "intent_reached")
AGREEMENT_STATES = ("draft", "signing", "filed", "terminated")
ORDER = {"to_negotiate": 0, "scheduled": 1, "intent_reached": 2, "reported": 3, "filed": 3, "no_intent": -1}
INTENT = {
    "cooperation_content": "围绕企业技术需求联合攻关，并在企业生产线开展中试与示范应用",
    "cooperation_forms": ["joint_rd", "tech_transfer"],
}


class AgreementsDemo:
    def __init__(
        self,
        clients: dict[str, httpx.AsyncClient],
        secret: str,
        *,
        log: Callable[[str], None] = print,
        changes: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.clients, self.secret, self.log, self.changed = clients, secret, log, changes

    def headers(self, role: Role, key: str | None = None, **claims) -> dict[str, str]:
        token = mint_token(Principal(subject=f"demo-{role.value}", role=role, **claims), secret=self.secret)
        return {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})

    async def call(self, service: str, method: str, path: str, headers: dict, *, tolerate=(), **kwargs) -> dict | None:
        """A call that must succeed, or answer one of the ``tolerate``d codes (an earlier run did it already)."""
        response = await self.clients[service].request(method, path, headers=headers, **kwargs)
        if response.status_code in (200, 201):
            if method != "GET" and response.headers.get("Idempotent-Replayed") != "true":
                self.changed(1)
            return response.json()
        if response.status_code in (404, 409) and response.json().get("code") in tolerate:
            return None
        raise RuntimeError(f"{service} {method} {path}: {response.status_code} {response.text[:400]}")

    # ------------------------------------------------------------------ the whole part
    async def run(self, *, wait_s: float = 900) -> dict[str, int]:
        province = self.headers(Role.PROVINCE)
        needs = await self._reported_needs(province)
        chief = [n for n in needs if n["programme"] == "chief_technologist"]
        # By id, the same needs on every run: every 特派员 need (their filed pairs become agreements at once) and two
        # thirds of the 总师 ones (the rest stay unpushed, as they would in a real batch).
        chosen = sorted(
            [n for n in needs if n not in chief] + chief[: max(1, len(chief) * 2 // 3)], key=lambda n: n["id"]
        )
        lists = await self._wait_for_lists(chosen, province, wait_s)
        chosen = [n for n in chosen if n["id"] in lists]
        for need in chosen:
            await self._willing(need, lists[need["id"]], province)
        pairs = await self._wait_for_pairs(chosen)
        stages = self._stages(pairs)
        for pair in pairs:
            await self._advance(pair, stages[pair["id"]])
        noticed = await self._lists(province)
        agreements = await self._agreements(province)
        counts = {f"pairs_{stage}": sum(1 for s in stages.values() if s == stage) for stage in STAGES}
        counts |= {
            f"agreements_{state}": sum(1 for s in agreements.values() if s == state) for state in AGREEMENT_STATES
        }
        self.log(
            f"  ✓ agreements: {len(pairs)} pairs — " + ", ".join(f"{k} {v}" for k, v in counts.items())
            + f"; lists on public notice: {noticed}"
        )  # fmt: skip
        return {"pairs": len(pairs), **counts, "lists_noticed": noticed}

    async def _reported_needs(self, province: dict) -> list[dict]:
        needs, page = [], 1
        while True:
            batch = await self.call("intake", "GET", f"/intake/v1/needs?status=reported&page_size=100&page={page}",
                                    province)  # fmt: skip
            needs += batch["items"]
            if page * 100 >= batch["total"]:
                return sorted(needs, key=lambda n: n["id"])
            page += 1

    async def _wait_for_lists(
        self, needs: list[dict], province: dict, wait_s: float, settle_s: float = 120
    ) -> dict[str, dict]:
        """Matching's current lists with a proposed candidate (a cold index takes a minute or two to encode). A
        need matched while the pool was still empty is re-matched when researchers arrive; one that stays without
        a candidate for ``settle_s`` after every need has a list is left out."""
        ready: dict[str, dict] = {}
        listed: set[str] = set()
        deadline, last_log, last_progress = time.monotonic() + wait_s, 0.0, time.monotonic()
        while True:
            for need in needs:
                if need["id"] in ready:
                    continue
                response = await self.clients["matching"].get(
                    f"/matching/v1/needs/{need['id']}/candidate-list", headers=province
                )
                if response.status_code != 200:
                    continue
                listed.add(need["id"])
                if any(e["role"] == "proposed" for e in response.json()["entries"]):
                    ready[need["id"]], last_progress = response.json(), time.monotonic()
            settled = len(listed) == len(needs) and time.monotonic() - last_progress > settle_s
            if len(ready) == len(needs) or settled or time.monotonic() > deadline:
                return ready
            if time.monotonic() - last_log > 15:
                self.log(f"  … waiting for matching: {len(ready)}/{len(needs)} candidate lists ready")
                last_log = time.monotonic()
            await asyncio.sleep(2)

    async def _willing(self, need: dict, candidates: dict, province: dict) -> None:
        """The province pushes the list; the first candidate's unit answers willing (R-F2 → R-F3)."""
        pushed = await self.call("matching", "POST", f"/matching/v1/needs/{need['id']}/push", province,
                                 tolerate=("LIST_ALREADY_PUSHED", "NO_CANDIDATES_TO_PUSH"))  # fmt: skip
        entries = (pushed or candidates)["entries"]
        if pushed is None:
            current = await self.call("matching", "GET", f"/matching/v1/needs/{need['id']}/candidate-list", province)
            entries = current["entries"]
        entry = next((e for e in entries if e["state"] in ("pushed", "willing")), None)
        if entry is None:
            return
        unit = self.headers(Role.INSTITUTION, institution_id=entry["institution_id"])
        if entry["state"] == "pushed":
            await self.call("matching", "POST", f"/matching/v1/candidates/{entry['id']}/answer", unit,
                            json={"answer": "willing"}, tolerate=("ILLEGAL_TRANSITION",))  # fmt: skip
        if need["programme"] == "commissioner":
            await self._application(need, entry, unit)

    async def _application(self, need: dict, entry: dict, unit: dict) -> None:
        """The candidate files the 特派员 form; the unit approves it (R-F4)."""
        researcher = self.headers(Role.RESEARCHER, f"demo-application-{entry['researcher_id']}",
                                  researcher_id=entry["researcher_id"])  # fmt: skip
        body = {"batch_id": need["batch_id"], "statement": "愿赴企业开展技术服务，研究方向与企业需求相符。"}
        filed = await self.call("intake", "POST", "/intake/v1/applications", researcher, json=body,
                                tolerate=("APPLICATION_EXISTS",))  # fmt: skip
        if filed is not None and filed["status"] == "submitted":
            await self.call("intake", "POST", f"/intake/v1/applications/{filed['id']}/approve", unit,
                            tolerate=("ILLEGAL_TRANSITION",))  # fmt: skip

    async def _wait_for_pairs(self, needs: list[dict], wait_s: float = 120) -> list[dict]:
        province = self.headers(Role.PROVINCE)
        deadline, found = time.monotonic() + wait_s, {}
        while time.monotonic() < deadline:
            for need in needs:
                if need["id"] not in found:
                    page = await self.call("agreements", "GET", f"/agreements/v1/pairs?need_id={need['id']}", province)
                    if page["items"]:
                        found[need["id"]] = page["items"][0]
            if len(found) == len(needs):
                break
            await asyncio.sleep(1)
        return sorted(found.values(), key=lambda p: p["need_id"])

    @staticmethod
    def _stages(pairs: list[dict]) -> dict[str, str]:
        """Round-robin over the stages within each programme, so every stage has some pairs; an SOE's pair
        reaches the province (SASAC's path) and the first 特派员 pair is filed (the filing path)."""
        stages: dict[str, str] = {}
        sequences = {"chief_technologist": STAGES, "commissioner": COMMISSIONER_STAGES}
        counters = {"chief_technologist": 0, "commissioner": 0}
        for pair in pairs:
            if pair["is_soe"]:
                stages[pair["id"]] = "reported"
                continue
            sequence = sequences[pair["programme"]]
            stages[pair["id"]] = sequence[counters[pair["programme"]] % len(sequence)]
            counters[pair["programme"]] += 1
        return stages

    def _organisers(self, pair: dict) -> list[dict]:
        if pair["is_soe"]:
            return [self.headers(Role.SASAC)]
        bureaus = [Bureau.SCIENCE_TECH] + ([Bureau.INDUSTRY_IT] if pair["programme"] == "chief_technologist" else [])
        return [self.headers(Role.CITY_BUREAU, city_code=pair["city_code"], bureau=b) for b in bureaus]

    async def _advance(self, pair: dict, stage: str) -> None:
        organisers = self._organisers(pair)
        target, status = ORDER[stage], pair["status"]
        path = f"/agreements/v1/pairs/{pair['id']}"
        if target >= 1 and ORDER[status] < 1:
            starts = (datetime.now(UTC) + timedelta(days=7)).replace(hour=1, minute=30, second=0, microsecond=0)
            key = f"demo-meeting-{pair['id']}"
            body = {"pair_ids": [pair["id"]], "starts_at": starts.isoformat(), "place": "市科技局三楼会议室"}
            await self.call("agreements", "POST", "/agreements/v1/meetings", organisers[0] | {"Idempotency-Key": key},
                            json=body)  # fmt: skip
        if target >= 2 and ORDER[status] < 2:
            body = INTENT | {"planned_start": (today_in_china() + timedelta(days=90)).isoformat()}
            await self.call("agreements", "POST", f"{path}/intent", organisers[0], json=body,
                            tolerate=("ILLEGAL_TRANSITION",))  # fmt: skip
        if target >= 3 and ORDER[status] < 3:
            for headers in organisers:
                await self.call("agreements", "POST", f"{path}/report", headers,
                                tolerate=("ALREADY_CONFIRMED", "ILLEGAL_TRANSITION"))  # fmt: skip

    async def _lists(self, province: dict) -> int:
        """Each batch's list from its reported intents: the 总师 list approved and noticed, the filing noticed."""
        noticed = 0
        for programme in ("chief_technologist", "commissioner"):
            batches = await self.call("intake", "GET", f"/intake/v1/batches?programme={programme}"
                                      f"&year={today_in_china().year}", province)  # fmt: skip
            if not batches["items"]:
                continue
            batch_id = batches["items"][0]["id"]
            created = await self.call(
                "agreements",
                "POST",
                "/agreements/v1/lists",
                province,
                json={"batch_id": batch_id},
                tolerate=("LIST_EXISTS", "NO_REPORTED_INTENTS"),
            )
            current = created or await self._list_of(batch_id, province)
            if current is None:
                continue
            path = f"/agreements/v1/lists/{current['id']}"
            if current["status"] == "draft" and programme == "chief_technologist":
                approval = {"meeting_date": today_in_china().isoformat(), "minutes_reference": "厅党组会议纪要（演示）"}
                current = await self.call("agreements", "POST", f"{path}/approve", province, json=approval)
            if current["status"] in ("draft", "approved"):
                current = await self.call("agreements", "POST", f"{path}/notice", province, json={})
            noticed += current["status"] == "in_notice"
        return noticed

    async def _agreements(self, province: dict) -> dict[str, str]:
        """The drafts (R-F8) taken to every state: left as drafts, signed by the enterprise, signed by all three
        (filed: the appointment starts), and filed then ended early by agreement and both bureaus (R-F10)."""
        page = await self.call("agreements", "GET", "/agreements/v1/agreements?page_size=100", province)
        found = sorted(page["items"], key=lambda x: x["pair_id"])
        targets = {x["id"]: AGREEMENT_STATES[i % len(AGREEMENT_STATES)] for i, x in enumerate(found)}
        for agreement in found:
            await self._agreement_to(agreement, targets[agreement["id"]])
        return targets

    async def _agreement_to(self, agreement: dict, state: str) -> None:
        path = f"/agreements/v1/agreements/{agreement['id']}"
        enterprise = self.headers(Role.ENTERPRISE, enterprise_id=agreement["enterprise_id"])
        signers = [enterprise, self.headers(Role.RESEARCHER, researcher_id=agreement["researcher_id"]),
                   self.headers(Role.INSTITUTION, institution_id=agreement["institution_id"])]  # fmt: skip
        signing = {"signing": signers[:1], "filed": signers, "terminated": signers}.get(state, [])
        if agreement["status"] in ("draft", "signing"):
            read = {"content_hash": agreement["content_hash"]}
            for headers in signing:
                await self.call("agreements", "POST", f"{path}/sign", headers, json=read,
                                tolerate=("ALREADY_SIGNED", "ILLEGAL_TRANSITION"))  # fmt: skip
        if state != "terminated" or agreement["status"] in ("terminated", "expired"):
            return
        expert = signers[1]
        reason = {"reason": "专家因承担重大任务无法继续服务（演示）"}
        await self.call("agreements", "POST", f"{path}/termination", expert, json=reason,
                        tolerate=("TERMINATION_PENDING",))  # fmt: skip
        await self.call("agreements", "POST", f"{path}/termination/agree", enterprise, tolerate=("ILLEGAL_TRANSITION",))
        for headers in self._organisers({**agreement, "programme": "chief_technologist"}):  # both bureaus (R-F10)
            await self.call("agreements", "POST", f"{path}/termination/approve", headers,
                            tolerate=("ALREADY_APPROVED", "ILLEGAL_TRANSITION"))  # fmt: skip

    async def _list_of(self, batch_id: str, province: dict) -> dict | None:
        page = await self.call("agreements", "GET", "/agreements/v1/lists?page_size=100", province)
        return next((x for x in page["items"] if x["batch_id"] == batch_id), None)

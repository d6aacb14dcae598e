"""Switching the embedding model without a cold start (模型切换预编码).

A new model's vectors differ from the serving model's, so switching the setting alone would make every process
encode every passage before it answers (hours at 100k achievements). Instead ops name the next model
(``MATCHING_EMBEDDING_MODEL_NEXT``) and the province requests a preparation: a durable job in the worker encodes
every indexed passage with the next model into the shared vector store, batch by batch, while the serving model's
vectors keep answering. When it has succeeded, setting ``MATCHING_EMBEDDING_MODEL`` to that model and restarting
(replica by replica) loads stored vectors only; what changed in between is encoded at start, a few passages.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from services.matching.adapters.retrieval import encode_and_store, passages_of
from services.matching.adapters.vector_store import VectorStore, text_key
from services.matching.domain.preparation import EmbeddingPreparation
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.jobs.worker import JobContext

PreparationContext = JobContext[EmbeddingPreparation, MatchingUnitOfWork]
PREPARE_BATCH = 64  # passages per encoder call: small, so the serving model's encodings are not held up long


async def request_preparation(
    next_model: str, serving_model: str, principal: Principal, uow: MatchingUnitOfWork
) -> EmbeddingPreparation:
    """Queue the preparation of the configured next model (the one already queued or running, if asked again)."""
    if not next_model:
        raise Conflict(
            "未配置待切换的向量模型：请先由运维设置 MATCHING_EMBEDDING_MODEL_NEXT 并重启匹配服务", code="NO_NEXT_MODEL"
        )
    if next_model == serving_model:
        raise Conflict("该向量模型正在使用中，无需预编码", code="MODEL_ALREADY_SERVING", extra={"model": next_model})
    active = await uow.preparations.active_for(next_model)
    if active is not None:
        return active
    preparation = EmbeddingPreparation.of(next_model, requested_by=principal.subject)
    uow.preparations.add(preparation)
    await uow.record_audit(
        principal, "embedding_preparation.requested", "embedding_preparation", str(preparation.id),
        {"model": next_model},
    )  # fmt: skip
    return preparation


async def get_preparation(preparation_id: uuid.UUID, uow: MatchingUnitOfWork) -> EmbeddingPreparation:
    found = await uow.preparations.get(preparation_id)
    if found is None:
        raise NotFound("该模型预编码任务不存在", code="PREPARATION_NOT_FOUND")
    return found


async def load_encoder(model: str) -> Any:
    from services.matching.adapters.encoder import Encoder

    return await asyncio.to_thread(Encoder, model)


async def prepare_embeddings(
    job: EmbeddingPreparation,
    ctx: PreparationContext,
    *,
    store: VectorStore | None,
    encoder_for: Callable[[str], Awaitable[Any]] = load_encoder,
) -> None:
    """Encode, with the job's model, every passage of the current researcher copies that it has no stored vector
    for; progress is passages done / to do. Resumed after a crash, it skips what was stored."""
    if store is None:
        raise RuntimeError("no vector store: a preparation has nowhere to keep its vectors")
    await ctx.progress("loading_model", 0, 0)
    encoder = await encoder_for(job.model)
    async with ctx.reading() as uow:
        researchers = await uow.researchers.all()
    texts = {text_key(item.text): item.text for r in researchers for item in passages_of(r)}
    todo = {key: texts[key] for key in await store.missing(encoder.model_id, texts)}
    await ctx.progress("encoding", 0, len(todo))
    async for _, done in encode_and_store(encoder, store, todo, batch_size=PREPARE_BATCH):
        await ctx.progress("encoding", done, len(todo))
    async with ctx.finish() as (_, locked):
        locked.model_id = encoder.model_id
        locked.succeed({"passages": len(texts), "already_stored": len(texts) - len(todo), "encoded": len(todo)})

"""The yardstick for the write path: the least a FastAPI service can do to file a need.

One read (the enterprise), then the need row, an outbox row and an audit row in one transaction, on a plain
asyncpg pool — no unit of work, no ORM, no scope rules, no idempotency. ``benchmarks.write_path`` runs it beside
intake on the same PostgreSQL under the same load; intake should reach at least half its throughput.

    python -m benchmarks.minimal_write_app --dsn postgresql://… --port 8199
"""

from __future__ import annotations

import argparse
import json
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

ENTERPRISE = "912301003KNQLGY78T"  # a valid credit code (R-C7 check character)
SCHEMA = """
CREATE TABLE IF NOT EXISTS enterprises (id text PRIMARY KEY, city_code text NOT NULL, is_soe boolean NOT NULL);
CREATE TABLE IF NOT EXISTS needs (
    id uuid PRIMARY KEY, enterprise_id text NOT NULL, batch_id uuid NOT NULL, city_code text NOT NULL,
    title text NOT NULL, description text NOT NULL, keywords text[] NOT NULL, experts_wanted int NOT NULL,
    status text NOT NULL, submitted_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id uuid PRIMARY KEY, topic text NOT NULL, key text NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL, published_at timestamptz);
CREATE TABLE IF NOT EXISTS audit (
    id bigserial PRIMARY KEY, actor text NOT NULL, action text NOT NULL, entity_id text NOT NULL,
    detail jsonb NOT NULL, at timestamptz NOT NULL);
"""


class NeedCreate(BaseModel):
    batch_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    experts_wanted: int = Field(1, ge=1, le=10)


class NeedRead(NeedCreate):
    id: uuid.UUID
    enterprise_id: str
    status: str
    submitted_at: datetime


def app_for(dsn: str) -> FastAPI:
    pool: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        pool["db"] = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        async with pool["db"].acquire() as connection:
            await connection.execute(SCHEMA)
            await connection.execute(
                "INSERT INTO enterprises VALUES ($1, '230100', false) ON CONFLICT DO NOTHING", ENTERPRISE
            )
        yield
        await pool["db"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/needs", status_code=201, response_model=NeedRead)
    async def submit(body: NeedCreate, authorization: str = Header()) -> NeedRead:
        if not authorization.startswith("Bearer "):
            raise HTTPException(401)
        now = datetime.now(UTC)
        need = NeedRead(**body.model_dump(), id=uuid.uuid4(), enterprise_id=ENTERPRISE, status="submitted",
                        submitted_at=now)  # fmt: skip
        async with pool["db"].acquire() as connection, connection.transaction():
            enterprise = await connection.fetchrow("SELECT city_code FROM enterprises WHERE id = $1", ENTERPRISE)
            if enterprise is None:
                raise HTTPException(409)
            await connection.execute(
                "INSERT INTO needs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                need.id, ENTERPRISE, need.batch_id, enterprise["city_code"], need.title, need.description,
                need.keywords, need.experts_wanted, need.status, now,
            )  # fmt: skip
            payload = need.model_dump_json()
            await connection.execute(
                "INSERT INTO outbox VALUES ($1, 'intake.need', $2, $3::jsonb, $4, NULL)",
                uuid.uuid4(), str(need.id), payload, now,
            )  # fmt: skip
            await connection.execute(
                "INSERT INTO audit (actor, action, entity_id, detail, at) VALUES ($1, 'need.submitted', $2, $3, $4)",
                ENTERPRISE, str(need.id), json.dumps(body.model_dump(mode="json"), ensure_ascii=False), now,
            )  # fmt: skip
        return need

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, default=8199)
    args = parser.parse_args()
    uvicorn.run(app_for(args.dsn), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

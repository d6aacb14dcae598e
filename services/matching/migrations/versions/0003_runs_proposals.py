"""matching: runs (jobs), versioned proposals, candidate lists, rule overrides, appointments

Revision ID: matching_0003
Revises: matching_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "matching_0003"
down_revision = "matching_0002"
branch_labels = None
depends_on = None

UUID = pg.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def _state(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.add_column("needs", sa.Column("batch_closes_on", sa.Date))
    op.create_table(
        "matching_runs",
        sa.Column("id", UUID, nullable=False),
        sa.Column("kind", _state("runkind", "need", "batch"), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("batch_id", UUID),
        sa.Column("need_ids", pg.JSONB, nullable=False),
        sa.Column("status", _state("runstatus", "queued", "running", "succeeded", "failed"), nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("progress_done", sa.Integer, nullable=False),
        sa.Column("progress_total", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("summary", pg.JSONB, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("heartbeat_at", TS),
        sa.Column("not_before", TS),
        sa.PrimaryKeyConstraint("id", name="pk_matching_runs"),
    )
    op.create_index("ix_matching_runs_status_created_at", "matching_runs", ["status", "created_at"])
    op.create_table(
        "proposals",
        sa.Column("id", UUID, nullable=False),
        sa.Column("need_id", UUID, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("run_id", UUID, nullable=False),
        sa.Column("model", sa.String(300), nullable=False),
        sa.Column("fusion", sa.String(100), nullable=False),
        sa.Column("demand", sa.Integer, nullable=False),
        sa.Column("application_date", sa.String(10), nullable=False),
        sa.Column("excluded", pg.JSONB, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("pushed_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_proposals"),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"], name="fk_proposals_need_id_needs"),
        sa.ForeignKeyConstraint(["run_id"], ["matching_runs.id"], name="fk_proposals_run_id_matching_runs"),
        sa.UniqueConstraint("need_id", "version", name="uq_proposals_need_id_version"),
    )
    op.create_index(
        "uq_proposals_need_current", "proposals", ["need_id"], unique=True, postgresql_where=sa.text("current")
    )
    op.create_table(
        "candidate_entries",
        sa.Column("id", UUID, nullable=False),
        sa.Column("proposal_id", UUID, nullable=False),
        sa.Column("need_id", UUID, nullable=False),
        sa.Column("researcher_id", UUID, nullable=False),
        sa.Column("institution_id", UUID, nullable=False),
        sa.Column("researcher_name", sa.String(100), nullable=False),
        sa.Column("role", _state("entryrole", "proposed", "alternate", "substitute"), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("explanation", pg.JSONB, nullable=False),
        sa.Column(
            "state",
            _state("entrystate", "proposed", "alternate", "pushed", "willing", "declined", "substituted"),
            nullable=False,
        ),
        sa.Column("replaces_entry_id", UUID),
        sa.Column("answer_reason", sa.Text),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("answered_at", TS),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_candidate_entries"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name="fk_candidate_entries_proposal_id_proposals"),
    )
    op.create_index("ix_candidate_entries_researcher_state", "candidate_entries", ["researcher_id", "state"])
    op.create_index("ix_candidate_entries_institution_state", "candidate_entries", ["institution_id", "state"])
    op.create_index("ix_candidate_entries_need_id", "candidate_entries", ["need_id"])
    op.create_table(
        "researcher_overrides",
        sa.Column("researcher_id", UUID, nullable=False),
        sa.Column("rule_id", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("researcher_id", "rule_id", name="pk_researcher_overrides"),
    )
    op.create_table(
        "appointments",
        sa.Column("agreement_id", UUID, nullable=False),
        sa.Column("researcher_id", UUID, nullable=False),
        sa.Column("need_id", UUID, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", name="pk_appointments"),
    )
    op.create_index("ix_appointments_researcher_active", "appointments", ["researcher_id", "active"])


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("researcher_overrides")
    op.drop_table("candidate_entries")
    op.drop_table("proposals")
    op.drop_table("matching_runs")
    op.drop_column("needs", "batch_closes_on")

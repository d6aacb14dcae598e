"""How any job (``shared.jobs.lifecycle.Job``) reads over the API: status, progress, attempts, times. A service's job
read model extends it with what the job is about and says what its phase and progress count."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.jobs.lifecycle import JobStatus


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: JobStatus = Field(description="任务状态")
    phase: str = Field(description="当前阶段")
    progress_done: int = Field(description="已完成数")
    progress_total: int = Field(description="总数")
    progress_percent: float = Field(description="进度百分比")
    attempts: int = Field(description="已开始执行的次数（进程中断后接管会增加）")
    error: str | None = Field(description="失败原因")
    created_at: datetime = Field(description="发起时间")
    started_at: datetime | None = Field(description="开始执行时间")
    finished_at: datetime | None = Field(description="结束时间")

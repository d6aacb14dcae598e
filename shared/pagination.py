"""Page-number pagination shared by every list endpoint: the request (``PageParams``) and the answer (``Page``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from shared.types import PAGE_MAX


@dataclass(frozen=True)
class PageParams:
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


async def page_params(
    page: Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"页码，1–{PAGE_MAX}")] = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="每页条数，1–100")] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="本页的条目")
    total: int = Field(description="符合条件的总条数")
    page: int = Field(description="页码，从 1 开始")
    page_size: int = Field(description="每页条数")

    @classmethod
    def of(cls, items: Iterable[Any], total: int, params: PageParams, read: Callable[[Any], Any] | None = None) -> Page:
        """The answer for one page: ``read`` turns each stored item into its API schema."""
        return cls(
            items=[read(i) for i in items] if read else list(items),
            total=total,
            page=params.page,
            page_size=params.page_size,
        )

"""The agreement as a printable PDF (R-F8): Typst, with the Noto Sans CJK font embedded (a subset).

The font comes with the project's own install (the ``noto-cjk-sans-otc`` wheel, SIL OFL 1.1), so a fresh machine
needs no system font. The text is passed to the template as JSON, never as markup: what the parties typed cannot
change the layout.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).parent / "templates" / "agreement.typ"


class PdfUnavailable(RuntimeError):
    """The PDF toolchain (typst, or the CJK font) is not installed."""


@cache
def _toolchain() -> tuple[Any, str]:
    try:
        import noto_cjk_sans_otc
        import typst
    except ImportError as exc:  # pragma: no cover - both are in requirements.txt
        raise PdfUnavailable(
            f"生成 PDF 需要 typst 与 noto-cjk-sans-otc（pip install -r requirements.txt）：缺少 {exc.name}"
        ) from exc
    return typst, str(Path(str(noto_cjk_sans_otc.FONT_PATH)).parent)


def render(document: dict[str, Any]) -> bytes:
    """``document``: what ``agreement.typ`` reads (title, parties, clauses, signatures, hashes)."""
    typst, fonts = _toolchain()
    return typst.compile(
        str(TEMPLATE),
        font_paths=[fonts],
        ignore_system_fonts=True,  # the same document on every machine
        sys_inputs={"data": json.dumps(document, ensure_ascii=False)},
    )

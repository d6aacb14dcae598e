"""Batch assignment (R-F2 for a whole batch): propose researchers to needs maximising total fit.

Each need wants ``demand`` experts (usually 1); each researcher can take ``capacity`` more
appointments (default 1 minus what they already hold or were proposed for). A greedy pass would
give the strongest researcher to whichever need comes first; instead this is a bipartite
b-matching solved exactly as an integer program (SciPy's HiGHS), so one strong researcher is not
proposed to every need while a slightly weaker one stays idle. Alternates follow per need.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


@dataclass
class NeedAssignment:
    need_id: Hashable
    proposed: list[tuple[Hashable, float]] = field(default_factory=list)  # (researcher, fit), best first
    alternates: list[tuple[Hashable, float]] = field(default_factory=list)


def assign(
    fit: Mapping[Hashable, Mapping[Hashable, float]],
    demand: Mapping[Hashable, int],
    capacity: Mapping[Hashable, int],
    *,
    alternates: int = 3,
) -> dict[Hashable, NeedAssignment]:
    """``fit[need][researcher]`` lists only eligible pairs (hard rules already applied)."""
    pairs = [(n, r, float(s)) for n, row in fit.items() for r, s in row.items() if capacity.get(r, 1) > 0 and s > 0]
    result = {n: NeedAssignment(n) for n in fit}
    if pairs:
        needs = {n: i for i, n in enumerate(fit)}
        researchers = {r: i for i, r in enumerate(sorted({r for _, r, _ in pairs}, key=str))}
        k = len(pairs)
        rows = [needs[n] for n, _, _ in pairs] + [len(needs) + researchers[r] for _, r, _ in pairs]
        a = coo_matrix((np.ones(2 * k), (rows, list(range(k)) * 2)), shape=(len(needs) + len(researchers), k))
        upper = [demand.get(n, 1) for n in needs] + [capacity.get(r, 1) for r in researchers]
        solution = milp(
            c=-np.array([s for _, _, s in pairs]),  # maximise total fit
            constraints=LinearConstraint(a.tocsr(), -np.inf, np.array(upper, dtype=float)),
            integrality=np.ones(k),
            bounds=Bounds(0, 1),
        )
        if not solution.success:  # pragma: no cover - the problem is always feasible (x = 0)
            raise RuntimeError(f"assignment solver failed: {solution.message}")
        for (n, r, s), x in zip(pairs, solution.x, strict=True):
            if x > 0.5:
                result[n].proposed.append((r, s))
    for n, assignment in result.items():
        assignment.proposed.sort(key=lambda p: -p[1])
        taken = {r for r, _ in assignment.proposed}
        others = sorted(
            ((r, s) for r, s in fit[n].items() if r not in taken and s > 0 and capacity.get(r, 1) > 0),
            key=lambda p: -p[1],
        )
        assignment.alternates = others[:alternates]
    return result

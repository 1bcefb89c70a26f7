r"""Facility location on a coverage matrix: where the next stations should go.

The models follow PySAL spopt's shape — built from a coverage matrix, ``solve()``
returns a result with the selected sites and the coverage share — but are solved
without building a PuLP model row by row, which is what makes spopt slow on city-sized
instances (see ``bench/bench_planning.py``).

Notation: demand points :math:`i` with weights :math:`w_i`; candidate sites :math:`j`;
:math:`a_{ij} = 1` when site :math:`j` reaches point :math:`i`; points already reached
by existing stations are dropped first (their weight is the *base*).

**Maximal covering** (Church & ReVelle 1974) — choose :math:`p` sites:

.. math:: \max \sum_i w_i y_i \quad\text{s.t.}\quad y_i \le \sum_j a_{ij} x_j,\;
          \sum_j x_j = p,\; x_j \in \{0, 1\},\; 0 \le y_i \le 1.

*greedy* adds the site of largest marginal gain :math:`g_j = \sum_i w_i a_{ij}[i
\text{ uncovered}]` (a :math:`1 - 1/e` guarantee, since coverage is submodular), then
improves by *swaps*: a selected site is dropped and the best site for what it leaves is
added when that gains more than it loses, until no swap helps. Then ``restarts`` rounds
of iterated local search (a seeded tenth of the sites dropped, refilled, swapped again)
keep whatever covers more. Each gain vector is one
sparse product :math:`A^\top v`. *exact* solves the integer programme with HiGHS
(``scipy.optimize.milp``) after merging points with identical coverage sets; given a
time limit it returns the best solution found and HiGHS's proven bound, so the gap to
the optimum is known.

**Set covering (partial)** — the fewest sites that bring the covered share to a
target :math:`\tau`:

.. math:: \min \sum_j x_j \quad\text{s.t.}\quad \sum_i w_i y_i \ge \tau W - B,\;
          y_i \le \sum_j a_{ij} x_j.

A worked example: four points of weight 4, 3, 2, 1 and three candidates; site 0 reaches
points 0 and 3, site 1 points 1 and 2, site 2 points 0 and 1.

>>> import numpy as np
>>> from scipy.sparse import csr_matrix
>>> a = csr_matrix(np.array([[1, 0, 1], [0, 1, 1], [0, 1, 0], [1, 0, 0]]))
>>> w = np.array([4.0, 3.0, 2.0, 1.0])
>>> # p = 1: site 2 covers 4 + 3 = 7 of 10, more than site 0 (5) or site 1 (5).
>>> r = MaximalCovering.from_matrix(a, w).solve(1)
>>> r.selected.tolist(), r.covered_share
([2], 0.7)
>>> # p = 2: greedy takes site 2 then site 1 (+2) = 9, but sites 0 and 1 cover all 10.
>>> r = MaximalCovering.from_matrix(a, w).solve(2, method="exact")
>>> sorted(r.selected.tolist()), r.covered_share, r.optimal
([0, 1], 1.0, True)
>>> MaximalCovering.from_matrix(a, w).solve(2, method="greedy").covered_share  # swaps find it too
1.0
>>> SetCovering.from_matrix(a, w).solve(0.9, method="exact").selected.size
2
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Self

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity

FloatArray = NDArray[np.float64]
Method = Literal["greedy", "exact", "auto"]
#: "auto" solves exactly when the merged problem has at most this many nonzeros (HiGHS
#: proves such instances in about a second); larger ones are solved greedily and, with
#: ``bound=True``, bounded by the linear relaxation.
EXACT_MAX_NNZ = 20_000


@dataclass(frozen=True)
class SitingResult:
    """Selected candidates in order of their marginal gain, and what they achieve."""

    selected: NDArray[np.intp]
    gains: FloatArray  # weight each newly covers, taken in that order
    covered_weight: float  # base + new
    base_weight: float
    total_weight: float
    method: str
    optimal: bool
    upper_bound_weight: float | None = None
    seconds: float = 0.0

    @property
    def covered_share(self) -> float:
        return round(self.covered_weight / self.total_weight, 12) if self.total_weight else 0.0

    @property
    def base_share(self) -> float:
        return self.base_weight / self.total_weight if self.total_weight else 0.0

    @property
    def gap_pp(self) -> float | None:
        """Percentage points between the proven bound and this solution (None: unknown)."""
        if self.upper_bound_weight is None or not self.total_weight:
            return None
        return max(0.0, 100.0 * (self.upper_bound_weight - self.covered_weight) / self.total_weight)


def _prepare(
    a: csr_matrix,
    weights: FloatArray,
    covered_already: NDArray[np.bool_] | None,
    base_weight: float = 0.0,
    total_weight: float | None = None,
) -> tuple[csr_matrix, FloatArray, float, float]:
    w = np.asarray(weights, dtype=np.float64)
    if a.shape[0] != len(w):
        raise ValueError("the coverage matrix needs one row per demand point")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    total = float(w.sum()) + base_weight if total_weight is None else float(total_weight)
    base = base_weight
    if covered_already is not None:
        done = np.asarray(covered_already, dtype=bool)
        base += float(w[done].sum())
        w = np.where(done, 0.0, w)
    a = csr_matrix(a, dtype=np.float64)
    a.data[:] = 1.0
    return a, w, base, total


def _order(at: csr_matrix, w: FloatArray, chosen: list[int]) -> tuple[list[int], list[float]]:
    """The chosen sites re-ordered greedily, with each one's marginal gain."""
    left = list(chosen)
    v = w.copy()
    order, gains = [], []
    while left:
        g = at[left] @ v
        k = int(np.argmax(g))
        j = left.pop(k)
        order.append(j)
        gains.append(float(g[k]))
        v[at[j].indices] = 0.0
    return order, gains


@dataclass(frozen=True)
class _CoverageModel:
    """A coverage matrix (points × candidates) with what each point could still gain."""

    a: csr_matrix
    weights: FloatArray
    base_weight: float
    total_weight: float

    @classmethod
    def from_matrix(
        cls,
        a: csr_matrix,
        weights: FloatArray,
        covered_already: NDArray[np.bool_] | None = None,
        *,
        base_weight: float = 0.0,
        total_weight: float | None = None,
    ) -> Self:
        """``weights`` is what each point could still gain; ``base_weight`` is demand
        already covered elsewhere and ``total_weight`` all demand (for the shares)."""
        m, w, base, total = _prepare(a, weights, covered_already, base_weight, total_weight)
        return cls(m, w, base, total)

    @cached_property
    def _merged(self) -> tuple[csr_matrix, FloatArray]:
        return _merged(self.a, self.weights)

    def _method(self, method: Method) -> Method:
        if method != "auto":
            return method
        return "exact" if self._merged[0].nnz <= EXACT_MAX_NNZ else "greedy"

    def _result(
        self,
        at: csr_matrix,
        chosen: list[int],
        *,
        method: str,
        optimal: bool,
        upper: float | None,
        started: float,
        bounded_by_optimum: bool = False,
    ) -> SitingResult:
        """``bounded_by_optimum``: a proven optimum is its own upper bound (the covering
        model's; a set covering's bound is not a covered weight)."""
        order, gains = _order(at, self.weights, chosen)
        new = float(sum(gains))
        if optimal and bounded_by_optimum:
            upper = new
        return SitingResult(
            selected=np.array(order, dtype=np.intp),
            gains=np.array(gains),
            covered_weight=self.base_weight + new,
            base_weight=self.base_weight,
            total_weight=self.total_weight,
            method=method,
            optimal=optimal,
            upper_bound_weight=None if upper is None else self.base_weight + upper,
            seconds=time.perf_counter() - started,
        )


@dataclass(frozen=True)
class MaximalCovering(_CoverageModel):
    """Maximal covering location problem on a coverage matrix (points × candidates)."""

    def solve(
        self,
        p: int,
        *,
        method: Method = "auto",
        time_limit_s: float = 60.0,
        max_swap_passes: int = 20,
        restarts: int = 20,
        seed: int = 0,
        bound: bool = False,
    ) -> SitingResult:
        """``bound=True`` (greedy) also solves the linear relaxation, whose optimum is a
        proven upper bound: the result then says how far from the optimum it can be."""
        started = time.perf_counter()
        p = int(min(max(p, 0), self.a.shape[1]))
        method = self._method(method)
        at = self.a.T.tocsr()
        chosen = _greedy(at, self.weights, p, max_swap_passes, restarts, seed)
        upper: float | None = None
        optimal = False
        if method == "greedy" and bound and p:
            upper = _mclp_lp_bound(*self._merged, p)
        if method == "exact" and p:
            x, upper, optimal = _mclp_milp(*self._merged, p, time_limit_s)
            if x is not None and _value(at, self.weights, x) >= _value(at, self.weights, chosen):
                chosen = x
        return self._result(
            at,
            chosen,
            method=method,
            optimal=optimal,
            upper=upper,
            started=started,
            bounded_by_optimum=True,
        )


def _value(at: csr_matrix, w: FloatArray, chosen: list[int]) -> float:
    if not chosen:
        return 0.0
    hit = np.zeros(len(w), dtype=bool)
    hit[at[chosen].indices] = True
    return float(w[hit].sum())


def _greedy(
    at: csr_matrix, w: FloatArray, p: int, max_passes: int, restarts: int = 0, seed: int = 0
) -> list[int]:
    """Greedy with swaps, then ``restarts`` rounds of iterated local search: drop a
    tenth of the best set at random (seeded: the same answer every run), refill
    greedily, swap to a local optimum, keep it when it covers more."""
    best = _fill_and_swap(at, w, p, [], max_passes)
    value = _value(at, w, best)
    rng = np.random.default_rng(seed)
    for _ in range(restarts if len(best) > 1 else 0):
        drop = set(rng.choice(len(best), max(1, len(best) // 10), replace=False).tolist())
        kept = [j for i, j in enumerate(best) if i not in drop]
        trial = _fill_and_swap(at, w, p, kept, max_passes)
        v = _value(at, w, trial)
        if v > value * (1 + 1e-12):
            best, value = trial, v
    return best


def _fill_and_swap(
    at: csr_matrix, w: FloatArray, p: int, start: list[int], max_passes: int
) -> list[int]:
    n = len(w)
    count = np.zeros(n, dtype=np.int32)
    chosen: list[int] = list(start)
    taken = np.zeros(at.shape[0], dtype=bool)
    for j in chosen:
        taken[j] = True
        count[at[j].indices] += 1
    while len(chosen) < p:
        g = at @ np.where(count == 0, w, 0.0)
        g[taken] = -1.0
        j = int(np.argmax(g))
        if g[j] <= 0:
            # nothing more to gain: fill with the unused candidates of most demand
            rest = np.flatnonzero(~taken)
            order = rest[np.argsort(-(at[rest] @ w), kind="stable")]
            for k in order[: p - len(chosen)]:
                chosen.append(int(k))
                taken[k] = True
            break
        chosen.append(j)
        taken[j] = True
        count[at[j].indices] += 1
    # swaps: drop a site, add the best for what it leaves, keep when it gains
    for _ in range(max_passes):
        improved = False
        for pos in range(len(chosen)):
            s = chosen[pos]
            rows = at[s].indices
            loss = float(w[rows][count[rows] == 1].sum())
            count[rows] -= 1
            g = at @ np.where(count == 0, w, 0.0)
            g[taken] = -1.0
            c = int(np.argmax(g))
            if g[c] > loss * (1 + 1e-9) + 1e-12:
                chosen[pos] = c
                taken[s], taken[c] = False, True
                count[at[c].indices] += 1
                improved = True
            else:
                count[rows] += 1
        if not improved:
            break
    return chosen


def _merged(a: csr_matrix, w: FloatArray) -> tuple[csr_matrix, FloatArray]:
    """Points with weight and a coverage set, those with identical sets merged."""
    keep = (w > 0) & (np.diff(a.indptr) > 0)
    sub = a[np.flatnonzero(keep)]
    sub.sort_indices()
    keys: dict[bytes, int] = {}
    rows: list[int] = []
    merged_w: list[float] = []
    ww = w[keep]
    for i in range(sub.shape[0]):
        key = sub.indices[sub.indptr[i] : sub.indptr[i + 1]].tobytes()
        k = keys.get(key)
        if k is None:
            keys[key] = len(rows)
            rows.append(i)
            merged_w.append(float(ww[i]))
        else:
            merged_w[k] += float(ww[i])
    return sub[rows] if rows else sub[:0], np.array(merged_w)


def _link(m: csr_matrix) -> tuple[csr_matrix, NDArray[np.float64]]:
    """Variables ``[x (candidates), y (points)]``: the rows :math:`y_i - \\sum_j a_{ij}
    x_j \\le 0` and the integrality flags (x integer, y continuous)."""
    n, c = m.shape
    link = hstack([-m, identity(n, format="csr")], format="csr")
    return link, np.concatenate([np.ones(c), np.zeros(n)])


def _mclp_lp_bound(m: csr_matrix, mw: FloatArray, p: int) -> float | None:
    """The linear relaxation's optimum (HiGHS): no set of p sites covers more."""
    from scipy.optimize import linprog

    n, c = m.shape
    if n == 0:
        return 0.0
    link, is_site = _link(m)
    res = linprog(
        np.concatenate([np.zeros(c), -mw]),
        A_ub=link,
        b_ub=np.zeros(n),
        A_eq=csr_matrix(is_site[None, :]),
        b_eq=[p],
        bounds=(0, 1),
        method="highs",
    )
    return float(-res.fun) if res.status == 0 else None


def _mclp_milp(
    m: csr_matrix, mw: FloatArray, p: int, time_limit_s: float
) -> tuple[list[int] | None, float | None, bool]:
    n, c = m.shape
    if n == 0:
        return None, 0.0, True
    link, is_site = _link(m)
    res = milp(
        np.concatenate([np.zeros(c), -mw]),
        integrality=is_site,
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(csr_matrix(is_site[None, :]), p, p),
        ],
        options={"time_limit": time_limit_s, "mip_rel_gap": 1e-9, "disp": False},
    )
    bound = getattr(res, "mip_dual_bound", None)
    upper = None if bound is None or not np.isfinite(bound) else float(-bound)
    if res.x is None:
        return None, upper, False
    chosen = [int(j) for j in np.flatnonzero(res.x[:c] > 0.5)]
    return chosen, upper, bool(res.status == 0)


@dataclass(frozen=True)
class SetCovering(_CoverageModel):
    """The fewest candidates that bring the covered share to a target."""

    def solve(
        self, target_share: float, *, method: Method = "auto", time_limit_s: float = 60.0
    ) -> SitingResult:
        """Raises ValueError when even every candidate cannot reach the target."""
        started = time.perf_counter()
        need = target_share * self.total_weight - self.base_weight
        at = self.a.T.tocsr()
        reachable = _value(at, self.weights, list(range(at.shape[0])))
        if need > reachable + 1e-9 * max(self.total_weight, 1.0):
            best = (self.base_weight + reachable) / self.total_weight if self.total_weight else 0
            raise ValueError(
                f"target {target_share:.1%} cannot be reached: all candidates give {best:.1%}"
            )
        method = self._method(method)
        chosen: list[int] = []
        v = self.weights.copy()
        got = 0.0
        tolerance = 1e-9 * max(self.total_weight, 1.0)
        while got < need - tolerance:
            g = at @ v
            j = int(np.argmax(g))
            if g[j] <= 0:
                break  # what is left is rounding: every reachable point is covered
            chosen.append(j)
            got += float(g[j])
            v[at[j].indices] = 0.0
        optimal = need <= 0
        if method == "exact" and need > 0:
            x, optimal = _scp_milp(*self._merged, need, time_limit_s)
            if x is not None and len(x) <= len(chosen):
                chosen = x
        return self._result(
            at, chosen, method=method, optimal=bool(optimal), upper=None, started=started
        )


def _scp_milp(
    m: csr_matrix, mw: FloatArray, need: float, time_limit_s: float
) -> tuple[list[int] | None, bool]:
    n, c = m.shape
    link, is_site = _link(m)
    res = milp(
        is_site,  # minimise the number of sites
        integrality=is_site,
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(
                csr_matrix(np.concatenate([np.zeros(c), mw])[None, :]), need - 1e-9, np.inf
            ),
        ],
        options={"time_limit": time_limit_s, "disp": False},
    )
    if res.x is None:
        return None, False
    return [int(j) for j in np.flatnonzero(res.x[:c] > 0.5)], bool(res.status == 0)


def marginal_loss(a: csr_matrix, weights: FloatArray) -> FloatArray:
    r"""For each existing site, the demand that only it reaches — what closing it loses:
    :math:`\ell_j = \sum_i w_i a_{ij} [\sum_k a_{ik} = 1]`.

    >>> a = csr_matrix(np.array([[1, 1], [0, 1], [1, 0]]))
    >>> marginal_loss(a, np.array([5.0, 2.0, 1.0])).tolist()
    [1.0, 2.0]
    """
    m = csr_matrix(a, dtype=np.float64)
    m.data[:] = 1.0
    only = np.asarray(m.sum(axis=1)).ravel() == 1
    out: FloatArray = m.T @ np.where(only, np.asarray(weights, dtype=np.float64), 0.0)
    return out

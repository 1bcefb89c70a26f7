"""Facility location on instances small enough to solve by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from geoplan.location import MaximalCovering, SetCovering, marginal_loss

DATA = Path(__file__).parent / "data"


def instance() -> tuple[csr_matrix, np.ndarray]:
    """Six demand points on a line (weights in the CSV) and four candidates; the
    coverage sets and the optimum for each p are worked out in the file's comments."""
    rows = list(
        csv.DictReader(line for line in (DATA / "line6.csv").open() if not line.startswith("#"))
    )
    a = csr_matrix(np.array([[int(r[f"c{j}"]) for j in range(4)] for r in rows]))
    return a, np.array([float(r["weight"]) for r in rows])


@pytest.mark.parametrize(
    ("p", "share", "sites"), [(1, 0.5, [1]), (2, 0.9, [1, 3]), (3, 1.0, [0, 1, 3])]
)
def test_maximal_covering_finds_the_hand_worked_optimum(p, share, sites):
    a, w = instance()
    for method in ("greedy", "exact"):
        r = MaximalCovering.from_matrix(a, w).solve(p, method=method)
        assert sorted(r.selected.tolist()) == sites and r.covered_share == pytest.approx(share)
    assert MaximalCovering.from_matrix(a, w).solve(p, method="exact").optimal


def test_existing_stations_are_kept_and_only_new_demand_counts():
    a, w = instance()
    # Points 0 and 1 (weight 1 + 2) are already covered: c1's gain drops to 3, c2 and
    # c3 gain 4 each; the lower index wins the tie.
    done = np.array([True, True, False, False, False, False])
    r = MaximalCovering.from_matrix(a, w, covered_already=done).solve(1, method="greedy")
    assert r.base_share == pytest.approx(0.3) and r.selected.tolist() == [2]
    assert r.covered_share == pytest.approx(0.7)


def test_set_covering_gives_the_fewest_sites_for_a_target_or_says_it_cannot():
    a, w = instance()
    r = SetCovering.from_matrix(a, w).solve(0.75, method="exact")
    assert r.selected.size == 2 and r.covered_share >= 0.75 and r.optimal
    with pytest.raises(ValueError, match="cannot be reached"):
        SetCovering.from_matrix(a[:, :1], w).solve(0.9)


def test_closing_a_site_loses_only_what_no_other_reaches():
    a, w = instance()
    assert marginal_loss(a, w).tolist() == [1.0, 2.0, 0.0, 3.0]


def test_greedy_with_swaps_is_near_the_proven_optimum_on_a_clustered_city():
    rng = np.random.default_rng(3)
    n, c = 600, 120
    centres = rng.uniform(0, 10, (6, 2))
    pts = centres[rng.integers(0, 6, n)] + rng.normal(0, 0.8, (n, 2))
    cand = centres[rng.integers(0, 6, c)] + rng.normal(0, 1.2, (c, 2))
    d = np.linalg.norm(pts[:, None, :] - cand[None, :, :], axis=2)
    a = csr_matrix((d <= 0.7).astype(np.int8))
    w = rng.lognormal(0, 1, n)
    exact = MaximalCovering.from_matrix(a, w).solve(8, method="exact")
    greedy = MaximalCovering.from_matrix(a, w).solve(8, method="greedy", bound=True)
    assert exact.optimal
    assert greedy.covered_share >= exact.covered_share - 0.005
    # The relaxation's bound is above the optimum and says how far greedy can be.
    assert greedy.upper_bound_weight >= exact.covered_weight - 1e-6
    assert greedy.gap_pp is not None and greedy.gap_pp >= 0

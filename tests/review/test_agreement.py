"""Inter-coder reliability: every expected value below is computed by hand in the comment."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from kwaliteitscan.review.agreement import (
    Agreement,
    agreement,
    by_group,
    coincidences,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)


def approx(x):
    return pytest.approx(float(x), abs=1e-12)


def table(cells: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """Expand a contingency table {(a, b): count} into pairs."""
    return [pair for pair, count in cells.items() for _ in range(count)]


# (1) 2x2 kappa, 50 units.
#   both yes 20, both no 15, A yes/B no 5, A no/B yes 10      N = 50
#   p_o = (20 + 15) / 50 = 35/50 = 0.70
#   A: yes 20+5 = 25, no 15+10 = 25;  B: yes 20+10 = 30, no 15+5 = 20
#   p_e = (25*30 + 25*20) / 50^2 = (750 + 500) / 2500 = 0.50
#   kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
# alpha (pairs as 2-coder units, m_u = 2, weight 1/(m_u-1) = 1, each unit adds o_ab and o_ba):
#   o_yy = 2*20 = 40, o_nn = 2*15 = 30, o_yn = o_ny = 5 + 10 = 15
#   n_y = 40 + 15 = 55, n_n = 30 + 15 = 45, n = 100
#   D_o = (15 + 15) / 100 = 0.3;  D_e = 2*55*45 / (100*99) = 4950/9900 = 0.5
#   alpha = 1 - 0.3/0.5 = 0.4
TWO_BY_TWO = table({("yes", "yes"): 20, ("no", "no"): 15, ("yes", "no"): 5, ("no", "yes"): 10})


def test_kappa_2x2():
    assert percent_agreement(TWO_BY_TWO) == approx(F(7, 10))
    assert cohen_kappa(TWO_BY_TWO) == approx(F(2, 5))
    assert krippendorff_alpha(TWO_BY_TWO) == approx(F(2, 5))
    assert agreement(TWO_BY_TWO) == Agreement(n=50, percent=0.7, kappa=approx(0.4), alpha=approx(0.4))


# (2) 3 categories, N = 30.          B: a   b   c  | A total
#                               A: a   10   2   0  |  12
#                                  b    1   6   3  |  10
#                                  c    1   1   6  |   8
#                             B total  12   9   9  |  30
#   p_o = (10 + 6 + 6) / 30 = 22/30 = 11/15
#   p_e = (12*12 + 10*9 + 8*9) / 900 = (144 + 90 + 72) / 900 = 306/900 = 17/50
#   kappa = (11/15 - 17/50) / (1 - 17/50) = (110/150 - 51/150) / (33/50)
#         = (59/150) * (50/33) = 59/99 = 0.59596...
THREE_CATEGORIES = table({
    ("a", "a"): 10, ("a", "b"): 2, ("a", "c"): 0,
    ("b", "a"): 1, ("b", "b"): 6, ("b", "c"): 3,
    ("c", "a"): 1, ("c", "b"): 1, ("c", "c"): 6,
})


def test_kappa_three_categories():
    assert len(THREE_CATEGORIES) == 30
    assert percent_agreement(THREE_CATEGORIES) == approx(F(11, 15))
    assert cohen_kappa(THREE_CATEGORIES) == approx(F(59, 99))


# (3) Perfect agreement with more than one category: p_o = 1, p_e < 1 -> kappa = (1-p_e)/(1-p_e) = 1;
#   no off-diagonal coincidences -> D_o = 0, D_e > 0 -> alpha = 1.
def test_perfect_agreement():
    pairs = [("a", "a"), ("b", "b"), ("c", "c"), ("a", "a")]
    assert agreement(pairs) == Agreement(n=4, percent=1.0, kappa=1.0, alpha=1.0)


# Undefined: both coders used only "x". p_e = (5*5)/25 = 1 -> kappa = 0/0 -> None;
#   only one category in the coincidence matrix -> D_e = 0 -> alpha None. Percent is still 1.
#   No pairs at all: everything None, n = 0.
def test_undefined_cases():
    assert agreement([("x", "x")] * 5) == Agreement(n=5, percent=1.0, kappa=None, alpha=None)
    assert agreement([]) == Agreement(n=0, percent=None, kappa=None, alpha=None)
    # fewer than 2 pairable values: each unit has only one value -> nothing pairable
    assert krippendorff_alpha([["a", None], [None, "b"], [None, None]]) is None
    assert krippendorff_alpha([]) is None


def test_none_inside_a_pair_is_rejected():
    with pytest.raises(ValueError):
        cohen_kappa([("a", None)])


# (4a) 3 coders with missing data, categories a, b, c.
#   unit  A     B     C     m_u  ordered pairs (weight 1/(m_u-1))
#   u1    a     a     a     3    (a,a) x6, weight 1/2      -> o_aa += 3
#   u2    a     b     -     2    (a,b), (b,a), weight 1    -> o_ab += 1, o_ba += 1
#   u3    b     b     -     2    (b,b) x2, weight 1        -> o_bb += 2
#   u4    -     c     c     2    (c,c) x2, weight 1        -> o_cc += 2
#   u5    c     -     -     1    not pairable, skipped
#   u6    b     b     a     3    (b,b) x2, (b,a) x2, (a,b) x2, weight 1/2
#                                                        -> o_bb += 1, o_ab += 1, o_ba += 1
#   o_aa = 3, o_ab = o_ba = 2, o_bb = 3, o_cc = 2
#   n_a = 3 + 2 = 5, n_b = 2 + 3 = 5, n_c = 2, n = 12
#   D_o = (o_ab + o_ba) / n = 4/12 = 1/3
#   D_e = (n^2 - sum n_c^2) / (n(n-1)) = (144 - 25 - 25 - 4) / 132 = 90/132 = 15/22
#   alpha = 1 - (1/3) / (15/22) = 1 - 22/45 = 23/45 = 0.5111...
THREE_CODERS = [
    ("a", "a", "a"),
    ("a", "b", None),
    ("b", "b", None),
    (None, "c", "c"),
    ("c", None, None),
    ("b", "b", "a"),
]


def test_alpha_three_coders_missing_data():
    o = coincidences(THREE_CODERS)
    assert dict(o) == {("a", "a"): 3, ("a", "b"): 2, ("b", "a"): 2, ("b", "b"): 3, ("c", "c"): 2}
    assert krippendorff_alpha(THREE_CODERS) == approx(F(23, 45))


# (4b) Cross-check: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C,
#   4 observers x 12 units, nominal, published alpha = 0.743.
#   unit:  1  2  3  4  5  6  7  8  9  10 11 12
#   A      1  2  3  3  2  1  4  1  2  -  -  -
#   B      1  2  3  3  2  2  4  1  2  5  -  3
#   C      -  3  3  3  2  3  4  2  2  5  1  -
#   D      1  2  3  3  2  4  4  1  2  5  1  -
#   u1 (1,1,1) m=3: o11 += 6/2 = 3        u2 (2,2,3,2) m=4: o22 += 6/3 = 2, o23 = o32 += 3/3 = 1
#   u3, u4 (3,3,3,3): o33 += 12/3 = 4 each   u5, u9 (2,2,2,2): o22 += 4 each   u7: o44 += 4
#   u6 (1,2,3,4): every ordered c != k once, o_ck += 1/3
#   u8 (1,1,2,1): o11 += 2, o12 = o21 += 1    u10 (5,5,5): o55 += 3    u11 (1,1) m=2: o11 += 2
#   u12: one value, not pairable
#   o11 = 3+2+2 = 7, o22 = 2+4+4 = 10, o33 = 8, o44 = 4, o55 = 3           (diagonal sum 32)
#   o12 = o21 = 4/3, o23 = o32 = 4/3, o13 = o14 = o24 = o34 = 1/3 (and mirrored)
#   off-diagonal sum = 2 * (4/3 + 4/3 + 4 * 1/3) = 8;  n = 32 + 8 = 40
#   n_1 = 7 + 4/3 + 1/3 + 1/3 = 9, n_2 = 10 + 4/3 + 4/3 + 1/3 = 13, n_3 = 8 + 4/3 + 2/3 = 10,
#   n_4 = 4 + 1 = 5, n_5 = 3   (paper: 9, 13, 10, 5, 3; n = 40)
#   sum_{c!=k} n_c n_k = 40^2 - (81 + 169 + 100 + 25 + 9) = 1600 - 384 = 1216
#   alpha = 1 - D_o/D_e = 1 - (n-1) * 8 / 1216 = 1 - 312/1216 = 904/1216 = 113/152 = 0.74342
KRIPPENDORFF_2011 = [
    (1, 1, None, 1), (2, 2, 3, 2), (3, 3, 3, 3), (3, 3, 3, 3), (2, 2, 2, 2), (1, 2, 3, 4),
    (4, 4, 4, 4), (1, 1, 2, 1), (2, 2, 2, 2), (None, 5, 5, 5), (None, None, 1, 1), (None, 3, None, None),
]


def test_alpha_krippendorff_2011_example():
    o = coincidences(KRIPPENDORFF_2011)
    n_c = {c: sum(w for (r, _), w in o.items() if r == c) for c in range(1, 6)}
    assert n_c == {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}
    assert o[1, 2] == F(4, 3) and o[1, 3] == F(1, 3) and o[1, 1] == 7
    assert krippendorff_alpha(KRIPPENDORFF_2011) == approx(F(113, 152))
    assert round(krippendorff_alpha(KRIPPENDORFF_2011), 3) == 0.743


# (5) 2 coders, no missing data, 10 units: (a,a) x4, (b,b) x3, (a,b) x2, (b,a) x1.
#   Scott's pi: pooled n_a = 2*4 + 2 + 1 = 11, n_b = 2*3 + 2 + 1 = 9, n = 2N = 20
#     p_o = 7/10, p_e = (11/20)^2 + (9/20)^2 = (121 + 81)/400 = 101/200
#     pi = (7/10 - 101/200) / (1 - 101/200) = (140 - 101)/99 = 39/99 = 13/33
#   alpha via coincidences: o_ab = o_ba = 2 + 1 = 3
#     D_o = 6/20 = 3/10, D_e = 2*11*9 / (20*19) = 198/380 = 99/190
#     alpha = 1 - (3/10)(190/99) = 1 - 57/99 = 14/33 = 0.4242...
#   relation: 1 - alpha = (n-1)/n * (1 - pi)  ->  1 - (19/20)(20/33) = 14/33; alpha -> pi as n grows.
#   kappa: A a=6, b=4; B a=5, b=5; p_e = (30 + 20)/100 = 1/2; kappa = (7/10 - 1/2)/(1/2) = 2/5
SMALL = table({("a", "a"): 4, ("b", "b"): 3, ("a", "b"): 2, ("b", "a"): 1})


def test_alpha_two_coders_vs_scotts_pi():
    pi = F(13, 33)
    n = 20
    assert krippendorff_alpha(SMALL) == approx(F(14, 33))
    assert krippendorff_alpha(SMALL) == approx(1 - F(n - 1, n) * (1 - pi))
    assert cohen_kappa(SMALL) == approx(F(2, 5))


# (6) by_group.
#   g1: (yes,yes), (no,no), (yes,no), (no,no)   N = 4
#     p_o = 3/4; A yes 2, no 2; B yes 1, no 3; p_e = (2*1 + 2*3)/16 = 1/2; kappa = (1/4)/(1/2) = 1/2
#     alpha: n_yes = 3, n_no = 5, n = 8, o_yn = o_ny = 1; D_o = 2/8 = 1/4;
#            D_e = 2*3*5/(8*7) = 15/28; alpha = 1 - (1/4)(28/15) = 1 - 7/15 = 8/15
#   g2: (yes,yes) x2: p_o = 1, kappa None (p_e = 1), alpha None (D_e = 0)
#   overall (6 rows): (yes,yes) x3, (no,no) x2, (yes,no) x1
#     p_o = 5/6; A yes 4, no 2; B yes 3, no 3; p_e = (12 + 6)/36 = 1/2; kappa = (1/3)/(1/2) = 2/3
#     alpha: n_yes = 7, n_no = 5, n = 12; D_o = 2/12 = 1/6; D_e = 2*7*5/(12*11) = 35/66;
#            alpha = 1 - (1/6)(66/35) = 1 - 11/35 = 24/35
def test_by_group_and_overall_key():
    rows = [
        ("g1", "yes", "yes"), ("g2", "yes", "yes"), ("g1", "no", "no"),
        ("g1", "yes", "no"), ("g2", "yes", "yes"), ("g1", "no", "no"),
    ]
    result = by_group(rows)
    assert list(result) == ["g1", "g2", "overall"]
    assert result["g1"] == Agreement(n=4, percent=0.75, kappa=approx(0.5), alpha=approx(F(8, 15)))
    assert result["g2"] == Agreement(n=2, percent=1.0, kappa=None, alpha=None)
    assert result["overall"] == Agreement(n=6, percent=approx(F(5, 6)), kappa=approx(F(2, 3)), alpha=approx(F(24, 35)))


def test_by_group_empty_and_reserved_name():
    assert by_group([]) == {"overall": Agreement(n=0, percent=None, kappa=None, alpha=None)}
    with pytest.raises(ValueError):
        by_group([("overall", "a", "a")])


# (7) Systematic disagreement: (yes,no) x5, (no,yes) x5, N = 10.
#   p_o = 0; A yes 5, no 5; B yes 5, no 5; p_e = (25 + 25)/100 = 1/2; kappa = (0 - 1/2)/(1/2) = -1
#   alpha: o_yn = o_ny = 10, n_yes = n_no = 10, n = 20; D_o = 20/20 = 1;
#          D_e = 2*10*10/(20*19) = 10/19; alpha = 1 - 19/10 = -9/10
def test_systematic_disagreement_is_negative():
    pairs = table({("yes", "no"): 5, ("no", "yes"): 5})
    assert percent_agreement(pairs) == 0.0
    assert cohen_kappa(pairs) == approx(-1)
    assert krippendorff_alpha(pairs) == approx(F(-9, 10))

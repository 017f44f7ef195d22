"""Exam statistics on a data set small enough to work out by hand."""

import math
import statistics
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from lms.exams.statistics import (
    AttemptScores,
    HistogramBin,
    exam_statistics,
    histogram,
    histogram_svg,
)

SVG = "{http://www.w3.org/2000/svg}"

# Five attempts on an exam of q1 (1 point), q2 (1), q3 (2) and q4 (1): 5 points. q5 (1 point)
# is in the bank but no attempt drew it.
MAX_POINTS = {"q1": 1, "q2": 1, "q3": 2, "q4": 1, "q5": 1}
ITEMS = {
    "A": {"q1": 1, "q2": 1, "q3": 2, "q4": 1},  # 5 -> 100 %
    "B": {"q1": 1, "q2": 0, "q3": 2, "q4": 1},  # 4 -> 80 %
    "C": {"q1": 1, "q2": 1, "q3": 1, "q4": 1},  # 4 -> 80 %
    "D": {"q1": 0, "q2": 0, "q3": 0, "q4": 1},  # 1 -> 20 %
    "E": {"q1": 1, "q2": 0, "q3": 0, "q4": 1},  # 2 -> 40 %
}


def attempts():
    return [
        AttemptScores(
            Decimal(sum(items.values())), Decimal(5), {k: Decimal(v) for k, v in items.items()}
        )
        for items in ITEMS.values()
    ]


@pytest.fixture
def stats():
    return exam_statistics(attempts(), MAX_POINTS, pass_mark=80)


def item(stats, key):
    return next(i for i in stats.items if i.key == key)


def test_summary(stats):
    assert stats.count == 5
    assert stats.mean == pytest.approx(16 / 5)
    assert stats.median == 4
    assert stats.mean_percent == pytest.approx(64)
    assert stats.median_percent == pytest.approx(80)
    assert stats.pass_rate == pytest.approx(3 / 5)  # the pass mark itself passes
    assert exam_statistics(attempts(), MAX_POINTS, pass_mark=81).pass_rate == pytest.approx(1 / 5)


def test_histogram_counts_percentages_in_tenths(stats):
    assert [b.count for b in stats.histogram] == [0, 0, 1, 0, 1, 0, 0, 0, 2, 1]
    assert (stats.histogram[0].low, stats.histogram[0].high) == (0, 10)
    assert (stats.histogram[-1].low, stats.histogram[-1].high) == (90, 100)
    assert [b.count for b in histogram([0, 9.99, 10, 100, 120, -5], bins=4)] == [4, 0, 0, 2]


def test_facility_index_is_mean_score_over_maximum(stats):
    assert item(stats, "q1").facility == pytest.approx(4 / 5)
    assert item(stats, "q2").facility == pytest.approx(2 / 5)
    assert item(stats, "q3").facility == pytest.approx((5 / 5) / 2)
    assert item(stats, "q4").facility == 1
    assert item(stats, "q3").mean == pytest.approx(1.0)


def test_discrimination_index_worked_by_hand(stats):
    # q1: marks 1,1,1,0,1 (mean .8), rest of test (total - q1) 4,3,3,1,1 (mean 2.4).
    # Deviations .2,.2,.2,-.8,.2 and 1.6,.6,.6,-1.4,-1.4: products sum to 1.4; squares .8 and 7.2.
    # r = 1.4 / sqrt(.8 x 7.2) = 1.4 / 2.4.
    assert item(stats, "q1").discrimination == pytest.approx(100 * 7 / 12)
    # q2: marks 1,0,1,0,0 (mean .4), rest 4,4,3,1,2 (mean 2.8): products sum to 1.4; squares
    # 1.2 and 6.8.
    assert item(stats, "q2").discrimination == pytest.approx(100 * 1.4 / math.sqrt(1.2 * 6.8))
    # q3: marks 2,2,1,0,0 (mean 1), rest 3,2,3,1,2 (mean 2.2): products .8,-.2,0,1.2,.2 = 2;
    # squares 4 and 2.8.
    assert item(stats, "q3").discrimination == pytest.approx(100 * 2 / math.sqrt(4 * 2.8))


def test_discrimination_index_is_pearson_of_item_and_rest_of_test(stats):
    for key in ("q1", "q2", "q3"):
        marks = [items[key] for items in ITEMS.values()]
        rest = [sum(items.values()) - items[key] for items in ITEMS.values()]
        expected = 100 * statistics.correlation(marks, rest)
        assert item(stats, key).discrimination == pytest.approx(expected)


def test_discriminative_efficiency_against_the_best_possible_order(stats):
    # q2: the covariance sum is 1.4 (above); with both lists sorted, marks 0,0,0,1,1 against
    # rest 1,2,3,4,4 give .72 + .32 - .08 + .72 + .72 = 2.4.
    assert item(stats, "q2").discriminative_efficiency == pytest.approx(100 * 1.4 / 2.4)
    # q1's only wrong answer has the lowest rest score: as good as its marks allow.
    assert item(stats, "q1").discriminative_efficiency == pytest.approx(100)


def test_doubtful_questions_are_flagged(stats):
    assert item(stats, "q1").flags == ()
    assert item(stats, "q3").flags == ()
    assert item(stats, "q4").flags == ("too_easy",)  # everyone right
    assert item(stats, "q4").doubtful
    assert not item(stats, "q1").doubtful
    hard = exam_statistics(
        [AttemptScores(s, 3, {"hard": 0, "x": s}) for s in (0, 1, 2, 3)], {"hard": 1}, 50
    )
    assert hard.items[0].flags == ("too_hard",)
    # Knowing more makes this one less likely to be right: negative discrimination.
    backwards = exam_statistics(
        [AttemptScores(s + b, 4, {"b": b, "x": s}) for s, b in ((0, 1), (1, 1), (2, 0), (3, 0))],
        {"b": 1},
        50,
    )
    assert backwards.items[0].discrimination == pytest.approx(
        100 * statistics.correlation([1, 1, 0, 0], [0, 1, 2, 3])
    )
    assert backwards.items[0].flags == ("low_discrimination",)


def test_zero_variance_has_no_discrimination(stats):
    q4 = item(stats, "q4")
    assert q4.discrimination is None
    assert q4.discriminative_efficiency is None
    assert q4.sd == 0


def test_question_nobody_drew_has_no_figures(stats):
    q5 = item(stats, "q5")
    assert (q5.attempts, q5.mean, q5.facility, q5.discrimination, q5.flags) == (
        0,
        None,
        None,
        None,
        (),
    )


def test_one_attempt():
    one = exam_statistics([AttemptScores(3, 4, {"a": 1, "b": 2})], {"a": 1, "b": 2}, 75)
    assert (one.count, one.mean, one.median, one.pass_rate) == (1, 3, 3, 1)
    a = one.items[0]
    assert (a.attempts, a.facility, a.sd, a.discrimination) == (1, 1, None, None)


def test_no_attempts():
    empty = exam_statistics([], {"a": 1}, 60)
    assert (empty.count, empty.mean, empty.median, empty.pass_rate) == (0, None, None, None)
    assert [b.count for b in empty.histogram] == [0] * 10
    assert empty.items[0].attempts == 0


def test_histogram_svg_is_small_accessible_and_self_contained(stats):
    svg = histogram_svg(stats.histogram, "Sebaran nilai <ujian> & hasil", desc="5 peserta")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Sebaran nilai <ujian> & hasil"
    assert root.find(f"{SVG}desc").text == "5 peserta"
    rects = root.iter(f"{SVG}rect")
    heights = [float(r.get("height")) for r in rects]
    assert heights == [56, 56, 112, 56]  # bins 20, 40, 80 (two attempts), 90-100
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels == ["1", "1", "2", "1", "0%", "50%", "100%"]
    lowered = svg.lower()
    for forbidden in ("<script", "style", "font-face", "href", "http://w", "https:"):
        assert forbidden not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_histogram_svg_stays_under_two_kilobytes():
    full = [HistogramBin(i * 10, i * 10 + 10, 100 + i) for i in range(10)]
    assert len(histogram_svg(full, "Distribusi nilai ujian akhir", "x" * 200).encode()) < 2048
    empty = histogram_svg([HistogramBin(i * 10, i * 10 + 10, 0) for i in range(10)], "Kosong")
    assert ET.fromstring(empty).find(f"{SVG}rect") is None

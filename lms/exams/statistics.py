"""Exam statistics over plain numbers: summary, histogram (data and SVG), and item analysis.

The item statistics follow Moodle's quiz statistics report:

- facility index = mean score on the question / the question's maximum (0..1; high is easy);
- discrimination index = 100 x Pearson's correlation between the score on the question and the
  score on the rest of the test (the attempt's total minus this question), over the attempts that
  had the question; None when either has no variance or fewer than two attempts had it;
- discriminative efficiency = 100 x that covariance / the largest covariance the same two sets of
  scores could have (both sorted in the same order); None when that is zero.

No database here: the caller passes the graded attempts (leave out attempts still waiting for an
essay grade) and each question's maximum points.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

Number = int | float | Decimal

#: A question is doubtful below or above these facility indices, or below this discrimination.
TOO_HARD = 0.1
TOO_EASY = 0.9
LOW_DISCRIMINATION = 20.0


@dataclass(frozen=True)
class AttemptScores:
    """One graded attempt: its total, its maximum, and its score on each question it had."""

    score: Number
    max_score: Number
    #: Question key (e.g. the question id) -> points scored on it; a blank answer scores 0.
    items: Mapping[Hashable, Number] = field(default_factory=dict)


@dataclass(frozen=True)
class HistogramBin:
    """Attempts whose percentage lies in [low, high) (the last bin includes 100)."""

    low: int
    high: int
    count: int


@dataclass(frozen=True)
class ItemStatistics:
    key: Hashable
    #: How many attempts had this question.
    attempts: int
    max_points: float
    mean: float | None
    facility: float | None
    sd: float | None
    discrimination: float | None
    discriminative_efficiency: float | None
    #: Why the question is doubtful: "too_hard", "too_easy", "low_discrimination"; empty if fine.
    flags: tuple[str, ...] = ()

    @property
    def doubtful(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class ExamStatistics:
    count: int
    mean: float | None
    median: float | None
    #: Mean and median of the attempts' percentages (score / max_score x 100).
    mean_percent: float | None
    median_percent: float | None
    #: Share of attempts at or above the pass mark (0..1), None without attempts.
    pass_rate: float | None
    histogram: list[HistogramBin]
    items: list[ItemStatistics]


def exam_statistics(
    attempts: Iterable[AttemptScores],
    max_points: Mapping[Hashable, Number],
    pass_mark: Number,
    bins: int = 10,
) -> ExamStatistics:
    """Compute the summary, the histogram and each question's statistics.

    `pass_mark` is a percentage of each attempt's maximum; `max_points` gives every question of
    interest (questions no attempt had are reported with no figures).
    """
    attempts = list(attempts)
    scores = [float(a.score) for a in attempts]
    percents = [percent(a.score, a.max_score) for a in attempts]
    passed = sum(1 for p in percents if p >= float(pass_mark))
    return ExamStatistics(
        count=len(attempts),
        mean=statistics.fmean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        mean_percent=statistics.fmean(percents) if percents else None,
        median_percent=statistics.median(percents) if percents else None,
        pass_rate=passed / len(attempts) if attempts else None,
        histogram=histogram(percents, bins),
        items=[item_statistics(key, attempts, mx) for key, mx in max_points.items()],
    )


def percent(score: Number, max_score: Number) -> float:
    """Score as a percentage of the maximum (0 when the maximum is 0)."""
    return 100 * float(score) / float(max_score) if max_score else 0.0


def histogram(percents: Iterable[float], bins: int = 10) -> list[HistogramBin]:
    """Count percentages (0..100) in `bins` equal bins; out-of-range values are clamped."""
    width = 100 / bins
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p // width)))] += 1
    return [HistogramBin(round(i * width), round((i + 1) * width), n) for i, n in enumerate(counts)]


def item_statistics(
    key: Hashable, attempts: Sequence[AttemptScores], max_points: Number
) -> ItemStatistics:
    """Facility, discrimination and discriminative efficiency of one question."""
    pairs = [
        (float(a.items[key]), float(a.score) - float(a.items[key]))
        for a in attempts
        if key in a.items
    ]
    n, mx = len(pairs), float(max_points)
    if not n:
        return ItemStatistics(key, 0, mx, None, None, None, None, None)
    marks = [m for m, _ in pairs]
    rest = [r for _, r in pairs]
    mean = statistics.fmean(marks)
    facility = mean / mx if mx else None
    sd = discrimination = efficiency = None
    if n > 1:
        sd = statistics.stdev(marks)
        cov = _covariance(marks, rest)
        var_product = statistics.variance(marks) * statistics.variance(rest)
        if var_product > 0:
            discrimination = 100 * cov / math.sqrt(var_product)
        cov_max = _covariance(sorted(marks), sorted(rest))
        if cov_max > 0:
            efficiency = 100 * cov / cov_max
    flags = []
    if facility is not None and facility < TOO_HARD:
        flags.append("too_hard")
    if facility is not None and facility > TOO_EASY:
        flags.append("too_easy")
    if discrimination is not None and discrimination < LOW_DISCRIMINATION:
        flags.append("low_discrimination")
    return ItemStatistics(key, n, mx, mean, facility, sd, discrimination, efficiency, tuple(flags))


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Sample covariance (n - 1), as Moodle computes it."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def histogram_svg(bins: Sequence[HistogramBin], title: str, desc: str = "") -> str:
    """Draw the histogram as a small self-contained SVG (no script, no font, no style sheet).

    `title` (and `desc`) are what a screen reader says; pass translated text. Bars are labelled
    with their counts; the axis shows 0, 50 and 100 %.
    """
    w, h, top, base, left = 320, 150, 14, 126, 16
    slot = (w - 2 * left) / max(1, len(bins))
    peak = max((b.count for b in bins), default=0) or 1
    bars, counts = [], []
    for i, b in enumerate(bins):
        x = left + i * slot
        if b.count:
            height = (base - top) * b.count / peak
            bars.append(
                f'<rect x="{x + 2:.0f}" y="{base - height:.0f}" '
                f'width="{slot - 4:.0f}" height="{height:.0f}"/>'
            )
            counts.append(
                f'<text x="{x + slot / 2:.0f}" y="{base - height - 3:.0f}">{b.count}</text>'
            )
    ticks = "".join(
        f'<text x="{left + (w - 2 * left) * t / 100:.0f}" y="{h - 8}">{t}%</text>'
        for t in (0, 50, 100)
    )
    description = f"<desc>{escape(desc)}</desc>" if desc else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" role="img" '
        f'aria-label="{escape(title)}" class="histogram">'
        f"<title>{escape(title)}</title>{description}"
        f'<path d="M{left} {base}H{w - left}" stroke="#5b6675"/>'
        f'<g fill="#0b5d3b">{"".join(bars)}</g>'
        f'<g font-size="11" text-anchor="middle" fill="#1c2430">{"".join(counts)}{ticks}</g>'
        "</svg>"
    )

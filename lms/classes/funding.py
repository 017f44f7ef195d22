"""Who pays for the city's classes, and what a participant and a training hour (JP) cost.

The figures of a year are those of the classes that start in it.

- participants: members enrolled in the class (those who completed included);
- funding: the sum of the class's funding entries; costs: the sum of its cost items;
- cost per participant: costs / participants;
- cost per JP: costs / participant-JP, where a class's participant-JP are its participants
  times its JP (the hours of training it delivers);
- by funding source, a class with several sources is shared among them in proportion to each
  source's part of the class's funding: a source that pays 75% of a class carries 75% of its
  participants, costs and participant-JP. A class counts once under each of its sources. A class
  with no funding recorded is shown under "no funding recorded", so the rows add up to the total.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select

from lms.classes.forms import source_labels
from lms.classes.models import Cohort, CostItem, Funding, FundingSource, Member, MemberState
from lms.extensions import db

ZERO = Decimal(0)
#: The key of the classes without any funding in the report by source.
UNFUNDED = "none"


@dataclass
class ClassFigures:
    cohort: Cohort
    participants: int
    completed: int
    cost: Decimal
    funding: dict[FundingSource, Decimal] = field(default_factory=dict)

    @property
    def total_funding(self) -> Decimal:
        return sum(self.funding.values(), ZERO)


@dataclass
class Line:
    """One row of a report: a funding source, an institution, or the total."""

    key: object
    label: str
    classes: int = 0
    participants: Decimal = ZERO
    completed: Decimal = ZERO
    participant_jp: Decimal = ZERO
    funding: Decimal = ZERO
    cost: Decimal = ZERO

    def add(self, f: ClassFigures, share: Decimal = Decimal(1), funding: Decimal | None = None):
        self.classes += 1
        self.participants += f.participants * share
        self.completed += f.completed * share
        self.participant_jp += f.participants * f.cohort.jp * share
        self.funding += f.total_funding if funding is None else funding
        self.cost += f.cost * share

    @property
    def per_participant(self) -> Decimal | None:
        return self.cost / self.participants if self.participants else None

    @property
    def per_jp(self) -> Decimal | None:
        return self.cost / self.participant_jp if self.participant_jp else None


@dataclass
class Report:
    year: int
    by_source: list[Line]
    by_institution: list[Line]
    total: Line


def figures(year: int) -> list[ClassFigures]:
    """The figures of each class that starts in `year`."""
    cohorts = db.session.scalars(
        select(Cohort)
        .where(Cohort.starts_on.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(Cohort.starts_on, Cohort.id)
    ).all()
    ids = [c.id for c in cohorts]
    if not ids:
        return []
    people = {
        cid: (n, done)
        for cid, n, done in db.session.execute(
            select(Member.cohort_id, func.count(Member.id), func.count(Member.completed_at))
            .where(Member.cohort_id.in_(ids), Member.state == MemberState.ENROLLED)
            .group_by(Member.cohort_id)
        )
    }
    costs = dict(
        db.session.execute(
            select(CostItem.cohort_id, func.sum(CostItem.amount))
            .where(CostItem.cohort_id.in_(ids))
            .group_by(CostItem.cohort_id)
        ).all()
    )
    funding: dict[int, dict[FundingSource, Decimal]] = {}
    for cid, source, amount in db.session.execute(
        select(Funding.cohort_id, Funding.source, func.sum(Funding.amount))
        .where(Funding.cohort_id.in_(ids))
        .group_by(Funding.cohort_id, Funding.source)
    ):
        funding.setdefault(cid, {})[source] = Decimal(amount)
    return [
        ClassFigures(
            cohort=c,
            participants=people.get(c.id, (0, 0))[0],
            completed=people.get(c.id, (0, 0))[1],
            cost=Decimal(costs.get(c.id) or 0),
            funding=funding.get(c.id, {}),
        )
        for c in cohorts
    ]


def by_source(rows: Iterable[ClassFigures]) -> list[Line]:
    """One line per funding source (in the order of the sources), each carrying its share."""
    labels = source_labels()
    lines = {s: Line(s, str(labels[s])) for s in FundingSource}
    unfunded = Line(UNFUNDED, _("No funding recorded"))
    for f in rows:
        total = f.total_funding
        if not total:
            unfunded.add(f)
            continue
        for source, amount in f.funding.items():
            if amount:
                lines[source].add(f, amount / total, funding=amount)
    return [line for line in [*lines.values(), unfunded] if line.classes]


def by_institution(rows: Iterable[ClassFigures]) -> list[Line]:
    """One line per institution that ran classes, BKPSDM's own classes first."""
    lines: dict[int | None, Line] = {}
    for f in rows:
        inst = f.cohort.institution
        key = inst.id if inst else None
        if key not in lines:
            lines[key] = Line(key, inst.name if inst else "BKPSDM Kota Makassar")
        lines[key].add(f)
    return sorted(lines.values(), key=lambda line: (line.key is not None, line.label))


def report(year: int) -> Report:
    rows = figures(year)
    total = Line("total", _("Total"))
    for f in rows:
        total.add(f)
    return Report(year, by_source(rows), by_institution(rows), total)


def rounded(value: Decimal | None, places: int = 0) -> Decimal | None:
    """Whole rupiah (or `places` decimals), half up, as a report shows them."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def years_with_classes(this_year: int) -> list[int]:
    """The years in which some class starts, and this year; latest first."""
    years = {
        int(y)
        for y in db.session.scalars(select(func.extract("year", Cohort.starts_on)).distinct())
        if y is not None
    }
    return sorted(years | {this_year}, reverse=True)


# The spreadsheet --------------------------------------------------------------------------


def _sheet(wb: Workbook, title: str, first: str, lines: list[Line], total: Line) -> None:
    ws = wb.create_sheet(title[:31])
    header = [
        first,
        _("Classes"),
        _("Participants"),
        _("Completed"),
        _("Participant-JP"),
        _("Funding (Rp)"),
        _("Costs (Rp)"),
        _("Cost per participant (Rp)"),
        _("Cost per JP (Rp)"),
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for line in [*lines, total]:
        ws.append(
            [
                line.label,
                line.classes,
                float(rounded(line.participants, 2)),
                float(rounded(line.completed, 2)),
                float(rounded(line.participant_jp, 2)),
                float(rounded(line.funding, 2)),
                float(rounded(line.cost, 2)),
                float(rounded(line.per_participant)) if line.per_participant is not None else None,
                float(rounded(line.per_jp)) if line.per_jp is not None else None,
            ]
        )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 36
    for letter in "BCDEFGHI":
        ws.column_dimensions[letter].width = 16
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=9):
        for cell in row:
            cell.number_format = "#,##0"
    ws.freeze_panes = "B2"


def to_xlsx(rep: Report) -> bytes:
    """Two sheets, by funding source and by institution, and a third with the definitions."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, _("By funding source"), _("Funding source"), rep.by_source, rep.total)
    _sheet(wb, _("By institution"), _("Institution"), rep.by_institution, rep.total)
    notes = wb.create_sheet(_("Definitions"))
    for text in definitions():
        notes.append([text])
    notes.column_dimensions["A"].width = 120
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def definitions() -> list[str]:
    """How the report counts, as the page and the spreadsheet state it."""
    return [
        _("The classes of a year are those that start in it."),
        _("Participants: members enrolled in the class, including those who completed it."),
        _("Cost per participant: the costs divided by the participants."),
        _(
            "Cost per JP: the costs divided by the participant-JP, that is the participants "
            "times the class's JP."
        ),
        _(
            "By funding source, a class with several sources is shared among them in proportion "
            "to each source's part of its funding (participants, costs and participant-JP); it "
            "counts once under each of its sources."
        ),
    ]

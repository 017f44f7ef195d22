"""Funding and costs of a class, and the funding report on a data set whose figures are known."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.classes import funding as reports
from lms.classes.forms import parse_rupiah
from lms.classes.models import (
    ClassMode,
    Cohort,
    CostItem,
    Funding,
    FundingSource,
    JoinMode,
    Member,
    MemberState,
)
from lms.core.audit import AuditEntry
from lms.core.clock import local_date, utcnow
from lms.extensions import db

YEAR = local_date(utcnow()).year - 1


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12.500.000", "12500000"),
        ("Rp 12.500.000", "12500000"),
        ("rp12500000", "12500000"),
        ("12,500,000", "12500000"),
        ("12 500 000", "12500000"),
        ("12.500.000,50", "12500000.50"),
        ("12500000,5", "12500000.5"),
        ("0", "0"),
        ("1.500", "1500"),
    ],
)
def test_rupiah_as_people_type_them(typed, amount):
    assert parse_rupiah(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["-5", "12,5 juta", "1.2.3", "12.500,000", "abc", "12500.000"])
def test_amounts_that_cannot_be_read(typed):
    assert parse_rupiah(typed) is None


@pytest.fixture
def partner_class(make_institution, make_user, make_course):
    inst = make_institution("Universitas Mitra Dana")
    make_user("Staf Mitra", email="staf@mitra.id", roles=(Role.PARTNER,), institution=inst)
    course = make_course(institution=inst)
    cohort = Cohort(
        course_id=course.id,
        institution_id=inst.id,
        name="Kelas Berdana",
        mode=ClassMode.ONLINE,
        starts_on=date(YEAR, 3, 1),
        ends_on=date(YEAR, 3, 5),
        meeting_url="https://rapat.example.id/k",
        capacity=20,
        join_mode=JoinMode.NOMINATED,
        jp=10,
        created_at=utcnow(),
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


def test_managers_record_funding_and_costs(app, client, partner_class, make_user):
    cohort = partner_class
    client.login("staf@mitra.id")
    url = f"/kelas/{cohort.id}/pendanaan"
    data = {"source": "apbd", "amount": "Rp 12.500.000", "note": "DPA 2026"}
    assert client.post_form(f"{url}/dana", data).status_code == 302
    funding = db.session.scalar(select(Funding))
    assert (funding.source, funding.amount, funding.note) == (
        FundingSource.APBD,
        Decimal("12500000"),
        "DPA 2026",
    )
    assert (
        client.post_form(f"{url}/biaya", {"name": "Honor", "amount": "7.250.000"}).status_code
        == 302
    )
    html = client.get(url).get_data(as_text=True)
    assert "Rp 12.500.000" in html and "Rp 7.250.000" in html

    for bad in ("-5", "dua juta", ""):
        response = client.post_form(f"{url}/dana", {**data, "amount": bad})
        assert response.status_code == 422 and 'id="amount-err"' in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Funding)).all()) == 1

    edit = f"{url}/dana/{funding.id}"
    assert 'value="12.500.000"' in client.get(edit).get_data(as_text=True)
    assert client.post_form(edit, {**data, "amount": "15.000.000"}).status_code == 302
    db.session.refresh(funding)
    assert funding.amount == Decimal("15000000")
    cost = db.session.scalar(select(CostItem))
    assert client.post_form(f"{url}/biaya/{cost.id}/hapus").status_code == 302
    assert db.session.scalar(select(CostItem)) is None
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("class_")] == [
        "class_funding.create",
        "class_cost.create",
        "class_funding.update",
        "class_cost.delete",
    ]


def test_other_partners_and_learners_cannot_see_the_money(
    app, client, partner_class, make_institution, make_user
):
    cohort = partner_class
    other = make_institution("Universitas Lain")
    make_user("Orang Lain", email="lain@mitra.id", roles=(Role.PARTNER,), institution=other)
    make_user("Ahmad", nip="199001012015031001")
    funding = Funding(cohort_id=cohort.id, source=FundingSource.CSR, amount=Decimal(1))
    db.session.add(funding)
    db.session.commit()
    for who, status in (("lain@mitra.id", 404), ("199001012015031001", 403)):
        c = app.test_client()
        c.login(who)
        assert c.get(f"/kelas/{cohort.id}/pendanaan").status_code == status
        assert c.get(f"/kelas/{cohort.id}/pendanaan/dana/{funding.id}").status_code == status
        assert c.post_form(f"/kelas/{cohort.id}/pendanaan/dana/{funding.id}/hapus").status_code in (
            status,
        )
        assert c.get("/kelas/laporan/pendanaan").status_code == 403
    assert db.session.get(Funding, funding.id) is not None


# The report -------------------------------------------------------------------------------


def _people(n: int) -> list[User]:
    people = [
        User(name=f"Peserta {next(_n)}", password_hash="x", created_at=utcnow()) for _ in range(n)
    ]
    db.session.add_all(people)
    db.session.flush()
    return people


_n = iter(range(1, 10_000))


def _class(course, inst, *, jp, participants, completed=0, funding=(), costs=(), year=YEAR):
    cohort = Cohort(
        course_id=course.id,
        institution_id=inst.id if inst else None,
        name=f"Kelas {next(_n)}",
        mode=ClassMode.CLASSICAL,
        starts_on=date(year, 12, 31),  # the start counts, not the end in the next year
        ends_on=date(year + 1, 1, 10),
        venue="Aula",
        capacity=50,
        join_mode=JoinMode.NOMINATED,
        jp=jp,
        created_at=utcnow(),
    )
    db.session.add(cohort)
    db.session.flush()
    now = utcnow()
    for i, person in enumerate(_people(participants + 3)):
        state = MemberState.ENROLLED if i < participants else MemberState.WITHDRAWN
        if i == participants:
            state = MemberState.WAITING
        db.session.add(
            Member(
                cohort_id=cohort.id,
                user_id=person.id,
                state=state,
                joined_at=now,
                completed_at=now if i < completed else None,
            )
        )
    for source, amount in funding:
        db.session.add(Funding(cohort_id=cohort.id, source=source, amount=Decimal(amount)))
    for amount in costs:
        db.session.add(CostItem(cohort_id=cohort.id, name="Biaya", amount=Decimal(amount)))
    db.session.commit()
    return cohort


@pytest.fixture
def known(app, make_course, make_institution):
    """Four classes of YEAR and one of the year after:

    A (Universitas X, 10 JP, 20 participants, 5 completed): APBD 30 M + partner 10 M, costs 36 M
    B (BKPSDM, 20 JP, 10 participants): APBD 20 M, costs 15 M
    D (Universitas X, 10 JP, 4 participants): no funding, costs 2 M
    E (BKPSDM, the next year): left out
    """
    x = make_institution("Universitas X")
    course = make_course()
    apbd, partner = FundingSource.APBD, FundingSource.PARTNER
    _class(
        course,
        x,
        jp=10,
        participants=20,
        completed=5,
        funding=[(apbd, 20_000_000), (partner, 10_000_000), (apbd, 10_000_000)],
        costs=[20_000_000, 16_000_000],
    )
    _class(course, None, jp=20, participants=10, funding=[(apbd, 20_000_000)], costs=[15_000_000])
    _class(course, x, jp=10, participants=4, costs=[2_000_000])
    _class(
        course,
        None,
        jp=5,
        participants=7,
        funding=[(FundingSource.CSR, 9_000_000)],
        costs=[1_000_000],
        year=YEAR + 1,
    )
    return x


def _figures(line) -> tuple:
    return (
        line.classes,
        line.participants,
        line.participant_jp,
        line.funding,
        line.cost,
        reports.rounded(line.per_participant, 2),
        reports.rounded(line.per_jp, 2),
    )


def test_the_report_by_source_shares_a_class_among_its_sources(app, known):
    rep = reports.report(YEAR)
    lines = {line.key: _figures(line) for line in rep.by_source}
    assert lines == {
        # A: APBD pays 75%: 15 participants, 150 participant-JP, 27 M of costs; plus all of B.
        FundingSource.APBD: (2, 25, 350, 50_000_000, 42_000_000, 1_680_000, 120_000),
        FundingSource.PARTNER: (1, 5, 50, 10_000_000, 9_000_000, 1_800_000, 180_000),
        reports.UNFUNDED: (1, 4, 40, 0, 2_000_000, 500_000, 50_000),
    }
    assert [line.key for line in rep.by_source] == [
        FundingSource.APBD,
        FundingSource.PARTNER,
        reports.UNFUNDED,
    ]
    assert sum(line.participants for line in rep.by_source) == rep.total.participants == 34
    assert sum(line.cost for line in rep.by_source) == rep.total.cost == 53_000_000


def test_the_report_by_institution_and_the_total(app, known):
    rep = reports.report(YEAR)
    lines = {line.key: _figures(line) for line in rep.by_institution}
    assert lines == {
        None: (1, 10, 200, 20_000_000, 15_000_000, 1_500_000, 75_000),
        # 38 M / 24 participants; 38 M / (20 x 10 + 4 x 10) participant-JP
        known.id: (2, 24, 240, 40_000_000, 38_000_000, Decimal("1583333.33"), Decimal("158333.33")),
    }
    assert rep.by_institution[0].label == "BKPSDM Kota Makassar"
    assert _figures(rep.total) == (
        3,
        34,
        440,
        60_000_000,
        53_000_000,
        Decimal("1558823.53"),
        Decimal("120454.55"),
    )
    assert rep.total.completed == 5
    assert reports.report(YEAR + 1).total.classes == 1
    assert reports.report(YEAR - 1).total.classes == 0


def test_the_report_page_and_its_spreadsheet(app, admin_client, known):
    html = admin_client.get(f"/kelas/laporan/pendanaan?tahun={YEAR}").get_data(as_text=True)
    row = html[html.index('data-key="apbd"') :]
    row = row[: row.index("</tr>")]
    assert "Rp 50.000.000" in row and "Rp 1.680.000" in row and "Rp 120.000" in row
    assert 'id="definitions"' in html
    response = admin_client.get(f"/kelas/laporan/pendanaan.xlsx?tahun={YEAR}")
    assert response.status_code == 200
    assert f"pendanaan-kelas-{YEAR}.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    by_source, by_inst = wb.worksheets[0], wb.worksheets[1]
    rows = list(by_source.iter_rows(min_row=2, values_only=True))
    assert rows[0][1:] == (2, 25, 3.75, 350, 50_000_000, 42_000_000, 1_680_000, 120_000)
    assert rows[-1][1:3] == (3, 34)  # the total
    inst_rows = list(by_inst.iter_rows(min_row=2, values_only=True))
    assert inst_rows[0][0] == "BKPSDM Kota Makassar" and inst_rows[0][5] == 20_000_000


def test_a_year_without_classes(app, admin_client):
    html = admin_client.get(f"/kelas/laporan/pendanaan?tahun={YEAR}").get_data(as_text=True)
    assert 'id="by-source"' not in html and 'id="definitions"' in html
    assert admin_client.get(f"/kelas/laporan/pendanaan?tahun={YEAR + 1}").status_code == 200

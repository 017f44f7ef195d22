"""The participants' evaluation of a class: once each, anonymous, and its aggregate results."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from lms.auth.models import Role
from lms.classes import evaluation
from lms.classes.models import (
    EvaluationReceipt,
    EvaluationResponse,
    InstructorRating,
    MemberState,
)
from lms.core.clock import local_date, utcnow
from lms.extensions import db
from tests.class_support import add_session, join, new_class

PEOPLE = [
    ("Andi Responden", "199101012015031301"),
    ("Bunga Responden", "199101012015031302"),
    ("Citra Responden", "199101012015031303"),
]


@pytest.fixture
def world(make_course, make_institution, make_user):
    inst = make_institution("Institut Pelatihan Demo")
    course = make_course("Kepemimpinan", institution=inst)
    cohort = new_class(course, inst, name="Kepemimpinan Angkatan II")
    make_user("Staf", email="staf@kampus.test", roles=(Role.PARTNER,), institution=inst)
    now = utcnow()
    add_session(cohort, now - timedelta(days=7), instructors="Dr. Rahman\nIbu Sari")
    add_session(cohort, now - timedelta(hours=1), instructors="Ibu Sari\nPak Tono")
    people = [make_user(name, nip=nip) for name, nip in PEOPLE]
    for p in people:
        join(cohort, p)
    return {"cohort": cohort, "inst": inst, "people": people}


def as_person(new_client, nip):
    c = new_client()
    assert c.login(nip).status_code == 302
    return c


def answers(org="4", comment="", **per_instructor):
    """Form data: ratings for the three instructors in teaching order (rating_0..2)."""
    data = {"organisation": org, "comment": comment}
    defaults = {"rating_0": "4", "rating_1": "4", "rating_2": "4"}
    data |= defaults | per_instructor
    return data


def url(cohort, tail=""):
    return f"/kelas/{cohort.id}/evaluasi{tail}"


def test_participant_evaluates_once_anonymously(world, new_client):
    cohort = world["cohort"]
    c = as_person(new_client, PEOPLE[0][1])
    page = c.get(url(cohort)).get_data(as_text=True)
    for name in ("Dr. Rahman", "Ibu Sari", "Pak Tono"):
        assert name in page
    assert page.count('type="radio"') == 20  # organisation + three instructors, 1 to 5
    r = c.post_form(
        url(cohort), answers("5", "Ruang kelas nyaman", rating_1="3", comment_1="Jelas")
    )
    assert r.status_code == 302
    (receipt,) = db.session.scalars(select(EvaluationReceipt)).all()
    assert receipt.user_id == world["people"][0].id
    assert receipt.submitted_on == local_date(utcnow())
    (response,) = db.session.scalars(select(EvaluationResponse)).all()
    assert re.fullmatch(r"[0-9a-f]{32}", response.id)
    assert (response.organisation, response.comment) == (5, "Ruang kelas nyaman")
    ratings = {r.instructor: (r.rating, r.comment) for r in response.ratings}
    assert ratings == {"Dr. Rahman": (4, ""), "Ibu Sari": (3, "Jelas"), "Pak Tono": (4, "")}
    assert all(re.fullmatch(r"[0-9a-f]{32}", r.id) for r in response.ratings)
    # Nothing in the response leads back to the person or the time.
    columns = {c.key for c in inspect(EvaluationResponse).columns}
    assert columns == {"id", "cohort_id", "organisation", "comment"}
    assert {c.key for c in inspect(InstructorRating).columns} == {
        "id",
        "response_id",
        "instructor",
        "rating",
        "comment",
    }
    # A second submission (or a double click) is refused; one response stays.
    again = c.post_form(url(cohort), answers("1"))
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(EvaluationResponse.id))) == 1
    page = c.get(url(cohort)).get_data(as_text=True)
    assert 'id="evaluation-closed"' in page and 'type="radio"' not in page


def test_missing_rating_is_refused_and_nothing_stored(world, new_client):
    cohort = world["cohort"]
    c = as_person(new_client, PEOPLE[0][1])
    for data in (answers(org=""), answers(rating_2=""), answers(org="6"), answers(rating_0="0")):
        assert c.post_form(url(cohort), data).status_code == 422
    assert db.session.scalar(select(func.count(EvaluationReceipt.id))) == 0
    assert db.session.scalar(select(func.count(EvaluationResponse.id))) == 0


def test_evaluation_opens_when_the_last_session_starts(world, new_client):
    cohort = world["cohort"]
    later = add_session(cohort, utcnow() + timedelta(days=2), instructors="Pak Tono")
    c = as_person(new_client, PEOPLE[0][1])
    page = c.get(url(cohort))
    assert page.status_code == 200 and 'id="evaluation-closed"' in page.get_data(as_text=True)
    assert c.post_form(url(cohort), answers()).status_code == 422
    assert db.session.scalar(select(func.count(EvaluationResponse.id))) == 0
    assert not evaluation.is_open(cohort, utcnow())
    assert evaluation.is_open(cohort, later.starts_at)


@pytest.mark.parametrize("who", ["waiting", "stranger"])
def test_only_participants_evaluate(world, new_client, make_user, who):
    cohort = world["cohort"]
    person = make_user("Bukan Peserta", nip="199101012015031399")
    if who == "waiting":
        join(cohort, person, MemberState.WAITING)
    c = as_person(new_client, "199101012015031399")
    assert c.get(url(cohort)).status_code in (403, 404)
    assert c.post_form(url(cohort), answers()).status_code in (403, 404)
    assert db.session.scalar(select(func.count(EvaluationResponse.id))) == 0


def submit_all(world, new_client):
    """A known data set: organisation 5, 4, 4; Ibu Sari 2, 3, 5."""
    cohort = world["cohort"]
    given = [
        ("5", "Zaman berubah, materi relevan", "2", "Kurang jelas"),
        ("4", "", "3", ""),
        ("4", "Air minum kurang", "5", "Sangat membantu"),
    ]
    for (_, nip), (org, comment, sari, sari_comment) in zip(PEOPLE, given, strict=True):
        c = as_person(new_client, nip)
        data = answers(org, comment, rating_1=sari, comment_1=sari_comment)
        assert c.post_form(url(cohort), data).status_code == 302


def test_aggregates_on_a_known_data_set(world, new_client):
    submit_all(world, new_client)
    r = evaluation.results([world["cohort"].id])
    assert r.respondents == 3
    assert r.organisation.n == 3 and round(r.organisation.mean, 2) == 4.33
    assert r.organisation.distribution == [(1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 2, 67), (5, 1, 33)]
    assert r.comments == ["Air minum kurang", "Zaman berubah, materi relevan"]  # by text
    assert list(r.instructors) == ["Dr. Rahman", "Ibu Sari", "Pak Tono"]
    assert round(r.instructors["Ibu Sari"].mean, 2) == 3.33
    assert r.instructors["Dr. Rahman"].mean == 4
    assert r.instructor_comments["Ibu Sari"] == ["Kurang jelas", "Sangat membantu"]


def test_results_page_names_nobody(world, new_client):
    submit_all(world, new_client)
    staff = as_person(new_client, "staf@kampus.test")
    page = staff.get(url(world["cohort"], "/hasil"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Air minum kurang" in html and "Sangat membantu" in html
    assert 'id="respondents"' in html and "3" in html
    for name, nip in PEOPLE:
        assert name not in html and nip not in html
    # Comments are in the order of their text, not the order they came in.
    assert html.index("Air minum kurang") < html.index("Zaman berubah")


def test_one_respondent_is_still_not_named(world, new_client):
    cohort = world["cohort"]
    c = as_person(new_client, PEOPLE[1][1])
    c.post_form(url(cohort), answers("2", "Jadwal sering berubah"))
    staff = as_person(new_client, "staf@kampus.test")
    for page_url in (url(cohort, "/hasil"), f"/kelas/evaluasi/institusi/{world['inst'].id}"):
        html = staff.get(page_url).get_data(as_text=True)
        assert "Jadwal sering berubah" in html
        assert PEOPLE[1][0] not in html and PEOPLE[1][1] not in html
        assert local_date(utcnow()).isoformat() not in html  # nor the receipt's date


def test_institution_page_gathers_its_classes(world, new_client, make_course):
    submit_all(world, new_client)
    inst = world["inst"]
    second = new_class(make_course("Etika", institution=inst), inst, name="Etika Angkatan I")
    add_session(second, utcnow() - timedelta(days=1), instructors="Ibu Sari")
    member = world["people"][0]
    join(second, member)
    c = as_person(new_client, PEOPLE[0][1])
    assert c.post_form(url(second), {"organisation": "1", "rating_0": "1"}).status_code == 302
    staff = as_person(new_client, "staf@kampus.test")
    html = staff.get(f"/kelas/evaluasi/institusi/{inst.id}").get_data(as_text=True)
    assert "Kepemimpinan Angkatan II" in html and "Etika Angkatan I" in html
    r = evaluation.results([world["cohort"].id, second.id])
    assert r.respondents == 4 and r.instructors["Ibu Sari"].n == 4


def test_results_are_for_the_classs_staff_and_admins(
    world, new_client, make_user, make_institution, admin_client
):
    cohort, inst = world["cohort"], world["inst"]
    other = make_institution("Lain")
    make_user("Mitra Lain", email="lain@x.test", roles=(Role.PARTNER,), institution=other)
    asn = as_person(new_client, PEOPLE[0][1])
    outsider = as_person(new_client, "lain@x.test")
    for page_url in (url(cohort, "/hasil"), f"/kelas/evaluasi/institusi/{inst.id}"):
        assert asn.get(page_url).status_code == 403
        assert outsider.get(page_url).status_code == 404
        assert admin_client.get(page_url).status_code == 200
    assert admin_client.get("/kelas/evaluasi/institusi/999").status_code == 404

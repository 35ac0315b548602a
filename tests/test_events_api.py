"""Events through the API, with the pages' scoping and errors. Cast as in test_events: Alice runs
吉林大学's roadshow, Charlie (中国一汽) invests, five experts score, Nina watches, Sam oversees."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from hebi.core.roles import Role
from hebi.deals.models import Engagement, TransferProject
from hebi.events import services
from hebi.events.models import Event, EventSlot, Registration, SlotFeedback
from tests.challenge_factories import roadshow_rubric
from tests.factories import MembershipFactory, OrganisationFactory
from tests.test_catalog import make_result
from tests.test_events import SHEETS, checked_in, make_event, make_expert, open_event, shift

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/events/"
SLOTS = "/api/v1/event-slots/"
INVITATIONS = "/api/v1/event-invitations/"
REGISTRATIONS = "/api/v1/event-registrations/"
FEEDBACK = "/api/v1/slot-feedback/"


@pytest.fixture
def experts(db):
    institute = OrganisationFactory(name="长春光机所", kind="institute")
    return [make_expert(f"expert{i}", institute) for i in range(5)]


@pytest.fixture
def event(alice, university):
    return open_event(alice, university, university)


@pytest.fixture
def slot(event):
    return event.slots.get()


def iso(value):
    return value.isoformat()


def test_the_whole_flow_through_the_api(api, alice, charlie, nina, university, enterprise, experts, bob):
    roadshow_rubric()
    result = make_result(bob, university)
    now = timezone.now()
    organiser = api(alice)
    response = organiser.post(
        EVENTS,
        {
            "organiser": university.pk,
            "kind": "roadshow",
            "title": "API 路演",
            "starts_at": iso(now + datetime.timedelta(days=1)),
            "ends_at": iso(now + datetime.timedelta(days=1, hours=2)),
            "registration_closes_at": iso(now + datetime.timedelta(days=1)),
            "venue": "长春新区",
            "capacity": 6,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    event_id = response.json()["id"]
    assert response.json()["status"] == "draft" and response.json()["rubric"] == "roadshow-2023"

    response = organiser.post(
        SLOTS,
        {"event": event_id, "title": "固态电池", "organisation": university.pk, "achievement": result.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    slot_id = response.json()["id"]
    assert (
        organiser.post(
            INVITATIONS, {"event": event_id, "organisation": enterprise.pk, "kind": "investor"}, format="json"
        ).status_code
        == 201
    )
    response = organiser.post(f"{EVENTS}{event_id}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "open"
    assert [s["id"] for s in response.json()["slots"]] == [slot_id]
    assert response.json()["invitations"][0]["organisation"] == enterprise.pk

    assert (
        api(charlie)
        .post(
            f"{EVENTS}{event_id}/register/",
            {"role": "investor", "organisation": enterprise.pk},
            format="json",
        )
        .status_code
        == 201
    )
    for expert in experts:
        assert (
            api(expert).post(f"{EVENTS}{event_id}/register/", {"role": "expert"}, format="json").status_code
            == 201
        )
    response = api(nina).post(f"{EVENTS}{event_id}/register/", {"role": "guest"}, format="json")
    assert response.status_code == 400 and response.json() == {"non_field_errors": ["名额已满。"]}

    shift(Event.objects.get(pk=event_id), starts_in=-datetime.timedelta(hours=1))  # the day has come
    listed = organiser.get(f"{REGISTRATIONS}?event={event_id}").json()
    assert listed["count"] == 6
    for row in listed["results"]:
        assert organiser.post(f"{REGISTRATIONS}{row['id']}/checkin/").json()["checked_in_at"]

    for expert, sheet in zip(experts, SHEETS, strict=True):
        response = api(expert).post(FEEDBACK, {"slot": slot_id, "items": sheet}, format="json")
        assert response.status_code == 201, response.json()
    response = api(charlie).post(
        FEEDBACK, {"slot": slot_id, "want_to_talk": True, "note": "想谈"}, format="json"
    )
    assert response.status_code == 201
    interest_id = response.json()["id"]

    assert organiser.post(f"{EVENTS}{event_id}/held/").json()["status"] == "held"
    response = organiser.post(f"{FEEDBACK}{interest_id}/engagement/")
    assert response.status_code == 201 and response.json()["engagement"]
    response = organiser.post(f"{FEEDBACK}{interest_id}/engagement/")
    assert response.status_code == 400 and response.json() == {"non_field_errors": ["该意向已生成对接记录。"]}
    response = organiser.post(f"{FEEDBACK}{interest_id}/project/")
    assert response.status_code == 201 and response.json()["project"]
    assert organiser.post(f"{FEEDBACK}{interest_id}/project/").json() == {
        "non_field_errors": ["该意向已立项。"]
    }
    assert Engagement.objects.count() == 1 and TransferProject.objects.count() == 1

    report = organiser.get(f"{EVENTS}{event_id}/report/").json()
    row = report["slots"][0]
    assert row["scores"] == 5 and row["score"] == "80.00" and row["trimmed"] is True
    assert row["dropped_high"] == "100.00" and row["dropped_low"] == "60.00"
    assert row["interests"][0]["person"] == "查理" and row["engagements"] == 1 and row["projects"] == 1
    assert report["counts"]["checked_in"] == 6
    assert report["totals"] == {"scores": 5, "interests": 1, "engagements": 1, "projects": 1}


def test_the_calendar_is_public_and_drafts_stay_home(api, event, alice, charlie, sam, university):
    draft = make_event(alice, university, title="筹备中的对接会")
    titles = [e["title"] for e in api().get(EVENTS).json()["results"]]
    assert titles == ["长春新区科技成果路演"]
    assert api().get(f"{EVENTS}{event.pk}/").status_code == 200
    assert api(charlie).get(f"{EVENTS}{draft.pk}/").status_code == 404
    assert api(sam).get(f"{EVENTS}{draft.pk}/").status_code == 200
    assert api().post(f"{EVENTS}{event.pk}/register/", {"role": "guest"}, format="json").status_code in (
        401,
        403,
    )


def test_an_end_before_the_start_is_a_400(api, alice, university):
    roadshow_rubric()
    now = timezone.now()
    response = api(alice).post(
        EVENTS,
        {
            "organiser": university.pk,
            "kind": "matching",
            "title": "对接会",
            "starts_at": iso(now + datetime.timedelta(days=2)),
            "ends_at": iso(now + datetime.timedelta(days=1)),
            "venue": "长春",
            "capacity": 10,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["ends_at"] == ["结束时间应晚于开始时间。"]
    assert not Event.objects.exists()


def test_only_the_organiser_writes(api, event, slot, charlie, university):
    assert api(charlie).patch(f"{EVENTS}{event.pk}/", {"title": "改名"}, format="json").status_code == 403
    assert api(charlie).post(f"{EVENTS}{event.pk}/held/").status_code == 403
    assert api(charlie).patch(f"{SLOTS}{slot.pk}/", {"title": "改名"}, format="json").status_code == 403
    response = api(charlie).post(
        SLOTS, {"event": event.pk, "title": "x", "organisation": university.pk}, format="json"
    )
    assert response.status_code == 403
    assert EventSlot.objects.count() == 1 and Event.objects.get().title == "长春新区科技成果路演"


def test_a_foreign_result_on_a_slot_is_a_400(api, event, alice, charlie, enterprise, university):
    foreign = make_result(charlie, enterprise, title="一汽的成果")
    response = api(alice).post(
        SLOTS,
        {"event": event.pk, "title": "x", "organisation": university.pk, "achievement": foreign.pk},
        format="json",
    )
    assert response.status_code == 400 and response.json()["achievement"] == ["关联成果须为路演单位的成果。"]


def test_registration_refusals(api, event, alice, charlie, enterprise):
    assert (
        api(charlie)
        .post(
            f"{EVENTS}{event.pk}/register/",
            {"role": "enterprise", "organisation": enterprise.pk},
            format="json",
        )
        .status_code
        == 201
    )
    response = api(charlie).post(f"{EVENTS}{event.pk}/register/", {"role": "guest"}, format="json")
    assert response.json() == {"non_field_errors": ["您已报名该活动。"]}
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    response = api(alice).post(f"{EVENTS}{event.pk}/register/", {"role": "guest"}, format="json")
    assert response.json() == {"non_field_errors": ["报名已截止。"]}
    assert Registration.objects.count() == 1


def test_registrations_list_own_for_everyone_and_all_for_organisers(api, event, alice, charlie, nina):
    services.registration_create(actor=charlie, event=event, role="guest")
    services.registration_create(actor=nina, event=event, role="guest")
    assert [r["user_name"] for r in api(charlie).get(REGISTRATIONS).json()["results"]] == ["查理"]
    assert api(alice).get(REGISTRATIONS).json()["count"] == 2


def test_check_in_by_a_non_organiser_is_403(api, event, charlie, nina):
    registration = services.registration_create(actor=nina, event=event, role="guest")
    assert api(charlie).post(f"{REGISTRATIONS}{registration.pk}/checkin/").status_code == 403
    assert api(nina).post(f"{REGISTRATIONS}{registration.pk}/checkin/").status_code == 403
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_unregister(api, event, charlie):
    services.registration_create(actor=charlie, event=event, role="guest")
    response = api(charlie).post(f"{EVENTS}{event.pk}/unregister/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_feedback_refusals(api, event, alice, slot, charlie, nina, experts, enterprise):
    services.registration_create(actor=charlie, event=event, role="enterprise", organisation=enterprise)
    response = api(charlie).post(FEEDBACK, {"slot": slot.pk, "want_to_talk": True}, format="json")
    assert response.json() == {"non_field_errors": ["请先签到。"]}
    checked_in(alice, event, nina, "guest")
    response = api(nina).post(FEEDBACK, {"slot": slot.pk, "want_to_talk": True}, format="json")
    assert response.json() == {"non_field_errors": ["观众和路演团队不参与评分。"]}
    checked_in(alice, event, experts[0], "expert")
    response = api(experts[0]).post(
        FEEDBACK, {"slot": slot.pk, "items": SHEETS[0] | {"team": "20.5"}}, format="json"
    )
    assert response.status_code == 400 and response.json() == {
        "team": ["“团队能力”的分数应在 0 到 20 之间。"]
    }
    assert not SlotFeedback.objects.exists()


def test_feedback_is_patched_by_its_author_only(api, event, alice, slot, experts, charlie):
    checked_in(alice, event, experts[0], "expert")
    feedback = services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[0])
    response = api(experts[0]).patch(f"{FEEDBACK}{feedback.pk}/", {"items": SHEETS[2]}, format="json")
    assert response.status_code == 200 and response.json()["score"] == "80.00"
    assert api(charlie).get(f"{FEEDBACK}{feedback.pk}/").status_code == 404
    assert api(alice).get(f"{FEEDBACK}?event={event.pk}").json()["count"] == 1
    assert api(alice).patch(f"{FEEDBACK}{feedback.pk}/", {"note": "x"}, format="json").status_code == 403


def test_the_report_is_404_for_others(api, event, charlie, sam):
    assert api(charlie).get(f"{EVENTS}{event.pk}/report/").status_code == 404
    assert api().get(f"{EVENTS}{event.pk}/report/").status_code == 404
    assert api(sam).get(f"{EVENTS}{event.pk}/report/").status_code == 200


def test_cancel_needs_a_reason(api, event, alice):
    assert api(alice).post(f"{EVENTS}{event.pk}/cancel/", {}, format="json").status_code == 400
    response = api(alice).post(f"{EVENTS}{event.pk}/cancel/", {"reason": "延期"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


# -- the scoring rules, through the API ----------------------------------------------------------------------
def test_a_self_declared_expert_is_a_400(api, event, bob):
    response = api(bob).post(f"{EVENTS}{event.pk}/register/", {"role": "expert"}, format="json")
    assert response.status_code == 400 and response.json() == {
        "role": ["只有专家库在库专家或受邀专家单位的成员可以以“评审专家”身份报名。"]
    }
    assert not Registration.objects.exists()


def test_scoring_ones_own_slot_is_a_400(api, event, alice, slot, university, experts):
    MembershipFactory(user=experts[0], organisation=university, role=Role.RESEARCHER)
    checked_in(alice, event, experts[0], "expert", university)
    response = api(experts[0]).post(FEEDBACK, {"slot": slot.pk, "items": SHEETS[4]}, format="json")
    assert response.status_code == 400 and response.json() == {
        "non_field_errors": ["不能为本单位的路演项目评分。"]
    }
    assert not SlotFeedback.objects.exists()


def test_check_in_before_the_event_day_is_a_400(api, alice, university, experts):
    later = open_event(
        alice,
        university,
        university,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        ends_at=timezone.now() + datetime.timedelta(days=3, hours=2),
    )
    registration = services.registration_create(actor=experts[0], event=later, role="expert")
    response = api(alice).post(f"{REGISTRATIONS}{registration.pk}/checkin/")
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("签到尚未开始")
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_registration_without_a_closing_time_ends_at_the_start(api, alice, university, nina):
    started = open_event(alice, university, university, registration_closes_at=None)
    response = api(nina).post(f"{EVENTS}{started.pk}/register/", {"role": "guest"}, format="json")
    assert response.status_code == 400 and response.json() == {"non_field_errors": ["报名已截止。"]}


# -- dates and numbers the database can hold --------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        ("starts_at", "0001-01-01T00:00:00+08:00"),
        ("starts_at", "1999-12-31T23:59:00+08:00"),
        ("ends_at", "2101-01-01T08:00:00+08:00"),
        ("registration_closes_at", "0001-01-01T00:00:00Z"),
        ("ends_at", "9999-12-31T23:59:59Z"),
    ],
)
def test_event_times_outside_2000_to_2100_are_a_400(api, alice, university, field, value):
    roadshow_rubric()
    data = {
        "organiser": university.pk,
        "kind": "roadshow",
        "title": "年份有误",
        "starts_at": iso(timezone.now() + datetime.timedelta(days=2)),
        "venue": "长春",
        "capacity": 10,
    } | {field: value}
    response = api(alice).post(EVENTS, data, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Event.objects.exists()


def test_a_patch_to_year_one_is_a_400(api, event, alice):
    response = api(alice).patch(f"{EVENTS}{event.pk}/", {"starts_at": "0001-01-01T00:00"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"starts_at": ["时间应在 2000 年至 2100 年之间。"]}


def test_the_api_refuses_dates_in_the_past_but_edits_an_event_under_way(api, event, alice, university):
    roadshow_rubric()
    response = api(alice).post(
        EVENTS,
        {
            "organiser": university.pk,
            "kind": "roadshow",
            "title": "补办的路演",
            "starts_at": "2020-01-01T09:00:00+08:00",
            "registration_closes_at": "2019-12-31T00:00:00+08:00",
            "venue": "长春",
            "capacity": 10,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "starts_at": ["开始时间不能早于现在。"],
        "registration_closes_at": ["报名截止时间不能早于现在。"],
    }
    assert Event.objects.count() == 1
    response = api(alice).patch(
        f"{EVENTS}{event.pk}/", {"starts_at": "2020-01-01T09:00:00+08:00"}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"starts_at": ["开始时间不能早于现在。"]}
    response = api(alice).patch(
        f"{EVENTS}{event.pk}/", {"starts_at": iso(event.starts_at), "venue": "北湖科技园 B 座"}, format="json"
    )
    assert response.status_code == 200 and response.json()["venue"] == "北湖科技园 B 座"


def test_a_slot_with_a_start_time_through_the_api(api, event, alice, university):
    response = api(alice).post(
        SLOTS,
        {"event": event.pk, "title": "玉米秸秆", "organisation": university.pk, "starts_at": "14:15"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    response = api(alice).patch(f"{SLOTS}{response.json()['id']}/", {"starts_at": "14:30"}, format="json")
    assert response.status_code == 200 and response.json()["starts_at"].startswith("14:30")


def test_absurd_ids_and_numbers_are_400_or_404(api, event, alice, slot, university, nina):
    huge = 10**18
    organiser = api(alice)
    assert organiser.get(f"{EVENTS}{huge}/").status_code == 404
    assert organiser.get(f"{EVENTS}{huge - 1}/").status_code == 404
    assert organiser.post(f"{REGISTRATIONS}{huge}/checkin/").status_code == 404
    assert organiser.get(f"{REGISTRATIONS}?event={10**30}").status_code == 200
    for payload in (
        {"event": huge, "title": "x", "organisation": university.pk},
        {"event": event.pk, "title": "x", "organisation": 10**30},
        {"event": event.pk, "title": "x", "organisation": university.pk, "achievement": huge},
        {"event": event.pk, "title": "x", "organisation": university.pk, "order": 10**12},
        {"event": event.pk, "title": "x", "organisation": university.pk, "minutes": 10**12},
    ):
        assert organiser.post(SLOTS, payload, format="json").status_code == 400, payload
    assert organiser.patch(f"{EVENTS}{event.pk}/", {"capacity": 10**12}, format="json").status_code == 400
    response = api(nina).post(
        f"{EVENTS}{event.pk}/register/", {"role": "guest", "organisation": huge}, format="json"
    )
    assert response.status_code == 400
    assert api(nina).post(FEEDBACK, {"slot": 10**20, "want_to_talk": True}, format="json").status_code == 400
    assert EventSlot.objects.count() == 1 and not Registration.objects.exists()


def test_a_locked_database_during_registration_is_a_503(api, event, nina, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "registration_create", locked)
    response = api(nina).post(f"{EVENTS}{event.pk}/register/", {"role": "guest"}, format="json")
    assert response.status_code == 503 and response.json() == {"detail": "报名人数较多，请稍后重试。"}

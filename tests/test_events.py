"""Roadshows and matching events (路演, 对接会): the pages and the services behind them.

Alice administers 吉林大学, which organises the roadshow; Bob researches there and presents its
result. Charlie (中国一汽) comes for his enterprise (as an investor where 中国一汽 is invited as one)
and wants to talk; Ivan works for a fund; five experts of the expert pool, from an institute,
score; Nina comes to watch; Sam (secretariat) oversees every event.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.utils import timezone

from hebi.challenges.models import ExpertProfile
from hebi.core.models import AuditLog, Notification
from hebi.core.roles import Role
from hebi.deals.models import Engagement, TransferProject
from hebi.events import permissions, services
from hebi.events.forms import EventForm, SlotForm
from hebi.events.models import Event, Invitation, Registration, SlotFeedback
from hebi.orgs.models import Organisation
from tests.challenge_factories import roadshow_rubric
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_catalog import make_result

pytestmark = pytest.mark.django_db

# Totals 60, 70, 80, 90, 100: with five scores the 60 and the 100 are dropped, leaving 80.
SHEETS = [
    {"innovation": "18", "market": "18", "team": "12", "path": "12"},
    {"innovation": "21", "market": "21", "team": "14", "path": "14"},
    {"innovation": "24", "market": "24", "team": "16", "path": "16"},
    {"innovation": "27", "market": "27", "team": "18", "path": "18"},
    {"innovation": "30", "market": "30", "team": "20", "path": "20"},
]


# -- set-up through the real services -------------------------------------------------------------------
EVENT_TIMES = ("starts_at", "ends_at", "registration_closes_at")


def make_event(actor, organiser, **extra):
    """An event under way: it started an hour ago and ends in three hours; registration stays open
    on site until the end. The service refuses a start in the past, so an event that has begun is
    planned a day ahead and then moved back, as if the clock had moved on."""
    roadshow_rubric()
    now = timezone.now()
    data = {
        "kind": Event.Kind.ROADSHOW,
        "title": "长春新区科技成果路演",
        "starts_at": now - datetime.timedelta(hours=1),
        "ends_at": now + datetime.timedelta(hours=3),
        "venue": "长春新区北湖科技园",
        "co_organisers": "长春新区",
        "description": "吉林大学等单位的十个项目路演。",
        "capacity": 50,
    } | extra
    data.setdefault("registration_closes_at", data["ends_at"])
    times = {name: data[name] for name in EVENT_TIMES if data[name] is not None}
    ahead = max(now + datetime.timedelta(days=1) - data["starts_at"], datetime.timedelta(0))
    planned = data | {name: value + ahead for name, value in times.items()}
    event = services.event_create(actor=actor, organiser=organiser, **planned)
    if ahead:
        Event.objects.filter(pk=event.pk).update(**times)
        event.refresh_from_db()
    return event


def add_slot(actor, event, organisation, **extra):
    data = {"title": "车用固态电池电解质", "presenter": "鲍勃", "minutes": 10} | extra
    return services.slot_add(actor=actor, event=event, organisation=organisation, **data)


def open_event(actor, organiser, presenter_org, **extra):
    event = make_event(actor, organiser, **extra)
    add_slot(actor, event, presenter_org)
    return services.event_publish(actor=actor, event=event)


def make_expert(name, institute):
    """A member of the expert pool (专家库) working at `institute`."""
    user = UserFactory(username=name, display_name=name)
    MembershipFactory(user=user, organisation=institute, role=Role.EXPERT)
    ExpertProfile.objects.create(user=user, organisation=institute, title="研究员")
    return user


def shift(event, *, starts_in, lasts=datetime.timedelta(hours=4)):
    """Move the event in time, as if the clock had moved (registrations and check-ins stay)."""
    starts_at = timezone.now() + starts_in
    Event.objects.filter(pk=event.pk).update(
        starts_at=starts_at, ends_at=starts_at + lasts, registration_closes_at=None
    )
    event.refresh_from_db()


def checked_in(organiser_actor, event, user, role, organisation=None):
    registration = services.registration_create(actor=user, event=event, role=role, organisation=organisation)
    services.registration_check_in(actor=organiser_actor, registration=registration)
    registration.refresh_from_db()
    return registration


def message_of(error):
    return " ".join(error.value.messages)


@pytest.fixture
def institute(db):
    return OrganisationFactory(name="中国科学院长春应用化学研究所", kind="institute")


@pytest.fixture
def ivan(db):
    fund = OrganisationFactory(name="吉林省科技创新投资基金", kind="fund")
    user = UserFactory(username="ivan", display_name="伊万")
    MembershipFactory(user=user, organisation=fund, role=Role.STAFF)
    return user


@pytest.fixture
def experts(institute):
    return [make_expert(f"expert{i}", institute) for i in range(5)]


@pytest.fixture
def result(bob, university):
    return make_result(bob, university)


@pytest.fixture
def event(alice, university):
    return open_event(alice, university, university)


@pytest.fixture
def slot(event):
    return event.slots.get()


def page(response):
    return response.content.decode()


def form_time(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# -- the whole flow, through the pages ---------------------------------------------------------------------
def test_the_whole_roadshow_from_creation_to_report(
    login,
    client,
    alice,
    charlie,
    nina,
    university,
    enterprise,
    result,
    experts,
    django_capture_on_commit_callbacks,
):
    roadshow_rubric()
    now = timezone.now()
    response = login(alice).post(
        "/events/new/",
        {
            "organiser": university.pk,
            "kind": "roadshow",
            "title": "吉林大学成果转化路演",
            "starts_at": form_time(now + datetime.timedelta(days=1)),
            "ends_at": form_time(now + datetime.timedelta(days=1, hours=3)),
            "registration_closes_at": form_time(now + datetime.timedelta(days=1)),
            "venue": "长春新区",
            "capacity": 6,
            "rubric": "roadshow-2023",
        },
    )
    event = Event.objects.get(title="吉林大学成果转化路演")
    assert response.status_code == 302 and event.status == Event.Status.DRAFT and event.created_by == alice

    response = client.post(
        f"/events/{event.pk}/slots/new/",
        {
            "title": "固态电池",
            "organisation": university.pk,
            "presenter": "鲍勃",
            "minutes": 10,
            "achievement": result.pk,
        },
    )
    slot = event.slots.get()
    assert response.status_code == 302 and slot.achievement == result
    client.post(f"/events/{event.pk}/invitations/", {"organisation": enterprise.pk, "kind": "investor"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/events/{event.pk}/publish/")
    event.refresh_from_db()
    assert event.status == Event.Status.OPEN
    assert Notification.objects.filter(recipient=charlie, url=f"/events/{event.pk}/").exists()

    # Six places: Charlie and the five experts fill them; Nina is turned away.
    login(charlie).post(f"/events/{event.pk}/register/", {"role": "investor", "organisation": enterprise.pk})
    for expert in experts:
        login(expert).post(f"/events/{event.pk}/register/", {"role": "expert"})
    response = login(nina).post(f"/events/{event.pk}/register/", {"role": "guest"}, follow=True)
    assert "名额已满。" in page(response)
    assert event.registrations.count() == 6

    shift(event, starts_in=-datetime.timedelta(hours=1))  # the day has come
    login(alice)
    for registration in event.registrations.all():
        client.post(f"/events/{event.pk}/checkin/", {"registration": registration.pk})
    assert event.registrations.filter(checked_in_at__isnull=False).count() == 6

    prefix = f"s{slot.pk}"
    for expert, sheet in zip(experts, SHEETS, strict=True):
        data = {"slot": slot.pk} | {f"{prefix}-score_{code}": value for code, value in sheet.items()}
        assert login(expert).post(f"/events/{event.pk}/live/", data).status_code == 302
    login(charlie).post(
        f"/events/{event.pk}/live/",
        {"slot": slot.pk, f"{prefix}-want_to_talk": "on", f"{prefix}-note": "想谈许可"},
    )
    assert SlotFeedback.objects.filter(slot=slot).count() == 6
    interest = SlotFeedback.objects.get(user=charlie)
    assert interest.want_to_talk and interest.score is None and interest.note == "想谈许可"

    login(alice).post(f"/events/{event.pk}/held/")
    event.refresh_from_db()
    assert event.status == Event.Status.HELD

    client.post(f"/events/feedback/{interest.pk}/engagement/")
    client.post(f"/events/feedback/{interest.pk}/project/")
    interest.refresh_from_db()
    engagement, project = interest.engagement, interest.project
    assert engagement.kind == Engagement.Kind.EVENT and engagement.recorder_org == university
    assert set(engagement.organisations.all()) == {university, enterprise}
    assert list(engagement.achievements.all()) == [result]
    assert "吉林大学成果转化路演" in engagement.summary and "固态电池" in engagement.summary
    assert project.owner == university and project.enterprise == enterprise
    assert list(project.achievements.all()) == [result]
    engagement.refresh_from_db()
    assert engagement.project == project  # the engagement was the project's source

    report = page(client.get(f"/events/{event.pk}/report/"))
    assert 'data-testid="scores">5<' in report
    assert 'data-testid="aggregate">80.00<' in report
    assert "已去掉一个最高分（100.00）和一个最低分（60.00）" in report
    assert 'data-testid="avg-innovation">24.00<' in report
    assert 'data-testid="interests">1<' in report and "查理（中国第一汽车集团有限公司）" in report
    assert f"/deals/engagements/{engagement.pk}/" in report and f"/deals/projects/{project.pk}/" in report
    assert 'data-testid="total-engagements">1<' in report and 'data-testid="total-projects">1<' in report
    assert 'data-testid="checked-in-count">6<' in report


# -- events: create, edit, see -----------------------------------------------------------------------------
def test_an_end_before_the_start_is_refused_and_nothing_is_written(login, alice, university):
    roadshow_rubric()
    now = timezone.now()
    response = login(alice).post(
        "/events/new/",
        {
            "organiser": university.pk,
            "kind": "matching",
            "title": "对接会",
            "starts_at": form_time(now + datetime.timedelta(days=2)),
            "ends_at": form_time(now + datetime.timedelta(days=1)),
            "venue": "长春",
            "capacity": 10,
            "rubric": "roadshow-2023",
        },
    )
    assert response.status_code == 200 and "结束时间应晚于开始时间。" in page(response)
    assert not Event.objects.exists()


def test_the_service_refuses_an_end_before_the_start_by_field(alice, university):
    with pytest.raises(ValidationError) as error:
        make_event(alice, university, ends_at=timezone.now() - datetime.timedelta(days=1))
    assert error.value.message_dict["ends_at"] == ["结束时间应晚于开始时间。"]
    assert not Event.objects.exists()


def test_an_event_gets_the_default_rubric(alice, university):
    assert make_event(alice, university).rubric_id == "roadshow-2023"


def test_nobody_organises_for_an_organisation_it_does_not_work_for(charlie, university):
    with pytest.raises(PermissionDenied):
        make_event(charlie, university)
    assert not Event.objects.exists()


def test_the_secretariat_organises_for_any_organisation(sam, university):
    assert make_event(sam, university).organiser == university


def test_a_user_without_an_organisation_cannot_open_the_form(login, nina):
    assert login(nina).get("/events/new/").status_code == 403


def test_another_organisations_draft_answers_404_and_the_secretariat_sees_it(
    login, alice, charlie, sam, university
):
    draft = make_event(alice, university)
    assert login(charlie).get(f"/events/{draft.pk}/").status_code == 404
    assert login(sam).get(f"/events/{draft.pk}/").status_code == 200
    assert login(alice).get(f"/events/{draft.pk}/").status_code == 200


def test_anonymous_visitors_see_the_open_event_in_the_list_and_its_page(client, event, alice, university):
    draft = make_event(alice, university, title="内部筹备会")
    listing = page(client.get("/events/"))
    assert "长春新区科技成果路演" in listing and "内部筹备会" not in listing
    detail = client.get(f"/events/{event.pk}/")
    assert detail.status_code == 200 and "车用固态电池电解质" in page(detail) and "登录后报名" in page(detail)
    assert client.get(f"/events/{draft.pk}/").status_code == 404


def test_the_list_has_tabs_a_kind_filter_and_an_empty_state(client, alice, university):
    past = make_event(
        alice,
        university,
        title="往期对接会",
        kind="matching",
        starts_at=timezone.now() - datetime.timedelta(days=10),
        ends_at=timezone.now() - datetime.timedelta(days=9),
    )
    add_slot(alice, past, university)
    services.event_publish(actor=alice, event=past)
    assert "往期对接会" not in page(client.get("/events/"))
    assert "近期没有安排路演或对接会。" in page(client.get("/events/"))
    assert "往期对接会" in page(client.get("/events/?tab=past"))
    assert "往期对接会" not in page(client.get("/events/?tab=past&kind=roadshow"))


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, alice, university, django_assert_max_num_queries
):
    for n in range(6):
        open_event(alice, university, university, title=f"路演第{n}场")
    with django_assert_max_num_queries(6):
        text = page(client.get("/events/"))
    assert text.count("路演第") == 6


def test_the_organiser_sees_the_organiser_links(login, event, alice, charlie):
    text = page(login(alice).get(f"/events/{event.pk}/"))
    for name in ("registrations", "checkin", "live", "followups", "report"):
        assert f"/events/{event.pk}/{name}/" in text
    assert 'data-testid="organiser-actions"' not in page(login(charlie).get(f"/events/{event.pk}/"))


def test_edits_are_for_the_organisers_contributors(login, event, alice, bob, charlie):
    assert login(charlie).get(f"/events/{event.pk}/edit/").status_code == 403
    assert login(bob).get(f"/events/{event.pk}/edit/").status_code == 200
    with pytest.raises(PermissionDenied):
        services.event_update(actor=charlie, event=event, title="改名")


def test_capacity_cannot_drop_below_the_registrations(event, alice, charlie, nina, enterprise):
    services.registration_create(actor=charlie, event=event, role="enterprise", organisation=enterprise)
    services.registration_create(actor=nina, event=event, role="guest")
    with pytest.raises(ValidationError) as error:
        services.event_update(actor=alice, event=event, capacity=1)
    assert "不能少于已报名人数（2 人）" in message_of(error)
    event.refresh_from_db()
    assert event.capacity == 50


def test_publishing_needs_a_slot(alice, university):
    draft = make_event(alice, university)
    with pytest.raises(ValidationError) as error:
        services.event_publish(actor=alice, event=draft)
    assert "请先添加至少一个路演项目" in message_of(error)
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT


def test_an_event_is_marked_held_only_after_it_started(alice, university):
    later = open_event(
        alice,
        university,
        university,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        ends_at=timezone.now() + datetime.timedelta(days=3, hours=2),
    )
    with pytest.raises(ValidationError) as error:
        services.event_mark_held(actor=alice, event=later)
    assert "活动尚未开始" in message_of(error)


def test_cancelling_needs_a_reason_and_tells_the_registrants(
    login, event, alice, charlie, django_capture_on_commit_callbacks
):
    services.registration_create(actor=charlie, event=event, role="guest")
    with pytest.raises(ValidationError) as error:
        services.event_cancel(actor=alice, event=event, reason="  ")
    assert error.value.message_dict["reason"] == ["取消活动时请说明原因。"]
    with django_capture_on_commit_callbacks(execute=True):
        login(alice).post(f"/events/{event.pk}/cancel/", {"reason": "场地临时检修"})
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    notice = Notification.objects.get(recipient=charlie)
    assert "场地临时检修" in notice.body


# -- slots and invitations --------------------------------------------------------------------------------
def test_a_result_of_another_organisation_is_refused_on_a_slot(
    login, event, alice, charlie, enterprise, university
):
    foreign = make_result(charlie, enterprise, title="一汽的成果")
    response = login(alice).post(
        f"/events/{event.pk}/slots/new/",
        {"title": "另一个项目", "organisation": university.pk, "minutes": 10, "achievement": foreign.pk},
    )
    # The form offers only the presenting organisation's results; the service checks it anyway.
    assert response.status_code == 200 and "achievement" in response.context["form"].errors
    with pytest.raises(ValidationError) as error:
        add_slot(alice, event, university, title="另一个项目", achievement=foreign)
    assert error.value.message_dict["achievement"] == ["关联成果须为路演单位的成果。"]
    assert event.slots.count() == 1


def test_an_unpublished_result_is_refused_on_a_slot(alice, bob, event, university):
    draft = make_result(bob, university, publish=False)
    with pytest.raises(ValidationError) as error:
        add_slot(alice, event, university, achievement=draft)
    assert error.value.message_dict["achievement"] == ["关联成果须为已发布的成果。"]


def test_slots_are_reordered_and_deleted_by_the_organiser(login, event, alice, charlie, university, slot):
    second = add_slot(alice, event, university, title="第二个项目")
    login(alice).post(f"/events/slots/{second.pk}/move/", {"direction": "up"})
    assert list(event.slots.order_by("order").values_list("title", flat=True)) == [
        "第二个项目",
        "车用固态电池电解质",
    ]
    assert login(charlie).post(f"/events/slots/{second.pk}/delete/").status_code == 403
    login(alice).post(f"/events/slots/{second.pk}/delete/")
    assert list(event.slots.all()) == [slot]


def test_an_organisation_is_invited_once(
    event, alice, enterprise, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_add(actor=alice, event=event, organisation=enterprise, kind="enterprise")
    assert Notification.objects.filter(recipient=charlie).count() == 1
    with pytest.raises(ValidationError) as error:
        services.invitation_add(actor=alice, event=event, organisation=enterprise, kind="investor")
    assert error.value.message_dict["organisation"] == ["该单位已在邀请名单中。"]
    assert Invitation.objects.count() == 1


def test_the_event_page_lists_the_invited_organisations(client, event, alice, enterprise):
    services.invitation_add(actor=alice, event=event, organisation=enterprise, kind="investor")
    text = page(client.get(f"/events/{event.pk}/"))
    assert "中国第一汽车集团有限公司" in text and "投资机构" in text


# -- registration ----------------------------------------------------------------------------------------
def test_registration_is_refused_when_full_and_nothing_is_written(alice, university, ivan, nina):
    small = open_event(alice, university, university, capacity=1)
    services.registration_create(actor=ivan, event=small, role="investor")
    with pytest.raises(ValidationError) as error:
        services.registration_create(actor=nina, event=small, role="guest")
    assert message_of(error) == "名额已满。"
    assert small.registrations.count() == 1


def test_a_second_registration_is_refused(login, event, ivan):
    services.registration_create(actor=ivan, event=event, role="investor")
    response = login(ivan).post(f"/events/{event.pk}/register/", {"role": "guest"}, follow=True)
    assert "您已报名该活动。" in page(response)
    assert event.registrations.get().role == "investor"


def test_registration_after_closing_or_before_opening_is_refused(alice, university, event, charlie):
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as error:
        services.registration_create(actor=charlie, event=event, role="investor")
    assert message_of(error) == "报名已截止。"
    draft = make_event(alice, university)
    with pytest.raises(ValidationError):
        services.registration_create(actor=charlie, event=draft, role="investor")
    assert not Registration.objects.exists()


def test_only_ones_own_organisation_may_be_named(event, charlie, university):
    with pytest.raises(ValidationError) as error:
        services.registration_create(actor=charlie, event=event, role="investor", organisation=university)
    assert error.value.message_dict["organisation"] == ["只能选择您所在的单位。"]


def test_a_cancelled_registration_comes_back_when_there_is_room(
    login, alice, university, charlie, nina, enterprise
):
    small = open_event(alice, university, university, capacity=1)
    login(charlie).post(f"/events/{small.pk}/register/", {"role": "guest"})
    login(charlie).post(f"/events/{small.pk}/unregister/")
    registration = small.registrations.get()
    assert registration.status == Registration.Status.CANCELLED
    services.registration_create(actor=nina, event=small, role="guest")
    with pytest.raises(ValidationError):
        services.registration_create(actor=charlie, event=small, role="investor")
    services.registration_cancel(actor=nina, registration=small.registrations.get(user=nina))
    services.registration_create(actor=charlie, event=small, role="enterprise", organisation=enterprise)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED and registration.role == "enterprise"


# -- registrations page and check-in -------------------------------------------------------------------------
def test_the_organiser_sees_registrations_with_counts_and_search(
    login, event, alice, charlie, nina, experts, enterprise
):
    services.registration_create(actor=charlie, event=event, role="enterprise", organisation=enterprise)
    services.registration_create(actor=nina, event=event, role="guest")
    services.registration_create(actor=experts[0], event=event, role="expert")
    text = page(login(alice).get(f"/events/{event.pk}/registrations/"))
    assert 'data-testid="registered-count">3<' in text and 'data-testid="role-enterprise">1<' in text
    found = page(login(alice).get(f"/events/{event.pk}/registrations/?q=查理"))
    assert "查理" in found and "妮娜" not in found
    assert login(charlie).get(f"/events/{event.pk}/registrations/").status_code == 403


def test_check_in_by_a_non_organiser_is_forbidden(login, event, charlie, nina):
    registration = services.registration_create(actor=nina, event=event, role="guest")
    assert login(charlie).get(f"/events/{event.pk}/checkin/").status_code == 403
    assert (
        login(charlie).post(f"/events/{event.pk}/checkin/", {"registration": registration.pk}).status_code
        == 403
    )
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_checking_in_twice_is_a_friendly_no_op(login, event, alice, nina):
    registration = services.registration_create(actor=nina, event=event, role="guest")
    login(alice).post(f"/events/{event.pk}/checkin/", {"registration": registration.pk})
    registration.refresh_from_db()
    first = registration.checked_in_at
    response = login(alice).post(
        f"/events/{event.pk}/checkin/", {"registration": registration.pk}, follow=True
    )
    assert "无需重复签到" in page(response)
    registration.refresh_from_db()
    assert registration.checked_in_at == first and registration.checked_in_by.username == "alice"


def test_a_cancelled_registration_cannot_be_checked_in(event, alice, nina):
    registration = services.registration_create(actor=nina, event=event, role="guest")
    services.registration_cancel(actor=nina, registration=registration)
    with pytest.raises(ValidationError) as error:
        services.registration_check_in(actor=alice, registration=registration)
    assert "已取消" in message_of(error)
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_the_check_in_page_has_a_button_per_person(login, event, alice, nina):
    registration = services.registration_create(actor=nina, event=event, role="guest")
    text = page(login(alice).get(f"/events/{event.pk}/checkin/"))
    assert f'data-testid="checkin-{registration.pk}"' in text and "签到" in text


# -- the live page ----------------------------------------------------------------------------------------
def test_the_live_page_offers_phone_friendly_inputs(login, event, alice, experts, slot):
    checked_in(alice, event, experts[0], "expert")
    text = page(login(experts[0]).get(f"/events/{event.pk}/live/"))
    assert (
        'type="number"' in text
        and 'step="0.5"' in text
        and 'max="30"' in text
        and 'inputmode="decimal"' in text
    )
    assert "想进一步洽谈" in text


def test_feedback_without_check_in_is_refused(login, event, slot, charlie, enterprise):
    services.registration_create(actor=charlie, event=event, role="enterprise", organisation=enterprise)
    response = login(charlie).post(
        f"/events/{event.pk}/live/", {"slot": slot.pk, f"s{slot.pk}-want_to_talk": "on"}, follow=True
    )
    assert "请先签到。" in page(response)
    assert not SlotFeedback.objects.exists()


def test_a_score_out_of_range_is_refused_with_the_criterions_message(login, event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert")
    data = {"slot": slot.pk} | {f"s{slot.pk}-score_{k}": v for k, v in SHEETS[0].items()}
    data[f"s{slot.pk}-score_innovation"] = "31"
    response = login(experts[0]).post(f"/events/{event.pk}/live/", data)
    assert response.status_code == 200 and "“技术创新性”的分数应在 0 到 30 之间。" in page(response)
    assert not SlotFeedback.objects.exists()


def test_all_criteria_are_required_once_one_is_given(event, alice, slot, charlie, enterprise):
    checked_in(alice, event, charlie, "enterprise", enterprise)
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=charlie, slot=slot, items={"innovation": "20"}, want_to_talk=True)
    assert error.value.message_dict["market"] == ["请为“市场前景”打分。"]
    assert not SlotFeedback.objects.exists()


def test_experts_must_score(event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert")
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=experts[0], slot=slot, want_to_talk=True)
    assert "innovation" in error.value.message_dict


def test_guests_and_presenters_do_not_score(event, alice, slot, nina, bob):
    checked_in(alice, event, nina, "guest")
    checked_in(alice, event, bob, "presenter")
    for person in (nina, bob):
        with pytest.raises(ValidationError) as error:
            services.feedback_submit(actor=person, slot=slot, items=SHEETS[0])
        assert message_of(error) == "观众和路演团队不参与评分。"
    assert not SlotFeedback.objects.exists()


def test_feedback_is_updated_while_open_and_read_only_after_held(event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert")
    services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[0])
    services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[1], note="修改")
    feedback = SlotFeedback.objects.get()
    assert feedback.score == Decimal("70.00") and feedback.note == "修改"
    services.event_mark_held(actor=alice, event=event)
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[4])
    assert "活动已结束" in message_of(error)
    feedback.refresh_from_db()
    assert feedback.score == Decimal("70.00")


# -- follow-ups and the report ----------------------------------------------------------------------------
@pytest.fixture
def interest(event, alice, slot, charlie, enterprise):
    checked_in(alice, event, charlie, "enterprise", enterprise)
    return services.feedback_submit(actor=charlie, slot=slot, want_to_talk=True, note="想谈许可")


def test_an_interest_is_converted_once(login, alice, interest):
    services.feedback_to_engagement(actor=alice, feedback=interest)
    with pytest.raises(ValidationError) as error:
        services.feedback_to_engagement(actor=alice, feedback=interest)
    assert message_of(error) == "该意向已生成对接记录。"
    assert Engagement.objects.count() == 1
    services.feedback_to_project(actor=alice, feedback=interest)
    response = login(alice).post(f"/events/feedback/{interest.pk}/project/", follow=True)
    assert "该意向已立项。" in page(response)
    assert TransferProject.objects.count() == 1


def test_a_project_needs_an_interested_enterprise(event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert", experts[0].memberships.get().organisation)
    feedback = services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[0], want_to_talk=True)
    with pytest.raises(ValidationError) as error:
        services.feedback_to_project(actor=alice, feedback=feedback)
    assert "须为企业" in message_of(error)
    assert not TransferProject.objects.exists()


def test_followups_are_for_the_organiser(login, event, interest, charlie, alice):
    assert login(charlie).get(f"/events/{event.pk}/followups/").status_code == 403
    assert login(charlie).post(f"/events/feedback/{interest.pk}/engagement/").status_code == 403
    text = page(login(alice).get(f"/events/{event.pk}/followups/"))
    assert "想谈许可" in text and f'data-testid="to-engagement-{interest.pk}"' in text
    assert not Engagement.objects.exists()


def test_the_secretariat_hears_the_deals_services_refusal(login, sam, interest):
    response = login(sam).post(f"/events/feedback/{interest.pk}/engagement/", follow=True)
    assert "只有本机构成员或平台管理员可以执行此操作。" in page(response)
    assert not Engagement.objects.exists()


def test_the_report_is_hidden_from_others(client, login, event, charlie, sam, bob):
    assert client.get(f"/events/{event.pk}/report/").status_code == 404
    assert login(charlie).get(f"/events/{event.pk}/report/").status_code == 404
    assert login(sam).get(f"/events/{event.pk}/report/").status_code == 200
    assert login(bob).get(f"/events/{event.pk}/report/").status_code == 200


def test_the_report_keeps_every_score_below_five(login, event, alice, slot, experts):
    for expert, sheet in zip(experts[:2], SHEETS[:2], strict=True):
        checked_in(alice, event, expert, "expert")
        services.feedback_submit(actor=expert, slot=slot, items=sheet)
    text = page(login(alice).get(f"/events/{event.pk}/report/"))
    assert 'data-testid="aggregate">65.00<' in text and "未去掉最高分和最低分" in text
    assert "window.print()" in text and "@media print" in text


# -- who may score: roles are vouched for, nobody scores their own organisation --------------------------
def test_a_researcher_cannot_declare_himself_expert_investor_or_enterprise(event, bob, university):
    refusals = {
        "expert": ("role", "只有专家库在库专家或受邀专家单位的成员可以以“评审专家”身份报名。"),
        "investor": ("role", "只有基金、银行或受邀投资机构的成员可以以“投资人”身份报名。"),
        "enterprise": ("organisation", "以“企业代表”身份报名时，请选择您所在的企业。"),
    }
    for role, (field, message) in refusals.items():
        with pytest.raises(ValidationError) as error:
            services.registration_create(actor=bob, event=event, role=role, organisation=university)
        assert error.value.message_dict == {field: [message]}
    assert not Registration.objects.exists()


def test_the_expert_pool_a_fund_and_invitations_vouch_for_the_scoring_roles(
    event, alice, bob, charlie, ivan, experts, institute, enterprise
):
    services.registration_create(actor=experts[0], event=event, role="expert")
    services.registration_create(actor=ivan, event=event, role="investor")
    with pytest.raises(ValidationError):
        services.registration_create(actor=charlie, event=event, role="investor")
    services.invitation_add(actor=alice, event=event, organisation=enterprise, kind="investor")
    services.registration_create(actor=charlie, event=event, role="investor")
    # A colleague of the pool's experts without a profile of his own, once the institute is invited.
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, organisation=institute, role=Role.RESEARCHER)
    with pytest.raises(ValidationError):
        services.registration_create(actor=colleague, event=event, role="expert")
    services.invitation_add(actor=alice, event=event, organisation=institute, kind="expert")
    services.registration_create(actor=colleague, event=event, role="expert")
    assert set(event.registrations.values_list("user__username", "role")) == {
        ("expert0", "expert"),
        ("ivan", "investor"),
        ("charlie", "investor"),
        ("colleague", "expert"),
    }


def test_an_expert_whose_profile_is_withdrawn_is_refused(event, experts):
    ExpertProfile.objects.filter(user=experts[0]).update(is_active=False)
    with pytest.raises(ValidationError) as error:
        services.registration_create(actor=experts[0], event=event, role="expert")
    assert "role" in error.value.message_dict
    assert not Registration.objects.exists()


def test_an_enterprise_representative_names_his_own_enterprise(event, charlie, enterprise):
    with pytest.raises(ValidationError) as error:
        services.registration_create(actor=charlie, event=event, role="enterprise")
    assert error.value.message_dict == {"organisation": ["以“企业代表”身份报名时，请选择您所在的企业。"]}
    registration = services.registration_create(
        actor=charlie, event=event, role="enterprise", organisation=enterprise
    )
    assert registration.organisation == enterprise


def _registration_form(text):
    return text.split('data-testid="registration"')[1].split("</section>")[0]


def test_the_registration_form_offers_only_the_roles_and_organisations_one_may_take(
    login, event, nina, charlie, experts
):
    form = _registration_form(page(login(nina).get(f"/events/{event.pk}/")))
    assert 'value="guest"' in form and 'value="presenter"' in form
    for role in ("expert", "investor", "enterprise"):
        assert f'value="{role}"' not in form
    form = _registration_form(page(login(charlie).get(f"/events/{event.pk}/")))
    assert 'value="enterprise"' in form and 'value="expert"' not in form and 'value="investor"' not in form
    assert "中国第一汽车集团有限公司" in form and "吉林大学" not in form
    form = _registration_form(page(login(experts[0]).get(f"/events/{event.pk}/")))
    assert 'value="expert"' in form


def test_a_self_declared_expert_hears_why_on_the_page(login, event, bob):
    response = login(bob).post(f"/events/{event.pk}/register/", {"role": "expert"}, follow=True)
    assert "只有专家库在库专家或受邀专家单位的成员可以以“评审专家”身份报名。" in page(response)
    assert not Registration.objects.exists()


def test_nobody_scores_a_slot_of_their_own_organisation(login, event, alice, slot, university, experts):
    """The reviewer's case: a 吉林大学 researcher, even one in the expert pool, scoring 吉大's slot."""
    jlu_expert = experts[0]
    MembershipFactory(user=jlu_expert, organisation=university, role=Role.RESEARCHER)
    checked_in(alice, event, jlu_expert, "expert", university)
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=jlu_expert, slot=slot, items=SHEETS[4])
    assert message_of(error) == "不能为本单位的路演项目评分。"
    # Registered for the institute, still a member of 吉大: refused all the same.
    other = experts[1]
    MembershipFactory(user=other, organisation=university, role=Role.RESEARCHER)
    checked_in(
        alice, event, other, "expert", other.memberships.get(organisation__kind="institute").organisation
    )
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=other, slot=slot, want_to_talk=True, items=SHEETS[4])
    assert message_of(error) == "不能为本单位的路演项目评分。"
    assert not SlotFeedback.objects.exists()
    text = page(login(jlu_expert).get(f"/events/{event.pk}/live/"))
    assert f'data-testid="own-{slot.pk}"' in text and f'data-testid="save-{slot.pk}"' not in text


def test_a_registration_whose_role_lost_its_grounds_no_longer_scores(event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert")
    ExpertProfile.objects.filter(user=experts[0]).update(is_active=False)
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[0])
    assert message_of(error) == "您已不具备“评审专家”的参会身份，不能评分。"
    assert not SlotFeedback.objects.exists()


# -- when: the door and the score sheets --------------------------------------------------------------------
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day, hour, minute=0):
    return datetime.datetime(2024, 5, day, hour, minute, tzinfo=SHANGHAI)


def test_the_door_opens_on_the_day_and_shuts_at_the_end():
    one_day = Event(starts_at=at(10, 14), ends_at=None)
    assert permissions.check_in_refusal(one_day, at(9, 23, 59)).startswith("签到尚未开始")
    assert permissions.check_in_refusal(one_day, at(10, 0)) == ""
    assert permissions.check_in_refusal(one_day, at(10, 23, 59)) == ""
    assert permissions.check_in_refusal(one_day, at(11, 0)) == "活动已于 2024-05-11 00:00 结束，不能再签到。"
    with_end = Event(starts_at=at(10, 14), ends_at=at(10, 17, 30))
    assert permissions.check_in_refusal(with_end, at(10, 17, 29)) == ""
    assert permissions.check_in_refusal(with_end, at(10, 17, 30)) != ""


def test_score_sheets_open_an_hour_before_and_close_two_hours_after():
    event = Event(starts_at=at(10, 14), ends_at=at(10, 17, 30))
    assert permissions.scoring_refusal(event, at(10, 12, 59)) == (
        "现场评分尚未开始：活动开始前 1 小时（2024-05-10 13:00）起方可评分。"
    )
    assert permissions.scoring_refusal(event, at(10, 13)) == ""
    assert permissions.scoring_refusal(event, at(10, 19, 29)) == ""
    assert permissions.scoring_refusal(event, at(10, 19, 30)) == "现场评分已于 2024-05-10 19:30 截止。"
    no_end = Event(starts_at=at(10, 14), ends_at=None)
    assert permissions.scoring_refusal(no_end, at(11, 1, 59)) == ""
    assert permissions.scoring_refusal(no_end, at(11, 2)) != ""


def test_check_in_days_before_the_event_is_refused(login, alice, university, experts):
    """The reviewer's case: checked in three days ahead, then scoring from home."""
    later = open_event(
        alice,
        university,
        university,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        ends_at=timezone.now() + datetime.timedelta(days=3, hours=3),
    )
    registration = services.registration_create(actor=experts[0], event=later, role="expert")
    with pytest.raises(ValidationError) as error:
        services.registration_check_in(actor=alice, registration=registration)
    assert message_of(error).startswith("签到尚未开始：活动当天")
    response = login(alice).post(
        f"/events/{later.pk}/checkin/", {"registration": registration.pk}, follow=True
    )
    assert "签到尚未开始" in page(response) and 'data-testid="door-shut"' in page(response)
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=experts[0], slot=later.slots.get(), items=SHEETS[4])
    assert message_of(error).startswith("现场评分尚未开始")
    assert not SlotFeedback.objects.exists()


def test_check_in_after_the_end_is_refused(event, alice, nina):
    registration = services.registration_create(actor=nina, event=event, role="guest")
    shift(event, starts_in=-datetime.timedelta(hours=6))
    with pytest.raises(ValidationError) as error:
        services.registration_check_in(actor=alice, registration=registration)
    assert "不能再签到" in message_of(error)
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_scoring_follows_the_event_not_the_check_in(event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert")
    shift(event, starts_in=datetime.timedelta(hours=2))
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[0])
    assert message_of(error).startswith("现场评分尚未开始")
    shift(event, starts_in=datetime.timedelta(minutes=30))  # the hour before the start
    services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[0])
    shift(event, starts_in=-datetime.timedelta(hours=5))  # ended an hour ago: sheets still open
    services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[1])
    shift(event, starts_in=-datetime.timedelta(hours=7))  # ended three hours ago
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=experts[0], slot=slot, items=SHEETS[4])
    assert message_of(error).startswith("现场评分已于")
    assert SlotFeedback.objects.get().score == Decimal("70.00")


def test_the_live_page_says_when_scoring_opens(login, event, alice, slot, experts):
    checked_in(alice, event, experts[0], "expert")
    shift(event, starts_in=datetime.timedelta(hours=2))
    text = page(login(experts[0]).get(f"/events/{event.pk}/live/"))
    assert "现场评分尚未开始" in text and f'data-testid="save-{slot.pk}"' not in text


# -- registration closes at the start unless told otherwise ---------------------------------------------
def test_registration_closes_when_the_event_starts_without_a_closing_time(login, alice, university, nina):
    started = open_event(alice, university, university, registration_closes_at=None)
    with pytest.raises(ValidationError) as error:
        services.registration_create(actor=nina, event=started, role="guest")
    assert message_of(error) == "报名已截止。"
    text = page(login(nina).get(f"/events/{started.pk}/"))
    assert "报名已截止。" in text and 'data-testid="register"' not in text
    assert not Registration.objects.exists()


def test_registration_is_open_before_the_start(alice, university, nina):
    later = open_event(
        alice,
        university,
        university,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        ends_at=timezone.now() + datetime.timedelta(days=2, hours=3),
        registration_closes_at=None,
    )
    assert services.registration_create(actor=nina, event=later, role="guest").pk


def test_the_form_says_registration_closes_at_the_start(login, alice):
    assert "不填则报名截止到活动开始时。" in page(login(alice).get("/events/new/"))


# -- dates and numbers the database can hold --------------------------------------------------------------
def _event_form(university, **extra):
    now = timezone.now()
    return {
        "organiser": university.pk,
        "kind": "roadshow",
        "title": "年份有误的路演",
        "starts_at": form_time(now + datetime.timedelta(days=2)),
        "venue": "长春",
        "capacity": 10,
        "rubric": "roadshow-2023",
    } | extra


@pytest.mark.parametrize(
    "field, value",
    [
        ("starts_at", "0001-01-01T00:00"),
        ("starts_at", "1999-12-31T23:59"),
        ("ends_at", "9999-12-31T23:59"),
        ("registration_closes_at", "2101-01-01T00:00"),
    ],
)
def test_event_times_outside_2000_to_2100_are_a_form_error(login, alice, university, field, value):
    roadshow_rubric()
    response = login(alice).post("/events/new/", _event_form(university, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["时间应在 2000 年至 2100 年之间。"]
    assert not Event.objects.exists()


def test_the_event_form_bounds_event_times_before_the_service(university):
    roadshow_rubric()
    form = EventForm(
        data=_event_form(university, starts_at="0001-01-01T00:00", ends_at="2100-12-31T23:59"),
        organisers=Organisation.objects.filter(pk=university.pk),
    )
    assert not form.is_valid()
    assert form.errors == {"starts_at": ["时间应在 2000 年至 2100 年之间。"]}


def test_the_service_bounds_event_times_too(alice, university, event):
    with pytest.raises(ValidationError) as error:
        services.event_create(
            actor=alice,
            organiser=university,
            title="公元元年的路演",
            venue="长春",
            capacity=10,
            starts_at=datetime.datetime(1, 1, 1, tzinfo=SHANGHAI),
        )
    assert error.value.message_dict["starts_at"] == ["时间应在 2000 年至 2100 年之间。"]
    with pytest.raises(ValidationError) as error:
        services.event_update(
            actor=alice, event=event, ends_at=datetime.datetime(2101, 1, 1, tzinfo=SHANGHAI)
        )
    assert error.value.message_dict["ends_at"] == ["时间应在 2000 年至 2100 年之间。"]
    assert Event.objects.count() == 1
    assert services.validate_event_time(datetime.datetime(2100, 12, 31, 23, 59, tzinfo=SHANGHAI)) is None


def test_absurd_numbers_in_forms_are_refused_not_crashed(login, event, alice, university, slot):
    response = login(alice).post(
        f"/events/{event.pk}/slots/new/",
        {"title": "超长路演", "organisation": university.pk, "minutes": 10**20},
    )
    assert response.status_code == 200 and "minutes" in response.context["form"].errors
    response = login(alice).post(
        f"/events/{event.pk}/slots/new/", {"title": "x", "organisation": 10**20, "minutes": 10}
    )
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    assert login(alice).post(f"/events/{event.pk}/checkin/", {"registration": 10**20}).status_code == 404
    assert login(alice).post(f"/events/{event.pk}/live/", {"slot": 10**20}).status_code == 404
    response = login(alice).post(
        f"/events/{event.pk}/register/", {"role": "guest", "organisation": 10**20}, follow=True
    )
    assert response.status_code == 200
    assert event.slots.count() == 1 and not Registration.objects.exists()


# -- a busy database during registration ------------------------------------------------------------------
def test_a_locked_database_during_registration_is_a_friendly_message(login, event, nina, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "registration_create", locked)
    response = login(nina).post(f"/events/{event.pk}/register/", {"role": "guest"}, follow=True)
    assert response.status_code == 200 and "报名人数较多，请稍后重试。" in page(response)
    assert not Registration.objects.exists()


# -- times: slot starts, the change log, no dates in the past -------------------------------------------
def test_a_slot_with_a_start_time_is_added_and_edited_through_the_pages(login, event, alice, university):
    client = login(alice)
    response = client.post(
        f"/events/{event.pk}/slots/new/",
        {"title": "玉米秸秆高值化利用", "organisation": university.pk, "minutes": 15, "starts_at": "09:30"},
    )
    assert response.status_code == 302
    added = event.slots.get(title="玉米秸秆高值化利用")
    assert added.starts_at == datetime.time(9, 30)
    created = AuditLog.objects.get(action="create", object_id=str(added.pk), content_type__model="eventslot")
    assert created.changes["starts_at"] == [None, "09:30"]

    response = client.post(
        f"/events/slots/{added.pk}/edit/",
        {"title": "玉米秸秆高值化利用", "organisation": university.pk, "minutes": 15, "starts_at": "10:45"},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.starts_at == datetime.time(10, 45)
    updated = AuditLog.objects.get(action="update", object_id=str(added.pk), content_type__model="eventslot")
    assert updated.changes == {"starts_at": ["09:30", "10:45"]}


def test_the_change_log_reads_times_on_the_local_clock(login, alice, university):
    draft = make_event(
        alice,
        university,
        starts_at=datetime.datetime(2099, 12, 20, 9, 0, tzinfo=SHANGHAI),
        ends_at=None,
        registration_closes_at=datetime.datetime(2099, 12, 19, 17, 0, tzinfo=SHANGHAI),
    )
    created = AuditLog.objects.get(action="create", object_id=str(draft.pk), content_type__model="event")
    assert created.changes["starts_at"] == [None, "2099-12-20 09:00"]
    # The same moment from a UTC clock is no change; a new one reads in Beijing time too.
    services.event_update(
        actor=alice,
        event=draft,
        starts_at=datetime.datetime(2099, 12, 20, 1, 0, tzinfo=datetime.UTC),
        registration_closes_at=datetime.datetime(2099, 12, 19, 1, 0, tzinfo=datetime.UTC),
    )
    updated = AuditLog.objects.get(action="update", object_id=str(draft.pk), content_type__model="event")
    assert updated.changes == {"registration_closes_at": ["2099-12-19 17:00", "2099-12-19 09:00"]}
    text = page(login(alice).get(f"/events/{draft.pk}/"))
    assert "2099-12-19 17:00" in text and "+00:00" not in text and "2099-12-19T" not in text


def test_a_start_in_the_past_is_refused_on_creation_and_nothing_is_written(login, alice, university):
    with pytest.raises(ValidationError) as error:
        services.event_create(
            actor=alice,
            organiser=university,
            title="补办的路演",
            venue="长春",
            capacity=10,
            starts_at=datetime.datetime(2020, 1, 1, 9, 0, tzinfo=SHANGHAI),
            registration_closes_at=datetime.datetime(2019, 12, 31, 17, 0, tzinfo=SHANGHAI),
        )
    assert error.value.message_dict == {
        "starts_at": ["开始时间不能早于现在。"],
        "registration_closes_at": ["报名截止时间不能早于现在。"],
    }
    roadshow_rubric()
    response = login(alice).post(
        "/events/new/", _event_form(university, starts_at="2020-01-01T09:00", ends_at="2020-01-01T12:00")
    )
    assert response.status_code == 200 and "开始时间不能早于现在。" in page(response)
    assert not Event.objects.exists() and not AuditLog.objects.filter(content_type__model="event").exists()


def test_an_edit_may_not_move_the_start_or_the_closing_into_the_past(login, alice, university):
    now = timezone.now()
    later = make_event(
        alice,
        university,
        starts_at=now + datetime.timedelta(days=5),
        ends_at=None,
        registration_closes_at=None,
    )
    response = login(alice).post(
        f"/events/{later.pk}/edit/",
        _event_form(university, starts_at="2020-01-01T09:00", registration_closes_at="2019-12-31T00:00"),
    )
    assert response.status_code == 200
    assert "开始时间不能早于现在。" in page(response) and "报名截止时间不能早于现在。" in page(response)
    with pytest.raises(ValidationError) as error:
        services.event_update(
            actor=alice, event=later, registration_closes_at=now - datetime.timedelta(hours=1)
        )
    assert error.value.message_dict == {"registration_closes_at": ["报名截止时间不能早于现在。"]}
    refreshed = Event.objects.get(pk=later.pk)
    assert refreshed.starts_at == later.starts_at and refreshed.registration_closes_at is None


def test_an_event_under_way_keeps_its_start_and_its_other_facts_can_be_edited(
    login, event, alice, university
):
    assert event.starts_at < timezone.now()
    changes = services.event_update(
        actor=alice, event=event, starts_at=event.starts_at, venue="长春新区北湖科技园 B 座"
    )
    assert changes == {"venue": ["长春新区北湖科技园", "长春新区北湖科技园 B 座"]}
    response = login(alice).post(
        f"/events/{event.pk}/edit/",
        _event_form(
            university,
            starts_at=form_time(event.starts_at),
            ends_at=form_time(event.ends_at),
            registration_closes_at=form_time(event.registration_closes_at),
        )
        | {"title": "长春新区科技成果路演（第二场）"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "长春新区科技成果路演（第二场）"
    with pytest.raises(ValidationError) as error:
        services.event_update(
            actor=alice, event=event, starts_at=event.starts_at - datetime.timedelta(hours=1)
        )
    assert error.value.message_dict == {"starts_at": ["开始时间不能早于现在。"]}


# -- what the event page says about registration ---------------------------------------------------------
def test_a_draft_says_registration_is_not_open_yet(login, client, alice, university):
    draft = make_event(alice, university, starts_at=timezone.now() + datetime.timedelta(days=3), ends_at=None)
    text = page(login(alice).get(f"/events/{draft.pk}/"))
    assert "尚未开放报名。" in text and "报名已截止。" not in text


def test_a_held_or_cancelled_event_tells_how_many_came_not_the_places_left(
    client, login, event, alice, charlie, nina, enterprise
):
    services.registration_create(actor=charlie, event=event, role="enterprise", organisation=enterprise)
    services.registration_create(actor=nina, event=event, role="guest")
    text = page(client.get(f"/events/{event.pk}/"))
    assert "共 50 人，剩余 48 个名额" in text
    services.registration_check_in(actor=alice, registration=event.registrations.get(user=charlie))
    services.event_mark_held(actor=alice, event=event)
    text = page(client.get(f"/events/{event.pk}/"))
    assert "共 50 人，已报名 2 人，已签到 1 人" in text and "剩余" not in text

    other = open_event(alice, event.organiser, event.organiser, title="改期的路演", capacity=80)
    services.registration_create(actor=nina, event=other, role="guest")
    services.event_cancel(actor=alice, event=other, reason="场地检修")
    text = page(client.get(f"/events/{other.pk}/"))
    assert "共 80 人，已报名 1 人，已签到 0 人" in text and "剩余" not in text


# -- the forms -----------------------------------------------------------------------------------------------
def test_the_capacity_field_asks_the_browser_for_the_models_bounds():
    html = str(EventForm()["capacity"])
    assert 'min="1"' in html and 'max="100000"' in html


@pytest.fixture
def presenters(university, enterprise, institute, bureau, bob, charlie):
    """Who may present and who may not: a fund, a park, the bureau and a closed institute may not."""
    fund = OrganisationFactory(name="吉林省科技创新投资基金", kind="fund")
    park = OrganisationFactory(name="长春北湖科技园", kind="park")
    closed = OrganisationFactory(name="已撤销研究所", kind="institute", is_active=False)
    expert = UserFactory(username="ines")
    MembershipFactory(user=expert, organisation=institute, role=Role.STAFF)
    results = {
        "jlu": make_result(bob, university, title="车用固态电池电解质"),
        "jlu_draft": make_result(bob, university, title="未发布的成果", publish=False),
        "faw": make_result(charlie, enterprise, title="一汽的成果"),
        "ciac": make_result(expert, institute, title="稀土催化剂"),
    }
    return {"fund": fund, "park": park, "closed": closed, **results}


def test_the_slot_form_offers_presenting_organisations_by_kind_then_name(alice, presenters, university):
    form = SlotForm(viewer=alice)
    organisations = list(form.fields["organisation"].queryset)
    assert [o.kind for o in organisations] == ["university", "institute", "enterprise"]
    assert presenters["fund"] not in organisations and presenters["park"] not in organisations
    assert presenters["closed"] not in organisations
    assert not any(o.kind == "government" for o in organisations)


def test_a_new_slot_offers_published_results_of_presenters_labelled_with_the_owner(alice, presenters):
    field = SlotForm(viewer=alice).fields["achievement"]
    labels = [label for value, label in field.choices if value]
    assert labels == [
        "吉大 · 车用固态电池电解质",
        "中国科学院长春应用化学研究所 · 稀土催化剂",
        "中国一汽 · 一汽的成果",
    ]


def test_a_slot_of_an_organisation_offers_only_its_results(alice, event, slot, presenters, enterprise):
    field = SlotForm(viewer=alice, instance=slot).fields["achievement"]
    assert [label for value, label in field.choices if value] == ["吉大 · 车用固态电池电解质"]
    # A changed presenting organisation brings its own results with it.
    data = {
        "title": slot.title,
        "organisation": enterprise.pk,
        "minutes": 10,
        "achievement": presenters["faw"].pk,
    }
    form = SlotForm(data, viewer=alice, instance=slot)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["achievement"] == presenters["faw"]


def test_the_slot_form_keeps_what_the_slot_already_names(alice, event, university, presenters, bob):
    linked = add_slot(alice, event, university, title="已关联的项目", achievement=presenters["jlu"])
    Organisation.objects.filter(pk=university.pk).update(is_active=False)
    form = SlotForm(viewer=alice, instance=linked)
    assert university in form.fields["organisation"].queryset
    assert presenters["jlu"] in form.fields["achievement"].queryset

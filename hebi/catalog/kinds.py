"""Results and needs share one flow (see, create, edit, move, attach, ask for access). The
pages and the API tell them apart by this descriptor instead of branching on the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from hebi.catalog import selectors, services
from hebi.catalog.forms import AchievementForm, NeedForm
from hebi.catalog.models import Achievement, Need


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type[Achievement] | type[Need]
    form: type[AchievementForm] | type[NeedForm]
    hall_title: Any
    noun: Any
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    move: Callable[..., Any]


ACHIEVEMENT = Kind(
    slug="achievement",
    model=Achievement,
    form=AchievementForm,
    hall_title=gettext_lazy("成果大厅"),
    noun=gettext_lazy("科技成果"),
    get=selectors.achievement_get,
    create=services.achievement_create,
    update=lambda **kw: services.achievement_update(achievement=kw.pop("subject"), **kw),
    move=lambda **kw: services.achievement_transition(achievement=kw.pop("subject"), **kw),
)
NEED = Kind(
    slug="need",
    model=Need,
    form=NeedForm,
    hall_title=gettext_lazy("需求大厅"),
    noun=gettext_lazy("技术需求"),
    get=selectors.need_get,
    create=services.need_create,
    update=lambda **kw: services.need_update(need=kw.pop("subject"), **kw),
    move=lambda **kw: services.need_transition(need=kw.pop("subject"), **kw),
)
KINDS = {"achievement": ACHIEVEMENT, "need": NEED}

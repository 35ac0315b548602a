"""Named personas, as in healthchecks' tests.

Alice administers 吉林大学 (a university); Bob is a researcher there.
Charlie administers 中国一汽 (an enterprise) and has no say over Alice's university.
Pat is a platform admin; Sam sits in the committee secretariat; Rita reviews technology
contracts (registry officer); Tess is 吉林大学's technology manager; Nina belongs nowhere.
"""

import os

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hebi.core.roles import Role
from hebi.matching import index as matching_index
from tests.browser import chromium
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

# The live server of the browser tests imports hebi.wsgi: no index warm-up thread there.
os.environ["HEBI_WARM_MATCHING"] = "0"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hashing at full strength makes every seeded test slow; the hasher itself is Django's.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # The matching index lives in the process; each test's database starts afresh.
    matching_index.reset()
    yield
    matching_index.reset()


@pytest.fixture
def university(db):
    return OrganisationFactory(
        name="吉林大学", short_name="吉大", kind="university", name_en="Jilin University"
    )


@pytest.fixture
def enterprise(db):
    return OrganisationFactory(name="中国第一汽车集团有限公司", short_name="中国一汽", kind="enterprise")


@pytest.fixture
def bureau(db):
    return OrganisationFactory(name="长春市科学技术局", kind="government")


@pytest.fixture
def alice(university):
    user = UserFactory(username="alice", display_name="爱丽丝")
    MembershipFactory(user=user, organisation=university, role=Role.ORG_ADMIN)
    return user


@pytest.fixture
def bob(university):
    user = UserFactory(username="bob", display_name="鲍勃")
    MembershipFactory(user=user, organisation=university, role=Role.RESEARCHER)
    return user


@pytest.fixture
def charlie(enterprise):
    user = UserFactory(username="charlie", display_name="查理")
    MembershipFactory(user=user, organisation=enterprise, role=Role.ORG_ADMIN)
    return user


@pytest.fixture
def pat(bureau):
    user = UserFactory(username="pat", display_name="帕特")
    MembershipFactory(user=user, organisation=bureau, role=Role.PLATFORM_ADMIN)
    return user


@pytest.fixture
def sam(bureau):
    user = UserFactory(username="sam", display_name="萨姆")
    MembershipFactory(user=user, organisation=bureau, role=Role.SECRETARIAT)
    return user


@pytest.fixture
def rita(bureau):
    """Rita reviews technology contracts for the city's technology market (登记审核员)."""
    user = UserFactory(username="rita", display_name="丽塔")
    MembershipFactory(user=user, organisation=bureau, role=Role.REGISTRY_OFFICER)
    return user


@pytest.fixture
def tess(university):
    """Tess is 吉林大学's technology manager (技术经理人)."""
    user = UserFactory(username="tess", display_name="苔丝")
    MembershipFactory(user=user, organisation=university, role=Role.TECH_MANAGER)
    return user


@pytest.fixture
def nina(db):
    return UserFactory(username="nina", display_name="妮娜")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def api():
    def _api(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _api


@pytest.fixture
def browser():
    """Headless Debian Chromium for the tests marked `browser`."""
    driver = chromium()
    yield driver
    driver.quit()

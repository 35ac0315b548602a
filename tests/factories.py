import factory
from django.contrib.auth import get_user_model

from hebi.orgs.models import Membership, Organisation, Region

PASSWORD = "correct-horse-battery-42"


def changchun() -> Region:
    # The data migration loads the regions; transactional tests flush them, so make sure.
    province, _ = Region.objects.get_or_create(code="220000", defaults={"name": "吉林省", "kind": "province"})
    region, _ = Region.objects.get_or_create(
        code="220100", defaults={"name": "长春市", "kind": "prefecture", "parent": province}
    )
    return region


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = Organisation.Kind.UNIVERSITY
    region = factory.LazyFunction(changchun)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "staff"

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.accounts import services
from hebi.accounts.forms import AcceptInvitationForm, ProfileForm, SignInForm
from hebi.accounts.models import User
from hebi.core.audit import history_for
from hebi.core.forms import apply_validation_error
from hebi.orgs.selectors import person_get, person_memberships


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(actor=self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return response


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if invitation.status != "pending":
        return render(request, "accounts/invitation_invalid.html", {"invitation": invitation}, status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (request.user.is_authenticated or form.is_valid()):
        try:
            if request.user.is_authenticated:
                services.invitation_accept_existing_user(invitation=invitation, user=request.user)
            else:
                user = services.invitation_accept_new_user(
                    invitation=invitation,
                    username=form.cleaned_data["username"],
                    display_name=form.cleaned_data["display_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as error:
            apply_validation_error(request, error, None if request.user.is_authenticated else form)
        else:
            messages.success(request, _("欢迎加入 %(org)s。") % {"org": invitation.organisation})
            return redirect("core:home")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.user_update_profile(actor=user, user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("资料已保存。") if changes else _("没有需要保存的修改。"))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "memberships": person_memberships(viewer=user, person=user),
            "history": history_for(user)[:20],
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get(viewer=request.user, pk=pk)
    return render(
        request,
        "accounts/person_detail.html",
        {"person": person, "memberships": person_memberships(viewer=request.user, person=person)},
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(User.Language.choices):
        messages.error(request, _("不支持该语言。"))
        language = ""
    elif request.user.is_authenticated:
        services.user_update_profile(actor=request.user, user=request.user, language=language)
    target = request.POST.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("core:home")
    response = HttpResponseRedirect(target)
    if language:
        response.set_cookie("hebi_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response

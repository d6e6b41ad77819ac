from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seip.accounts.models import User
from seip.notifications.forms import PreferencesForm
from seip.notifications.selectors import kinds_for, preferences_of
from seip.notifications.services import preferences_update


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Which emails the signed-in person wants, among the kinds that fit their roles.
    Their own choices only: there is no id in the address to try another's."""
    user: User = request.user  # type: ignore[assignment]
    shown = kinds_for(user)
    current = preferences_of(user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, shown=shown, preferences=current
    )
    if request.method == "POST" and form.is_valid():
        # Kinds not shown keep their setting: a role added later starts with them on.
        hidden_on = [kind for kind in current.kinds_on() if kind not in shown]
        preferences_update(user=user, kinds=[*form.cleaned_data["kinds"], *hidden_on], actor=user)
        messages.success(request, "Your email choices are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "shown": shown})

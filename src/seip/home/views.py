from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from seip.accounts.models import User
from seip.home.context_processors import request_partnership
from seip.home.steps import next_steps, task_summary
from seip.organisations.selectors import expiring_agreements


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """The role-aware start page; anonymous visitors go to sign in."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user: User = request.user
    memberships = user.memberships.select_related("partnership", "organisation")
    return render(
        request,
        "core/home.html",
        {
            "tasks": task_summary(request),
            "steps": next_steps(user, request_partnership(request)),
            "memberships": memberships,
            # Only those who can renew an agreement are warned (co-ordinator, administrator).
            "expiring_agreements": expiring_agreements(user),
        },
    )

"""My tasks and the calendar of reviews: thin views over ``tasks.selectors``."""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from seip.accounts.http import user_of
from seip.core.calendar import HalfTerm, half_term_of
from seip.keys import crypto
from seip.progress.selectors import DueReview
from seip.sharing.access import record_list
from seip.tasks.selectors import has_tasks, record_tasks_read, review_schedule, tasks_for


@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    tasks = tasks_for(user)
    record_tasks_read(request, tasks, part="tasks")
    return render(
        request,
        "tasks/task_list.html",
        {
            "tasks": tasks,
            "overdue": sum(task.overdue for task in tasks),
            "has_tasks": has_tasks(user),
        },
    )


@dataclass(frozen=True)
class Week:
    starts_on: dt.date
    half_term: HalfTerm
    reviews: list[DueReview]


def weeks_until(today: dt.date, end: dt.date, reviews: list[DueReview]) -> list[Week]:
    """Monday-to-Sunday weeks from this week to the one holding ``end``, each with the
    reviews due in it."""
    monday = today - dt.timedelta(days=today.weekday())
    weeks = []
    while monday <= end:
        sunday = monday + dt.timedelta(days=6)
        due = [r for r in reviews if today <= r.next.due_on and monday <= r.next.due_on <= sunday]
        weeks.append(Week(monday, half_term_of(monday), due))
        monday += dt.timedelta(weeks=1)
    return weeks


@require_GET
def review_calendar(request: HttpRequest) -> HttpResponse:
    """Reviews due from today to the end of the next half term, week by week, after any
    that are already overdue (P12)."""
    today = timezone.localdate()
    end = half_term_of(today).next().end
    reviews = [r for r in review_schedule(user_of(request), today=today) if r.next.due_on <= end]
    crypto.preload(r.case.student.referral_id for r in reviews)  # names, in one query
    record_list(request, [r.case.student for r in reviews], part="review_calendar")
    return render(
        request,
        "tasks/calendar.html",
        {
            "today": today,
            "end": end,
            "next_half_term": half_term_of(today).next(),
            "overdue": [r for r in reviews if r.next.due_on < today],
            "weeks": weeks_until(today, end, reviews),
            "has_tasks": has_tasks(user_of(request)),
        },
    )

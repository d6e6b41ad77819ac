import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from seip.accounts.http import user_of
from seip.accounts.models import User
from seip.core.crypto import sha256
from seip.core.forms import GovUKForm, apply_errors
from seip.core.uploads import upload_limit
from seip.keys import crypto
from seip.records import selectors, services
from seip.records.forms import (
    MAX_NOTE_UPLOAD_BYTES,
    AgencyForm,
    BreakGlassForm,
    ConcernForm,
    ContactForm,
    CorrectNeedForm,
    NeedForm,
    NoteForm,
    TargetForm,
    TargetStatusForm,
    VerifyForm,
)
from seip.records.models import Need, NeedKind, Target
from seip.records.permissions import RecordAccess, access_for
from seip.sharing.access import open_record
from seip.students.models import Student

logger = logging.getLogger(__name__)


def _student(
    request: HttpRequest,
    pk: int,
    part: str,
    *,
    staff_only: bool = False,
    write: bool = False,
    concern: bool = False,
    chronology: bool = False,
    download: bool = False,
) -> tuple[Student, RecordAccess]:
    """Opened and recorded by ``open_record``: not visible means 404, never 403. With
    ``staff_only`` the chronology and concerns stay a 404 to everyone outside the
    partnership team (P02); with ``chronology`` other partnership staff, who may know the
    record exists, get a 403: the chronology is read only by those who need it (P08); with
    ``write`` a role that may read but not write gets a 403. Every refusal comes before the
    read is recorded."""
    found: list[RecordAccess] = []

    def check(user: User, student: Student) -> None:
        access = access_for(user, student)
        if staff_only and not access.is_staff:
            raise Http404("No such record.")
        if chronology and not access.reads_chronology:
            raise PermissionDenied(
                "Only the student's key worker and the partnership's leads can read the chronology."
            )
        if write and concern and not access.can_raise_concern:
            raise PermissionDenied("Only the partnership's case staff can change this record.")
        if write and not concern and access.write_refusal is not None:
            raise PermissionDenied(access.write_refusal)
        found.append(access)

    student = open_record(request, pk, part=part, check=check, download=download)
    return student, found[0]


def _writable(
    request: HttpRequest, pk: int, part: str, *, staff_only: bool = False, concern: bool = False
) -> Student:
    """For writes (a GET of the form is a read too: it names the student)."""
    student, _ = _student(request, pk, part, staff_only=staff_only, write=True, concern=concern)
    return student


def _data(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST":
        return {}
    return {"data": request.POST, "files": request.FILES}


def _form_view(
    request: HttpRequest,
    student: Student,
    form: GovUKForm,
    title: str,
    apply: Callable[[dict[str, Any]], object],
    *,
    next_url: str = "records:profile",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate the form, call one audited service, show its ValidationError on the
    form, or go back."""
    if request.method == "POST" and form.is_valid():
        try:
            apply(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{title}: saved.")
            return redirect(next_url, student.pk)
    context = {"form": form, "student": student, "title": title, **(extra or {})}
    return render(request, "records/form.html", context)


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    student, _ = _student(request, pk, "profile_page")
    context = {"student": student, **selectors.panel_context(student, user_of(request))}
    return render(request, "records/profile.html", context)


@require_http_methods(["GET", "POST"])
def need_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    student = _writable(request, pk, "need_form")
    if kind not in NeedKind.values:
        raise Http404("No such kind of need.")
    form = NeedForm(**_data(request), kind=kind, partnership=student.partnership)

    def apply(data: dict[str, Any]) -> Need:
        return services.need_record(
            student=student, kind=kind, code=data["code"], detail=data.get("detail", ""),
            source=form.source(), actor=user_of(request),
        )  # fmt: skip

    return _form_view(request, student, form, f"Record {NeedKind(kind).label.lower()}", apply)


@require_http_methods(["GET", "POST"])
def need_correct(request: HttpRequest, pk: int, need_pk: int) -> HttpResponse:
    student = _writable(request, pk, "need_correct_form")
    need = get_object_or_404(student.needs.select_related("code"), pk=need_pk)
    form = CorrectNeedForm(
        **_data(request), kind=need.kind, partnership=student.partnership,
        initial={"code": need.code.code, "detail": need.detail},
    )  # fmt: skip

    def apply(data: dict[str, Any]) -> Need:
        return services.correct_fact(
            fact=need, code=data["code"], detail=data.get("detail", ""), source=form.source(),
            reason=data["reason"], actor=user_of(request),
        )  # fmt: skip

    history = selectors.need_history(student, need.kind)
    title = f"Correct {need.get_kind_display().lower()}"
    return _form_view(request, student, form, title, apply, extra={"history": history})


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    student = _writable(request, pk, "verify_form")
    facts = selectors.profile_context(student, user_of(request))["facts"]
    choices = [(f.key, f"{f.label}: {f.value}") for f in facts]
    form = VerifyForm(**_data(request), facts=choices)

    def apply(data: dict[str, Any]) -> int:
        return services.verify_facts(
            student=student, fact_ids=data["fact_ids"], actor=user_of(request)
        )

    return _form_view(request, student, form, "Confirm facts are still correct", apply)


@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = _writable(request, pk, "contact_form")
    form = ContactForm(**_data(request), partnership=student.partnership)

    def apply(data: dict[str, Any]) -> object:
        fields = ("name", "relationship", "parental_responsibility", "phone", "email",
                  "address", "priority")  # fmt: skip
        return services.contact_add(
            student=student, source=form.source(), actor=user_of(request),
            **{name: data[name] for name in fields},
        )  # fmt: skip

    return _form_view(request, student, form, "Add a contact", apply)


@require_http_methods(["GET", "POST"])
def agency_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = _writable(request, pk, "agency_form")
    form = AgencyForm(**_data(request), partnership=student.partnership)

    def apply(data: dict[str, Any]) -> object:
        fields = ("organisation", "organisation_name", "worker_name", "role", "since", "until")
        return services.agency_add(
            student=student, source=form.source(), actor=user_of(request),
            **{name: data[name] for name in fields},
        )  # fmt: skip

    return _form_view(request, student, form, "Add an agency involved", apply)


@require_http_methods(["GET", "POST"])
def target_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = _writable(request, pk, "target_form")
    form = TargetForm(**_data(request))

    def apply(data: dict[str, Any]) -> Target:
        plan = selectors.current_plan(student) or services.plan_create(
            student=student, actor=user_of(request)
        )
        return services.target_add(plan=plan, actor=user_of(request), **data)

    return _form_view(request, student, form, "Add a target to the support plan", apply)


@require_http_methods(["GET", "POST"])
def target_status(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    student = _writable(request, pk, "target_status_form")
    target = get_object_or_404(Target.objects.filter(plan__student=student), pk=target_pk)
    form = TargetStatusForm(**_data(request), initial={"status": target.status})

    def apply(data: dict[str, Any]) -> Target:
        return services.target_set_status(target=target, status=data["status"],
                                          actor=user_of(request))  # fmt: skip

    return _form_view(request, student, form, "Update the target's status", apply)


def _erased(request: HttpRequest, student: Student, error: crypto.DataUnavailable) -> HttpResponse:
    """Content whose key was shredded (P22) is gone for good: say so, rather than fail.
    Ciphertext that fails its integrity check (altered, or moved from another row) is
    said to be unreadable, and logged by id for the operators to look into (P14)."""
    erased = isinstance(error, crypto.KeyShredded)
    if not erased:
        logger.warning("Encrypted content of student %s could not be read", student.pk)
    context = {"student": student, "message": error.message, "erased": erased}
    return render(request, "records/erased.html", context, status=410 if erased else 500)


def chronology(request: HttpRequest, pk: int) -> HttpResponse:
    student, access = _student(request, pk, "chronology", staff_only=True, chronology=True)
    try:
        notes = selectors.chronology(student, user_of(request))
    except crypto.DataUnavailable as error:
        return _erased(request, student, error)
    return render(
        request,
        "records/chronology.html",
        {"student": student, "notes": notes, "can_write": access.can_write},
    )


@require_http_methods(["GET", "POST"])
@upload_limit(MAX_NOTE_UPLOAD_BYTES)
def note_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = _writable(request, pk, "note_form", staff_only=True)
    form = NoteForm(**_data(request))

    def apply(data: dict[str, Any]) -> object:
        return services.note_add(
            student=student, kind=data["kind"], happened_on=data["happened_on"],
            text=data["text"], attachments=form.uploads(), actor=user_of(request),
        )  # fmt: skip

    return _form_view(
        request, student, form, "Add a case note", apply, next_url="records:chronology"
    )


def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse | HttpResponse:
    """The decrypted file, after the same checks as the chronology itself."""
    student, _ = _student(
        request, pk, "attachment", staff_only=True, chronology=True, download=True
    )
    found = selectors.attachment_for(student, user_of(request), attachment_pk)
    if found is None:
        raise Http404("No such attachment.")
    try:
        content = crypto.read_encrypted_for(student.referral_id, found.stored_as)
    except crypto.KeyShredded as exc:
        # Erased for good (P22): say so plainly rather than fail with a server error.
        return HttpResponse(exc.message, status=410, content_type="text/plain; charset=utf-8")
    if sha256(content) != found.sha256:
        raise Http404("The stored file does not match its checksum.")
    response = FileResponse(iter([content]), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="case-note-{found.note_id}-{found.pk}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def concerns(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated readers see the concerns; other staff must break glass each time;
    everyone else gets a 404 (P02)."""
    student, access = _student(request, pk, "concerns", staff_only=True)
    context: dict[str, Any] = {"student": student, "access": access}
    try:
        return _concerns_page(request, student, access, context)
    except crypto.DataUnavailable as error:
        return _erased(request, student, error)


def _concerns_page(
    request: HttpRequest, student: Student, access: RecordAccess, context: dict[str, Any]
) -> HttpResponse:
    user = user_of(request)
    if access.reads_concerns:
        opened = services.concerns_open(student=student, actor=user)
        context["concerns"] = selectors.decrypt_concerns(opened)
        return render(request, "records/concerns.html", context)
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.concern_break_glass(
                student=student, reason=form.cleaned_data["reason"], actor=user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            context["concerns"] = selectors.decrypt_concerns(opened)
            return render(request, "records/concerns.html", context)
    context["form"] = form
    context["summary"] = selectors.safeguarding_summary(student, user)
    return render(request, "records/break_glass.html", context)


@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest, pk: int) -> HttpResponse:
    student = _writable(request, pk, "concern_form", staff_only=True, concern=True)
    form = ConcernForm(**_data(request))

    def apply(data: dict[str, Any]) -> object:
        return services.concern_raise(student=student, actor=user_of(request), **data)

    return _form_view(request, student, form, "Record a safeguarding concern", apply)

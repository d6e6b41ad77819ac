import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from seip.accounts.models import Membership, Role, User
from seip.audit.models import AuditEvent
from seip.consultations.models import Consultation
from seip.demo.generator import DEMO_PASSWORD, Scale, generate
from seip.notices.models import NoticeVersion
from seip.organisations.models import DataSharingAgreement, PartnerOrganisation, Partnership, School
from seip.referrals.models import Referral
from seip.students.models import Case, PaperFile


def counts():
    return (
        Partnership.objects.count(),
        School.objects.count(),
        PartnerOrganisation.objects.count(),
        DataSharingAgreement.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Referral.objects.count(),
        Consultation.objects.count(),
        PaperFile.objects.count(),
    )


# Pupils are not what these tests are about: they ask for a few (SMALL), so each builds in
# seconds; the default demo's pupils are test_figures.py's.
SMALL = 60


def test_demo_county_has_the_promised_shape(db):
    county, logins = generate(Scale(students=SMALL))
    assert county.authority.la_code == "855"
    assert Partnership.objects.count() == 5
    assert School.objects.count() == 40
    types = set(PartnerOrganisation.objects.values_list("type", flat=True))
    assert types == {"school", "local_authority", "health", "alternative_provider", "voluntary"}
    assert {login.role for login in logins} == set(Role)


def test_running_twice_reuses_the_data(db):
    generate(Scale(students=SMALL))
    first = counts()
    events = AuditEvent.objects.count()
    generate(Scale(students=SMALL))
    assert counts() == first
    assert AuditEvent.objects.count() == events


def test_demo_is_deterministic(db):
    generate(Scale(partnerships=2, schools_per_partnership=3, students=SMALL))
    names = list(School.objects.order_by("urn").values_list("urn", "name"))
    assert names[0] == ("138000", "Ashby Academy")
    assert len({n for _, n in names}) == len(names)


def test_scale_grows_the_county(db):
    generate(Scale(partnerships=7, schools_per_partnership=20, students=SMALL))
    assert Partnership.objects.count() == 7
    assert School.objects.count() == 140


def test_printed_backup_code_passes_the_real_second_factor(db, client):
    out = StringIO()
    call_command(
        "demo", "--no-serve", "--partnerships", "2", "--schools-per-partnership", "2",
        "--students", str(SMALL), stdout=out,
    )  # fmt: skip
    line = next(line for line in out.getvalue().splitlines() if "coordinator@seip.example" in line)
    code = line.split()[2]
    assert DEMO_PASSWORD in out.getvalue()
    client.post(
        reverse("accounts:login"), {"email": "coordinator@seip.example", "password": DEMO_PASSWORD}
    )
    response = client.post(reverse("accounts:verify"), {"token": code})
    assert response.url == reverse("core:home")
    assert "Wreake and Soar SEIP" in client.get(reverse("core:home")).content.decode()


@pytest.mark.parametrize("email", ["parent@seip.example", "student@seip.example"])
def test_families_sign_in_with_an_emailed_code(db, client, email):
    out = StringIO()
    call_command(
        "demo", "--no-serve", "--partnerships", "1", "--schools-per-partnership", "1",
        "--students", str(SMALL), stdout=out,
    )  # fmt: skip
    line = next(line for line in out.getvalue().splitlines() if email in line)
    assert "code by email" in line
    client.post(reverse("accounts:login"), {"email": email, "password": DEMO_PASSWORD})
    client.get(reverse("accounts:verify"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    response = client.post(reverse("accounts:verify"), {"token": code})
    assert response.url == reverse("core:home")


def test_demo_casework_covers_every_stage(db):
    generate(Scale(partnerships=2, schools_per_partnership=3, students=20))
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == {"draft", "signed", "declined", "accepted"}
    assert set(Case.objects.values_list("status", flat=True)) == {
        "accepted",
        "active",
        "closed",
        "left",
    }
    assert PaperFile.objects.exists()
    assert NoticeVersion.objects.filter(number=1).count() == 2
    assert Consultation.objects.count() == 12
    # Every signed consent names the notice version the family was shown.
    assert not Referral.objects.exclude(status="draft").filter(consents__isnull=True).exists()


def test_the_demo_has_managed_moves_and_a_fair_access_panel(db):
    """ADR 0048: a new co-ordinator sees a move in trial, one transferred, one returned,
    and a panel with an allocation."""
    from seip.moves.models import Allocation, ManagedMove, RollChange

    generate(Scale(students=SMALL))
    stages = sorted(move.stage for move in ManagedMove.objects.all())
    assert stages == ["In trial", "Returned to the home school", "Transferred to the host school"]
    assert RollChange.objects.count() == 1
    allocation = Allocation.objects.get()
    assert allocation.panel.invited.count() == allocation.school.partnership.schools.count()

"""The one matcher: which referred student, if any, a pupil of a school's file is (issue 7,
21; P25).

A pupil is matched by UPN, then by a former UPN (a temporary UPN that a permanent one has
replaced), among the students the school answers for
(:func:`seip.imports.selectors.importable_students`). Only students whose signed referral
was accepted exist, so a pupil with no match has no signed referral and leaves no trace.
A pupil whose names and date of birth match a student but whose UPNs do not is never
imported on that match: :meth:`Matcher.candidate` finds the student for the
co-ordinator to check. Identity is sealed (ADR 0034), so matching compares blind indexes
(HMACs) and decrypts nothing.
"""

from seip.accounts.models import User
from seip.imports.facts import PupilFacts
from seip.imports.selectors import importable_students, restricted_among
from seip.imports.validation import Problem
from seip.keys.fields import indexed
from seip.organisations.models import School
from seip.students.models import Student


class Matcher:
    """The students a file from ``school`` may concern, for ``actor``, by blind index."""

    def __init__(self, school: School, actor: User) -> None:
        self.by_upn: dict[str, Student] = {}
        self.by_name: dict[str, Student] = {}
        for student in importable_students(school, actor):
            self.by_upn[student.upn_index] = student
            self.by_name[student.name_dob_index] = student
        #: Of those students, the ones whose processing an objection restricts (P20).
        self.restricted = restricted_among(list(self.by_upn.values()))

    def match(self, pupil: PupilFacts) -> Student | None:
        """The student with the pupil's UPN, or else one of their former UPNs."""
        for upn in (pupil.upn, *pupil.former_upns):
            if upn and (found := self.by_upn.get(indexed("upn", upn))):
                return found
        return None

    def candidate(self, pupil: PupilFacts) -> Student | None:
        """The student with the pupil's names and date of birth, to be checked by the
        co-ordinator; never a restricted one, not even for a check (P20)."""
        if pupil.date_of_birth is None or not pupil.surname or not pupil.forename:
            return None
        found = self.by_name.get(
            indexed("name-dob", pupil.forename, pupil.surname, pupil.date_of_birth)
        )
        return None if found is None or found.pk in self.restricted else found

    def match_all(
        self, pupils: list[PupilFacts]
    ) -> tuple[dict[int, Student], list[tuple[Problem, int]]]:
        """Each matched pupil's student, by the pupil's index, and the problems matching
        found: two pupils of one student, named on the later one (and added to its
        errors)."""
        matched: dict[int, Student] = {}
        problems: list[tuple[Problem, int]] = []
        first: dict[int, int] = {}
        for index, pupil in enumerate(pupils):
            if (student := self.match(pupil)) is None:
                continue
            matched[index] = student
            if student.pk in first:
                problem = Problem(
                    f"This pupil and pupil {first[student.pk]} are the same student "
                    "(by UPN or former UPN)",
                    pupil.upn_path,
                    pupil.position,
                    pupil.upn,
                )
                pupil.errors.append(problem)
                problems.append((problem, index))
            first.setdefault(student.pk, pupil.position)
        return matched, problems

"""The default notice wording, its placeholders, and filling them in.

The wording follows the shared fair processing statement section by section, in plain
English. Placeholders in braces are filled from the partnership's live details when a
version is published (P26), so one template serves every partnership. A wording that
names an unknown placeholder, or has a stray brace, is refused with the placeholder named:
a typo must never reach a family as ``{cordinator_phone}``.
"""

import difflib
import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError

from seip.organisations.models import OrganisationType, Partnership

#: Every placeholder, with what it is filled with (shown to editors on the edit page).
PLACEHOLDERS: dict[str, str] = {
    "partnership_name": "The partnership's name",
    "address": "The partnership's postal address, on one line",
    "phone": "The partnership's phone number",
    "email": "The partnership's email address",
    "coordinator_name": "The Partnership Co-ordinator's name",
    "coordinator_phone": "The Partnership Co-ordinator's phone number",
    "coordinator_email": "The Partnership Co-ordinator's email address",
    "dpo_name": "The Data Protection Officer's name",
    "dpo_email": "The Data Protection Officer's email address",
    "dpo_route": "How to reach the Data Protection Officer",
    "local_authority": "The local authority the partnership works for",
    "shares_with": "The kinds of organisation ticked below, as a list in a sentence",
    "lawful_basis": "The lawful basis text below",
    "retention": "The retention periods below",
    "ico_details": "The Information Commissioner's Office's contact details, as a list",
}

#: Placeholders the wording must use, so no notice can leave out what the law and the
#: promises require families to be told: who we share with (P07), the lawful basis (P24),
#: how long we keep information, and how to complain to the ICO (P23).
REQUIRED_IN_WORDING = ("shares_with", "lawful_basis", "retention", "ico_details")

#: The lawful basis and retention texts are filled first, so they may use every placeholder
#: except themselves.
NESTED = frozenset({"lawful_basis", "retention"})

ICO_DETAILS = """\
- Post: Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF
- Telephone: 0303 123 1113
- Website: www.ico.org.uk
- Email: casework@ico.org.uk"""

#: How each consent category reads inside "we may share information with ...".
CATEGORY_PHRASES: dict[str, str] = {
    OrganisationType.SCHOOL: "schools",
    OrganisationType.LOCAL_AUTHORITY: "the local authority ({local_authority}) and its agencies",
    OrganisationType.HEALTH: "the health service",
    OrganisationType.ALTERNATIVE_PROVIDER: "alternative education providers",
    OrganisationType.VOLUNTARY: "voluntary organisations who work with us",
}

DEFAULT_LAWFUL_BASIS = """\
We collect and use this information because we need it to carry out a task in the \
public interest: providing a service for {local_authority}. This includes reporting on \
what we achieve and finding ways to keep improving our service. The law calls this \
"public task" (UK GDPR Article 6(1)(e)).

Some information, such as information about health or special educational needs, needs \
extra care. We use it only where it is needed for reasons of substantial public interest."""

DEFAULT_RETENTION = """\
- Records about keeping your child safe (safeguarding): until your child is 25. We then \
review whether we still need them.
- Records about special educational needs: until your child is 31.
- Other records about your child's time with us: until your child is 25.
- A Referral Form that was started but never signed: deleted after 30 days.
- Records of who looked at or changed information: as long as the information itself."""

DEFAULT_WORDING = """\
This notice explains what information we collect about the children and young people \
we work with, why we collect it and how we use it.

## Who we are

{partnership_name} is a Secondary Education and Inclusion Partnership. We work with \
secondary schools and {local_authority} to support young people in education.

- Address: {address}
- Telephone: {phone}
- Email: {email}
- Partnership Co-ordinator: {coordinator_name}, {coordinator_phone}, {coordinator_email}

## Why we collect information

We collect information for 2 reasons.

The first is to know and understand each young person properly. This helps us work out \
the best way to support them in education and to keep them safe. It also lets us show \
young people, their teachers and their parents or carers how much progress they are \
making with attitude and behaviour, attendance and school subjects.

The second is to see how well we are supporting young people. We put together \
information about all the young people we work with. This shows us what seems to help \
young people make progress and what might be slowing it down. It also lets us tell \
schools and {local_authority} whether the money spent on this support is good value.

## Why we are allowed to use it

{lawful_basis}

## Who we share information with

We only share information about your child if you have agreed. You agree by signing \
the section about sharing information on our Referral Form. You decide separately for \
each kind of organisation.

If you agree, we may share information with {shares_with}.

We share only what each person needs to know to support your child. This makes sure \
everyone working with your child understands their needs. Every organisation we share \
with must have a data-sharing agreement with us, which sets out its own rules for \
keeping information safe.

If your child tries a place at another school on a managed move, that school sees your \
child's record only from the day you agree to the move, and only if you have agreed to \
share information with schools. If your child needs a place at a new school through the \
Fair Access Protocol, our panel discusses it without your child's name, date of birth or \
pupil number until you sign our Referral Form.

## Reports about our work

We put together information about all the young people we work with. We use it to \
report on our work to our partner schools and to {local_authority}, so that they can \
check we are doing our job properly. Our reports do not identify any young person.

## Where our information comes from

We get most of our information from your child's school. We sometimes add to it from \
our own assessments, and from other organisations that support your child and your \
family. We may also ask you and your child for more information, so that we can give \
the best support we can.

## Keeping information accurate

We take care to make sure the information we hold is accurate. We are in touch with \
young people day to day and we review their progress regularly, so we keep what we hold \
about each young person under review.

## Nobody else gets your information

We do not pass any information to organisations or people who are not involved in \
supporting our work with young people. This includes information about one young \
person and totals about many.

## Keeping information safe

We keep all our records securely. When we send information electronically, we do it \
securely and in line with the rules of {local_authority}.

## How long we keep information

{retention}

When a young person leaves the Partnership, we return their paper records to the \
school where they are on roll. We archive their electronic records.

## Your rights

You and your child have the right to see the records we hold about your child. To ask, \
contact the Partnership Co-ordinator, {coordinator_name}, on {coordinator_phone} or at \
{coordinator_email}.

The law also gives you the right to:

- have wrong information corrected
- object to how we use information
- have information deleted in some cases, for example if we no longer need it or if we \
agree with your objection

You can also ask us to move your information to another organisation. The law does not \
require this for our kind of work, but we offer it anyway.

You can ask about any of these through the Partnership Co-ordinator.

## If you have a concern

You can raise any concern about how we handle information with our Data Protection \
Officer, {dpo_name}. {dpo_route} You can also email your concern to {coordinator_email}.

You can raise a concern with your child's school instead. Every school has its own Data \
Protection Officer.

If you think how we handle information is not good enough, you can contact the \
Information Commissioner's Office (ICO). The ICO is the UK's independent authority that \
makes sure organisations follow the rules for handling information.

{ico_details}

## Before a Referral Form is signed

Our staff may already know some information about your child before you sign a \
Referral Form. This is because your child's school may have talked to us about their \
concerns and asked for advice. This is a normal part of how schools do their best for \
every child.

Until you have signed a Referral Form, we keep no records of our own about your child, \
and we do not use any information about your child in our reports."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders_in(text: str) -> list[str]:
    """The names inside braces in ``text``, in order of first use."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def check_placeholders(text: str, *, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
    """Refuse unbalanced braces, unknown placeholders and missing required ones.

    Raises a :class:`ValidationError` whose messages name each offending placeholder, so
    an editor can find the typo.
    """
    allowed = frozenset(allowed)
    errors: list[str] = []
    leftover = _PLACEHOLDER.sub("", text)
    for brace in "{}":
        if brace in leftover:
            errors.append(_stray_brace(text, brace))
    for name in placeholders_in(text):
        if name not in allowed:
            errors.append(_unknown(name, allowed))
    errors.extend(
        f"The wording must include {{{name}}}, so that families are told this."
        for name in required
        if f"{{{name}}}" not in text
    )
    if errors:
        raise ValidationError(errors)


def _unknown(name: str, allowed: frozenset[str]) -> str:
    close = difflib.get_close_matches(name.strip(), sorted(allowed), n=1, cutoff=0.6)
    hint = f"Did you mean {{{close[0]}}}?" if close else 'See "Placeholders you can use".'
    return f"{{{name}}} is not a placeholder we know. {hint}"


def _stray_brace(text: str, brace: str) -> str:
    # Point at the first brace without a partner, with a little of the text around it.
    spans = [m.span() for m in _PLACEHOLDER.finditer(text)]
    position = next(
        i
        for i, char in enumerate(text)
        if char == brace and not any(start <= i < end for start, end in spans)
    )
    snippet = " ".join(text[max(0, position - 20) : position + 20].split())
    partner = "}" if brace == "{" else "{"
    return f'There is a "{brace}" with no matching "{partner}" near "{snippet}".'


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each placeholder with its value, in one pass.

    Values are inserted as they are and never scanned again, so a brace inside a
    partnership's details cannot be read as a placeholder.
    """
    return _PLACEHOLDER.sub(lambda match: values[match[1]], text)


def one_line_address(address: str) -> str:
    return ", ".join(line.strip().rstrip(",") for line in address.splitlines() if line.strip())


def readable_categories(categories: Iterable[str], *, local_authority: str) -> str:
    """The consent categories as a list inside a sentence, in the Referral Form's order."""
    chosen = set(categories)
    phrases = [
        CATEGORY_PHRASES[kind].format(local_authority=local_authority)
        for kind in OrganisationType.values
        if kind in chosen
    ]
    if len(phrases) <= 1:
        return "".join(phrases)
    return f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def partnership_values(partnership: Partnership) -> dict[str, str]:
    """The placeholders that come from the partnership's live record (P26)."""
    return {
        "partnership_name": partnership.name,
        "address": one_line_address(partnership.address),
        "phone": partnership.phone,
        "email": partnership.email,
        "coordinator_name": partnership.coordinator_name,
        "coordinator_phone": partnership.coordinator_phone,
        "coordinator_email": partnership.coordinator_email,
        "dpo_name": partnership.dpo_name,
        "dpo_email": partnership.dpo_email,
        "dpo_route": partnership.dpo_route,
        "local_authority": partnership.local_authority.name,
        "ico_details": ICO_DETAILS,
    }


def fill_notice(
    partnership: Partnership,
    *,
    wording: str,
    lawful_basis: str,
    retention: str,
    shares_with: Iterable[str],
) -> str:
    """The notice's text, every placeholder filled from live details (P24, P26).

    Checks all three texts first, so a bad placeholder is reported rather than filled.
    """
    check_configuration(wording=wording, lawful_basis=lawful_basis, retention=retention)
    values = partnership_values(partnership)
    values["shares_with"] = readable_categories(
        shares_with, local_authority=values["local_authority"]
    )
    values["lawful_basis"] = fill(lawful_basis.strip(), values)
    values["retention"] = fill(retention.strip(), values)
    return fill(wording.strip(), values)


def check_configuration(*, wording: str, lawful_basis: str, retention: str) -> None:
    """Check the three texts' placeholders, collecting errors under each field's name."""
    errors: dict[str, list[ValidationError]] = {}
    checks = [
        ("wording", wording, PLACEHOLDERS.keys(), REQUIRED_IN_WORDING),
        ("lawful_basis", lawful_basis, PLACEHOLDERS.keys() - NESTED, ()),
        ("retention", retention, PLACEHOLDERS.keys() - NESTED, ()),
    ]
    for field, text, allowed, required in checks:
        try:
            check_placeholders(text, allowed=allowed, required=required)
        except ValidationError as error:
            errors[field] = error.error_list
    if errors:
        raise ValidationError(errors)

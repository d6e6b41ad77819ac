"""The hooks and registries by which a lower app calls a higher one (ADR 0052).

Each handler is registered in its app's ``AppConfig.ready``; if one stopped registering,
the lower app would carry on without it and nothing would fail where the call used to
be. So each hook is checked here for the handler it must reach.
"""

from seip.core.hooks import Hook
from seip.impact.report import impact_report, impact_section
from seip.notifications.services import break_glass_alert, referral_signed_alert
from seip.progress.services import portal_links_recheck
from seip.records.services import glass_broken, responsibility_changed
from seip.referrals.services import referral_signed, referral_withdrawn
from seip.reports.registry import added_report, added_sections
from seip.students.services import case_close_on_withdrawal


def test_each_hook_reaches_the_app_that_registers_it():
    assert list(responsibility_changed) == [portal_links_recheck]  # P03
    assert list(glass_broken) == [break_glass_alert]  # P02
    assert list(referral_signed) == [referral_signed_alert]
    assert list(referral_withdrawn) == [case_close_on_withdrawal]  # P07


def test_impact_adds_its_section_and_report_to_the_reports():
    assert added_sections() == (impact_section,)
    assert added_report("impact") is impact_report
    assert added_report("nothing registered") is None


def test_a_handler_registered_twice_runs_once():
    hook: Hook[object] = Hook("test")
    handler = object()
    hook.register(handler)
    hook.register(handler)
    assert list(hook) == [handler]

"""Segment Spec analytics events in, the Intercom API calls they mean out.

The core is pure: ``plan_event`` turns an event into a plan (a generator of ``Call``s that
receives ``Reply``s and returns an ``Outcome``; protocol in ``translator.core.calls``), shaped by
``Settings`` (``settings_for("segment" | "rudderstack", **overrides)``). ``run_plan`` and
``dry_run`` drive a plan without a network.
"""

from translator.core.calls import Adjustment, Call, Outcome, Plan, Reason, Reply
from translator.core.events import Event, parse_event
from translator.core.plan import plan_event
from translator.core.plan_runner import Run, dry_run, dry_run_reply, run_plan, scripted
from translator.core.settings import PROFILES, Settings, SettingsError, settings_for

__all__ = [
    "PROFILES",
    "Adjustment",
    "Call",
    "Event",
    "Outcome",
    "Plan",
    "Reason",
    "Reply",
    "Run",
    "Settings",
    "SettingsError",
    "dry_run",
    "dry_run_reply",
    "parse_event",
    "plan_event",
    "run_plan",
    "scripted",
    "settings_for",
]

"""Whether an event's ``integrations`` object lets it reach Intercom.

Segment's destinations honour the event's ``integrations`` object before mapping anything
(SC-C4): ``"Intercom": false`` turns Intercom off for the event, and ``"All": false`` turns
every destination off unless ``"Intercom"`` is ``true`` or an object of Intercom options. Seeds
001/004 tell users to do exactly this to stay under Intercom's 120 active event names. Key
names are matched in any letter case (the seeds write both ``Intercom`` and ``intercom``).
"""

from __future__ import annotations

from translator.core.calls import Reason
from translator.core.events import Event


def disabled_by_integrations(event: Event) -> Reason | None:
    """The reason the ``integrations`` object keeps the event from Intercom, or None."""
    entries = {str(key).lower(): value for key, value in event.integrations.items()}
    intercom = entries.get("intercom")
    if intercom is False:
        return Reason("disabled_by_integrations", "integrations.Intercom is false", "integrations")
    enabled = intercom is True or isinstance(intercom, dict)
    if entries.get("all") is False and not enabled:
        return Reason(
            "disabled_by_integrations",
            "integrations.All is false and Intercom is not enabled by name",
            "integrations",
        )
    return None

"""Delivering planned calls to Intercom (or the emulator): the I/O half of the translator.

| module | what it does |
|---|---|
| ``target`` | base URL (emulator, or Intercom's US/EU/AU host), token, ``Intercom-Version`` |
| ``transport`` | one kept-alive ``requests.Session`` per worker; a ``Call`` in, a ``Reply`` out |
| ``rate_limit`` | ``RateGate``: paces all workers by ``X-RateLimit-*``, pauses on 429 |
| ``retry`` | ``RetryPolicy``: what is retried, backoff with jitter, the bound |
| ``reasons`` | the reason codes of what Intercom refuses for good |
| ``exchange`` | ``Exchange``: one call until it settles (retries, 401, unreachable target) |
| ``sender`` | ``Sender``: drives one event's plan, call by call |
| ``results`` | ``Result``: how an event ended, with its adjustments and notes |
| ``memory`` | contact ids per user and bodies already written: calls a run need not make |
| ``attributes`` | ``AttributeBook``: the data attributes writes need, created once |
| ``lines`` | one input line read once: UTF-8, JSON, depth, its event and its user |
| ``ordering`` | ``KeyedQueue`` keeps each user's events in order |
| ``state`` | ``StateStore``: the SQLite queue and progress that make a run resumable |
| ``dead_letters`` | the dead-letter JSON-lines file |
| ``ingest`` | reading JSON lines into the state file, checked on resume |
| ``pipeline`` | ``Delivery``: the worker threads that tie it all together |
| ``report`` | counters and the end-of-run ``Summary`` |
| ``hints`` | the setting or action that fixes a reason that hit many events |
| ``state_report`` | ``translator report``: a state file's details grouped by reason |
| ``endpoint`` | ``translator serve``'s HTTP endpoint (Segment's tracking API) |

The pure core (``translator.core.plan``) decides what to send; this package decides when, how
often and what is recorded about it. It changes what is sent in two ways only, each recorded per
event: a custom attribute whose name the other model holds is renamed, and one the workspace has
no room for is left out (``attributes``).
"""

from translator.delivery.dead_letters import DeadLetterFile
from translator.delivery.exchange import Unreachable
from translator.delivery.ingest import Ingestor
from translator.delivery.pipeline import Delivery
from translator.delivery.report import Summary
from translator.delivery.results import Result
from translator.delivery.retry import RetryPolicy
from translator.delivery.sender import AccessRefused, Sender
from translator.delivery.state import StateMismatch, StateStore
from translator.delivery.target import EMULATOR_URL, REGION_HOSTS, Target, TargetError

__all__ = [
    "EMULATOR_URL",
    "REGION_HOSTS",
    "AccessRefused",
    "DeadLetterFile",
    "Delivery",
    "Ingestor",
    "Result",
    "RetryPolicy",
    "Sender",
    "StateMismatch",
    "StateStore",
    "Summary",
    "Target",
    "TargetError",
    "Unreachable",
]

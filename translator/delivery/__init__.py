"""Delivering planned calls to Intercom (or the emulator): the I/O half of the translator.

| module | what it does |
|---|---|
| ``target`` | base URL (emulator, or Intercom's US/EU/AU host), token, ``Intercom-Version`` |
| ``transport`` | one pooled ``requests.Session`` per target; a ``Call`` in, a ``Reply`` out |
| ``rate_limit`` | ``RateGate``: paces all workers by ``X-RateLimit-*``, pauses on 429 |
| ``retry`` | ``RetryPolicy``: what is retried, backoff with jitter, the bound |
| ``reasons`` | the reason codes of what Intercom refuses for good |
| ``sender`` | ``Sender``: drives one event's plan, call by call, with retries |
| ``ordering`` | the user an event belongs to; ``KeyedQueue`` keeps each user's events in order |
| ``state`` | ``StateStore``: the SQLite queue and progress that make a run resumable |
| ``dead_letters`` | the dead-letter JSON-lines file |
| ``ingest`` | reading JSON lines into the state file, checked on resume |
| ``pipeline`` | ``Delivery``: the worker threads that tie it all together |
| ``report`` | counters and the end-of-run ``Summary`` |
| ``options``, ``console`` | the command line: shared options, progress bar, summary, exit status |

The pure core (``translator.core.plan``) decides what to send; nothing here changes what is sent,
only when, how often and what is recorded about it.
"""

from translator.delivery.dead_letters import DeadLetterFile
from translator.delivery.ingest import Ingestor
from translator.delivery.pipeline import Delivery
from translator.delivery.report import Summary
from translator.delivery.retry import RetryPolicy
from translator.delivery.sender import AccessRefused, Result, Sender
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
]

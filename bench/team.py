"""The load test's team mode (`python -m bench.load --team`): everyone works one team mailbox.

Before the clock: the demo admin connects the team mailbox (Support Line, 201, topped up by
`bench.mailboxes`) with its JWT through the admin page, as an admin does, and makes every
bench person a member; every mailbox of the run gets its first sync (the FSync that fills its
conversation index) and its webhook subscription, both by the product's own tasks.

During and after the work: inbound SMS are written into the emulator's store (as `python -m
emulator inject` does) and timed until the dashboard has them in the conversation index,
through the whole path — the emulator's notification, the webhook, the sync task, the index.

Afterwards: the team extension's RingCentral calls, from the emulator's request log (what
RingCentral saw, per operation and status) and from the dashboard's own record of its calls
(`bench.calllog`, which task or page made each), the sends told apart from the rest; its 429s;
and what its rate budget held back.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.browser import Browser
from bench.calllog import by_origin, calls_read
from bench.measure import percentile, wait_until
from bench.stack import Stack
from emulator.identity import ACCOUNT_ID, DemoUser, jwt_credential
from emulator.inbound import inbound_sms
from emulator.store import Store
from rcapi.operations import RATE_GROUPS as GROUP_OF

TEAM_CONVERSATIONS = 40
CALLS_AIM = 1.0  # RingCentral calls a second for the team's extension, sends aside
SEND_OPERATIONS = frozenset({"createSMSMessage", "createMMS"})
# the send pipeline's tasks: sending, tracking (`listMessages` of outbound messages), recovery
SEND_PIPELINE = "inbox.sending.tasks."
PROBE_EVERY = 15.0  # seconds between webhook probes during the work
QUIET_PROBES = 5
PROBE_TIMEOUT = 30.0
RATE_GROUPS = ("Light", "Medium", "Heavy", "Auth")


@dataclass(frozen=True)
class Team:
    extension_id: int
    name: str
    number: str
    members: int


def team_connect(admin: Browser, team: DemoUser, members: Sequence[DemoUser]) -> Team:
    """The admin connects `team` with its JWT and makes `members` its members, through the
    team mailbox pages."""
    from django.urls import reverse

    from accounts.models import User
    from inbox.models import TeamMailbox

    answer = admin.post(reverse("inbox:team_connect_jwt"), data={"jwt": jwt_credential(team)})
    if answer.status_code != 302:
        raise RuntimeError(f"connecting the team mailbox answered {answer.status_code}")
    row = TeamMailbox.objects.get(account_id=ACCOUNT_ID, extension_id=team.extension_id)
    people = User.objects.filter(rc_extension_id__in=[m.extension_id for m in members])
    answer = admin.post(
        reverse("inbox:team_mailbox", args=[row.pk]),
        data={"name": row.name, "members": [str(pk) for pk in people.values_list("pk", flat=True)]},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"setting the team mailbox's members answered {answer.status_code}")
    count = row.members.count()
    if count != len(members):
        raise RuntimeError(f"the team mailbox has {count} members, not {len(members)}")
    return Team(team.extension_id, row.name, team.direct_number, count)


def mailboxes_ready(extension_ids: Sequence[int], *, seconds: float = 300) -> None:
    """Every mailbox synced once (its index filled) and subscribed: the setup the product
    does by itself within a beat period, asked for at once and waited for, so that none of it
    runs while the clock does."""
    from inbox.live.sync import mailbox_sync_request
    from inbox.models import MailboxSubscription, MailboxSync

    for extension_id in extension_ids:
        mailbox_sync_request(account_id=ACCOUNT_ID, extension_id=extension_id)
    mine = {"account_id": ACCOUNT_ID, "extension_id__in": list(extension_ids)}
    indexed = MailboxSync.objects.filter(**mine, indexed_at__isnull=False)
    active = MailboxSubscription.objects.filter(
        **mine, status=MailboxSubscription.Status.ACTIVE
    )  # fmt: skip
    if not wait_until(lambda: indexed.count() == len(extension_ids), seconds=seconds, every=1.0):
        raise RuntimeError(f"{indexed.count()} of {len(extension_ids)} mailboxes were indexed")
    if not wait_until(lambda: active.count() == len(extension_ids), seconds=seconds, every=1.0):
        raise RuntimeError(f"{active.count()} of {len(extension_ids)} mailboxes were subscribed")


# --------------------------------------------------------------------------- webhook → index


@dataclass(frozen=True)
class Probe:
    during_work: bool
    to_notification: float | None  # seconds until the dashboard recorded the notification
    to_index: float | None  # until the message was in the conversation index


def probe(stack: Stack, team: Team, number: int, *, during_work: bool) -> Probe:
    """One inbound SMS for the team mailbox, timed from its write into the emulator's store
    until the dashboard's webhook recorded a notification and until the index holds it."""
    from inbox.models import IndexedMessage, MailboxSubscription

    store = Store(stack.emulator_db)
    try:
        with store.write() as db:
            message_id = inbound_sms(
                db, to_number=team.number, from_number=f"+1415201{number:04d}",
                text=f"Hello, any news on ticket {number}?",
            )[0]  # fmt: skip
    finally:
        store.close()
    arrived = time.time()
    indexed = IndexedMessage.objects.filter(
        account_id=ACCOUNT_ID, extension_id=team.extension_id, message_id=message_id
    )
    events = MailboxSubscription.objects.filter(
        account_id=ACCOUNT_ID, extension_id=team.extension_id
    ).values_list("last_event_at", flat=True)
    to_notification: float | None = None
    while time.time() < arrived + PROBE_TIMEOUT:
        if to_notification is None:
            last = max((at for at in events.all() if at is not None), default=None)
            if last is not None and last.timestamp() >= arrived:
                to_notification = last.timestamp() - arrived
        if indexed.exists():
            return Probe(during_work, to_notification, time.time() - arrived)
        time.sleep(0.01)
    return Probe(during_work, to_notification, None)


class ProbesDuringWork(threading.Thread):
    """Probes every `PROBE_EVERY` seconds while the people work."""

    def __init__(self, stack: Stack, team: Team) -> None:
        super().__init__(name="webhook-probes", daemon=True)
        self.stack, self.team = stack, team
        self.done = threading.Event()
        self.probes: list[Probe] = []

    def run(self) -> None:
        from django.db import connections

        try:
            number = 0
            while not self.done.wait(PROBE_EVERY):
                number += 1
                self.probes.append(probe(self.stack, self.team, number, during_work=True))
        finally:
            connections.close_all()

    def stop(self) -> list[Probe]:
        self.done.set()
        self.join(PROBE_TIMEOUT + 5)
        return list(self.probes)


def probes_quiet(stack: Stack, team: Team, *, first_number: int) -> list[Probe]:
    """Probes with nobody working, each after the mailbox's syncs have had time to settle."""
    found = []
    for n in range(QUIET_PROBES):
        # each SMS brings two notifications (the instant one and the message store's), whose
        # syncs start 2 s apart (`SPACING`): 5 s leaves both behind before the next SMS
        time.sleep(5.0)
        found.append(probe(stack, team, first_number + n, during_work=False))
    return found


def probes_summary(probes: list[Probe]) -> dict[str, Any]:
    to_index = [p.to_index for p in probes if p.to_index is not None]
    to_notification = [p.to_notification for p in probes if p.to_notification is not None]

    def seconds(values: list[float]) -> dict[str, float]:
        if not values:
            return {}
        return {
            "p50": round(percentile(values, 0.5), 3),
            "max": round(max(values), 3),
            "min": round(min(values), 3),
        }

    return {
        "probes": len(probes),
        "missed": sum(1 for p in probes if p.to_index is None),
        "to_index_seconds": seconds(to_index),
        "to_notification_seconds": seconds(to_notification),
        "each": [{"to_notification": p.to_notification, "to_index": p.to_index} for p in probes],
    }


# --------------------------------------------------------------------------- calls


def team_calls(
    stack: Stack, team: Team, records: list[dict[str, Any]], since: float, until: float
) -> dict[str, Any]:
    """The team extension's RingCentral calls between `since` and `until`: what RingCentral
    saw (`records`, the emulator's log since `since`, read at `until`) and who made them."""
    seconds = until - since
    seen = Counter[str]()
    for r in records:
        if r["extensionId"] == team.extension_id:
            seen[f"{r['operation']} {r['status']}"] += r["count"]
    total = sum(seen.values())
    sends = sum(n for key, n in seen.items() if key.split()[0] in SEND_OPERATIONS)
    made = calls_read(stack.call_log_dir, since=since, until=until)
    mine = [c for c in made if c.extension_id == team.extension_id]
    pipeline = [c for c in mine if c.origin.startswith(SEND_PIPELINE)]
    sending = set(pipeline)
    tracking = [c for c in pipeline if c.operation not in SEND_OPERATIONS]
    rest = [c for c in mine if c.operation not in SEND_OPERATIONS and c not in sending]
    outside = total - sends - len(tracking)
    answers_429 = sum(n for key, n in seen.items() if key.endswith(" 429"))
    groups = Counter[str]()
    for key, n in seen.items():
        groups[GROUP_OF.get(key.split()[0], "?")] += n
    return {
        "seconds": round(seconds, 1),
        "at_ringcentral": dict(seen.most_common()),
        "total": total,
        "per_second": round(total / seconds, 3),
        "sends": sends,
        "send_tracking_reads": len(tracking),
        "outside_sends": outside,
        "outside_sends_per_second": round(outside / seconds, 3),
        "answers_429": answers_429,
        "per_minute_by_group": {
            group: round(n / seconds * 60, 1) for group, n in groups.most_common()
        },
        "logged_by_the_dashboard": len(mine),
        "outside_sends_by_origin": by_origin(rest),
        "send_pipeline_by_origin": by_origin(pipeline),
    }


def send_waits(team: Team, since: float) -> dict[str, Any]:
    """Seconds from each reply (its `Send` row) to RingCentral's acceptance: the sends share
    the team extension's Medium budget with marking messages read."""
    from datetime import UTC, datetime

    from inbox.models import Send

    rows = Send.objects.filter(
        extension_id=team.extension_id,
        created_at__gte=datetime.fromtimestamp(since, UTC),
        submitted_at__isnull=False,
    ).values_list("created_at", "submitted_at")
    waits = [(submitted - created).total_seconds() for created, submitted in rows if submitted]
    if not waits:
        return {"sends": 0}
    return {
        "sends": len(waits),
        "p50_seconds": round(percentile(waits, 0.5), 2),
        "p95_seconds": round(percentile(waits, 0.95), 2),
        "max_seconds": round(max(waits), 2),
    }


def budget_held_back(team: Team) -> dict[str, dict[str, int]]:
    """Per rate group of the team's extension: the 429s the budget saw and the slots it
    refused (nothing sent) in the last hour. Empty without Redis: each process then has a
    budget of its own, which this one cannot read."""
    from django.conf import settings

    from accounts.services import budget_key, rate_budget

    if not settings.REDIS_URL:
        return {}

    lanes = rate_budget().usages([(budget_key(team.extension_id), g) for g in RATE_GROUPS])
    return {
        lane.group: {"limit": lane.limit, "refused": lane.refused, "429": lane.rate_limited}
        for lane in lanes
    }


def team_table(figures: dict[str, Any]) -> str:
    calls = figures["calls"]
    by_origin_lines = [f"    {n:>5}  {key}" for key, n in calls["outside_sends_by_origin"].items()]
    aim_calls = "met" if calls["outside_sends_per_second"] <= CALLS_AIM else "MISSED"
    aim_429 = "met" if calls["answers_429"] == 0 else "MISSED"
    held = ", ".join(f"{g} {v['refused']}" for g, v in figures["budget"].items()) or "unknown"
    per_minute = ", ".join(
        f"{g} {n:g} (limit {figures['budget'].get(g, {}).get('limit', '?')})"
        for g, n in calls["per_minute_by_group"].items()
    )
    waits = figures["send_waits"]
    lines = [
        f"team mailbox {figures['name']} (extension {figures['extension_id']}), "
        f"{figures['members']} members, {figures['conversations']} conversations",
        f"RingCentral calls for its extension over {calls['seconds']} s: {calls['total']} "
        f"({calls['per_second']:.2f}/s); sends {calls['sends']}, their tracking reads "
        f"{calls['send_tracking_reads']}",
        f"outside sends: {calls['outside_sends']} = {calls['outside_sends_per_second']:.2f}/s "
        f"(aim ≤ {CALLS_AIM:g}/s: {aim_calls}); made by (dashboard's record, origin operation "
        "status):",
        *by_origin_lines,
        f"calls a minute by rate group, sends included: {per_minute}",
        f"429 answers for the extension: {calls['answers_429']} (aim 0: {aim_429}); "
        f"slots the rate budget refused: {held}",
        f"replies from the composer to RingCentral's acceptance: p50 "
        f"{waits.get('p50_seconds', '-')} s, p95 {waits.get('p95_seconds', '-')} s, max "
        f"{waits.get('max_seconds', '-')} s ({waits['sends']} sends)",
    ]
    for label, key in (("during the work", "webhook_during_work"), ("quiet", "webhook_quiet")):
        probes = figures[key]
        index = probes["to_index_seconds"]
        notified = probes["to_notification_seconds"]
        if not index:
            lines.append(f"webhook → index, {label}: no probe reached the index")
            continue
        lines.append(
            f"webhook → index, {label}: {probes['probes']} SMS, in the index after "
            f"p50 {index['p50']:.2f} s (min {index['min']:.2f}, max {index['max']:.2f}); "
            f"notification received after p50 {notified.get('p50', float('nan')):.2f} s; "
            f"missed {probes['missed']}"
        )
    return "\n".join(lines)

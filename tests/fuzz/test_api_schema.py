"""The JSON API against its own OpenAPI schema, with schemathesis: every operation `/api/schema/`
lists, through schemathesis's examples, coverage (each boundary, each wrong type, missing and
unknown parts, other methods) and fuzzing phases, as an agent and as an admin with an API token,
the dashboard talking to a RingCentral emulator over HTTP.

No answer may be a server error, and each must be one the schema documents: its status code,
content type, headers and body. schemathesis's other checks run too (a request the schema
forbids is refused, a missing required header is a 4xx, an unknown method a 405, a request
without the token a 401).

The ids are real as often as random: the schema loaded here gives each id of an address an
example from the signed-in person's mailbox (a conversation, a picture message, a fax, a queued
and a failed send), and schemathesis's dictionaries put the same ids into half of the random
cases, so the operations reach real objects as well as 404s; each operation must succeed at
least once.

`make fuzz` runs it; `make test` leaves it out (marker `fuzz`): it takes a minute or two. The
cases follow from a fixed seed, so a failure found in CI comes back on every run;
`FUZZ_SEED=<n>` draws others.
"""

from __future__ import annotations

import copy
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.models import User
from emulator.mailstore import NewAttachment
from inbox.models import Send
from tests.emulator.factories import make_fax, make_pager, make_sms, make_voicemail
from tests.inbox.conftest import (  # noqa: F401  (own_cache, own_rate_budget: fixtures)
    extension_of,
    own_cache,
    own_rate_budget,
    point_at,
    sign_in,
)
from tests.inbox.fax.support import PNG_1PX, pdf_with_image
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator_factory,
    emulator_template,
)

pytestmark = pytest.mark.fuzz

# The random (fuzzing) cases per operation and person, beside the coverage phase's own.
FUZZ_EXAMPLES = 50
# How often a random case takes a real id instead of a random one.
REAL_ID_SHARE = 0.5
# The cases follow from this seed: the same ones on every run, so a failure in CI comes back
# on a laptop. `FUZZ_SEED=<n> make fuzz` draws others.
SEED = int(os.environ.get("FUZZ_SEED", "1"))

# `positive_data_acceptance` expects every request the schema allows to succeed. These
# operations also refuse, with a documented 400 (or 416), what only the server can judge:
POSITIVE_DATA_ACCEPTANCE_INAPPLICABLE = {
    # a phone number written so that it is none, a start after the end
    "conversations_list",
    # whether numbers are phone numbers and the sender's own, whether recipients are people of
    # the account, the text's length in UTF-16 units, the files' real types
    "sms_send",
    "pager_send",
    "fax_send",
    # whether the message is a fax of this mailbox, and whether it needs numbers to go to
    "fax_resend",
    # a byte range past the end of the file (416)
    "attachment_download",
    # whether the assignee may open the mailbox, whether the snooze's end is still to come
    "threads_assign",
    "threads_snooze",
    # whether the mailbox is one of the caller's and the assignee works one of them, a day
    # before 2000 or a start after the end, a search holding a NUL character
    "search",
}

# Every other operation must succeed (2xx) at least once, or the run proved little: a token
# that no longer worked, or ids that reached nothing, would leave only 401s and 404s, which the
# schema documents. A fax send never succeeds here: schemathesis names a file part after its
# field (`documents`, no extension), which no fax takes. `seed_mailbox` sends one, and
# `fax_send_read` checks the same body.
NEVER_SUCCEEDS = {"fax_send"}


class Seeded:
    """What the signed-in person's mailbox holds: ids to give the cases."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[int | str]] = {}
        self.examples: dict[tuple[str, str], int] = {}
        self.bodies: dict[str, dict[str, Any]] = {}

    def add(self, name: str, *values: int | str) -> None:
        self.by_name.setdefault(name, [])
        self.by_name[name] += [v for v in values if v not in self.by_name[name]]


def seed_mailbox(running: RunningEmulator, user: User, token: str) -> Seeded:
    """Messages of each kind in the person's mailbox (some only to be deleted), four sends
    (a queued SMS, a failed one, a pager message, a fax), and every id the API then lists."""
    own = int(user.rc_extension_id or 0)
    recent = time.time() - 3600
    picture = NewAttachment("MmsAttachment", "image/png", PNG_1PX, "picture.png")
    mms = make_sms(running.db_path, own, created_ts=recent, attachments=[picture])
    fax = make_fax(running.db_path, own, created_ts=recent + 1)
    make_voicemail(running.db_path, own, created_ts=recent + 2)
    make_pager(running.db_path, own, created_ts=recent + 3)
    doomed = make_sms(running.db_path, own, created_ts=recent + 4, text="to be deleted")
    doomed_thread = make_sms(running.db_path, own, created_ts=recent + 5, text="this too")

    api = Client(headers={"Authorization": f"Token {token}"})
    seeded = Seeded()
    for box in api.get(reverse("api:mailboxes")).json()["mailboxes"]:
        seeded.add("extensions", int(box["extension_id"]))
        listed = api.get(reverse("api:conversations", args=[box["extension_id"]])).json()
        for row in listed["conversations"]:
            seeded.add("messages", int(row["id"]))
            if row["conversation_id"]:
                seeded.add("conversations", int(row["conversation_id"]))
            seeded.add("attachments", *(int(a["id"]) for a in row["attachments"]))

    def created(name: str, data: dict[str, Any], **options: Any) -> int:
        answer = api.post(
            reverse(f"api:{name}", args=[own]),
            data,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            **options,
        )
        assert answer.status_code in (201, 202), answer.content
        return int(answer.json()["id"])

    sms = {"from_number": user.sms_numbers[0], "to": ["+12095550147"], "text": "Hello"}
    queued = created("sms_send", sms, content_type="application/json")
    failed = created("sms_send", sms, content_type="application/json")
    Send.objects.filter(pk=failed).update(status=Send.Status.FAILED)
    colleague = extension_of(running, "agent2")
    pager = created(
        "pager_send", {"to": [colleague], "text": "Lunch?"}, content_type="application/json"
    )
    document = SimpleUploadedFile("contract.pdf", pdf_with_image(2000))
    faxed = created("fax_send_create", {"to": ["+16505550101"], "documents": [document]})
    seeded.add("sends", queued, failed, pager, faxed)
    seeded.add("faxes", fax)
    seeded.add("numbers", *user.sms_numbers)
    seeded.add("people", colleague)

    mms_row = api.get(reverse("api:message", args=[own, mms])).json()
    doomed_conversation = int(
        api.get(reverse("api:message", args=[own, doomed_thread])).json()["conversation_id"]
    )
    seeded.examples = {
        ("*", "extension_id"): own,
        ("*", "conversation_id"): int(mms_row["conversation_id"]),
        ("*", "message_id"): mms,
        ("*", "attachment_id"): int(mms_row["attachments"][0]["id"]),
        ("*", "send_id"): queued,
        ("send_retry", "send_id"): failed,
        ("fax_send_read", "send_id"): faxed,
        ("message_delete", "message_id"): doomed,
        ("conversation_delete", "conversation_id"): doomed_conversation,
    }
    seeded.bodies = {
        "sms_send": {**sms, "to": ["+12095550148"]},
        "pager_send": {"to": [colleague], "text": "Coffee?"},
        "fax_resend": {"original_message_id": fax, "to": ["+16505550123"]},
    }
    return seeded


def with_examples(raw: dict[str, Any], seeded: Seeded) -> dict[str, Any]:
    """The served schema, each id of an address with a real id as its example, and a send's
    body one that sends: the examples phase sends them, and the coverage phase varies each
    other part around them."""
    schema = copy.deepcopy(raw)
    for operations in schema["paths"].values():
        for operation in operations.values():
            body = seeded.bodies.get(operation["operationId"])
            if body is not None:
                operation["requestBody"]["content"]["application/json"]["example"] = body
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                key = (operation["operationId"], parameter["name"])
                example = seeded.examples.get(key, seeded.examples.get(("*", parameter["name"])))
                if example is not None:
                    parameter["example"] = example
    return schema


def fuzz_config(token: str, seeded: Seeded) -> schemathesis.Config:
    def real(dictionary: str) -> dict[str, Any]:
        return {"dictionary": dictionary, "probability": REAL_ID_SHARE}

    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "auth": {"openapi": {"tokenAuth": {"api_key": f"Token {token}"}}},
            "generation": {"max-examples": FUZZ_EXAMPLES, "database": "none"},
            "dictionaries": {name: {"values": ids} for name, ids in seeded.by_name.items()},
            "parameters": {
                "path.extension_id": real("extensions"),
                "path.conversation_id": real("conversations"),
                "path.message_id": real("messages"),
                "path.attachment_id": real("attachments"),
                "path.send_id": real("sends"),
                "query.mailbox": real("extensions"),
                "body.conversation_id": real("conversations"),
                "body.reply_on": real("messages"),
                "body.original_message_id": real("faxes"),
                "body.from_number": real("numbers"),
            },
        }
    )


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4's lazy schema reads and sets `Node._nodeid`, which pytest 9.2 keeps
    elsewhere (`Node._id`): give it the attribute to use, or every run fails before a case."""
    node: Any = request.node
    if not hasattr(node, "_nodeid"):
        node._nodeid = node.nodeid


@contextmanager
def in_process_requests() -> Iterator[None]:
    """Requests through the WSGI application inside the test's transaction, as Django's test
    client sends them: the start and end of a request would otherwise close its connection.
    (The test client itself connects the signal again after each of its requests.)"""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["agent", "admin"])
def api_schema(
    request: pytest.FixtureRequest,
    settings: Any,
    tmp_path: Any,
    emulator_factory: Callable[..., RunningEmulator],  # noqa: F811
    db: None,
) -> Iterator[schemathesis.BaseSchema]:
    """The API's schema as the signed-in person's fuzz target, on an emulator of its own
    (the cases delete and purge)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    running = point_at(settings, emulator_factory())
    user = sign_in(Client(), running, request.param)
    token = Token.objects.create(user=user).key
    seeded = seed_mailbox(running, user, token)
    served = Client().get(reverse("api:schema"), {"format": "json"})
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(
        with_examples(served.json(), seeded), config=fuzz_config(token, seeded)
    )
    schema.app = get_wsgi_application()
    with in_process_requests():
        yield schema


@pytest.fixture
def successes(api_schema: schemathesis.BaseSchema) -> Iterator[Counter[str]]:
    """The 2xx answers of each operation; every one but `NEVER_SUCCEEDS` needs some."""
    counted: Counter[str] = Counter()
    yield counted
    operations = {
        operation["operationId"]
        for path in api_schema.raw_schema["paths"].values()
        for operation in path.values()
    }
    assert not operations - NEVER_SUCCEEDS - set(counted), (
        f"These operations never succeeded, so the cases reached nothing real there: "
        f"{sorted(operations - NEVER_SUCCEEDS - set(counted))}"
    )


schema = schemathesis.pytest.from_fixture("api_schema")


# Here, not only in the schemathesis config: on a test parametrized by a fixture, Hypothesis's
# pytest plugin hands schemathesis the loaded profile's settings as the test's own, and they win
# over the config; tests/properties loads a profile of 200 examples, which would quadruple the
# fuzzing phase whenever its conftest is collected too (`make fuzz` collects every package).
@hypothesis_settings(max_examples=FUZZ_EXAMPLES)
@schema.parametrize()
def test_the_api_answers_only_what_its_schema_documents(
    case: schemathesis.Case[Any], successes: Counter[str]
) -> None:
    operation_id = case.operation.definition.raw["operationId"]
    inapplicable = operation_id in POSITIVE_DATA_ACCEPTANCE_INAPPLICABLE
    answer = case.call_and_validate(
        excluded_checks=[positive_data_acceptance] if inapplicable else []
    )
    if 200 <= answer.status_code < 300:
        successes[operation_id] += 1

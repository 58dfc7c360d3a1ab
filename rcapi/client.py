"""`RingCentralClient`: one method per RingCentral operation the dashboard uses, for one user's
access token.

Conventions (REFERENCE §1): the account is always `~` (the token's own); `extension_id` is
`~` (the token's user) or an extension id an admin may read; array filters go out as repeated
keys (`?messageType=SMS&messageType=Pager`), dates as ISO 8601 in UTC with a `Z`; ids stay
`int` (int64 values exceed 2**53).

What the client does not do, on purpose:

* It never retries. A failed POST may have reached the platform (an SMS sent twice cannot be
  unsent), and whether a GET is worth repeating depends on the caller's deadline; callers
  get typed errors (`rcapi.errors`) with `transient` and `retry_after` to decide.
* It never refreshes tokens: the dashboard refreshes ahead of expiry, under a row lock, in
  one place. An `AuthExpired` here means "refresh, or ask the user to reconnect".
* It never logs a token, and no error it raises carries one.

Every call has a timeout (connect, read), and, with a `budget`, first takes a slot of the
operation's rate group for `budget_key` (see `rcapi.budget`), waiting for one when
`wait_for_slot` (at most `slot_timeout` seconds) or raising `RateLimited` at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, overload

import requests
from requests.auth import AuthBase

from rcapi import bulk
from rcapi.budget import RateAnswer, RateBudget
from rcapi.bulk import BulkResult
from rcapi.errors import (
    Rejected,
    Unavailable,
    error_from_exception,
    error_from_response,
)
from rcapi.media import AttachmentStream, UploadFile
from rcapi.operations import RATE_GROUPS
from rcapi.records import (
    CoverPage,
    Extension,
    ExtensionPage,
    Message,
    MessagePage,
    PhoneNumber,
    Subscription,
    SyncResult,
    as_dict,
    as_list,
)

log = logging.getLogger(__name__)

MessageType = Literal["Fax", "SMS", "VoiceMail", "Pager", "Text"]
Direction = Literal["Inbound", "Outbound"]
ReadStatus = Literal["Read", "Unread"]
Availability = Literal["Alive", "Deleted", "Purged"]
ExtensionRef = int | Literal["~"]
Params = list[tuple[str, str]]

# refusals that concern the id, not the call (an unknown or purged message): in a bulk answer
# they are one id's result, so a one-id "bulk" call reports them the same way
PER_ID_STATUSES = (400, 404, 406, 409)
CONVERSATION_LIMIT = 50  # conversation ids per delete-by-filter (REFERENCE §6.3)
API = "/restapi/v1.0"


class BearerAuth(AuthBase):
    """Adds the access token to each request; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


class RingCentralClient:
    """RingCentral's REST API as one user (the owner of `access_token`) sees it."""

    def __init__(
        self,
        server_url: str,
        access_token: str,
        *,
        budget_key: str,
        timeout: float | tuple[float, float] = (5, 30),
        budget: RateBudget | None = None,
        wait_for_slot: bool = True,
        slot_timeout: float | None = None,
        session: requests.Session | None = None,
        bulk_answers: Literal["json", "mixed"] = "json",
    ) -> None:
        """`budget_key` names the RingCentral user for the rate budget, e.g. `ext:101…`.
        `bulk_answers` picks the 207 format asked for (both are read, whatever comes)."""
        self.server_url = server_url.rstrip("/")
        self.budget_key = budget_key
        self.timeout = timeout
        self.budget = budget
        self.wait_for_slot = wait_for_slot
        self.slot_timeout = slot_timeout
        self.bulk_answers = bulk_answers
        self._token = access_token
        self._auth = BearerAuth(access_token)
        self._owns_session = session is None
        self._session = session or requests.Session()

    def __repr__(self) -> str:
        return f"RingCentralClient(server_url={self.server_url!r}, budget_key={self.budget_key!r})"

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> RingCentralClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ======================================================================= Message Store

    def list_messages(
        self,
        *,
        extension_id: ExtensionRef = "~",
        message_type: Sequence[MessageType] = (),
        direction: Sequence[Direction] = (),
        read_status: Sequence[ReadStatus] = (),
        availability: Sequence[Availability] = (),
        conversation_id: int | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        distinct_conversations: bool | None = None,
        phone_number: str | None = None,
        page: int = 1,
        per_page: int = 100,
    ) -> MessagePage:
        """One page of messages, newest first. Without `date_from` the platform looks back
        24 hours only, and without `availability` it shows `Alive` messages only (§3)."""
        params: Params = []
        params += repeated("messageType", message_type)
        params += repeated("direction", direction)
        params += repeated("readStatus", read_status)
        params += repeated("availability", availability)
        params += optional("conversationId", conversation_id)
        params += optional("dateFrom", date_from)
        params += optional("dateTo", date_to)
        params += optional("distinctConversations", distinct_conversations)
        params += optional("phoneNumber", phone_number)
        params += [("page", str(page)), ("perPage", str(per_page))]
        response = self._call(
            "listMessages", "GET", f"{mailbox(extension_id)}/message-store", params=params
        )
        return MessagePage.from_json(self._json(response))

    def get_message(self, *, message_id: int, extension_id: ExtensionRef = "~") -> Message:
        path = f"{mailbox(extension_id)}/message-store/{positive_id('message_id', message_id)}"
        response = self._call("readMessage", "GET", path)
        return Message.from_json(self._json(response))

    def get_messages(
        self, *, message_ids: Sequence[int], extension_id: ExtensionRef = "~"
    ) -> list[BulkResult]:
        """Several messages in one request (at most 50): one result per id, in order."""
        ids = list(message_ids)
        path = f"{mailbox(extension_id)}/message-store/{bulk.joined_ids(ids)}"
        if len(ids) == 1:
            return [self._single("readMessage", "GET", path, ids[0])]
        response = self._call("readMessage", "GET", path, headers=self._bulk_accept())
        return self._bulk_results(response, ids)

    @overload
    def update_read_status(
        self, *, message_ids: int, read_status: ReadStatus, extension_id: ExtensionRef = "~"
    ) -> Message: ...

    @overload
    def update_read_status(
        self,
        *,
        message_ids: Sequence[int],
        read_status: ReadStatus,
        extension_id: ExtensionRef = "~",
    ) -> list[BulkResult]: ...

    def update_read_status(
        self,
        *,
        message_ids: int | Sequence[int],
        read_status: ReadStatus,
        extension_id: ExtensionRef = "~",
    ) -> Message | list[BulkResult]:
        """Mark read or unread (PUT). One id: the updated message, or an error raised.
        A sequence: one result per id (at most 50)."""
        return self._change(
            "updateMessage", "PUT", message_ids, {"readStatus": read_status}, extension_id
        )

    @overload
    def restore_messages(
        self, *, message_ids: int, extension_id: ExtensionRef = "~"
    ) -> Message: ...

    @overload
    def restore_messages(
        self, *, message_ids: Sequence[int], extension_id: ExtensionRef = "~"
    ) -> list[BulkResult]: ...

    def restore_messages(
        self, *, message_ids: int | Sequence[int], extension_id: ExtensionRef = "~"
    ) -> Message | list[BulkResult]:
        """Bring `Deleted` messages back with their attachments (PATCH `availability:
        Alive`); a `Purged` message cannot be restored (Rejected CMN-101)."""
        return self._change(
            "patchMessage", "PATCH", message_ids, {"availability": "Alive"}, extension_id
        )

    @overload
    def delete_messages(
        self, *, message_ids: int, purge: bool = False, extension_id: ExtensionRef = "~"
    ) -> None: ...

    @overload
    def delete_messages(
        self,
        *,
        message_ids: Sequence[int],
        purge: bool = False,
        extension_id: ExtensionRef = "~",
    ) -> list[BulkResult]: ...

    def delete_messages(
        self,
        *,
        message_ids: int | Sequence[int],
        purge: bool = False,
        extension_id: ExtensionRef = "~",
    ) -> list[BulkResult] | None:
        """Alive → Deleted (restorable); a second delete, or `purge`, → Purged (§6.2).
        An empty list is refused: the id-less request would delete the whole mailbox."""
        ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
        path = f"{mailbox(extension_id)}/message-store/{bulk.joined_ids(ids)}"
        params = [("purge", "true")] if purge else []
        if isinstance(message_ids, int):
            self._call("deleteMessage", "DELETE", path, params=params).close()
            return None
        if len(ids) == 1:
            return [self._single("deleteMessage", "DELETE", path, ids[0], params=params)]
        response = self._call(
            "deleteMessage", "DELETE", path, params=params, headers=self._bulk_accept()
        )
        if response.status_code == 204:
            response.close()
            return bulk.all_succeeded(ids, 204)
        return self._bulk_results(response, ids)

    def delete_conversations(
        self,
        *,
        conversation_ids: Sequence[int] = (),
        date_to: datetime | None = None,
        message_type: MessageType | Literal["All"] | None = None,
        purge: bool = False,
        extension_id: ExtensionRef = "~",
    ) -> None:
        """Delete whole conversations (at most 50), or every message of a type and/or created
        before `date_to`.

        Refuses (ValueError, before any request) to run without a filter: the bare
        `DELETE …/message-store` deletes every message of the mailbox (REFERENCE §6.3).
        """
        ids = list(conversation_ids)
        if not ids and date_to is None and message_type is None:
            raise ValueError(
                "refusing to delete without conversation_ids, date_to or message_type: "
                "that would delete the whole mailbox"
            )
        if len(ids) > CONVERSATION_LIMIT:
            raise ValueError(f"at most {CONVERSATION_LIMIT} conversations per call")
        params: Params = repeated(
            "conversationId", [str(positive_id("conversation id", i)) for i in ids]
        )
        params += optional("dateTo", date_to)
        params += optional("type", message_type)
        params += [("purge", "true")] if purge else []
        self._call(
            "deleteMessageByFilter", "DELETE", f"{mailbox(extension_id)}/message-store",
            params=params,
        ).close()  # fmt: skip

    def download_attachment(
        self,
        *,
        message_id: int,
        attachment_id: int,
        byte_range: tuple[int, int | None] | None = None,
        extension_id: ExtensionRef = "~",
    ) -> AttachmentStream:
        """The attachment's bytes, streamed; close the stream (or use `with`).

        `byte_range=(first, last)` asks for those bytes (inclusive; `last` None: to the end)
        and gets a 206; a range past the end is Rejected CMN-107 (416).
        """
        headers = {}
        if byte_range is not None:
            first, last = byte_range
            headers["Range"] = f"bytes={first}-{'' if last is None else last}"
        message_id = positive_id("message_id", message_id)
        attachment_id = positive_id("attachment_id", attachment_id)
        path = f"{mailbox(extension_id)}/message-store/{message_id}/content/{attachment_id}"
        response = self._call("readMessageContent", "GET", path, headers=headers, stream=True)
        return AttachmentStream(response, secrets=(self._token,))

    # ======================================================================= sending

    def send_sms(
        self,
        *,
        from_number: str,
        to_numbers: Sequence[str],
        text: str,
        attachments: Sequence[UploadFile] = (),
    ) -> Message:
        """Send an SMS — an MMS when `attachments` are given — as the token's user, from one
        of their numbers with the `SmsSender` (and, for MMS, `MmsSender`) feature.

        The answer is the outbound record, usually `Queued`: delivery comes later (§8).
        Never retried: there is no idempotency key, a second call sends a second message.
        """
        envelope: dict[str, Any] = {
            "from": {"phoneNumber": from_number},
            "to": [{"phoneNumber": number} for number in to_numbers],
        }
        if text or not attachments:
            envelope["text"] = text
        path = f"{mailbox('~')}/sms"
        if not attachments:
            response = self._call("createSMSMessage", "POST", path, json=envelope)
        else:
            response = self._call(
                "createSMSMessage", "POST", path, files=form_parts(envelope, attachments)
            )
        return Message.from_json(self._json(response))

    def send_pager(
        self,
        *,
        text: str,
        to_extension_ids: Sequence[int] = (),
        to_extension_numbers: Sequence[str] = (),
        reply_on: int | None = None,
    ) -> Message:
        """A company pager (internal text) message to extensions, or a reply in the thread of
        message `reply_on` (then recipients may be left out, §9)."""
        recipients = [
            {"extensionId": str(positive_id("extension id", i))} for i in to_extension_ids
        ]
        recipients += [{"extensionNumber": n} for n in to_extension_numbers]
        if not recipients and reply_on is None:
            raise ValueError("a pager message needs recipients or reply_on")
        body: dict[str, Any] = {"text": text}
        if recipients:
            body["to"] = recipients
        if reply_on is not None:
            body["replyOn"] = positive_id("reply_on", reply_on)
        response = self._call(
            "createInternalTextMessage", "POST", f"{mailbox('~')}/company-pager", json=body
        )
        return Message.from_json(self._json(response))

    def send_fax(
        self,
        *,
        to_numbers: Sequence[str],
        documents: Sequence[UploadFile] = (),
        cover_index: int | None = None,
        cover_page_text: str | None = None,
        resolution: Literal["High", "Low"] | None = None,
        send_time: datetime | None = None,
    ) -> Message:
        """Queue a fax (multipart/form-data: a JSON part, then the documents). The answer is
        the `Queued` record; each recipient's outcome arrives later in `to[].message_status`."""
        envelope: dict[str, Any] = {"to": [{"phoneNumber": number} for number in to_numbers]}
        if resolution is not None:
            envelope["faxResolution"] = resolution
        if cover_index is not None:
            envelope["coverIndex"] = cover_index
        if cover_page_text is not None:
            envelope["coverPageText"] = cover_page_text
        if send_time is not None:
            envelope["sendTime"] = iso_utc(send_time)
        response = self._call(
            "createFaxMessage", "POST", f"{mailbox('~')}/fax",
            files=form_parts(envelope, documents),
        )  # fmt: skip
        return Message.from_json(self._json(response))

    def resend_fax(
        self,
        *,
        original_message_id: int,
        to_numbers: Sequence[str] | None = None,
        send_time: datetime | None = None,
    ) -> Message:
        """Send an outbound fax again (to its recipients, or to `to_numbers`), or forward a
        received one; a fax still in the queue is Rejected MSG-343 (406)."""
        original = positive_id("original_message_id", original_message_id)
        body: dict[str, Any] = {"originalMessageId": str(original)}
        if to_numbers is not None:
            body["to"] = [{"phoneNumber": number} for number in to_numbers]
        if send_time is not None:
            body["sendTime"] = iso_utc(send_time)
        response = self._call("createFaxMessage", "POST", f"{mailbox('~')}/fax", json=body)
        return Message.from_json(self._json(response))

    def fax_cover_pages(self, *, page: int = 1, per_page: int = 100) -> list[CoverPage]:
        response = self._call(
            "listFaxCoverPages", "GET", f"{API}/dictionary/fax-cover-page",
            params=[("page", str(page)), ("perPage", str(per_page))],
        )  # fmt: skip
        records = as_list(as_dict(self._json(response)).get("records"))
        return [CoverPage.from_json(item) for item in records]

    # ======================================================================= sync

    def sync_messages(
        self,
        *,
        sync_type: Literal["FSync", "ISync"] = "FSync",
        sync_token: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        record_count: int | None = None,
        message_type: Sequence[MessageType] = (),
        direction: Sequence[Direction] = (),
        conversation_id: int | None = None,
        distinct_conversations: bool | None = None,
        extension_id: ExtensionRef = "~",
    ) -> SyncResult:
        """FSync: the messages of a frame and a token. ISync (`sync_token` required): what
        was created or changed since. A token the platform no longer accepts is Rejected with
        `error_code == rcapi.errors.SYNC_TOKEN_INVALID` (MSG-333): start over with an FSync."""
        if sync_type == "ISync" and not sync_token:
            raise ValueError("an ISync needs the sync_token of the previous sync")
        params: Params = [("syncType", sync_type)]
        params += optional("syncToken", sync_token)
        params += optional("dateFrom", date_from)
        params += optional("dateTo", date_to)
        params += optional("recordCount", record_count)
        params += repeated("messageType", message_type)
        params += repeated("direction", direction)
        params += optional("conversationId", conversation_id)
        params += optional("distinctConversations", distinct_conversations)
        response = self._call(
            "syncMessages", "GET", f"{mailbox(extension_id)}/message-sync", params=params
        )
        return SyncResult.from_json(self._json(response))

    # ======================================================================= accounts

    def get_extension(self, *, extension_id: ExtensionRef = "~") -> Extension:
        """Who the token belongs to (with `~`), or another extension of the account."""
        response = self._call("readExtension", "GET", mailbox(extension_id))
        return Extension.from_json(self._json(response))

    def list_extensions(
        self,
        *,
        page: int = 1,
        per_page: int = 100,
        status: Sequence[str] = (),
        type: Sequence[str] = (),  # the API's parameter name
    ) -> ExtensionPage:
        """The account's extensions (Medium group, as the spec says)."""
        params: Params = repeated("status", status) + repeated("type", type)
        params += [("page", str(page)), ("perPage", str(per_page))]
        response = self._call("listExtensions", "GET", f"{API}/account/~/extension", params=params)
        return ExtensionPage.from_json(self._json(response))

    def list_phone_numbers(
        self, *, extension_id: ExtensionRef = "~", page: int = 1, per_page: int = 100
    ) -> list[PhoneNumber]:
        """The numbers the extension may use; send SMS only from those with `SmsSender`."""
        response = self._call(
            "listExtensionPhoneNumbers", "GET", f"{mailbox(extension_id)}/phone-number",
            params=[("page", str(page)), ("perPage", str(per_page))],
        )  # fmt: skip
        records = as_list(as_dict(self._json(response)).get("records"))
        return [PhoneNumber.from_json(item) for item in records]

    # ======================================================================= subscriptions

    def create_subscription(
        self,
        *,
        event_filters: Sequence[str],
        address: str,
        verification_token: str,
        expires_in: int | None = None,
    ) -> Subscription:
        """A WebHook subscription. Before answering, the platform POSTs to `address` with a
        `Validation-Token` header the receiver must echo (§16.5); every notification then
        carries `verification_token` in `Verification-Token`."""
        mode = {
            "transportType": "WebHook",
            "address": address,
            "verificationToken": verification_token,
        }
        body: dict[str, Any] = {"eventFilters": list(event_filters), "deliveryMode": mode}
        if expires_in is not None:
            body["expiresIn"] = expires_in
        response = self._call("createSubscription", "POST", f"{API}/subscription", json=body)
        return Subscription.from_json(self._json(response))

    def get_subscription(self, *, subscription_id: str) -> Subscription:
        response = self._call("readSubscription", "GET", subscription_path(subscription_id))
        return Subscription.from_json(self._json(response))

    def list_subscriptions(self) -> list[Subscription]:
        """This user's subscriptions for this app."""
        response = self._call("listSubscriptions", "GET", f"{API}/subscription")
        records = as_list(as_dict(self._json(response)).get("records"))
        return [Subscription.from_json(item) for item in records]

    def renew_subscription(self, *, subscription_id: str) -> Subscription:
        """Another lifetime for the subscription (`POST …/renew`, Light group)."""
        response = self._call(
            "renewSubscription", "POST", f"{subscription_path(subscription_id)}/renew"
        )
        return Subscription.from_json(self._json(response))

    def update_subscription(
        self,
        *,
        subscription_id: str,
        event_filters: Sequence[str] | None = None,
        expires_in: int | None = None,
    ) -> Subscription:
        body: dict[str, Any] = {}
        if event_filters is not None:
            body["eventFilters"] = list(event_filters)
        if expires_in is not None:
            body["expiresIn"] = expires_in
        response = self._call(
            "updateSubscription", "PUT", subscription_path(subscription_id), json=body
        )
        return Subscription.from_json(self._json(response))

    def delete_subscription(self, *, subscription_id: str) -> None:
        self._call("deleteSubscription", "DELETE", subscription_path(subscription_id)).close()

    # ======================================================================= the transport

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: bytes | None = None,
        files: list[tuple[str, tuple[str, Any, str]]] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One request: a budget slot, the request with its timeout, the slot settled with
        what the answer said, and any failure turned into a `RingCentralError`."""
        group = RATE_GROUPS[operation]
        slot = None
        if self.budget is not None:
            slot = self.budget.acquire(
                self.budget_key, group, wait=self.wait_for_slot, timeout=self.slot_timeout
            )
        outcome: requests.Response | Unavailable | None = None
        try:
            outcome = self._send(
                method, path, params=params, json=json, data=data, files=files,
                headers=headers, stream=stream, what=f"{method} {operation}",
            )  # fmt: skip
        finally:
            if slot is not None and self.budget is not None:
                answer = None
                if isinstance(outcome, requests.Response):
                    answer = RateAnswer.from_response(outcome.status_code, outcome.headers)
                self.budget.settle(slot, answer)
        if isinstance(outcome, Unavailable):
            raise outcome  # raised here, not in `except`: nothing chains the request to it
        response = outcome
        log.debug("RingCentral %s %s: %s", method, operation, response.status_code)
        if response.status_code >= 400:
            answer_group = RateAnswer.from_response(response.status_code, response.headers).group
            try:
                raise error_from_response(
                    response, group=answer_group or group, secrets=(self._token,)
                )
            finally:
                response.close()
        return response

    def _send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        headers: Mapping[str, str] | None,
        **options: Any,
    ) -> requests.Response | Unavailable:
        """The request itself; a transport failure is returned, not raised, so that the
        caller raises it outside any `except` block (see `error_from_exception`)."""
        try:
            return self._session.request(
                method, self.server_url + path, headers=dict(headers or {}), auth=self._auth,
                timeout=self.timeout, **options,
            )  # fmt: skip
        except requests.RequestException as exc:
            log.info("RingCentral %s failed: %s", what, type(exc).__name__)
            return error_from_exception(exc, what=what, secrets=(self._token,))

    def _json(self, response: requests.Response) -> Any:
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise Unavailable(
                f"RingCentral answered {response.status_code} with a body that is not JSON"
            ) from None

    def _bulk_accept(self) -> dict[str, str]:
        if self.bulk_answers == "json":
            return {"Accept": bulk.VND_MULTIPART_JSON}
        return {"Accept": "application/json"}  # the default: multipart/mixed (§12)

    def _bulk_results(self, response: requests.Response, ids: list[int]) -> list[BulkResult]:
        return bulk.parse_answer(
            response.headers.get("Content-Type", ""), response.content, ids,
            secrets=(self._token,),
        )  # fmt: skip

    def _single(
        self,
        operation: str,
        method: str,
        path: str,
        message_id: int,
        *,
        params: Params | None = None,
        json: Any = None,
    ) -> BulkResult:
        """A one-id "bulk" call: the platform answers it like a single call, so its answer
        is turned into the one result a bulk answer would hold. Per-id refusals (an unknown
        id) become the result's error; anything about the whole call is raised."""
        try:
            response = self._call(operation, method, path, params=params, json=json)
        except Rejected as exc:
            if exc.status not in PER_ID_STATUSES or exc.status is None:
                raise
            return BulkResult(message_id, exc.status, None, exc)
        if response.status_code == 204 or not response.content:
            response.close()
            return BulkResult(message_id, response.status_code)
        return BulkResult(message_id, response.status_code, as_dict(self._json(response)))

    def _change(
        self,
        operation: str,
        method: str,
        message_ids: int | Sequence[int],
        change: dict[str, Any],
        extension_id: ExtensionRef,
    ) -> Message | list[BulkResult]:
        ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
        path = f"{mailbox(extension_id)}/message-store/{bulk.joined_ids(ids)}"
        if isinstance(message_ids, int):
            return Message.from_json(self._json(self._call(operation, method, path, json=change)))
        if len(ids) == 1:
            return [self._single(operation, method, path, ids[0], json=change)]
        headers = {"Content-Type": bulk.VND_MULTIPART_JSON, **self._bulk_accept()}
        response = self._call(
            operation, method, path, data=bulk.update_body(ids, change), headers=headers
        )
        return self._bulk_results(response, ids)


# --------------------------------------------------------------------------- request parts


def mailbox(extension_id: ExtensionRef) -> str:
    if extension_id != "~" and (
        isinstance(extension_id, bool) or not isinstance(extension_id, int)
    ):
        raise ValueError("extension_id is '~' or an integer id")
    return f"{API}/account/~/extension/{extension_id}"


def positive_id(name: str, value: int) -> int:
    """An id going into a path or body: a positive int, never a string that could reshape
    the URL."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer")
    return value


def subscription_path(subscription_id: str) -> str:
    if not subscription_id or "/" in subscription_id:
        raise ValueError("not a subscription id")
    return f"{API}/subscription/{subscription_id}"


def iso_utc(moment: datetime) -> str:
    """`2024-05-01T12:00:00.000Z`; naive datetimes are refused rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("use timezone-aware datetimes")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def repeated(name: str, values: Sequence[str]) -> Params:
    """A multi-valued filter as repeated keys (`style: form, explode: true`, §1.2)."""
    if isinstance(values, str):
        raise TypeError(f"{name} takes a sequence of values, not one string")
    return [(name, value) for value in values]


def optional(name: str, value: str | int | bool | datetime | None) -> Params:
    if value is None:
        return []
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    if isinstance(value, datetime):
        return [(name, iso_utc(value))]
    return [(name, str(value))]


def form_parts(
    envelope: Mapping[str, Any], files: Sequence[UploadFile]
) -> list[tuple[str, tuple[str, Any, str]]]:
    """multipart/form-data as the official SDKs send it: the request's JSON first (part
    `request.json`), then one `attachment` part per file (§8.1)."""
    parts: list[tuple[str, tuple[str, Any, str]]] = [
        ("request.json", ("request.json", json.dumps(envelope).encode(), "application/json"))
    ]
    parts += [("attachment", upload.as_form_part()) for upload in files]
    return parts

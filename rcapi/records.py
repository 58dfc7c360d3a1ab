"""Typed, read-only views of what the platform returns.

Parsing is lenient on purpose: every field of a record is optional in the spec, samples and
notification payloads differ in types (ids as numbers in the REST API, as strings in
notifications; `fileName` vs `filename`; `Z`, `+0000` or `+00:00` offsets — REFERENCE §1.3,
§1.4, §2, §16.4), and the platform adds fields without notice. So unknown fields are ignored,
missing ones become None, ids become `int` whatever their JSON type (int64 values exceed
2**53, so they are never routed through float), and each record keeps the `raw` dict it came
from for anything not modelled here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Raw = Mapping[str, Any]


# --------------------------------------------------------------------------- field readers


def as_int(value: Any) -> int | None:
    """An int64 from a JSON number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from `…Z`, `…+0000` or `…+00:00`; a naive one is taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def as_dict(value: Any) -> Raw:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_strs(value: Any) -> tuple[str, ...]:
    return tuple(item for item in as_list(value) if isinstance(item, str))


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Party:
    """A sender or recipient (`MessageStoreCallerInfoResponseFrom/To`)."""

    phone_number: str | None = None
    extension_number: str | None = None
    extension_id: int | None = None
    name: str | None = None
    location: str | None = None
    message_status: str | None = None  # per recipient of an outbound fax
    fax_error_code: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Party:
        raw = as_dict(data)
        return cls(
            phone_number=as_str(raw.get("phoneNumber")),
            extension_number=as_str(raw.get("extensionNumber")),
            extension_id=as_int(raw.get("extensionId")),
            name=as_str(raw.get("name")),
            location=as_str(raw.get("location")),
            message_status=as_str(raw.get("messageStatus")),
            fax_error_code=as_str(raw.get("faxErrorCode")),
        )


@dataclass(frozen=True)
class Attachment:
    """`MessageAttachmentInfo` (and the fax answer's `…IntId` twin spelling `filename`)."""

    id: int
    uri: str | None = None
    type: str | None = None
    content_type: str | None = None
    size: int | None = None
    file_name: str | None = None
    vm_duration: int | None = None
    width: int | None = None
    height: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Attachment:
        raw = as_dict(data)
        return cls(
            id=as_int(raw.get("id")) or 0,
            uri=as_str(raw.get("uri")),
            type=as_str(raw.get("type")),
            content_type=as_str(raw.get("contentType")),
            size=as_int(raw.get("size")),
            file_name=as_str(raw.get("fileName")) or as_str(raw.get("filename")),
            vm_duration=as_int(raw.get("vmDuration")),
            width=as_int(raw.get("width")),
            height=as_int(raw.get("height")),
        )


@dataclass(frozen=True)
class Message:
    """A message record (`GetMessageInfoResponse`, REFERENCE §2) of any type.

    `conversation_id` comes from `conversationId` or, when that is absent (notifications,
    browsers' precision-safe copy), from `conversation.id`.
    """

    id: int
    conversation_id: int | None = None
    extension_id: int | None = None
    type: str | None = None
    direction: str | None = None
    availability: str | None = None
    read_status: str | None = None
    message_status: str | None = None
    priority: str | None = None
    creation_time: datetime | None = None
    last_modified_time: datetime | None = None
    from_: Party | None = None
    to: tuple[Party, ...] = ()
    subject: str | None = None
    attachments: tuple[Attachment, ...] = ()
    fax_page_count: int | None = None
    fax_resolution: str | None = None
    cover_index: int | None = None
    cover_page_text: str | None = None
    delivery_error_code: str | None = None
    sms_delivery_time: datetime | None = None
    sms_sending_attempts_count: int | None = None
    segment_count: int | None = None
    vm_transcription_status: str | None = None
    uri: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_json(cls, data: Any) -> Message:
        raw = as_dict(data)
        conversation = as_int(raw.get("conversationId"))
        if conversation is None:
            conversation = as_int(as_dict(raw.get("conversation")).get("id"))
        sender = raw.get("from")
        return cls(
            id=as_int(raw.get("id")) or 0,
            conversation_id=conversation,
            extension_id=as_int(raw.get("extensionId")),
            type=as_str(raw.get("type")),
            direction=as_str(raw.get("direction")),
            availability=as_str(raw.get("availability")),
            read_status=as_str(raw.get("readStatus")),
            message_status=as_str(raw.get("messageStatus")),
            priority=as_str(raw.get("priority")),
            creation_time=as_datetime(raw.get("creationTime")),
            last_modified_time=as_datetime(raw.get("lastModifiedTime")),
            from_=Party.from_json(sender) if isinstance(sender, Mapping) else None,
            to=tuple(Party.from_json(item) for item in as_list(raw.get("to"))),
            subject=as_str(raw.get("subject")),
            attachments=tuple(
                Attachment.from_json(item) for item in as_list(raw.get("attachments"))
            ),
            fax_page_count=as_int(raw.get("faxPageCount")),
            fax_resolution=as_str(raw.get("faxResolution")),
            cover_index=as_int(raw.get("coverIndex")),
            cover_page_text=as_str(raw.get("coverPageText")),
            delivery_error_code=as_str(raw.get("deliveryErrorCode")),
            sms_delivery_time=as_datetime(raw.get("smsDeliveryTime")),
            sms_sending_attempts_count=as_int(raw.get("smsSendingAttemptsCount")),
            segment_count=as_int(raw.get("segmentCount")),
            vm_transcription_status=as_str(raw.get("vmTranscriptionStatus")),
            uri=as_str(raw.get("uri")),
            raw=raw,
        )


@dataclass(frozen=True)
class MessagePage:
    """One page of `listMessages` (`GetMessageList`): the records and where they sit.

    `page_start`/`page_end` are 0-based and absent for an empty page; `total_*` "may be
    omitted" (REFERENCE §3). `has_next` follows `navigation.nextPage`.
    """

    records: tuple[Message, ...]
    page: int | None = None
    per_page: int | None = None
    page_start: int | None = None
    page_end: int | None = None
    total_pages: int | None = None
    total_elements: int | None = None
    has_next: bool = False
    uri: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> MessagePage:
        raw = as_dict(data)
        paging = as_dict(raw.get("paging"))
        navigation = as_dict(raw.get("navigation"))
        return cls(
            records=tuple(Message.from_json(item) for item in as_list(raw.get("records"))),
            page=as_int(paging.get("page")),
            per_page=as_int(paging.get("perPage")),
            page_start=as_int(paging.get("pageStart")),
            page_end=as_int(paging.get("pageEnd")),
            total_pages=as_int(paging.get("totalPages")),
            total_elements=as_int(paging.get("totalElements")),
            has_next=bool(as_dict(navigation.get("nextPage")).get("uri")),
            uri=as_str(raw.get("uri")),
        )


@dataclass(frozen=True)
class SyncResult:
    """`GetMessageSyncResponse` (REFERENCE §11). Deleted and purged messages come back with
    little more than `id` and `availability`; an ISync may repeat records (5 s overlap), so
    de-duplicate by id. Keep `sync_token` for the next ISync."""

    records: tuple[Message, ...]
    sync_token: str | None
    sync_time: datetime | None
    older_records_exist: bool
    sync_type: str | None

    @classmethod
    def from_json(cls, data: Any) -> SyncResult:
        raw = as_dict(data)
        info = as_dict(raw.get("syncInfo"))
        return cls(
            records=tuple(Message.from_json(item) for item in as_list(raw.get("records"))),
            sync_token=as_str(info.get("syncToken")),
            sync_time=as_datetime(info.get("syncTime")),
            older_records_exist=as_bool(info.get("olderRecordsExist")) or False,
            sync_type=as_str(info.get("syncType")),
        )


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Extension:
    """`GetExtensionInfoResponse` (REFERENCE §15.6); `is_admin` from
    `permissions.admin.enabled`, `email` from `contact.email`."""

    id: int
    extension_number: str | None = None
    name: str | None = None
    email: str | None = None
    type: str | None = None
    status: str | None = None
    is_admin: bool = False
    account_id: int | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_json(cls, data: Any) -> Extension:
        raw = as_dict(data)
        admin = as_dict(as_dict(raw.get("permissions")).get("admin"))
        return cls(
            id=as_int(raw.get("id")) or 0,
            extension_number=as_str(raw.get("extensionNumber")),
            name=as_str(raw.get("name")),
            email=as_str(as_dict(raw.get("contact")).get("email")),
            type=as_str(raw.get("type")),
            status=as_str(raw.get("status")),
            is_admin=as_bool(admin.get("enabled")) or False,
            account_id=as_int(as_dict(raw.get("account")).get("id")),
            raw=raw,
        )


@dataclass(frozen=True)
class ExtensionPage:
    """One page of `listExtensions`."""

    records: tuple[Extension, ...]
    page: int | None = None
    per_page: int | None = None
    total_pages: int | None = None
    total_elements: int | None = None
    has_next: bool = False

    @classmethod
    def from_json(cls, data: Any) -> ExtensionPage:
        raw = as_dict(data)
        paging = as_dict(raw.get("paging"))
        navigation = as_dict(raw.get("navigation"))
        return cls(
            records=tuple(Extension.from_json(item) for item in as_list(raw.get("records"))),
            page=as_int(paging.get("page")),
            per_page=as_int(paging.get("perPage")),
            total_pages=as_int(paging.get("totalPages")),
            total_elements=as_int(paging.get("totalElements")),
            has_next=bool(as_dict(navigation.get("nextPage")).get("uri")),
        )


@dataclass(frozen=True)
class PhoneNumber:
    """`UserPhoneNumberInfo` (REFERENCE §15.7). A number can send SMS when `features` holds
    `SmsSender`, MMS when it holds `MmsSender`."""

    id: int
    phone_number: str | None = None
    features: tuple[str, ...] = ()
    usage_type: str | None = None
    type: str | None = None
    primary: bool = False
    raw: Raw = field(default_factory=dict, repr=False, compare=False, hash=False)

    @property
    def can_send_sms(self) -> bool:
        return "SmsSender" in self.features

    @property
    def can_send_mms(self) -> bool:
        return "MmsSender" in self.features

    @classmethod
    def from_json(cls, data: Any) -> PhoneNumber:
        raw = as_dict(data)
        return cls(
            id=as_int(raw.get("id")) or 0,
            phone_number=as_str(raw.get("phoneNumber")),
            features=as_strs(raw.get("features")),
            usage_type=as_str(raw.get("usageType")),
            type=as_str(raw.get("type")),
            primary=as_bool(raw.get("primary")) or False,
            raw=raw,
        )


@dataclass(frozen=True)
class CoverPage:
    """A fax cover page (`listFaxCoverPages`); `id` is what `send_fax(cover_index=…)` takes
    (a string in the spec, a small int in practice)."""

    id: int
    name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> CoverPage:
        raw = as_dict(data)
        return cls(id=as_int(raw.get("id")) or 0, name=as_str(raw.get("name")))


# --------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True)
class Subscription:
    """`SubscriptionInfo` (REFERENCE §16.2). `event_filters` come back with `~` replaced by
    real ids; the verification token is never echoed. `status` is `Active` or `Blacklisted`
    (a blacklisted subscription must be deleted and created again)."""

    id: str
    status: str | None = None
    event_filters: tuple[str, ...] = ()
    expires_at: datetime | None = None
    address: str | None = None
    creation_time: datetime | None = None
    expires_in: int | None = None
    transport_type: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_json(cls, data: Any) -> Subscription:
        raw = as_dict(data)
        mode = as_dict(raw.get("deliveryMode"))
        return cls(
            id=as_str(raw.get("id")) or "",
            status=as_str(raw.get("status")),
            event_filters=as_strs(raw.get("eventFilters")),
            expires_at=as_datetime(raw.get("expirationTime")),
            address=as_str(mode.get("address")),
            creation_time=as_datetime(raw.get("creationTime")),
            expires_in=as_int(raw.get("expiresIn")),
            transport_type=as_str(mode.get("transportType")),
            raw=raw,
        )

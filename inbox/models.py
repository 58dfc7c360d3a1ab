from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class TaskProbe(models.Model):
    """One round trip through the task queue: recorded here, answered by a worker.

    A probe that stays unanswered means no worker is consuming the queue.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        state = f"answered by {self.answered_by}" if self.answered_at else "waiting"
        return f"Task probe {self.pk} ({state})"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Entries are never changed or removed through the app, not even in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class AuditLogIsAppendOnly(Exception):
    """Something tried to change or delete an audit entry."""


class AuditEntry(models.Model):
    """One change made to a mailbox through the inbox: who did what to which messages, and how
    it ended. Append-only: `save` refuses to change an entry once created, `delete` refuses
    always, and the database refuses UPDATE and DELETE too (a trigger, see migration 0002).
    """

    class Action(models.TextChoices):
        MESSAGE_READ = "message_read", "Marked a message read"
        MESSAGE_UNREAD = "message_unread", "Marked a message unread"
        CONVERSATION_READ = "conversation_read", "Marked a conversation read"
        CONVERSATION_UNREAD = "conversation_unread", "Marked a conversation unread"
        MESSAGE_DELETE = "message_delete", "Deleted a message"
        MESSAGE_PURGE = "message_purge", "Purged a message"
        CONVERSATION_DELETE = "conversation_delete", "Deleted a conversation"
        CONVERSATION_PURGE = "conversation_purge", "Purged a conversation"
        BULK_DELETE = "bulk_delete", "Deleted conversations in bulk"
        BULK_RESTORE = "bulk_restore", "Restored conversations in bulk"
        BULK_PURGE = "bulk_purge", "Purged conversations in bulk"
        MESSAGES_RESTORE = "messages_restore", "Restored deleted messages"
        MESSAGES_PURGE = "messages_purge", "Purged deleted messages"
        TEAM_CONNECT = "team_connect", "Connected a team mailbox"
        TEAM_CHANGE = "team_change", "Changed a team mailbox"
        TEAM_DISCONNECT = "team_disconnect", "Disconnected a team mailbox"
        NOTE_ADD = "note_add", "Added a note"
        NOTE_EDIT = "note_edit", "Edited a note"
        NOTE_DELETE = "note_delete", "Deleted a note"
        SAVED_REPLY_ADD = "saved_reply_add", "Added a saved reply"
        SAVED_REPLY_CHANGE = "saved_reply_change", "Changed a saved reply"
        SAVED_REPLY_DELETE = "saved_reply_delete", "Deleted a saved reply"
        CONTACT_ADD = "contact_add", "Added a contact"
        CONTACT_CHANGE = "contact_change", "Changed a contact"
        CONTACT_DELETE = "contact_delete", "Deleted a contact"
        CONTACTS_IMPORT = "contacts_import", "Imported contacts"
        CONTACTS_EXPORT = "contacts_export", "Exported contacts"
        OPT_OUT = "opt_out", "Recorded an opt-out"
        OPT_IN = "opt_in", "Lifted an opt-out"
        SEND_SCHEDULE = "send_schedule", "Scheduled a message"
        SCHEDULED_CHANGE = "scheduled_change", "Changed a scheduled message"
        SCHEDULED_CANCEL = "scheduled_cancel", "Cancelled a scheduled message"
        CONVERSATION_EXPORT = "conversation_export", "Exported a conversation"
        MAILBOX_EXPORT = "mailbox_export", "Exported a mailbox"
        SEARCH_EXPORT = "search_export", "Exported search results"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        PARTLY = "partly", "Partly done"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # who: a user with entries cannot be deleted (deactivate them); the label keeps the name
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=255)
    # the address the request came from (None for work a background job did on its own)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.DONE)
    # the mailbox: RingCentral ids, int64
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField(null=True, blank=True)
    # a bulk action names many conversations; `conversation_id` then stays empty
    conversation_ids = models.JSONField(default=list, blank=True)
    message_count = models.PositiveIntegerField(null=True, blank=True)
    message_ids = models.JSONField(default=list, blank=True)
    detail = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account_id", "extension_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_label}: {self.get_action_display()} ({self.get_outcome_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    @staticmethod
    def label_of(person: Any) -> str:
        """How an entry names the person who acted: name and extension, kept with the entry so
        that it still reads when the account changes."""
        name = person.get_full_name() or person.username
        return f"{name} (ext. {person.rc_extension_number or '?'})"[:255]


class Send(models.Model):
    """One message a person asked to send (SMS/MMS, pager or fax), from the moment it is queued
    until RingCentral's answer about it is final. The row is the truth, not the task queue:
    a worker claims it with a conditional update, and every step is recorded here.

    `status` is where the send is in our pipeline; once RingCentral has accepted it
    (`SUBMITTED`), `rc_status` mirrors RingCentral's `messageStatus` until that is final.
    """

    class Kind(models.TextChoices):
        SMS = "sms", "SMS"
        PAGER = "pager", "Pager"
        FAX = "fax", "Fax"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"  # waiting for a worker
        SENDING = "sending", "Sending"  # claimed by a worker (see `call_started_at`)
        RETRYING = "retrying", "Retrying"  # a transient failure; tried again at `next_attempt_at`
        SUBMITTED = "submitted", "Submitted"  # RingCentral has it: `rc_message_id`, `rc_status`
        FAILED = "failed", "Failed"  # never reached RingCentral, or RingCentral refused it
        NEEDS_REVIEW = "needs_review", "Needs review"  # may have gone out: a person decides
        CANCELLED = "cancelled", "Cancelled"
        # an SMS held by the dashboard until `scheduled_for`, then queued like any other
        SCHEDULED = "scheduled", "Scheduled"

    # RingCentral's messageStatus values that end a message's life (REFERENCE §2)
    FINAL_RC_STATUSES = frozenset({"Delivered", "DeliveryFailed", "SendingFailed", "Received"})

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sends"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # the mailbox it is sent from: the owner's RingCentral account and extension (int64)
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    idempotency_key = models.UUIDField()

    from_number = models.CharField(max_length=32, blank=True)  # SMS: E.164; pager, fax: empty
    # SMS and fax: E.164 numbers; pager: extension ids as strings
    recipients = models.JSONField(default=list)
    text = models.TextField(blank=True)  # SMS and pager text; fax: empty (see cover_page_text)
    conversation_id = models.BigIntegerField(null=True, blank=True)  # the thread it replies in
    reply_on = models.BigIntegerField(null=True, blank=True)  # pager: the message replied to

    # fax only
    cover_index = models.PositiveSmallIntegerField(null=True, blank=True)
    cover_page_text = models.CharField(max_length=1024, blank=True)
    resolution = models.CharField(max_length=4, blank=True)  # "High", "Low" or "" (default)
    send_at = models.DateTimeField(null=True, blank=True)  # scheduled at RingCentral
    # SMS only: held here until this time (RingCentral cannot schedule an SMS), and by default
    # cancelled if the customer writes in the conversation before it goes
    scheduled_for = models.DateTimeField(null=True, blank=True)
    cancel_on_reply = models.BooleanField(default=True)
    # the IANA time zone the person chose `scheduled_for` in: the thread shows the time in it
    scheduled_zone = models.CharField(max_length=64, blank=True)
    # resend or forward of a fax RingCentral already has (no documents uploaded again)
    original_message_id = models.BigIntegerField(null=True, blank=True)

    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # set just before the request goes out: a claimed send without it never reached RingCentral
    call_started_at = models.DateTimeField(null=True, blank=True)
    rc_message_id = models.BigIntegerField(null=True, blank=True)
    rc_status = models.CharField(max_length=32, blank=True)
    # per recipient (fax): number -> RingCentral's messageStatus
    recipient_statuses = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=32, blank=True)  # RingCentral's, e.g. MSG-245
    last_error = models.TextField(blank=True)  # a sentence a person can act on

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="inbox_send_one_per_idempotency_key"
            ),
        ]
        indexes = [
            models.Index(fields=["extension_id", "status"]),
            models.Index(fields=["extension_id", "conversation_id"]),
            models.Index(fields=["rc_message_id"]),
            models.Index(fields=["status", "scheduled_for"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} send {self.pk} ({self.get_status_display()})"


class SendDocument(models.Model):
    """A file that goes out with a send: an MMS attachment or a fax document, kept until the
    send is final (web and worker share the storage)."""

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to="sends/%Y/%m/%d/")
    name = models.CharField(max_length=255)  # safe to show and to send
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["send", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["send", "position"], name="inbox_senddocument_one_per_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes)"


class BulkDeleteJob(models.Model):
    """An admin's deletion of many conversations of one mailbox: previewed, confirmed, then run
    by a worker in chunks of 50 conversations; later restored or purged as a whole.

    The job is one row per selection; `action` is what it does now (delete, then perhaps
    restore or purge) and `status` where that action is. The items are the truth about each
    conversation; the counts here are kept in step with them for the progress page.
    """

    class Action(models.TextChoices):
        DELETE = "delete", "Delete"
        RESTORE = "restore", "Restore"
        PURGE = "purge", "Purge"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        CANCELLING = "cancelling", "Cancelling"
        CANCELLED = "cancelled", "Cancelled"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    UNFINISHED = ("queued", "running", "cancelling")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_delete_jobs"
    )
    # the admin who started the current action, and from where (RingCentral calls use them)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    actor_ip = models.GenericIPAddressField(null=True, blank=True)
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    mailbox_label = models.CharField(max_length=255)

    # the selection: the list's filters, or the conversations ticked one by one
    filters = models.JSONField(default=dict, blank=True)
    selected_ids = models.JSONField(default=list, blank=True)  # int64 ids as strings
    conversation_count = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)
    first_message_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    types = models.JSONField(default=list, blank=True)  # message types found, e.g. ["SMS"]
    skipped_count = models.PositiveIntegerField(default=0)  # matching rows with no conversation
    purge = models.BooleanField(default=False)  # delete straight to Purged (not restorable)

    action = models.CharField(max_length=8, choices=Action.choices, default=Action.DELETE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    done_count = models.PositiveIntegerField(default=0)  # conversations, of the current action
    failed_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)  # a sentence, when the action stopped early
    # set while a worker runs the action (`runner` names that run); a stale heartbeat means
    # the worker died, and the next run takes the job over
    runner = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # restore: the deleted messages of the items have been looked up
    prepared = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # the delete action ended
    restored_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account_id", "extension_id", "-created_at"])]

    def __str__(self) -> str:
        return (
            f"Bulk {self.get_action_display().lower()} of {self.conversation_count} "
            f"conversations ({self.get_status_display()})"
        )


class BulkDeleteItem(models.Model):
    """One conversation of a bulk job, and how the job's current action went for it."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "In progress"  # a request about it may be out
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(BulkDeleteJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    conversation_id = models.BigIntegerField()
    message_count = models.PositiveIntegerField(default=0)
    party = models.CharField(max_length=255, blank=True)  # the other party, for the report
    # restore: the ids of the conversation's deleted messages, found when the restore starts
    message_ids = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)  # a sentence: why this conversation failed

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "conversation_id"], name="inbox_bulkdeleteitem_one_per_conversation"
            ),
        ]
        indexes = [models.Index(fields=["job", "state", "position"])]

    def __str__(self) -> str:
        return f"Conversation {self.conversation_id} ({self.get_state_display()})"


class MailboxSync(models.Model):
    """How far the dashboard has followed one mailbox at RingCentral (message sync, §11), and
    the change counter open pages poll to learn that something moved.

    `sync_token` is not a secret (it only names a sync frame) but is kept out of logs anyway.
    `recent_versions` holds `{message id: lastModifiedTime}` of the records of the last syncs,
    so the overlap RingCentral builds into every ISync is not counted as a change twice."""

    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    sync_token = models.TextField(blank=True)
    full_synced_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # the first event not yet followed by a finished sync, and how long the last one waited
    event_pending_since = models.DateTimeField(null=True, blank=True)
    lag_seconds = models.FloatField(null=True, blank=True)
    change_counter = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)
    recent_versions = models.JSONField(default=dict, blank=True)
    # a page of this mailbox was open recently: the periodic sync keeps it current
    viewed_at = models.DateTimeField(null=True, blank=True)
    # the conversation index (`inbox.index`) holds the mailbox's messages created from
    # `index_window_start` on, complete since `indexed_at` (None: not indexed yet)
    indexed_at = models.DateTimeField(null=True, blank=True)
    index_window_start = models.DateTimeField(null=True, blank=True)
    # the back-fill of older history (`inbox.history`): the index also holds every message
    # created from `history_start` on (None: only the sync's window); the walk goes on from
    # `history_cursor` (the next page's `dateTo`, page `history_page`) until RingCentral has no
    # older message (`history_done_at`)
    history_start = models.DateTimeField(null=True, blank=True)
    history_cursor = models.DateTimeField(null=True, blank=True)
    history_page = models.PositiveIntegerField(default=0)
    history_done_at = models.DateTimeField(null=True, blank=True)
    history_messages = models.PositiveBigIntegerField(default=0)
    history_calls = models.PositiveIntegerField(default=0)
    history_error = models.TextField(blank=True)
    # nobody's RingCentral session can read the mailbox any more: what was indexed is kept
    # (and searched), marked stale, until a session can again
    stale_since = models.DateTimeField(null=True, blank=True)
    syncs = models.PositiveIntegerField(default=0)
    full_syncs = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "extension_id"], name="inbox_mailboxsync_one_per_mailbox"
            ),
        ]

    def __str__(self) -> str:
        return f"Sync of extension {self.extension_id} (change {self.change_counter})"


class MailboxSubscription(models.Model):
    """A WebHook subscription at RingCentral for one mailbox's message events (§16), one per
    credential: each person's own mailbox and each team mailbox is kept current whether or not
    a page of it is open.

    The verification token RingCentral repeats on every notification is stored only as its
    SHA-256 digest (it is random, 256 bits); the webhook compares digests in constant time.
    `hook_id` is part of the webhook's address, so a notification names its subscription
    before its body is read."""

    class Status(models.TextChoices):
        CREATING = "creating", "Being created"
        ACTIVE = "active", "Active"
        BLACKLISTED = "blacklisted", "Blacklisted by RingCentral"
        FAILED = "failed", "Could not be created"
        DELETED = "deleted", "Deleted"

    # the session it was made with: a person's own, or a team mailbox's (then no `owner`)
    credential = models.ForeignKey(
        "accounts.RingCentralCredential",
        null=True,
        on_delete=models.CASCADE,
        related_name="mailbox_subscriptions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mailbox_subscriptions",
    )
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    hook_id = models.UUIDField(unique=True)
    token_digest = models.CharField(max_length=64)
    rc_subscription_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CREATING)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    events = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)  # a sentence
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["account_id", "extension_id", "status"])]

    def __str__(self) -> str:
        return f"Subscription of extension {self.extension_id} ({self.get_status_display()})"


class TeamMailbox(models.Model):
    """A RingCentral extension that no single person owns (a shared number such as "Support
    Line"), connected by an admin and worked by its members. The dashboard reads and sends as
    the extension, with its own credential, and records which person did what.

    `sms_numbers` are the extension's numbers with the SmsSender feature, as RingCentral said
    when it was connected."""

    credential = models.OneToOneField(
        "accounts.RingCentralCredential", on_delete=models.PROTECT, related_name="team_mailbox"
    )
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    name = models.CharField(max_length=80)
    extension_number = models.CharField(max_length=32, blank=True)
    sms_numbers = models.JSONField("SMS numbers", default=list, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="team_mailboxes", blank=True
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "extension_id"], name="inbox_teammailbox_one_per_extension"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndexedMessage(models.Model):
    """One message of a mailbox the dashboard syncs, as RingCentral last gave it (`record`),
    with the fields the lists filter on. Kept by the message sync (`inbox.index`): an FSync
    rebuilds the mailbox's window, every ISync applies its changes.

    A thread is a conversation (`thread_kind` "conversation", SMS and pager) or, for faxes and
    voicemails, the message alone ("message", `thread_id` = the message id)."""

    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    message_id = models.BigIntegerField()
    thread_kind = models.CharField(max_length=12)
    thread_id = models.BigIntegerField()
    type = models.CharField(max_length=16)  # SMS, Pager, Fax, VoiceMail (MMS is an SMS)
    direction = models.CharField(max_length=8)
    created_at = models.DateTimeField(null=True)
    last_modified_at = models.DateTimeField(null=True)
    read_status = models.CharField(max_length=8, blank=True)
    availability = models.CharField(max_length=8, default="Alive")
    # the other parties' numbers and the mailbox's own on the message, space-separated with a
    # space at each end (" +16505550101 +14155550123 "), for the list's number filter
    numbers = models.TextField(blank=True)
    # the words search matches: the message's `subject` (an SMS's or pager message's text).
    # On PostgreSQL the table also has `search_vector`, a stored tsvector of it with a GIN
    # index (migration 0014), which the model leaves out: only search's SQL reads it
    text = models.TextField(blank=True)
    record = models.JSONField(default=dict)  # RingCentral's message record

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "extension_id", "message_id"],
                name="inbox_indexedmessage_one_per_message",
            ),
        ]
        indexes = [
            models.Index(fields=["account_id", "extension_id", "availability", "-created_at"]),
            models.Index(fields=["account_id", "extension_id", "thread_kind", "thread_id"]),
        ]

    def __str__(self) -> str:
        return f"Indexed message {self.message_id} of extension {self.extension_id}"


class IndexedConversation(models.Model):
    """One thread of a synced mailbox, summed up from its indexed `Alive` messages: what a
    list row and the views need without reading the messages again."""

    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    thread_kind = models.CharField(max_length=12)
    thread_id = models.BigIntegerField()
    last_message_id = models.BigIntegerField()
    last_message_at = models.DateTimeField(null=True)
    last_type = models.CharField(max_length=16)
    last_direction = models.CharField(max_length=8)
    preview = models.CharField(max_length=200, blank=True)  # the last message's `subject`
    # [{"number": "+1…", "name": "…"}]: the other parties, named where any message names them
    parties = models.JSONField(default=list)
    # what search matches a thread's parties by: their numbers' digits and their names,
    # lower-case, space-separated (" 14155550123 fatima rossi "); a trigram index on
    # PostgreSQL finds partial digits and names inside it
    party_text = models.TextField(blank=True)
    unread_count = models.PositiveIntegerField(default=0)  # received messages not yet read
    message_count = models.PositiveIntegerField(default=0)
    # the last inbound message, which reopens a closed conversation and wakes a snoozed one
    last_inbound_at = models.DateTimeField(null=True)
    # the index holds every message of the thread: read whole from RingCentral once, it began
    # within the index's window (the thread is then shown from the index)
    whole = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "extension_id", "thread_kind", "thread_id"],
                name="inbox_indexedconversation_one_per_thread",
            ),
        ]
        indexes = [
            models.Index(fields=["account_id", "extension_id", "-last_message_at"]),
        ]

    def __str__(self) -> str:
        return f"Indexed {self.thread_kind} {self.thread_id} of extension {self.extension_id}"


class ConversationState(models.Model):
    """Who owns a thread of a mailbox and whether it is done, kept by the dashboard (never
    RingCentral's read state). A thread without a row is open and unassigned."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SNOOZED = "snoozed", "Snoozed"
        DONE = "done", "Done"

    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    thread_kind = models.CharField(max_length=12)
    thread_id = models.BigIntegerField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "extension_id", "thread_kind", "thread_id"],
                name="inbox_conversationstate_one_per_thread",
            ),
        ]
        indexes = [
            models.Index(fields=["account_id", "extension_id", "status", "assignee"]),
            models.Index(fields=["status", "snoozed_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.thread_kind} {self.thread_id}: {self.get_status_display()}"


class ConversationEvent(models.Model):
    """Something that happened to a thread's ownership or status, shown in the thread in
    time order with its messages ("Alex assigned this to Sam", "Sam closed it")."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Unassigned"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        SNOOZED = "snoozed", "Snoozed"
        WOKE = "woke", "Woke up"

    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    thread_kind = models.CharField(max_length=12)
    thread_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # who did it (None: the dashboard itself, e.g. a new message reopened it)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee_label = models.CharField(max_length=255, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["account_id", "extension_id", "thread_kind", "thread_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.thread_kind} {self.thread_id}"


class ConversationNote(models.Model):
    """A note in a thread for the mailbox's team only: never sent, never seen by RingCentral,
    shown among the thread's messages in time order. Its author edits or deletes it; every
    change is in the audit log."""

    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    thread_kind = models.CharField(max_length=12)
    thread_id = models.BigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation_notes",
    )
    author_label = models.CharField(max_length=255)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["account_id", "extension_id", "thread_kind", "thread_id"]),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} in {self.thread_kind} {self.thread_id}"


class NoteMention(models.Model):
    """A member of the mailbox @mentioned in a note: the thread is in their Mentions view until
    they open it (`opened_at`)."""

    note = models.ForeignKey(ConversationNote, on_delete=models.CASCADE, related_name="mentions")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_mentions"
    )
    # the note's thread, kept here for the Mentions view's query
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    thread_kind = models.CharField(max_length=12)
    thread_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["note", "person"], name="inbox_notemention_once"),
        ]
        indexes = [models.Index(fields=["person", "opened_at"])]

    def __str__(self) -> str:
        return f"Mention of person {self.person_id} in note {self.note_id}"


class SavedReply(models.Model):
    """A reply text kept for reuse, with variables such as `{contact.first_name}`: team-wide
    for an account (`owner` empty; admins manage them) or a person's own."""

    account_id = models.BigIntegerField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_replies",
    )
    name = models.CharField(max_length=80)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "saved replies"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "owner", "name"], name="inbox_savedreply_own_name_once"
            ),
            models.UniqueConstraint(
                fields=["account_id", "name"],
                condition=models.Q(owner__isnull=True),
                name="inbox_savedreply_team_name_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """An entry of an account's local address book. Its name is shown wherever one of its
    numbers is, in preference to the name RingCentral gives."""

    account_id = models.BigIntegerField()
    name = models.CharField(max_length=120)
    company = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["account_id", "name"])]

    def __str__(self) -> str:
        return self.name


class ContactNumber(models.Model):
    """One of a contact's numbers (E.164). A number names one contact in an account."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="numbers")
    account_id = models.BigIntegerField()  # the contact's, kept here for the constraint
    number = models.CharField(max_length=32)
    label = models.CharField(max_length=40, blank=True)  # "Mobile", "Work", …

    class Meta:
        ordering = ["contact", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "number"], name="inbox_contactnumber_one_contact_per_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OptOut(models.Model):
    """Whether a customer's number has opted out of SMS from one of the account's numbers (the
    number they wrote STOP to), as their last keyword or a member's hand left it. One row per
    pair; its history is in the audit log."""

    class Source(models.TextChoices):
        KEYWORD = "keyword", "The customer's message"
        MANUAL = "manual", "Recorded by hand"

    account_id = models.BigIntegerField()
    our_number = models.CharField(max_length=32)  # E.164, the account's SMS number
    customer_number = models.CharField(max_length=32)  # E.164
    opted_out = models.BooleanField(default=True)
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    keyword = models.CharField(max_length=16, blank=True)  # STOP, START, … as the customer wrote
    reason = models.CharField(max_length=255, blank=True)  # a member's, when by hand
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the customer's message that carried the keyword (RingCentral's id, int64)
    message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "our_number", "customer_number"],
                name="inbox_optout_one_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["account_id", "customer_number"])]

    def __str__(self) -> str:
        state = "opted out" if self.opted_out else "opted in"
        return f"{self.customer_number} {state} from {self.our_number}"

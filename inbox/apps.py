from __future__ import annotations

from django.apps import AppConfig


class InboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inbox"

    def ready(self) -> None:
        # Features plug into the ones below them here, so that imports run one way only.
        import inbox.history.receivers  # a disconnected team mailbox keeps its index, stale
        import inbox.live.receivers
        import inbox.optout.receivers  # a customer's STOP or START changes their opt-out
        import inbox.ownership.receivers  # new messages reopen closed conversations
        import inbox.scheduled.receivers  # a customer's reply cancels what was scheduled
        import inbox.team.receivers  # noqa: F401  (connected extensions become team mailboxes)
        from inbox.conversations.views import list_context_register, thread_context_register
        from inbox.notes.views import thread_notes_context
        from inbox.optout.views import thread_optout_context
        from inbox.ownership.views import list_ownership_context, thread_ownership_context
        from inbox.sending.presenters import thread_send_context

        thread_context_register(thread_send_context)
        thread_context_register(thread_ownership_context)
        thread_context_register(thread_notes_context)
        thread_context_register(thread_optout_context)
        list_context_register(list_ownership_context)

"""Helpers of the notes tests: the addresses of a thread and its notes."""

from __future__ import annotations

from django.urls import reverse


def thread_url(ids: tuple[int, int]) -> str:
    return reverse("inbox:thread", args=list(ids))


def add_url(ids: tuple[int, int]) -> str:
    return reverse("inbox:notes_add", args=[ids[0], "conversation", ids[1]])


def edit_url(extension_id: int, note_id: int) -> str:
    return reverse("inbox:notes_edit", args=[extension_id, note_id])


def delete_url(extension_id: int, note_id: int) -> str:
    return reverse("inbox:notes_delete", args=[extension_id, note_id])

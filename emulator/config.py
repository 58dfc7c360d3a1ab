"""Knobs of a running emulator, set by `serve` flags."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 604800
    auth_code_ttl: int = 60
    # how long an outbound SMS stays Queued, then Sent, before its next status
    sms_step_seconds: float = 1.0
    # how long each fax recipient takes to be Sent (or to fail)
    fax_step_seconds: float = 2.0
    # refresh-token grace rules of REFERENCE §15.5
    refresh_grace_used: float = 10.0
    refresh_grace_unused: float = 3600.0
    admin_token: str | None = None  # guards /_emulator/*; None leaves it open (local use)

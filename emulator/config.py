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
    # webhooks (REFERENCE §16.5): the validation handshake must answer within 3 s;
    # failed deliveries are retried with doubling delays, then the subscription is blacklisted
    webhook_validation_timeout: float = 3.0
    webhook_delivery_timeout: float = 5.0
    webhook_retry_base: float = 1.0
    webhook_max_attempts: int = 5
    subscription_default_ttl: int = 604800
    # where this server is reached, for uris in notifications (no request to take it from)
    public_url: str = "http://127.0.0.1:8090"
    admin_token: str | None = None  # guards /_emulator/*; None leaves it open (local use)

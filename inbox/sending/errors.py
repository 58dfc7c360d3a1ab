"""What a support agent reads when a send fails: RingCentral's error codes (REFERENCE §8.2 SMS,
§9 pager, §10 fax, §13.2 common) and delivery codes (`deliveryErrorCode` of SMS,
`faxErrorCode` of each fax recipient) as sentences that say what happened and what to do.

Codes not listed here get a generic sentence that names the code, so nothing is ever shown
as a bare code or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from rcapi import RateLimited, RingCentralError, Unavailable

# Refusals of the send request itself. `{value}` is the refused number when RingCentral names
# one (its message says "Parameter [to] value [+1…] is invalid"), else "the number".
_REFUSALS: dict[str, str] = {
    # SMS / MMS (§8.2)
    "CMN-101": "RingCentral refused {value}: it is not a valid number. Check the number and "
    "send again.",
    "CMN-406": "The same recipient was listed twice. Remove the duplicate and send again.",
    "MSG-243": "RingCentral refused {value}: it is blocked. Ask the customer for another number.",
    "MSG-245": "The number this message was sent from does not belong to you at RingCentral. "
    "Pick one of your own numbers and send again.",
    "MSG-246": "SMS cannot be sent to or from an extension number. Use a full phone number.",
    "MSG-247": "SMS cannot be sent to short numbers. Use a full phone number.",
    "MSG-365": "RingCentral could not tell which country the number is in. Write the number "
    "with its country code and send again.",
    "MSG-376": "The attachments are too large for RingCentral (1.5 MB together at most). "
    "Send smaller files.",
    "MSG-337": "The attachments are too large for RingCentral (1.5 MB together at most). "
    "Send smaller files.",
    "MSG-379": "Too many attachments: RingCentral takes at most 10 in one message.",
    "MSG-338": "The message is too large for RingCentral. Shorten the text or send fewer files.",
    "MSG-381": "A group message can go to at most 10 recipients. Send it in smaller groups.",
    "BIL-103": "Picture messages (MMS) are not part of your RingCentral plan. Send the text "
    "without attachments, or ask your administrator.",
    "MSG-240": "Your RingCentral account cannot send SMS abroad. Ask your administrator to "
    "enable international SMS.",
    "MSG-241": "The number this message was sent from is a fax number. Pick a number that can "
    "send SMS.",
    "MSG-242": "This feature is not available on your RingCentral account. Ask your administrator.",
    "MSG-314": "Your RingCentral extension cannot send this kind of message. Ask your "
    "administrator.",
    "MSG-367": "The number this message was sent from cannot send SMS. Pick another of your "
    "numbers.",
    "MSG-380": "Picture messages (MMS) are not available on your RingCentral account. Send the "
    "text without attachments.",
    "MSG-383": "Picture messages (MMS) cannot be sent abroad from your account. Send the text "
    "without attachments.",
    "MSG-384": "Your RingCentral account has reached its messaging limits. Ask your administrator.",
    "MSG-388": "RingCentral does not allow messages to {value}. Ask the customer for another "
    "number.",
    "MSG-397": "Your RingCentral account cannot send SMS from toll-free numbers. Pick another "
    "number or ask your administrator.",
    "MSG-403": "SMS cannot go abroad from a toll-free number. Pick another of your numbers.",
    "MSG-348": "RingCentral does not accept one of the attached file types. Remove it, or send "
    "it as PDF or a picture.",
    # pager (§9)
    "MSG-316": "RingCentral could not find the recipient's extension. Check the recipient "
    "and send again.",
    "MSG-324": "The recipient's extension cannot receive messages right now (it is disabled "
    "or frozen). Ask your administrator.",
    "MSG-325": "This thread is too old to reply in. Start a new pager message instead.",
    "MSG-326": "You are no longer part of this thread, so you cannot reply in it. Start a new "
    "pager message instead.",
    "MSG-330": "Pager messages cannot be sent from this kind of extension.",
    "MSG-331": "RingCentral did not accept the sender of this pager message. Sign in again and "
    "retry.",
    "MSG-332": "RingCentral did not accept the sender of this pager message. Sign in again and "
    "retry.",
    "MSG-335": "The recipient's extension number does not match its id. Pick the recipient again.",
    # fax (§10)
    "MSG-340": "Your RingCentral extension cannot send faxes. Ask your administrator.",
    "MSG-341": "Outbound faxes are not allowed for your extension. Ask your administrator.",
    "MSG-343": "RingCentral cannot resend this fax now: it is still being sent. Wait until it "
    "has finished, then resend.",
    "MSG-347": "One of the fax documents is empty. Attach the file again.",
    "MSG-349": "RingCentral could not read this fax request. Send it again; if it fails again, "
    "tell your administrator.",
    "MSG-350": "RingCentral could not read one of the fax documents. Attach it again.",
    "MSG-351": "One of the fax documents has no file name. Attach it again.",
    # common (§13.2)
    "CMN-102": "RingCentral could not find a recipient or the sender of this message. Check "
    "the recipients and send again.",
    "CMN-109": "This feature is not available on your RingCentral account. Ask your administrator.",
    "CMN-401": "This app is not allowed to send this kind of message at RingCentral. Tell your "
    "administrator.",
    "CMN-403": "Your RingCentral extension cannot send this kind of message. Ask your "
    "administrator.",
    "CMN-404": "RingCentral refused: you may only send from your own extension.",
    "CMN-408": "Your RingCentral user lacks the permission to send this kind of message. Ask "
    "your administrator to grant it.",
    "CMN-419": "Your RingCentral user lacks the permission to send this kind of message. Ask "
    "your administrator to grant it.",
}

# `deliveryErrorCode` of SMS (docs/messaging/sms/sms-errors.md) and `faxErrorCode` of fax
# recipients (REFERENCE §2 FaxErrorCodeEnum): RingCentral accepted the message, delivery failed.
_DELIVERY: dict[str, str] = {
    "SMS-UP-410": "The recipient's number cannot receive SMS (a landline or a number without "
    "text messaging). Call the customer or ask for a mobile number.",
    "SMS-CAR-411": "The recipient's number is invalid or no longer in service. Ask the "
    "customer for a working number.",
    "SMS-CAR-412": "The recipient's phone was unreachable, so the carrier gave up. Try again "
    "later.",
    "SMS-RC-413": "The recipient has opted out of messages from this number (they replied "
    "STOP). They must text START before you can message them again.",
    "SMS-CAR-430": "The carrier flagged the message as spam and blocked it. Rephrase it "
    "(avoid links and all capitals) and send again.",
    "SMS-UP-431": "The recipient's carrier refused the message. Try again later, or reach the "
    "customer another way.",
    "SMS-RC-430": "RingCentral does not allow messages to this number. Ask the customer for "
    "another number.",
    "LineBusy": "The fax line was busy. Resend the fax later.",
    "NoAnswer": "Nobody answered the fax line. Check the number and resend the fax later.",
    "NoFaxMachine": "The number answered, but not with a fax machine. Check the fax number "
    "with the recipient.",
    "CallFailed": "The call to the fax machine failed. Resend the fax later.",
    "ProhibitedNumber": "RingCentral does not allow faxes to this number. Ask the recipient "
    "for another fax number.",
    "RenderingFailed": "RingCentral could not read one of the documents. Save it as PDF and "
    "send the fax again.",
    "TooManyPages": "The fax has more than 200 pages. Split it into smaller faxes.",
    "InternationalCallingDisabled": "Faxes abroad are not enabled on your account. Ask your "
    "administrator.",
    "DestinationCountryDisabled": "Faxes to this country are not enabled on your account. Ask "
    "your administrator.",
    "AllLinesInUse": "All your fax lines were busy. Resend the fax in a few minutes.",
    "NoFaxSendPermission": "You are not allowed to send faxes. Ask your administrator.",
    "NoInternationalPermission": "You are not allowed to send faxes abroad. Ask your "
    "administrator.",
    "Undefined": "The fax could not be sent, and RingCentral did not say why. Resend it later.",
    "UnknownCountryCode": "The fax number's country code is not known. Check the number.",
    "InvalidNumber": "The fax number is not valid. Check it with the recipient.",
    "BadNumber": "The fax number is not valid. Check it with the recipient.",
}

GIVEN_UP = (
    "RingCentral could not be reached after several tries, so this message was not sent. "
    "Retry it in a few minutes."
)
RECONNECT = (
    "Your RingCentral session has ended, so this message was not sent. Sign in with "
    "RingCentral again, then retry it."
)
NEEDS_REVIEW = (
    "RingCentral may have received this message, but it was not found among your sent "
    "messages. Check the conversation: if the customer has it, mark it sent; if not, send it "
    "again."
)
DOCUMENT_MISSING = (
    "A file of this message is no longer stored here, so it was not sent. Attach the file "
    "again and send a new message."
)


def send_error_sentence(error: RingCentralError, *, numbers: Sequence[str] = ()) -> str:
    """What to tell a person about a send RingCentral refused or could not take. `numbers`
    (the send's own, in E.164) let a number RingCentral names without its `+` be shown as
    the person wrote it."""
    if isinstance(error, RateLimited):
        return (
            "RingCentral asked us to slow down, so this message waits its turn; it will go "
            "out on its own."
        )
    if isinstance(error, Unavailable):
        return "RingCentral did not answer just now; this message will be tried again."
    code = error.error_code or ""
    template = _REFUSALS.get(code)
    if template is not None:
        return template.format(value=_refused_value(error, numbers))
    if code:
        return (
            f"RingCentral refused this message (error {code}). Check the recipients and the "
            "text, then send again; if it keeps failing, tell your administrator."
        )
    status = f" (HTTP {error.status})" if error.status else ""
    return (
        f"RingCentral refused this message{status}. Check the recipients and the text, then "
        "send again; if it keeps failing, tell your administrator."
    )


def delivery_error_sentence(code: str | None) -> str:
    """What to tell a person about a message RingCentral accepted but could not deliver."""
    if not code:
        return "The message could not be delivered, and RingCentral did not say why."
    sentence = _DELIVERY.get(code.strip())
    if sentence is not None:
        return sentence
    return f"The message could not be delivered (RingCentral's code {code})."


def _refused_value(error: RingCentralError, numbers: Sequence[str]) -> str:
    """The number RingCentral names in its message ("… value [1904…] is invalid …")."""
    text = str(error)
    marker = "value ["
    start = text.find(marker)
    if start >= 0:
        end = text.find("]", start + len(marker))
        if end > start:
            value = text[start + len(marker) : end].strip()
            if value:
                digits = "".join(c for c in value if c.isdigit())
                ours = [n for n in numbers if "".join(c for c in n if c.isdigit()) == digits]
                return f"the number {ours[0] if ours else value}"
    return "the number"

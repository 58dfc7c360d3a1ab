"""The demo mailbox: months of realistic traffic for the three demo users and the two team
mailboxes, the same every seed.

Everything is drawn from `random.Random(seed)` (the team mailboxes' traffic from a generator
of its own, below): the same seed and size give the same messages with the same ids, texts,
attachments and order; only the clock moves (times are ages before an anchor, the hour the
seed runs in). Messages are planned first and then written oldest first, so ids grow with
`creationTime` as they do on the platform.

What it holds, so the dashboard has something to show for every feature:
* SMS conversations with customers (most of them with the two agents), 1 to 12 messages each,
  with delivery outcomes (Delivered, Sent, DeliveryFailed with `deliveryErrorCode`), unread
  recent messages, pictures (MMS), a group MMS, a customer who talks to both agents, texts
  that are long, emoji, non-Latin scripts, multi-line, and text that looks like HTML or script;
* SMS between two demo users (one copy in each mailbox), company pager threads;
* inbound faxes (real multi-page PDFs) and voicemails (real WAVs);
* a few messages already `Deleted`, so restore can be shown;
* the team mailboxes' own traffic (see `plan_team_mailboxes`): "Support Line" answers customers
  from its number, "Billing" talks invoices, refunds and payments, and both receive faxes.

The team traffic is drawn from a generator of its own, seeded from the same seed and planned
after the people's, so the people's mailboxes hold the same messages with or without it. Only
ids differ: message ids follow the creation time across all mailboxes, and a pager thread's id
is its first message's.
"""

# The texts use look-alike characters (en dash, full-width and Greek letters) on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from emulator import clock, inbound, media
from emulator.identity import DEMO_USERS, TEAM_EXTENSIONS, DemoUser
from emulator.mailstore import NewAttachment, insert_message, sms_conversation_id
from emulator.segments import segment_count

DAY = 86_400.0
HISTORY_DAYS = 90
UNREAD_WITHIN = 2 * DAY  # inbound messages younger than this and not yet answered stay Unread

ADMIN, AGENT, AGENT2 = DEMO_USERS  # 101 Alex (admin), 102 Sam, 103 Riley
TOLL_FREE = ADMIN.extra_sms_numbers[0]
SUPPORT_LINE, BILLING = TEAM_EXTENSIONS  # 201 and 202: shared numbers no one person owns

# --------------------------------------------------------------------------- texts

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan",
    "Amara", "Hiroshi", "Priya", "Chen", "Fatima", "Diego", "Ingrid", "Kwame", "Zoe", "Omar",
)  # fmt: skip
LAST_NAMES = (
    "Johnson", "Garcia", "Nguyen", "Smith", "Okafor", "Kowalski", "Tanaka", "Haddad",
    "Rossi", "Patel", "Müller", "O'Brien", "Fernández", "Lindqvist", "Dubois", "Kim",
)  # fmt: skip
CUSTOMER_OPENERS = (
    "Hi, I placed order #{order} last week and it still hasn't shipped. Any update?",
    "Hello! What time do you close today?",
    "Is my appointment on {day} still confirmed?",
    "Hi there, I need to change the delivery address for order {order}.",
    "Can I get a refund for order #{order}? The item arrived damaged.",
    "Do you have the blue one in size M?",
    "Hey, my package says delivered but I don't see it anywhere.",
    "Hi, this is {name}. Can someone call me back about my invoice?",
    "Good morning, is the store open on Sunday?",
    "I was charged twice for order {order}, please help",
    "Hi! Quick question about the warranty on my purchase.",
    "Hello, I'd like to cancel my subscription.",
)  # fmt: skip
CUSTOMER_FOLLOWUPS = (
    "Thanks!", "OK", "Great, thank you so much!", "That works for me.", "Still waiting...",
    "Can you check again please?", "Perfect 👍", "Sure, {day} is fine.", "Yes",
    "No, that's not it.", "How long will that take?", "Got it, appreciate the help!",
    "Sorry, one more thing: can I add a gift note?", "ok thx", "Will do.",
    "The tracking number doesn't work.", "Here is the photo you asked for.",
)  # fmt: skip
AGENT_REPLIES = (
    "Hi {name}, thanks for reaching out! Let me check that for you.",
    "Your order #{order} shipped today, you'll get a tracking link shortly.",
    "We're open until 7 pm today.",
    "Yes, your appointment on {day} at 10:30 is confirmed.",
    "I've issued the refund, it should show up in 3–5 business days.",
    "Could you send me a photo of the label?",
    "Done! Anything else I can help with?",
    "I'm sorry about that. I've escalated it to our shipping team.",
    "Thanks for your patience, {name}.",
    "Sure, I've updated the address.",
    "You're welcome! Have a great day.",
    "Let me transfer this to our billing team, they will text you today.",
)  # fmt: skip
EMOJI_TEXTS = (
    "Thank you!! 🙏🎉", "👍🏽", "Love it 😍😍", "On my way 🚗💨", "Happy birthday! 🎂🥳",
    "Family plan please 👨‍👩‍👧‍👦", "🇺🇸🇲🇽🇯🇵 we ship everywhere?", "☕️ later?",
)  # fmt: skip
NON_LATIN_TEXTS = (
    "Здравствуйте! Мой заказ ещё не пришёл.",
    "こんにちは、注文の状況を教えてください。",
    "مرحبا، أحتاج مساعدة في طلبي من فضلك",
    "你好，我的包裹在哪里？",
    "שלום, האם החנות פתוחה מחר?",
    "नमस्ते, क्या मेरा ऑर्डर भेज दिया गया है?",
    "Γεια σας, θα ήθελα να αλλάξω την παραγγελία μου.",
    "안녕하세요, 환불 받을 수 있을까요?",
    "Xin chào, đơn hàng của tôi đã được gửi chưa?",
)  # fmt: skip
MARKUP_TEXTS = (
    "<script>alert(1)</script>",
    "<b>bold</b> is this working?",
    "Tom &amp; Jerry said 5 < 6 && 7 > 3",
    "Tracking: https://example.com/track?id=42&lang=en or <a href=\"https://evil.example\">click</a>",
    "<img src=x onerror=alert('xss')>",
    "\"Quotes\", 'apostrophes' and a back\\slash {{ template }} ${injection}",
)  # fmt: skip
MULTILINE_TEXT = "Order summary:\n- 2 × T-shirt (M)\n- 1 × Mug\n\nTotal: $42.50\n\n  Thanks!"
LONG_SENTENCES = (
    "I wanted to follow up on the conversation we had on the phone yesterday afternoon.",
    "The replacement part arrived, but it is not the same model as the original one.",
    "My neighbour also ordered from you and had the same problem, so maybe it is a batch issue.",
    "I have attached the photos earlier and I still have the original packaging if needed.",
    "Could you please let me know whether I should send it back or keep it until you decide?",
    "I am available most mornings before eleven, and on Thursday the whole day.",
    "Please also note that my billing address changed last month, the new one is on file.",
    "Thank you for your help so far, your team has been very patient with me.",
)  # fmt: skip
ERROR_CODES = ("SMS-UP-410", "SMS-CAR-411", "SMS-RC-413", "SMS-CAR-430", "SMS-UP-431")
PAGER_TEXTS = (
    "Can you cover my queue after lunch?", "Sure, no problem.",
    "Heads up: the shipping API is slow today.", "Customer {name} may text you, VIP.",
    "Standup moved to 10:15.", "Thanks!", "Who is on call this weekend?", "I am 🙋",
    "Please check the failed SMS to +1 (415) 555-0142.", "<i>not italic</i> & fine",
    "Lunch order: 🍕 or 🌮?", "Done, closed the ticket.",
)  # fmt: skip
FAX_SENDERS = (
    ("+12125550148", "Northside Medical Records"), ("+13125550177", None),
    ("+14155550190", "Bay Legal LLP"), ("+16175550111", None),
    ("+17135550163", "Houston Parts Supply"), ("+12065550135", None),
)  # fmt: skip
FAX_TITLES = (
    "Purchase order", "Signed contract", "Medical records release", "Invoice",
    "Insurance claim", "Shipping manifest", "Credit application", "Warranty claim form",
)  # fmt: skip
SUPPORT_OPENERS = (
    "Hi, the app keeps signing me out since the last update. Can you help?",
    "My order #{order} arrived with a part missing.",
    "Hello, how do I reset my account password?",
    "The blender I bought doesn't turn on. Order {order}.",
    "Hi! Is there a manual for the model I bought? I lost mine.",
    "I got a text saying my delivery failed. What do I do now?",
    "Can I exchange a size M for an L? Order #{order}",
    "Hi, this is {name}. I called earlier but nobody picked up.",
    "Is the support line open on {day}?",
    "The tracking link you sent me doesn't load.",
    "Hi, my replacement still hasn't arrived, ticket {order}.",
    "Does the warranty cover water damage?",
)  # fmt: skip
SUPPORT_REPLIES = (
    "Hi {name}, this is the Acme support line. Happy to help!",
    "Sorry about that! Could you send a photo of what you received?",
    "I've sent a replacement for order #{order}, it ships tomorrow.",
    "Please hold the power button for 10 seconds, then let go.",
    "You can reset it from the sign-in page, under Forgot password.",
    "We're here Monday to Friday, 8 am to 6 pm.",
    "Thanks! I've opened ticket #{order} for this.",
    "I'm passing this to Billing, they will text you from their number.",
    "Glad it works now! Anything else?",
    "A new tracking link is on its way.",
    "The manual is online at acme-support.example/manuals.",
)  # fmt: skip
BILLING_OPENERS = (
    "Hi, I was charged twice for invoice INV-{order}.",
    "Can you send me a copy of invoice INV-{order}?",
    "When will my refund for order #{order} arrive?",
    "My card was declined but there is money on it. Can you try again?",
    "I'd like to update the card on file.",
    "Hello, the amount on my last invoice looks wrong.",
    "Can I pay invoice INV-{order} in two parts?",
    "Hi, this is {name}. Support told me to text you about a refund.",
    "Do you accept bank transfers?",
    "Please turn off automatic payments on my account.",
)  # fmt: skip
BILLING_FOLLOWUPS = (
    "Thanks!", "OK, I'll wait for it.", "Got the PDF, thank you.", "It went through now 👍",
    "Can you check again please?", "Which card did you charge?", "Perfect.",
    "I still don't see the refund.", "Yes, the one ending in 4242.", "That works.",
    "Sure, {day} is fine.",
)  # fmt: skip
BILLING_REPLIES = (
    "Hi {name}, this is Acme Billing. Let me pull up your account.",
    "I see the double charge. I've refunded it, allow 3–5 business days.",
    "Here is invoice INV-{order} again, it's also in your account under Invoices.",
    "Your refund of $42.50 was issued on {day}.",
    "Your bank declined the payment. Could you try another card?",
    "Done, automatic payments are off from the next invoice.",
    "Yes, we can split it in two, the first half due {day}.",
    "We accept bank transfers, the details are on the invoice.",
    "The card on file is updated.",
    "You're welcome, have a good day!",
)  # fmt: skip
PICTURE_SIZES = ((320, 240), (240, 320), (400, 300), (200, 200), (640, 480), (300, 400))
UNKNOWN_AREAS = ("316", "573", "907", "413")  # no location is derived for these
SHOWCASE_CUSTOMERS = 12


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Texts:
    """What a mailbox's customers write first and then, and what the mailbox answers."""

    openers: Sequence[str]
    followups: Sequence[str]
    replies: Sequence[str]


AGENT_TEXTS = Texts(CUSTOMER_OPENERS, CUSTOMER_FOLLOWUPS, AGENT_REPLIES)
SUPPORT_TEXTS = Texts(SUPPORT_OPENERS + CUSTOMER_OPENERS, CUSTOMER_FOLLOWUPS, SUPPORT_REPLIES)
BILLING_TEXTS = Texts(BILLING_OPENERS, BILLING_FOLLOWUPS, BILLING_REPLIES)


@dataclass(frozen=True)
class Customer:
    number: str
    name: str | None


@dataclass(frozen=True)
class Line:
    """One SMS of a user ↔ customer thread, before it gets a time."""

    direction: str
    text: str
    pictures: tuple[int, ...] = ()
    status: str = "Delivered"  # outbound only: Delivered, Sent, DeliveryFailed
    error_code: str | None = None
    availability: str = "Alive"


Writer = Callable[[sqlite3.Connection, float], None]


@dataclass
class Plan:
    """Messages to write, each with the absolute time it was created."""

    rng: random.Random
    anchor: float
    events: list[tuple[float, int, Writer]] = field(default_factory=list)
    pictures: dict[int, bytes] = field(default_factory=dict)

    def add(self, age: float, write: Writer) -> None:
        self.events.append((self.anchor - age, len(self.events), write))

    def picture(self, index: int) -> NewAttachment:
        """One of a small pool of pictures, generated once: keeps big seeds fast."""
        if index not in self.pictures:
            width, height = PICTURE_SIZES[index % len(PICTURE_SIZES)]
            self.pictures[index] = media.png_image(width, height, seed=1000 + index)
        return NewAttachment(
            type="MmsAttachment",
            content_type="image/png",
            content=self.pictures[index],
            file_name=f"IMG_{4100 + index}.png",
        )

    def gaps(self, start_age: float, count: int, *, brisk: bool = False) -> list[float]:
        """Ages of `count` messages of a thread starting at `start_age`; stops before now.

        A brisk thread is answered within minutes, so a short one always fits in its window.
        """
        ages = [start_age]
        while len(ages) < count:
            if brisk:
                gap = self.rng.uniform(30, 600)
            else:
                gap = min(max(self.rng.expovariate(1 / 1500), 20.0), 6 * 3600)
            if not brisk and self.rng.random() < 0.1:
                gap += self.rng.uniform(0.5, 2) * DAY  # the customer comes back days later
            if ages[-1] - gap < 30:
                break
            ages.append(ages[-1] - gap)
        return ages


def fill(template: str, rng: random.Random, name: str | None) -> str:
    return template.format(
        order=rng.randrange(10_000, 99_999),
        day=rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
        name=name.split()[0] if name else "there",
    )


# --------------------------------------------------------------------------- writers


def write_outbound_sms(
    db: sqlite3.Connection,
    ts: float,
    *,
    user: DemoUser,
    from_number: str,
    recipients: Sequence[Customer],
    line: Line,
    attachments: Sequence[NewAttachment] = (),
) -> int:
    """An SMS the user sent earlier, in its final state (REFERENCE §2.1 "MMS outbound")."""
    to = [inbound.phone_party(db, party.number, name=party.name) for party in recipients]
    body: dict[str, Any] = {
        "from": inbound.phone_party(db, from_number),  # as the SMS endpoint records it
        "to": to,
        "priority": "Normal",
        "smsSendingAttemptsCount": 1,
    }
    if line.text:
        body["subject"] = line.text
    if line.text and not attachments:
        body["segmentCount"] = segment_count(line.text)
    if line.status == "Delivered":
        body["smsDeliveryTime"] = clock.iso(ts + 3)
    if line.error_code:
        body["deliveryErrorCode"] = line.error_code
    numbers = [from_number, *(party.number for party in recipients)]
    text = [NewAttachment(type="Text", content_type="text/plain", content=line.text.encode())]
    return insert_message(
        db,
        account_id=_account_id(db, user),
        extension_id=user.extension_id,
        type="SMS",
        direction="Outbound",
        read_status="Read",
        message_status=line.status,
        body=body,
        creation_ts=ts,
        conversation_id=sms_conversation_id(numbers),
        numbers=numbers,
        attachments=[
            *(text if line.text else []),
            *(inbound.with_image_size(item) for item in attachments),
        ],
        availability=line.availability,
    )


def _account_id(db: sqlite3.Connection, user: DemoUser) -> int:
    account_id: int = inbound.extension_row(db, user.extension_id)["account_id"]
    return account_id


def plan_thread(
    plan: Plan,
    *,
    user: DemoUser,
    user_number: str,
    customer: Customer,
    lines: Sequence[Line],
    start_age: float,
    brisk: bool = False,
) -> None:
    """A thread between a user's number and a customer, its messages minutes to days apart."""
    ages = plan.gaps(start_age, len(lines), brisk=brisk)
    last_outbound = max(
        (i for i, line in enumerate(lines[: len(ages)]) if line.direction == "Outbound"), default=-1
    )
    for index, (age, line) in enumerate(zip(ages, lines, strict=False)):
        pictures = [plan.picture(k) for k in line.pictures]
        if line.direction == "Outbound":
            plan.add(
                age,
                _outbound_writer(user, user_number, [customer], line, pictures),
            )
            continue
        answered = index < last_outbound
        unread = not answered and (age < UNREAD_WITHIN or plan.rng.random() < 0.15)
        plan.add(
            age,
            _inbound_writer(user_number, customer, line, pictures, "Unread" if unread else "Read"),
        )


def _outbound_writer(
    user: DemoUser,
    user_number: str,
    recipients: Sequence[Customer],
    line: Line,
    pictures: Sequence[NewAttachment],
) -> Writer:
    def write(db: sqlite3.Connection, ts: float) -> None:
        write_outbound_sms(
            db,
            ts,
            user=user,
            from_number=user_number,
            recipients=recipients,
            line=line,
            attachments=pictures,
        )

    return write


def _inbound_writer(
    user_number: str,
    customer: Customer,
    line: Line,
    pictures: Sequence[NewAttachment],
    read_status: str,
    others: Sequence[Customer] = (),
) -> Writer:
    def write(db: sqlite3.Connection, ts: float) -> None:
        inbound.inbound_sms(
            db,
            to_number=user_number,
            from_number=customer.number,
            text=line.text,
            attachments=pictures,
            created_ts=ts,
            read_status=read_status,
            from_name=customer.name,
            other_recipients=[o.number for o in others],
            availability=line.availability,
        )

    return write


# --------------------------------------------------------------------------- customers


def make_customers(rng: random.Random, count: int, avoid: Collection[str] = ()) -> list[Customer]:
    """`count` customers with numbers of their own: none of the account's, none in `avoid`."""
    taken = {user.direct_number for user in (*DEMO_USERS, *TEAM_EXTENSIONS)} | {TOLL_FREE}
    taken.update(avoid)
    areas = sorted(inbound.AREA_LOCATIONS) + list(UNKNOWN_AREAS)
    customers: list[Customer] = []
    while len(customers) < count:
        number = f"+1{rng.choice(areas)}555{rng.randrange(10_000):04d}"
        if number in taken:
            continue
        taken.add(number)
        name = None
        if rng.random() < 0.45:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        customers.append(Customer(number, name))
    return customers


def pick_owner(rng: random.Random) -> tuple[DemoUser, str]:
    """Most conversations belong to the agents; the admin answers on two numbers."""
    user = rng.choices((ADMIN, AGENT, AGENT2), weights=(1, 2, 2))[0]
    if user is ADMIN and rng.random() < 0.3:
        return user, TOLL_FREE
    return user, user.direct_number


# --------------------------------------------------------------------------- conversations


def random_lines(
    rng: random.Random,
    customer: Customer,
    *,
    mms: bool,
    picture_pool: int,
    texts: Texts = AGENT_TEXTS,
) -> list[Line]:
    count = rng.choices(range(1, 13), weights=(6, 8, 9, 8, 7, 6, 5, 4, 3, 2, 2, 1))[0]
    direction = "Inbound" if rng.random() < 0.75 else "Outbound"
    lines: list[Line] = []
    for index in range(count):
        roll = rng.random()
        pictures: tuple[int, ...] = ()
        if roll < 0.04:
            text = rng.choice(EMOJI_TEXTS)
        elif roll < 0.06 and direction == "Inbound":
            text = rng.choice(NON_LATIN_TEXTS)
        elif roll < 0.07:
            text = rng.choice(MARKUP_TEXTS)
        elif roll < 0.08 and direction == "Inbound":
            text = long_text(rng)
        elif direction == "Inbound":
            pool = texts.openers if index == 0 else texts.followups
            text = fill(rng.choice(pool), rng, customer.name)
        else:
            text = fill(rng.choice(texts.replies), rng, customer.name)
        if mms and direction == "Inbound" and rng.random() < 0.07:
            pictures = (rng.randrange(picture_pool),)
        status, error = "Delivered", None
        if direction == "Outbound":
            status = rng.choices(("Delivered", "Sent", "DeliveryFailed"), weights=(80, 14, 6))[0]
            if status == "DeliveryFailed":
                error = rng.choice(ERROR_CODES)
        availability = "Deleted" if rng.random() < 0.015 else "Alive"
        lines.append(Line(direction, text, pictures, status, error, availability))
        if rng.random() < 0.8:  # mostly alternating, sometimes two in a row
            direction = "Outbound" if direction == "Inbound" else "Inbound"
    return lines


def long_text(rng: random.Random) -> str:
    """A text close to the 1000-character limit (REFERENCE §8)."""
    parts: list[str] = []
    while True:
        sentence = rng.choice(LONG_SENTENCES)
        if len(" ".join([*parts, sentence])) > 990:
            return " ".join(parts)
        parts.append(sentence)


def plan_showcase(plan: Plan, customers: list[Customer], budget: int) -> int:
    """Hand-written conversations that every demo has (as many as `budget` allows).

    They sit in the last days, so the default 24-hour views show some of them.
    Returns how many SMS conversations they used.
    """
    rng = plan.rng
    c = iter(customers)
    scripted: list[Callable[[], None]] = []

    def markup() -> None:
        lines = [Line("Inbound", text) for text in MARKUP_TEXTS[:3]]
        lines.insert(1, Line("Outbound", "Hi! Your message came through as plain text 🙂"))
        lines += [Line("Outbound", MARKUP_TEXTS[3]), Line("Inbound", MARKUP_TEXTS[4])]
        plan_thread(
            plan,
            user=AGENT,
            user_number=AGENT.direct_number,
            customer=next(c),
            lines=lines,
            brisk=True,
            start_age=0.6 * DAY,
        )

    def scripts() -> None:
        lines = [Line("Inbound", text) for text in NON_LATIN_TEXTS[:4]]
        lines += [Line("Outbound", "Спасибо! ありがとう! شكرا 🙏"), Line("Inbound", EMOJI_TEXTS[5])]
        plan_thread(
            plan,
            user=AGENT2,
            user_number=AGENT2.direct_number,
            customer=next(c),
            lines=lines,
            brisk=True,
            start_age=0.4 * DAY,
        )

    def long_and_multiline() -> None:
        customer = next(c)
        lines = [
            Line("Inbound", long_text(rng)),
            Line("Outbound", long_text(rng)),
            Line("Inbound", MULTILINE_TEXT),
            Line("Outbound", MARKUP_TEXTS[5]),
        ]
        plan_thread(
            plan,
            user=AGENT,
            user_number=AGENT.direct_number,
            customer=customer,
            lines=lines,
            brisk=True,
            start_age=1.5 * DAY,
        )

    def pictures() -> None:
        lines = [
            Line("Inbound", "Here is the damaged box", (0, 1)),
            Line("Outbound", "Thanks, could you also send the label?"),
            Line("Inbound", "", (2,)),  # a picture without text
            Line("Outbound", "This is how it should look:", (3,)),
        ]
        plan_thread(
            plan,
            user=AGENT2,
            user_number=AGENT2.direct_number,
            customer=next(c),
            lines=lines,
            brisk=True,
            start_age=0.2 * DAY,
        )

    def group_mms() -> None:
        # A customer texts both agents and a friend at once: one thread in each agent's mailbox.
        customer, friend = next(c), next(c)
        group = [customer.number, AGENT.direct_number, AGENT2.direct_number, friend.number]
        for age, text, pics in (
            (0.9 * DAY, "Hi both! Photos from the event 📸", (4, 5)),
            (0.85 * DAY, "Which one is better for the catalog?", ()),
        ):
            for user in (AGENT, AGENT2):
                others = [
                    Customer(n, None)
                    for n in group
                    if n not in (customer.number, user.direct_number)
                ]
                plan.add(
                    age,
                    _inbound_writer(
                        user.direct_number,
                        customer,
                        Line("Inbound", text, pics),
                        [plan.picture(k) for k in pics],
                        "Read",
                        others,
                    ),
                )
        recipients = [customer, Customer(AGENT2.direct_number, None), friend]
        plan.add(
            0.8 * DAY,
            _outbound_writer(
                AGENT,
                AGENT.direct_number,
                recipients,
                Line("Outbound", "The first one, definitely!", status="Sent"),
                [],
            ),
        )
        plan.add(
            0.8 * DAY - 40,
            _inbound_writer(
                AGENT2.direct_number,
                Customer(AGENT.direct_number, None),
                Line("Inbound", "The first one, definitely!"),
                [],
                "Unread",
                [customer, friend],
            ),
        )

    def two_agents() -> None:
        # The same customer in two separate conversations, one with each agent.
        customer = next(c)
        plan_thread(
            plan,
            user=AGENT,
            user_number=AGENT.direct_number,
            customer=customer,
            lines=[
                Line("Inbound", "Hi Sam, is my order ready?"),
                Line("Outbound", "Yes! Ready for pickup."),
            ],
            brisk=True,
            start_age=3 * DAY,
        )
        plan_thread(
            plan,
            user=AGENT2,
            user_number=AGENT2.direct_number,
            customer=customer,
            lines=[
                Line("Inbound", "Riley, Sam told me to ask you about the invoice."),
                Line("Outbound", "Sure, sending it now."),
                Line("Inbound", "Got it, thanks"),
            ],
            brisk=True,
            start_age=2.5 * DAY,
        )

    def failures() -> None:
        lines = [
            Line(
                "Outbound",
                "Your appointment is tomorrow at 9:00.",
                status="DeliveryFailed",
                error_code="SMS-CAR-411",
            ),
            Line("Outbound", "Reminder: your appointment is tomorrow at 9:00.", status="Sent"),
            Line("Inbound", "Thanks, I'll be there"),
            Line("Outbound", "See you!", status="DeliveryFailed", error_code="SMS-UP-410"),
        ]
        plan_thread(
            plan,
            user=AGENT,
            user_number=AGENT.direct_number,
            customer=next(c),
            lines=lines,
            brisk=True,
            start_age=0.3 * DAY,
        )

    def deleted() -> None:
        lines = [
            Line(
                "Inbound",
                "Please remove my card number 4111 1111 1111 1111 from my file",
                availability="Deleted",
            ),
            Line(
                "Outbound",
                "Done, and I deleted your message for your safety.",
                availability="Deleted",
            ),
            Line("Inbound", "Thank you"),
        ]
        plan_thread(
            plan,
            user=ADMIN,
            user_number=ADMIN.direct_number,
            customer=next(c),
            lines=lines,
            brisk=True,
            start_age=5 * DAY,
        )

    def toll_free() -> None:
        plan_thread(
            plan,
            user=ADMIN,
            user_number=TOLL_FREE,
            customer=next(c),
            lines=[Line("Inbound", "STOP"), Line("Outbound", "You have been unsubscribed.")],
            brisk=True,
            start_age=1.2 * DAY,
        )

    scripted = [
        markup,
        scripts,
        pictures,
        group_mms,
        failures,
        long_and_multiline,
        two_agents,
        deleted,
        toll_free,
    ]
    for make in scripted[:budget]:
        make()
    # Each counts as one conversation (group MMS and two_agents hold one per mailbox).
    return min(budget, len(scripted))


def plan_user_to_user(plan: Plan) -> None:
    """SMS between two users of the account: the sender's copy and the recipient's copy."""
    exchanges = (
        (ADMIN, AGENT, "Sam, can you take the Garcia account today?", 2.2 * DAY),
        (AGENT, ADMIN, "Yes, on it.", 2.2 * DAY - 600),
        (AGENT2, ADMIN, "Alex, the printer is out of toner again 😅", 0.1 * DAY),
    )
    for sender, recipient, text, age in exchanges:
        line = Line("Outbound", text, status="Delivered")
        to = Customer(recipient.direct_number, None)
        plan.add(age, _outbound_writer(sender, sender.direct_number, [to], line, []))
        read = "Unread" if age < UNREAD_WITHIN else "Read"
        plan.add(
            age - 2,
            _inbound_writer(
                recipient.direct_number,
                Customer(sender.direct_number, None),
                Line("Inbound", text),
                [],
                read,
            ),
        )


def plan_pager(plan: Plan, customers: list[Customer]) -> None:
    """Company pager threads: every message in the sender's and each recipient's mailbox."""
    rng = plan.rng
    threads = ((ADMIN, AGENT), (AGENT, AGENT2), (AGENT2, ADMIN), (ADMIN, AGENT, AGENT2))
    for thread_index, members in enumerate(threads):
        conversation: dict[str, int] = {}
        age = rng.uniform(0.05, 20) * DAY if thread_index else 0.05 * DAY
        for _ in range(rng.randint(2, 6)):
            sender = rng.choice(members)
            recipients = [m for m in members if m is not sender]
            text = fill(rng.choice(PAGER_TEXTS), rng, rng.choice(customers).name)
            plan.add(age, _pager_writer(sender, recipients, text, conversation, age))
            age -= min(rng.uniform(60, 4 * 3600), age * 0.6)


def _pager_writer(
    sender: DemoUser,
    recipients: Sequence[DemoUser],
    text: str,
    conversation: dict[str, int],
    age: float,
) -> Writer:
    def write(db: sqlite3.Connection, ts: float) -> None:
        sender_row = inbound.extension_row(db, sender.extension_id)
        rows = [inbound.extension_row(db, r.extension_id) for r in recipients]
        # The sender's copy lists the recipients and then the sender (REFERENCE §9 sample).
        body: dict[str, Any] = {
            "from": inbound.extension_party(sender_row),
            "to": [inbound.extension_party(row) for row in [*rows, sender_row]],
            "subject": text,
            "priority": "Normal",
            "pgToDepartment": False,
        }
        message_id = insert_message(
            db,
            account_id=sender_row["account_id"],
            extension_id=sender.extension_id,
            type="Pager",
            direction="Outbound",
            read_status="Read",
            message_status="Sent",
            body=body,
            creation_ts=ts,
            conversation_id=conversation.get("id"),
            attachments=[NewAttachment("Text", "text/plain", text.encode())],
        )
        if "id" not in conversation:  # a new thread takes the id of its first message
            conversation["id"] = message_id
            db.execute(
                "UPDATE message SET conversation_id = ? WHERE id = ?", (message_id, message_id)
            )
        for recipient in recipients:
            inbound.inbound_pager(
                db,
                to_extension_id=recipient.extension_id,
                from_extension_id=sender.extension_id,
                text=text,
                conversation_id=conversation["id"],
                created_ts=ts,
                read_status="Unread" if age < UNREAD_WITHIN else "Read",
                recipient_ids=[r.extension_id for r in recipients],
            )

    return write


def plan_faxes(plan: Plan, count: int = 10) -> None:
    rng = plan.rng
    for index in range(count):
        number, name = FAX_SENDERS[index % len(FAX_SENDERS)]
        title = FAX_TITLES[rng.randrange(len(FAX_TITLES))]
        pdf = fax_document(rng, title, name or number)
        user = (AGENT, AGENT2, ADMIN)[index % 3]
        age = rng.uniform(0.1, HISTORY_DAYS) * DAY if index else 0.15 * DAY
        read = "Unread" if age < 3 * DAY else "Read"
        availability = "Deleted" if index == 7 else "Alive"
        plan.add(age, _fax_writer(user, pdf, number, name, read, availability))


def fax_document(rng: random.Random, title: str, sender: str) -> bytes:
    """A real multi-page PDF, each page naming the document and its sender."""
    pages = rng.choice((1, 1, 2, 3, 4, 6, 12))
    reference = rng.randrange(100_000, 999_999)
    texts = [
        f"{title} {reference}\nFrom: {sender}\nPage {page} of {pages}\n\n"
        + " ".join(rng.choice(LONG_SENTENCES) for _ in range(6))
        for page in range(1, pages + 1)
    ]
    return media.pdf_document(texts, title=f"{title} {reference}")


def _fax_writer(
    user: DemoUser,
    pdf: bytes,
    number: str,
    name: str | None,
    read_status: str,
    availability: str = "Alive",
) -> Writer:
    def write(db: sqlite3.Connection, ts: float) -> None:
        inbound.inbound_fax(
            db,
            to_extension_id=user.extension_id,
            from_number=number,
            pdf=pdf,
            created_ts=ts,
            read_status=read_status,
            from_name=name,
            availability=availability,
        )

    return write


def plan_voicemails(plan: Plan, customers: list[Customer], count: int = 10) -> None:
    rng = plan.rng
    for index in range(count):
        caller = customers[rng.randrange(len(customers))]
        number, name = caller.number, caller.name
        if index == 3:  # a colleague calling: the platform names the extension
            number, name = ADMIN.direct_number, None
        seconds = rng.randint(2, 8)
        audio = media.wav_tone(seconds, frequency=rng.choice((180.0, 220.0, 260.0)))
        user = (AGENT, AGENT2, ADMIN)[index % 3]
        age = rng.uniform(0.05, HISTORY_DAYS) * DAY if index > 1 else (0.08 + index) * DAY
        read = "Unread" if age < 3 * DAY else "Read"
        plan.add(age, _voicemail_writer(user, audio, number, name, read))


def _voicemail_writer(
    user: DemoUser, audio: bytes, number: str, name: str | None, read_status: str
) -> Writer:
    def write(db: sqlite3.Connection, ts: float) -> None:
        inbound.inbound_voicemail(
            db,
            to_extension_id=user.extension_id,
            from_number=number,
            audio=audio,
            created_ts=ts,
            read_status=read_status,
            from_name=name,
        )

    return write


# --------------------------------------------------------------------------- team mailboxes


def plan_team_mailboxes(plan: Plan, *, seed: int, avoid: Collection[str]) -> None:
    """The two team mailboxes: Support Line with 28 to 36 conversations, two faxes and a
    voicemail; Billing with 10 to 13 conversations and a fax. Each customer texts one of
    them, except one that Support Line hands over to Billing; none is a customer of the
    people's (`avoid`).

    Drawn from a generator of their own (see the module's docstring); their events go into
    `plan` after the people's, so they only interleave by time.
    """
    rng = random.Random(f"team-mailboxes-{seed}")  # noqa: S311 (demo content)  # nosec B311
    team = Plan(rng=rng, anchor=plan.anchor, events=plan.events, pictures=plan.pictures)
    support_count, billing_count = rng.randint(28, 36), rng.randint(10, 13)
    customers = make_customers(rng, support_count + billing_count + 1, avoid)
    handed_over = customers[0]
    used_by_support = plan_support_showcase(team, customers[1:5], handed_over)
    used_by_billing = plan_billing_showcase(team, customers[5:7], handed_over)
    regular = iter(customers[7:])
    for mailbox, texts, count in (
        (SUPPORT_LINE, SUPPORT_TEXTS, support_count - used_by_support),
        (BILLING, BILLING_TEXTS, billing_count - used_by_billing),
    ):
        for customer in [next(regular) for _ in range(count)]:
            plan_thread(
                team,
                user=mailbox,
                user_number=mailbox.direct_number,
                customer=customer,
                lines=random_lines(rng, customer, mms=True, picture_pool=6, texts=texts),
                start_age=HISTORY_DAYS * DAY * rng.random() ** 1.6 + 300,
            )
    callers = list(regular)
    for mailbox, title, sender, age in (
        (SUPPORT_LINE, "Warranty claim form", FAX_SENDERS[0], 0.5 * DAY),
        (SUPPORT_LINE, "Shipping manifest", FAX_SENDERS[4], 12 * DAY),
        (BILLING, "Invoice", FAX_SENDERS[2], 1.6 * DAY),
    ):
        number, name = sender
        pdf = fax_document(rng, title, name or number)
        read = "Unread" if age < 3 * DAY else "Read"
        team.add(age, _fax_writer(mailbox, pdf, number, name, read))
    caller = callers[0]
    audio = media.wav_tone(rng.randint(3, 7), frequency=200.0)
    team.add(
        0.7 * DAY, _voicemail_writer(SUPPORT_LINE, audio, caller.number, caller.name, "Unread")
    )


def plan_support_showcase(plan: Plan, customers: Sequence[Customer], handed_over: Customer) -> int:
    """Support Line's hand-written conversations; returns how many it used (5).

    Two customers wait for an answer (one with a photo), pictures go both ways, replies fail
    to deliver, and `handed_over` is sent on to Billing (see `plan_billing_showcase`).
    """
    number = SUPPORT_LINE.direct_number
    first_waiting, second_waiting, with_pictures, unreachable = customers
    waiting = (
        (0.1 * DAY, [Line("Inbound", "Hi, is anyone there? My order never arrived."),
                     Line("Inbound", "Hello??")]),
        (0.3 * DAY, [Line("Inbound", "The screen came cracked, see the photo", (0,)),
                     Line("Inbound", "What should I do?")]),
    )  # fmt: skip
    for customer, (start_age, lines) in zip((first_waiting, second_waiting), waiting, strict=True):
        plan_thread(
            plan,
            user=SUPPORT_LINE,
            user_number=number,
            customer=customer,
            lines=lines,
            brisk=True,
            start_age=start_age,
        )
    plan_thread(
        plan,
        user=SUPPORT_LINE,
        user_number=number,
        customer=with_pictures,
        lines=[
            Line("Inbound", "Which cable goes where? Nothing lights up", (1,)),
            Line("Outbound", "Like this: the grey one goes into the port marked IN.", (3,)),
            Line("Inbound", "", (2,)),
            Line("Inbound", "Works now, thank you!"),
            Line("Outbound", "Great, enjoy it!"),
        ],
        brisk=True,
        start_age=4 * DAY,
    )
    plan_thread(
        plan,
        user=SUPPORT_LINE,
        user_number=number,
        customer=unreachable,
        lines=[
            Line("Inbound", "Please call or text me about ticket 48213, this is my cell."),
            Line("Outbound", "Hi, this is Acme support returning your message.",
                 status="DeliveryFailed", error_code="SMS-CAR-411"),
            Line("Outbound", "Your replacement ships today, tracking to follow.",
                 status="DeliveryFailed", error_code="SMS-UP-410"),
        ],
        brisk=True,
        start_age=1.1 * DAY,
    )  # fmt: skip
    plan_thread(
        plan,
        user=SUPPORT_LINE,
        user_number=number,
        customer=handed_over,
        lines=[
            Line("Inbound", "Hi, I was charged twice for my last order."),
            Line("Outbound", "I'm passing this to Billing, they will text you from their number."),
            Line("Inbound", "OK, thanks"),
        ],
        brisk=True,
        start_age=2.6 * DAY,
    )
    return 5


def plan_billing_showcase(plan: Plan, customers: Sequence[Customer], handed_over: Customer) -> int:
    """Billing's hand-written conversations; returns how many it used (3): the customer
    Support Line handed over, one who waits for an invoice, one who sends a photo of a bank
    statement and misses the follow-up."""
    number = BILLING.direct_number
    waiting, with_statement = customers
    first_name = handed_over.name.split()[0] if handed_over.name else "there"
    plan_thread(
        plan,
        user=BILLING,
        user_number=number,
        customer=handed_over,
        lines=[
            Line("Outbound", f"Hi {first_name}, Support told me about the double charge."),
            Line("Inbound", "Yes! Two charges of $58.20 on the same day."),
            Line("Outbound", "I've refunded the second one, allow 3–5 business days."),
            Line("Inbound", "Thank you 🙏"),
        ],
        brisk=True,
        start_age=2.55 * DAY,
    )
    plan_thread(
        plan,
        user=BILLING,
        user_number=number,
        customer=waiting,
        lines=[Line("Inbound", "Can you send me a copy of invoice INV-30418? I need it today.")],
        start_age=0.2 * DAY,
    )
    plan_thread(
        plan,
        user=BILLING,
        user_number=number,
        customer=with_statement,
        lines=[
            Line("Inbound", "Here's my bank statement, the refund isn't there", (4,)),
            Line("Outbound", "Thanks, I see it. It was sent on Monday, it should land tomorrow."),
            Line("Outbound", "Did the refund arrive?", status="DeliveryFailed",
                 error_code="SMS-CAR-430"),
        ],
        brisk=True,
        start_age=6 * DAY,
    )  # fmt: skip
    return 3


# --------------------------------------------------------------------------- entry point


def build_demo_mailbox(
    db: sqlite3.Connection, *, seed: int, conversations: int, anchor: float
) -> int:
    """Write the demo traffic into the store (inside `Store.write()`); returns messages made."""
    rng = random.Random(seed)  # noqa: S311 (demo content, not secrets)  # nosec B311
    plan = Plan(rng=rng, anchor=anchor)
    customers = make_customers(rng, conversations + SHOWCASE_CUSTOMERS + 20)
    showcase, regular = customers[:SHOWCASE_CUSTOMERS], customers[SHOWCASE_CUSTOMERS:]
    used = plan_showcase(plan, showcase, conversations)
    picture_pool = max(6, min(12, conversations // 50))
    for customer in regular[: conversations - used]:
        user, number = pick_owner(rng)
        lines = random_lines(rng, customer, mms=number != TOLL_FREE, picture_pool=picture_pool)
        start_age = HISTORY_DAYS * DAY * rng.random() ** 1.6 + 300
        plan_thread(
            plan,
            user=user,
            user_number=number,
            customer=customer,
            lines=lines,
            start_age=start_age,
        )
    plan_user_to_user(plan)
    plan_pager(plan, customers)
    plan_faxes(plan)
    plan_voicemails(plan, regular[conversations - used :])
    plan_team_mailboxes(plan, seed=seed, avoid={customer.number for customer in customers})
    before = db.execute("SELECT COUNT(*) FROM message").fetchone()[0]
    for ts, _, write in sorted(plan.events, key=lambda event: (event[0], event[1])):
        write(db, ts)
    after = db.execute("SELECT COUNT(*) FROM message").fetchone()[0]
    return int(after - before)

"""Who else has a conversation open, and who is writing a reply in it.

Presence lives in the cache (Redis in production) under keys that expire by themselves: a
person "viewing" a thread for `VIEWING_TTL` seconds after their page's last heartbeat, "typing"
for `TYPING_TTL` seconds after their last keystroke. Nothing is written to the database, so
nothing grows: a thread nobody has open has no keys left a few seconds later.

The collision check (`reply_since_get`) reads the database: another person's send in the
conversation, or a reply RingCentral has that none of one's own sends made, since one started
typing.
"""

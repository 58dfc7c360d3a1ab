"""Scheduled SMS: "Send later" holds a reply until its time, then releases it into the send
pipeline; the person edits or cancels it meanwhile, and the customer's reply cancels it."""

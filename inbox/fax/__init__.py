"""Faxes: the fax form and its rules, uploads, cover pages, resend and forward, their pages and
API (the sending itself is `inbox.sending`'s pipeline)."""

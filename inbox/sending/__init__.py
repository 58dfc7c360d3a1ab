"""Sending SMS and pager messages: the composers, the queue and pipeline that send each
exactly once inside the rate budget, tracking, recovery, their pages, API and tasks."""

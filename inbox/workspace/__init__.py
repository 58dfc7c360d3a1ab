"""The workspace around every signed-in page: the sidebar with the person's mailboxes and
views, counted, the theme, and the keyboard's and notifications' settings."""

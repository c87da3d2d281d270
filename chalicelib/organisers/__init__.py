"""The organisers' side: accounts, their tokens and roles, drafts, publishing, the history,
rolling back, and the audit log. Imported only by the organiser routes' handlers, so a
public read never loads it."""

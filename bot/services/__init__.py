"""The conversation's service layer: what the product does with a person's plan, for the Rasa
actions, the CLI and the web console.

Each function is one unit of work (one transaction, bot/store/unit_of_work.py, which owns the
session, the repositories and what the database's errors mean). Entrypoints call these and never
touch the repositories or SQL themselves; a plan's version is written only by
`UnitOfWork.save_version`, here and in `bot.review_services` alike (issue 15).

- `drafting`: the plan the person has confirmed, stored as its next version.
- `stored_plans`: a practice's stored plans read back: one, a list, a plan's history.
- `escalation`: when the person needs a human: a risk flag for urgent review, a handoff.
- `consents`: the person's consent answers, and erasing all they said.
- `delivery`: the outbox of writes queued while the database is down, and their delivery.
- `plan_store`: opening the plan store for an entrypoint, even while the database is down.
- `versions`: building and storing a plan's next version (used by the modules above).

A conversation is found by its practice and its id together, never by its id alone (issue 13,
item 4): practices that share a database share conversation ids (a phone number), and each has
its own plan and consent for one. A plan carries its practice (`CarePlan.practice_id`, which the
actions take from the `PRACTICE_ID` setting); every other call here is given it as `practice_id`.
"""

"""The command line: stored plans, the database, and running the assistant.

    python -m bot plans list [--status STATUS] [--format table|json]
    python -m bot plans show --conversation SENDER_ID [--practice P] [--format json|markdown|fhir]
    python -m bot db upgrade
    python -m bot users create --email E --name N --role clinician|coach|admin [--practice P]
                               [--password-stdin]
    python -m bot users list | users deactivate --email E
    python -m bot tokens create --name N [--practice P] [--scope read|write] | tokens list | tokens revoke ID
    python -m bot directory import FILE_OR_URL [--practice P] [--replace]   local services (ORUK or CSV)
    python -m bot directory list [--practice P] | directory show ID | directory remove ID
    python -m bot directory suggest "the person's words" [--practice P] [--age N]
    python -m bot console [--port PORT] [--openapi FILE]   the review console alone
    python -m bot model train            train the Rasa model if its inputs changed
    python -m bot servers start|stop     the Rasa server, the action server, the console, the demo site
    python -m bot demo-site              a demo practice website with the chat widget on it
    python -m bot servers start --scaled  Rasa replicas and action servers behind nginx (PostgreSQL, Redis)
    python -m bot chat [--sender ID]     chat with the running assistant here

The database is `DATABASE_URL` (or the default SQLite file) unless
`--database-url` says otherwise; it is brought up to date before use.

`parser` holds every command, option and help text, and `main`; each group of commands
has its handlers in a module of its own; `output` prints tables, JSON and URLs.
"""

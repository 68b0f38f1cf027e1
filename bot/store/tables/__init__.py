"""The database schema, as SQLAlchemy Core tables: a module an aggregate.

Importing any of them imports them all, so `schema.metadata` always holds every table: what
Alembic's autogenerate and the test of the migrations compare the database with. The domain
classes are not mapped onto these: the repositories convert rows by hand, so the domain stays
free of SQL. Any change here needs a new migration in `bot/store/migrations/versions/`.
"""

from bot.store.tables import accounts, audit, consent, directory, plans  # noqa: F401 (each adds its tables)

"""The limit on guessing passwords (issue 13, item 2), through the service layer, on SQLite and PostgreSQL.

The clock is an argument: waits pass without sleeping. Few attempts reach argon2,
as a refused one is never checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot import account_services
from bot.account_services import SignInLimits, TooManyAttempts
from bot.careplan.accounts import SignIn, User
from bot.store.accounts import SignInRepository
from bot.store.database import Database
from bot.store.tables.accounts import sign_ins

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)
PASSWORD = "a long enough password"
WRONG = "not-the-password-42"
ASHA = "asha@example.org"
LIMITS = SignInLimits(free_attempts=5, free_attempts_per_address=50, longest_wait=timedelta(hours=1))


@pytest.fixture
def asha(db: Database) -> User:
    return account_services.create_user(
        db, email=ASHA, name="Dr Asha Patel", role="clinician", practice_id="p", password=PASSWORD
    )


def _try(
    db: Database,
    password: str,
    at: datetime,
    *,
    email: str = ASHA,
    address: str = "10.0.0.1",
    limits: SignInLimits = LIMITS,
) -> User | None:
    return account_services.sign_in_with_password(db, email, password, address=address, limits=limits, now=at)


def test_a_locked_account_is_refused_even_with_the_right_password(db: Database, asha: User) -> None:
    for attempt in range(5):
        assert _try(db, WRONG, T0 + timedelta(seconds=attempt)) is None
    for attempt in range(5, 30):
        with pytest.raises(TooManyAttempts):
            _try(db, WRONG, T0 + timedelta(seconds=attempt))

    with pytest.raises(TooManyAttempts, match="Too many attempts, try again in 1 minute"):
        _try(db, PASSWORD, T0 + timedelta(seconds=30))


def test_the_wait_grows_with_each_failure_and_then_lets_the_right_password_in(
    db: Database, asha: User
) -> None:
    for attempt in range(5):
        _try(db, WRONG, T0 + timedelta(seconds=attempt))
    last = T0 + timedelta(seconds=4)
    after_first_wait = last + timedelta(minutes=1)
    assert _try(db, WRONG, after_first_wait) is None  # the sixth: now 2 minutes

    with pytest.raises(TooManyAttempts, match="try again in 2 minutes"):
        _try(db, PASSWORD, after_first_wait + timedelta(seconds=1))
    assert _try(db, PASSWORD, after_first_wait + timedelta(minutes=2)) == asha


def test_signing_in_starts_the_count_again(db: Database, asha: User) -> None:
    for attempt in range(4):
        _try(db, WRONG, T0 + timedelta(seconds=attempt))
    assert _try(db, PASSWORD, T0 + timedelta(seconds=5)) == asha

    for attempt in range(4):
        assert _try(db, WRONG, T0 + timedelta(seconds=10 + attempt)) is None
    assert _try(db, PASSWORD, T0 + timedelta(seconds=20)) == asha


def test_failures_older_than_a_day_no_longer_count(db: Database, asha: User) -> None:
    for attempt in range(5):
        _try(db, WRONG, T0 + timedelta(seconds=attempt))

    assert _try(db, WRONG, T0 + timedelta(days=1, seconds=1)) is None
    assert _try(db, PASSWORD, T0 + timedelta(days=1, seconds=2)) == asha


def test_an_account_is_locked_whichever_addresses_the_guesses_come_from(db: Database, asha: User) -> None:
    for attempt in range(5):
        _try(db, WRONG, T0 + timedelta(seconds=attempt), address=f"192.0.2.{attempt}")

    with pytest.raises(TooManyAttempts):
        _try(db, PASSWORD, T0 + timedelta(seconds=5), address="198.51.100.7")


def test_an_address_guessing_many_accounts_is_stopped(db: Database, asha: User) -> None:
    limits = SignInLimits(free_attempts=5, free_attempts_per_address=3, longest_wait=timedelta(hours=1))
    for n, name in enumerate(["a@example.org", "b@example.org", "c@example.org"]):
        assert _try(db, WRONG, T0 + timedelta(seconds=n), email=name, limits=limits) is None

    with pytest.raises(TooManyAttempts):
        _try(db, PASSWORD, T0 + timedelta(seconds=5), limits=limits)
    assert _try(db, PASSWORD, T0 + timedelta(seconds=5), address="10.0.0.2", limits=limits) == asha


def test_the_wait_stops_growing_at_the_longest(db: Database) -> None:
    with db.session() as session:
        log = SignInRepository(session)
        for n in range(200):
            log.add(SignIn(at=T0 + timedelta(seconds=n), address="10.0.0.9", succeeded=False, email=ASHA))
    last = T0 + timedelta(seconds=199)

    def wait_at(now: datetime) -> timedelta:
        return account_services.sign_in_wait(db, ASHA, "10.0.0.1", LIMITS, now)

    assert wait_at(last) == timedelta(hours=1)
    assert wait_at(last + timedelta(hours=1)) == timedelta(0)


def test_every_checked_attempt_is_logged_without_the_password(db: Database, asha: User) -> None:
    _try(db, WRONG, T0)
    _try(db, PASSWORD, T0 + timedelta(seconds=1), email=" ASHA@example.org")
    _try(db, WRONG, T0 + timedelta(seconds=2), email=PASSWORD)  # the password typed in the email box

    log = account_services.sign_in_log(db)

    assert [(a.at, a.email, a.user_id, a.address, a.succeeded) for a in log] == [
        (T0 + timedelta(seconds=2), None, None, "10.0.0.1", False),
        (T0 + timedelta(seconds=1), ASHA, asha.id, "10.0.0.1", True),
        (T0, ASHA, None, "10.0.0.1", False),
    ]
    with db.session() as session:
        stored = [str(value) for row in session.execute(select(sign_ins)) for value in row]
    assert not [value for value in stored if WRONG in value or PASSWORD in value]


def test_refused_attempts_are_not_checked_or_logged(db: Database, asha: User) -> None:
    for attempt in range(5):
        _try(db, WRONG, T0 + timedelta(seconds=attempt))
    for attempt in range(20):
        with pytest.raises(TooManyAttempts):
            _try(db, WRONG, T0 + timedelta(seconds=10 + attempt))

    assert len(account_services.sign_in_log(db)) == 5
    assert _try(db, PASSWORD, T0 + timedelta(seconds=4, minutes=1)) == asha  # hammering did not extend it


@pytest.mark.parametrize(
    ("seen", "counted"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::2", "2001:db8:1:2::/64"),
        ("testclient", "testclient"),
        ("", "unknown"),
    ],
)
def test_addresses_are_counted_by_what_one_client_holds(seen: str, counted: str) -> None:
    assert account_services.client_address(seen) == counted

"""End to end: SMS, WhatsApp and Telegram through the real Rasa server.

Webhook requests in the providers' own formats (Twilio's signed form posts,
Telegram's update JSON) go to the running assistant; what it sends back goes to
a loopback stand-in for Twilio's and Telegram's APIs, where the tests read it.
"""

from __future__ import annotations

import itertools
import json
import random
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_assistant import Assistant, servers_running
from provider_apis import ProviderApis, provider_apis
from simulated_patients import check_plan, converse, patients, waiting_question
from test_conversation import INTERVIEW
from test_simulated_patients import KNOWN_FAILURES
from twilio.request_validator import RequestValidator

pytestmark = pytest.mark.e2e

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f00dcafe" * 4
SMS_NUMBER = "+441632960000"
WHATSAPP_NUMBER = "+441632960001"  # written without the whatsapp: prefix, as a practice might
# Twilio signs the public URL it calls, never the loopback address Rasa sees behind a proxy.
TWILIO_PUBLIC_URL = "https://chat.practice.example/webhooks/twilio/webhook"
BOT_TOKEN = "123456789:AAE_test-token"
SECRET = "a-secret-only-telegram-knows"
TELEGRAM_PUBLIC_URL = "https://chat.practice.example/webhooks/telegram/webhook"
UPDATE_IDS = itertools.count(random.randrange(10**8))


@pytest.fixture(scope="module")
def providers() -> Iterator[tuple[str, ProviderApis]]:
    with provider_apis() as running:
        yield running


@pytest.fixture(scope="module")
def assistant(
    providers: tuple[str, ProviderApis], trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    api_url, _ = providers
    messaging = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_NUMBER": SMS_NUMBER, "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
        "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_URL, "TWILIO_API_URL": api_url,
        "TELEGRAM_ACCESS_TOKEN": BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_WEBHOOK_URL": TELEGRAM_PUBLIC_URL, "TELEGRAM_API_URL": api_url,
    }  # fmt: skip
    assistant = Assistant(tmp_path_factory.mktemp("messaging"), trained_model, extra_env=messaging)
    with servers_running(assistant):
        yield assistant


@pytest.fixture
def api(providers: tuple[str, ProviderApis]) -> ProviderApis:
    return providers[1]


def new_phone() -> str:
    return f"+447700{random.randrange(10**6):06d}"  # Ofcom's range for drama: no real person's


# --- Talking as Twilio and Telegram do ------------------------------------------


def twilio_form(sender: str, body: str, to: str = SMS_NUMBER) -> dict[str, str]:
    """The form Twilio posts for an incoming message, with an id of its own (a repeated one is ignored)."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "GB", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
        "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
        "FromCity": "", "Body": body, "FromCountry": "GB", "To": to, "ToZip": "", "NumSegments": "1",
        "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01",
    }  # fmt: skip


def signed(form: dict[str, str], url: str = TWILIO_PUBLIC_URL) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, form)}


def post(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def post_to_twilio_webhook(assistant: Assistant, form: dict[str, str], headers: dict[str, str]) -> int:
    data = urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    return post(f"{assistant.url}/webhooks/twilio/webhook", data, headers)


def sms(assistant: Assistant, api: ProviderApis, sender: str, body: str) -> str:
    """Send a signed message as Twilio would; what the assistant sent back, as one text."""
    before = len(api.twilio_messages(sender))
    practice = f"whatsapp:{WHATSAPP_NUMBER}" if sender.startswith("whatsapp:") else SMS_NUMBER
    form = twilio_form(sender, body, to=practice)
    assert post_to_twilio_webhook(assistant, form, signed(form)) == 200
    return "\n".join(call.params["Body"] for call in api.twilio_messages(sender)[before:])


def telegram_update(chat_id: int, text: str, chat_type: str = "private") -> dict:
    """The update Telegram posts when someone writes to the bot."""
    person = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    chat = {"id": chat_id, "first_name": "Sam", "type": chat_type}
    message = {"message_id": 1, "from": person, "chat": chat, "date": 1764590400, "text": text}
    return {"update_id": next(UPDATE_IDS), "message": message}  # each its own: a repeated one is ignored


def post_to_telegram_webhook(assistant: Assistant, update: dict, secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return post(f"{assistant.url}/webhooks/telegram/webhook", json.dumps(update).encode(), headers)


# --- Twilio: SMS and WhatsApp ----------------------------------------------------


def test_a_signed_sms_gets_a_reply_with_numbered_options(assistant: Assistant, api: ProviderApis) -> None:
    phone = new_phone()
    reply = sms(assistant, api, phone, "hello")
    assert "Is it OK to start?" in reply
    assert "1. Yes, let's start\n2. Not now" in reply

    [*_, last] = api.twilio_messages(phone)
    assert last.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert last.params["From"] == SMS_NUMBER
    assert last.authorization.startswith("Basic ")  # the account's credentials

    assert "What does a good day look like" in sms(assistant, api, phone, "1")


@pytest.mark.parametrize(
    "headers_for",
    [
        lambda form: {},  # no signature at all
        lambda form: {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        lambda form: signed(form, url="http://127.0.0.1/webhooks/twilio/webhook"),  # not the public URL
        lambda form: signed({**form, "Body": "something else"}),  # the message was changed
    ],
    ids=["missing", "invalid", "other-url", "tampered"],
)
def test_a_webhook_without_a_valid_signature_is_refused_and_not_answered(
    assistant: Assistant, api: ProviderApis, headers_for
) -> None:
    phone = new_phone()
    form = twilio_form(phone, "hello")
    assert post_to_twilio_webhook(assistant, form, headers_for(form)) == 403
    assert api.twilio_messages(phone) == []
    assert assistant.plan(phone) is None
    assert "without a valid X-Twilio-Signature" in assistant.logs()


def test_whatsapp_replies_come_from_the_practice_whatsapp_sender(
    assistant: Assistant, api: ProviderApis
) -> None:
    sender = f"whatsapp:{new_phone()}"
    assert "Is it OK to start?" in sms(assistant, api, sender, "hello")
    assert {call.params["From"] for call in api.twilio_messages(sender)} == {f"whatsapp:{WHATSAPP_NUMBER}"}


def test_crisis_text_goes_as_text_and_its_marker_never_reaches_twilio(
    assistant: Assistant, api: ProviderApis
) -> None:
    phone = new_phone()
    reply = sms(assistant, api, phone, "I've got crushing pain in my chest right now")
    assert "999" in reply
    assert all(set(call.params) == {"To", "From", "Body"} for call in api.twilio_messages(phone))
    assert assistant.plan(phone)["risk_flags"][0]["category"] == "medical_emergency"


def test_a_whole_conversation_over_sms_writes_a_draft_plan(assistant: Assistant, api: ProviderApis) -> None:
    phone = new_phone()
    # Over SMS people answer buttons with their number or their words, never a payload.
    turns = [
        ("hello", "Is it OK to start?"),
        ("1", "What does a good day look like"),
        *[("2" if message == "/deny" else message, expected) for message, expected in INTERVIEW],
        ("Yes, that\u2019s right", "saved this as a draft plan"),  # a title, typed on a phone
    ]
    for message, expected in turns:
        reply = sms(assistant, api, phone, message)
        assert expected.lower() in reply.lower(), f"after {message[:40]!r} got: {reply}"
    assert all(len(call.params["Body"]) <= 1600 for call in api.twilio_messages(phone))

    plan = assistant.plan(phone)
    assert (plan["conversation_id"], plan["status"]) == (phone, "draft")
    [goal] = plan["goals"]
    assert goal["description"] == "walk to the shops on my own"
    assert plan["support"]["from_practice"] == ["health coach"]
    assert phone not in assistant.logs()  # a phone number is personal data


# --- Telegram ------------------------------------------------------------------


def test_the_webhook_and_its_secret_are_given_to_telegram_at_start(
    assistant: Assistant, api: ProviderApis
) -> None:
    [call, *_] = api.wait_for("setWebhook")
    assert call.path == f"/bot{BOT_TOKEN}/setWebhook"
    assert call.params["url"] == TELEGRAM_PUBLIC_URL
    assert call.params["secret_token"] == SECRET


def test_a_telegram_update_with_the_secret_gets_a_reply_with_a_keyboard(
    assistant: Assistant, api: ProviderApis
) -> None:
    chat_id = random.randrange(10**9)
    assert post_to_telegram_webhook(assistant, telegram_update(chat_id, "/start")) == 200
    [*_, reply] = api.telegram_messages(chat_id)  # after the greeting
    assert "Is it OK to start?" in reply.params["text"]
    keyboard = json.loads(reply.params["reply_markup"])["keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Yes, let's start", "Not now"]

    # Tapping a button sends its title back.
    assert post_to_telegram_webhook(assistant, telegram_update(chat_id, "Yes, let's start")) == 200
    [*_, question] = api.telegram_messages(chat_id)
    assert "What does a good day look like" in question.params["text"]
    assert json.loads(question.params["reply_markup"]) == {"remove_keyboard": True}


@pytest.mark.parametrize("secret", [None, "", "a-wrong-secret"], ids=["missing", "empty", "wrong"])
def test_a_telegram_update_without_the_secret_is_refused_and_not_answered(
    assistant: Assistant, api: ProviderApis, secret: str | None
) -> None:
    chat_id = random.randrange(10**9)
    assert post_to_telegram_webhook(assistant, telegram_update(chat_id, "hello"), secret=secret) == 403
    assert api.telegram_messages(chat_id) == []
    assert "without the secret token" in assistant.logs()


def test_a_telegram_group_chat_gets_no_answers(assistant: Assistant, api: ProviderApis) -> None:
    chat_id = -random.randrange(10**9)  # groups have negative ids
    assert post_to_telegram_webhook(assistant, telegram_update(chat_id, "hello", chat_type="group")) == 200
    assert api.telegram_messages(chat_id) == []


# --- Simulated patients over SMS, where the options are numbered text, not buttons ---

SMS_PATIENTS = [p for p in patients() if p["id"] not in KNOWN_FAILURES][:10]


@pytest.mark.parametrize("patient", SMS_PATIENTS, ids=[p["id"] for p in SMS_PATIENTS])
def test_a_simulated_patient_over_sms_gets_a_faithful_plan(
    assistant: Assistant, api: ProviderApis, patient: dict
) -> None:
    phone = new_phone()
    done = converse(
        patient,
        say=lambda message: sms(assistant, api, phone, message),
        waiting=lambda: waiting_question(assistant.url, assistant.token, phone),
    )
    assert check_plan(patient, done, assistant.plan(phone)) == []

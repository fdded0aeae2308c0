"""In-memory fake of the Telegram Bot API for tests, local chat mode and benchmarks.

``FakeBotApi`` holds the server state (users, chats, messages, updates, files) and answers Bot API
methods through :meth:`FakeBotApi.call` with the same status codes and JSON bodies Telegram uses.
``FakeRequest`` plugs it into python-telegram-bot in-process; ``bot.fakebotapi_http`` exposes it
over HTTP for benchmarks.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import inspect
import itertools
import json
import logging
import math
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple
from urllib.parse import unquote, urlsplit

from telegram import Bot, Update
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = [
    "ERR_BLOCKED",
    "ERR_BUTTON_DATA_INVALID",
    "ERR_CHAT_NOT_FOUND",
    "ERR_MESSAGE_TOO_LONG",
    "ERR_NOT_MODIFIED",
    "ERR_PARSE_ENTITIES",
    "ERR_QUERY_TOO_OLD",
    "ERR_TEXT_EMPTY",
    "ApiCall",
    "BotEvent",
    "CallbackAnswer",
    "ChatActionRecord",
    "FakeBotApi",
    "FakeRequest",
    "FloodLimits",
    "MessageVersion",
    "SentMessage",
    "UpdateDict",
    "UploadedFile",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "scope_key",
    "to_update",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
ERR_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
ERR_BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
ERR_MESSAGE_TOO_LONG = "Bad Request: message is too long"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_PARSE_ENTITIES = "Bad Request: can't parse entities: "
ERR_CAPTION_TOO_LONG = "Bad Request: message caption is too long"
ERR_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
ERR_POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Telegram leaves these out unless allowed_updates asks for them explicitly.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Tiny valid 2x2 JPEG so code that opens user photos with Pillow keeps working.
DEFAULT_PHOTO_BYTES = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19i"
    "Z2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2P/wAARCAACAAIDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF"
    "BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
    "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi"
    "4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC"
    "AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm"
    "Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq"
    "8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDHooorhPqD/9k="
)


# --------------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------------


class ApiCall(NamedTuple):
    """One Bot API call as received: canonical method name, decoded params, monotonic time."""

    method: str
    params: JSONDict
    at: float


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass
class MessageVersion:
    """A previous state of a bot message, kept when the message is edited."""

    text: str | None
    caption: str | None
    entities: list[JSONDict]
    reply_markup: JSONDict | None
    at: float


@dataclass
class SentMessage:
    """A message the bot sent, as the user would see it (``text`` is after entity parsing)."""

    message_id: int
    chat_id: int
    text: str | None = None
    reply_markup: JSONDict | None = None
    parse_mode: str | None = None
    photo: bytes | None = None
    document: bytes | None = None
    document_name: str | None = None
    caption: str | None = None
    sent_at: float = 0.0
    edited: bool = False
    history: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False
    raw_text: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    file_id: str | None = None
    mime_type: str | None = None
    reply_to_message_id: int | None = None
    raw: JSONDict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``"photo"``, ``"document"`` or ``"text"``."""
        if "photo" in self.raw:
            return "photo"
        if "document" in self.raw:
            return "document"
        return "text"

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" if neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (text, callback_data) pairs; callback_data is None for URL buttons."""
        return _inline_rows(self.reply_markup)


@dataclass
class CallbackAnswer:
    """A successful answerCallbackQuery."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    user_id: int
    at: float


@dataclass
class ChatActionRecord:
    """A sendChatAction call."""

    chat_id: int
    action: str
    at: float


@dataclass
class BotEvent:
    """What subscribers receive: kind is sent, edited, deleted, callback_answer or chat_action."""

    kind: str
    chat_id: int | None
    message: SentMessage | None = None
    answer: CallbackAnswer | None = None
    action: str | None = None


@dataclass
class FloodLimits:
    """Optional flood control: (max sends, window seconds) per private chat, per group and globally."""

    per_chat: tuple[int, float] | None = (1, 1.0)
    per_group: tuple[int, float] | None = (20, 60.0)
    global_: tuple[int, float] | None = (30, 1.0)


class UpdateDict(dict[str, Any]):
    """An update as Telegram sends it; ``to_update(bot)`` turns it into a ``telegram.Update``."""

    @property
    def update_id(self) -> int:
        """The update's id."""
        return int(self["update_id"])

    def to_update(self, bot: Bot) -> Update:
        """Deserialize into a ``telegram.Update`` bound to ``bot``."""
        return to_update(self, bot)


def to_update(data: Mapping[str, Any], bot: Bot) -> Update:
    """Deserialize an update dict into a ``telegram.Update`` bound to ``bot``."""
    # de_json pops keys from the dict it gets, so hand it a copy.
    return Update.de_json(copy.deepcopy(dict(data)), bot)


def scope_key(scope: Mapping[str, Any] | None) -> str:
    """Storage key for a BotCommandScope: default, all_private_chats, chat:<id>, chat_member:<id>:<uid>."""
    if not scope:
        return "default"
    kind = str(scope.get("type", "default"))
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
    return kind


# --------------------------------------------------------------------------------------------------
# Errors and small helpers
# --------------------------------------------------------------------------------------------------


class ResponseLost(Exception):
    """The request timed out on its way (``executed``: after Telegram acted on it); FakeRequest raises TimedOut."""


class _ApiError(Exception):
    """A Bot API error response."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON body Telegram returns for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class _EntityParseError(ValueError):
    """Raised by the markup parsers; the message follows "can't parse entities: "."""


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _u16(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _char_u16(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _byte_offset(text: str, index: int) -> int:
    """UTF-8 byte offset, the unit Telegram uses in parse error messages."""
    return len(text[:index].encode())


def _inline_rows(markup: JSONDict | None) -> list[list[tuple[str, str | None]]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        [(str(button.get("text", "")), button.get("callback_data")) for button in row]
        for row in markup["inline_keyboard"]
    ]


def _inline_only(markup: JSONDict | None) -> JSONDict | None:
    """The markup as it shows on a message: only non-empty inline keyboards stay attached."""
    if markup and markup.get("inline_keyboard"):
        return markup
    return None


# --------------------------------------------------------------------------------------------------
# Entity parsing (HTML, MarkdownV2, Markdown)
# --------------------------------------------------------------------------------------------------

_HTML_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_HTML_ATTR_RE = re.compile(r"""\s*([A-Za-z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _html_attrs(source: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _HTML_ATTR_RE.finditer(source):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match[1].lower()] = _HTML_ENTITY_RE.sub(
            lambda m: _HTML_NAMED.get(m[1] or "", "") or chr(int(m[2]) if m[2] else int(m[3], 16)), value
        )
    return attrs


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into (plain text, entities); raise ValueError like Telegram's parser."""
    out: list[str] = []
    pos = 0
    entities: list[JSONDict] = []
    stack: list[tuple[str, int, JSONDict]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match:
                if match[1]:
                    decoded = _HTML_NAMED[match[1]]
                else:
                    code = int(match[2]) if match[2] else int(match[3], 16)
                    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                        raise _EntityParseError(f"Invalid character reference at byte offset {_byte_offset(text, i)}")
                    decoded = chr(code)
                out.append(decoded)
                pos += _char_u16(decoded)
                i = match.end()
                continue
            if strict_ampersand:
                # Stricter than Telegram (which keeps a bare '&'): it flags text that was not escaped.
                raise _EntityParseError(
                    f'Unsupported HTML entity or unescaped "&" at byte offset {_byte_offset(text, i)}'
                )
        elif char == "<":
            offset = _byte_offset(text, i)
            close = text.find(">", i + 1)
            if close == -1:
                raise _EntityParseError(f"Unclosed start tag at byte offset {offset}")
            inner = text[i + 1 : close]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise _EntityParseError(f'Unexpected end tag "</{name}>" at byte offset {offset}')
                top, start, opened = stack.pop()
                if top != name:
                    raise _EntityParseError(
                        f'Unmatched end tag at byte offset {offset}, expected "</{top}>", found "</{name}>"'
                    )
                if opened and pos > start:
                    entities.append({**opened, "offset": start, "length": pos - start})
                i = close + 1
                continue
            name_match = _HTML_TAG_NAME_RE.match(inner)
            name = name_match.group().lower() if name_match else ""
            if name not in _HTML_TAG_TYPES:
                raise _EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
            attrs = _html_attrs(inner[len(name) :])
            entity: JSONDict = {"type": _HTML_TAG_TYPES[name]}
            if name == "a":
                entity = {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else {}
            elif name == "span" and attrs.get("class") != "tg-spoiler":
                raise _EntityParseError('Tag "span" must have class "tg-spoiler"')
            elif name == "tg-emoji":
                if not attrs.get("emoji-id"):
                    raise _EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
                entity["custom_emoji_id"] = attrs["emoji-id"]
            elif name == "blockquote" and "expandable" in attrs:
                entity["type"] = "expandable_blockquote"
            elif name == "code" and stack and stack[-1][0] == "pre":
                # <pre><code class="language-x"> is one pre entity carrying the language.
                language = attrs.get("class", "")
                if language.startswith("language-"):
                    stack[-1][2]["language"] = language.removeprefix("language-")
                    entity = {}
            stack.append((name, pos, entity))
            i = close + 1
            continue
        out.append(char)
        pos += _char_u16(char)
        i += 1
    if stack:
        raise _EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def _find_closing(text: str, start: int, closing: str, name: str, offset_text: str) -> tuple[str, int]:
    """Collect escaped content up to an unescaped ``closing``; return (content, index after it)."""
    buf: list[str] = []
    j = start
    while j < len(text):
        if text[j] == "\\" and j + 1 < len(text):
            buf.append(text[j + 1])
            j += 2
            continue
        if text.startswith(closing, j):
            return "".join(buf), j + len(closing)
        buf.append(text[j])
        j += 1
    raise _EntityParseError(f"Can't find end of {name} entity at byte offset {offset_text}")


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2 into (plain text, entities); reserved characters must be escaped."""
    out: list[str] = []
    pos = 0
    entities: list[JSONDict] = []
    stack: list[tuple[str, int, int]] = []
    i, n = 0, len(text)

    def emit(chunk: str) -> None:
        nonlocal pos
        out.append(chunk)
        pos += _u16(chunk)

    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            emit(text[i + 1])
            i += 2
            continue
        if char not in _MDV2_RESERVED:
            emit(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        entity: JSONDict
        if char == "`":
            if text.startswith("```", i):
                content, i = _find_closing(text, i + 3, "```", "Pre", str(offset))
                language = ""
                first, newline, rest = content.partition("\n")
                if newline and first and not any(c.isspace() for c in first):
                    language, content = first, rest
                elif newline and not first:
                    content = rest
                entity = {"type": "pre", "offset": pos}
                if language:
                    entity["language"] = language
            else:
                content, i = _find_closing(text, i + 1, "`", "Code", str(offset))
                entity = {"type": "code", "offset": pos}
            emit(content)
            if content:
                entity["length"] = _u16(content)
                entities.append(entity)
            continue
        if char == "[":
            stack.append(("text_link", pos, offset))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "text_link":
            _, start, _ = stack.pop()
            if i + 1 < n and text[i + 1] == "(":
                url, i = _find_closing(text, i + 2, ")", "TextUrl", str(offset))
                if pos > start and url:
                    entities.append({"type": "text_link", "offset": start, "length": pos - start, "url": url})
            else:
                i += 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            # Blockquote marker at line start; the quote entity itself is not modelled.
            i += 1
            continue
        kind = ""
        width = 1
        if char == "*":
            kind = "bold"
        elif char == "~":
            kind = "strikethrough"
        elif char == "|" and text.startswith("||", i):
            kind, width = "spoiler", 2
        elif char == "_":
            if text.startswith("__", i) and not (stack and stack[-1][0] == "italic"):
                kind, width = "underline", 2
            else:
                kind = "italic"
        if not kind:
            raise _EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        if stack and stack[-1][0] == kind:
            _, start, _ = stack.pop()
            if pos > start:
                entities.append({"type": kind, "offset": start, "length": pos - start})
        elif any(entry[0] == kind for entry in stack):
            opened = next(entry for entry in stack if entry[0] == kind)
            raise _EntityParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {opened[2]}")
        else:
            stack.append((kind, pos, offset))
        i += width
    if stack:
        kind, _, offset = stack[-1]
        raise _EntityParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {offset}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Parse legacy Markdown (*bold*, _italic_, `code`, ```pre```, [text](url)); no nesting."""
    out: list[str] = []
    pos = 0
    entities: list[JSONDict] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            pos += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            pos += _char_u16(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        missing = _EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
        if char == "[":
            close = text.find("]", i + 1)
            if close == -1 or not text.startswith("(", close + 1) or text.find(")", close + 2) == -1:
                raise missing
            end = text.find(")", close + 2)
            label, url = text[i + 1 : close], text[close + 2 : end]
            entity: JSONDict = {"type": "text_link", "offset": pos, "url": url}
            i = end + 1
        else:
            marker = "```" if text.startswith("```", i) else char
            end = text.find(marker, i + len(marker))
            if end == -1:
                raise missing
            label = text[i + len(marker) : end]
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[marker]
            if marker == "```":
                first, newline, rest = label.partition("\n")
                entity = {"type": "pre", "offset": pos}
                if newline and first and " " not in first:
                    entity["language"] = first
                    label = rest
            else:
                entity = {"type": kind, "offset": pos}
            i = end + len(marker)
        out.append(label)
        if label and (entity["type"] != "text_link" or entity["url"]):
            entity["length"] = _u16(label)
            entities.append(entity)
        pos += _u16(label)
    return "".join(out), entities


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim surrounding whitespace like Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _u16(text[: len(text) - len(text.lstrip())])
    total = _u16(stripped)
    result: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


# --------------------------------------------------------------------------------------------------
# Parameter decoding: the same rules for in-process (PTB json_parameters), form and JSON bodies
# --------------------------------------------------------------------------------------------------

_INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "cache_time",
        "from_chat_id",
        "message_thread_id",
        "max_connections",
        "user_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "drop_pending_updates",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_JSON_FIELDS = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
    "commands": "can't parse commands JSON object",
    "scope": "can't parse BotCommandScope JSON object",
    "allowed_updates": "can't parse allowed updates JSON object",
    "link_preview_options": "can't parse link preview options JSON object",
    "reply_parameters": "can't parse reply parameters JSON object",
}
_INT_RE = re.compile(r"-?\d+")


def _normalize_params(params: Mapping[str, Any]) -> JSONDict:
    """Decode string-encoded values (form fields, PTB json_parameters) into Telegram's field types."""
    result: JSONDict = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, str):
            if key == "chat_id":
                value = int(value) if _INT_RE.fullmatch(value) else value
            elif key in _INT_FIELDS:
                if not _INT_RE.fullmatch(value.strip()):
                    raise _bad(f"invalid {key} specified")
                value = int(value)
            elif key == "timeout":
                # Telegram documents an integer; PTB sends fractional seconds for short timedeltas.
                try:
                    value = float(value)
                except ValueError as exc:
                    raise _bad("invalid timeout specified") from exc
            elif key in _BOOL_FIELDS:
                value = value.strip().lower() in ("true", "1")
            elif key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise _bad(_JSON_FIELDS[key]) from exc
        result[key] = value
    return result


def _normalize_files(files: Mapping[str, Any] | None) -> dict[str, UploadedFile]:
    """Accept UploadedFile, raw bytes or PTB's (filename, content, mimetype) field tuples."""
    result: dict[str, UploadedFile] = {}
    for name, value in (files or {}).items():
        if isinstance(value, UploadedFile):
            result[name] = value
        elif isinstance(value, bytes | bytearray | memoryview):
            result[name] = UploadedFile(name, bytes(value))
        else:
            filename, content, mime_type = value
            result[name] = UploadedFile(str(filename), _read_content(content), str(mime_type))
    return result


def _read_content(content: bytes | bytearray | memoryview | IO[bytes]) -> bytes:
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    return content.read()


# --------------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------------


class _Notifier:
    """Wakes every current waiter on notify(); rebinds itself if the event loop changes."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the next notify(); False on timeout."""
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        event = self._event
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            return False
        return True


@dataclass
class _Chat:
    id: int
    type: str
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    title: str | None = None
    blocked: bool = False

    def as_json(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class _Query:
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    answered: bool = False


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    remaining: int
    executed: bool

    def failure(self) -> Exception:
        return ResponseLost(self.method) if self.status == 0 else self.error()

    def error(self) -> _ApiError:
        parameters = {"retry_after": self.retry_after} if self.retry_after is not None else None
        return _ApiError(self.status, self.description, parameters)


Handler = Callable[[JSONDict, dict[str, UploadedFile]], Awaitable[Any]]
Subscriber = Callable[[BotEvent], Awaitable[None] | None]


# --------------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------------


class FakeBotApi:
    """In-memory Bot API server: users act through send_*/press, the bot through call()."""

    def __init__(
        self,
        bot_id: int | None = None,
        bot_username: str = "pantau_demo_bot",
        *,
        bot_name: str = "Pantau Demo",
        token: str | None = None,
        strict_html_ampersand: bool = True,
    ) -> None:
        if bot_id is None:
            prefix = (token or "").split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 123456789
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.token = token
        self.strict_html_ampersand = strict_html_ampersand
        self.latency: float = 0.0
        self.flood_limits: FloodLimits | None = None
        self.record_calls = True

        self.calls: list[ApiCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.callback_answer_counts: Counter[str] = Counter()
        self.chat_actions: list[ChatActionRecord] = []
        self.webhook_url = ""

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, _Chat] = {}
        self._store: dict[int, dict[int, JSONDict]] = {}
        self._sent: dict[tuple[int, int], SentMessage] = {}
        self._sent_log: dict[int, list[SentMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, JSONDict] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._queries: dict[str, _Query] = {}
        self._query_counter = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._faults: list[_Fault] = []
        self._flood_log: dict[int | None, deque[float]] = {}
        self._subscribers: list[Subscriber] = []

        self._pending: list[UpdateDict] = []
        self._next_update_id = 1
        self._delivered_upto = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._polled = False
        self._released = False
        self._updates_notifier = _Notifier()
        self._activity = _Notifier()
        self._inflight = 0
        self._last_activity = time.monotonic()

        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("logOut", self._log_out),
            ("close", self._log_out),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageCaption", self._edit_message_caption),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
            ("getChat", self._get_chat),
        ):
            self._handlers[name.lower()] = (name, handler)

    # ----------------------------------------------------------------------------------------------
    # Users and chats
    # ----------------------------------------------------------------------------------------------

    @property
    def bot_user(self) -> JSONDict:
        """The bot's User object."""
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "id",
    ) -> JSONDict:
        """Register (or update) a user who has started the bot; returns the User object."""
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
            self._users[user_id] = user
        elif first_name is not None:
            user["first_name"] = first_name
        for key, value in (("username", username), ("last_name", last_name)):
            if value is not None:
                user[key] = value
        user["language_code"] = language_code
        chat = self._chats.get(user_id)
        if chat is None:
            chat = _Chat(id=user_id, type="private")
            self._chats[user_id] = chat
        chat.first_name = user["first_name"]
        chat.last_name = user.get("last_name")
        chat.username = user.get("username")
        return user

    def add_group(self, chat_id: int, title: str, *, username: str | None = None, kind: str = "supergroup") -> None:
        """Register a group/supergroup the bot is a member of."""
        self._chats[chat_id] = _Chat(id=chat_id, type=kind, title=title, username=username)

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """Mark the user's private chat as blocking the bot (sends then fail with 403)."""
        chat = self._chats.get(user_id)
        if chat is None:
            self.add_user(user_id)
            chat = self._chats[user_id]
        chat.blocked = True
        if notify:
            self._member_update(user_id, old="member", new="kicked")

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        """Undo block()."""
        chat = self._chats.get(user_id)
        if chat is not None and chat.blocked:
            chat.blocked = False
            if notify:
                self._member_update(user_id, old="kicked", new="member")

    def is_blocked(self, user_id: int) -> bool:
        """Whether the user currently blocks the bot."""
        chat = self._chats.get(user_id)
        return bool(chat and chat.blocked)

    def _member_update(self, user_id: int, *, old: str, new: str) -> None:
        chat = self._chats[user_id]
        date = int(time.time())
        self._enqueue(
            {
                "my_chat_member": {
                    "chat": chat.as_json(),
                    "from": self._users[user_id],
                    "date": date,
                    "old_chat_member": {"status": old, "user": self.bot_user, "until_date": 0},
                    "new_chat_member": {"status": new, "user": self.bot_user, "until_date": 0},
                }
            }
        )

    def _user_origin(
        self, user_id: int, first_name: str | None, username: str | None, chat_id: int | None
    ) -> tuple[JSONDict, _Chat]:
        """Resolve the sender and chat of a user action (``chat_id`` selects a registered group)."""
        user = self.add_user(user_id, first_name, username=username)
        if self._chats[user_id].blocked:
            # Writing to the bot requires unblocking it first, exactly like in the Telegram apps.
            self.unblock(user_id)
        if chat_id is None or chat_id == user_id:
            return user, self._chats[user_id]
        chat = self._chats.get(chat_id)
        if chat is None:
            raise LookupError(f"unknown group {chat_id}; call add_group() first")
        return user, chat

    def _allocate_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _user_message(self, user: JSONDict, chat: _Chat, content: JSONDict) -> JSONDict:
        message: JSONDict = {
            "message_id": self._allocate_message_id(chat.id),
            "from": dict(user),
            "chat": chat.as_json(),
            "date": int(time.time()),
            **content,
        }
        self._store.setdefault(chat.id, {})[message["message_id"]] = message
        return message

    # ----------------------------------------------------------------------------------------------
    # User actions (each queues an update and returns it)
    # ----------------------------------------------------------------------------------------------

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> UpdateDict:
        """User sends a text message; a leading /command gets its bot_command entity."""
        user, chat = self._user_origin(user_id, first_name, username, chat_id)
        content: JSONDict = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None and reply_to in self._store.get(chat.id, {}):
            content["reply_to_message"] = _without_reply(self._store[chat.id][reply_to])
        return self._enqueue({"message": self._user_message(user, chat, content)})

    async def send_photo(
        self,
        user_id: int,
        file_id: str | None = None,
        caption: str | None = None,
        *,
        content: bytes | None = None,
        first_name: str | None = None,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> UpdateDict:
        """User sends a photo (bytes retrievable via getFile); a known file_id is reused."""
        user, chat = self._user_origin(user_id, first_name, username, chat_id)
        stored = self._files.get(file_id) if file_id else None
        if stored is None:
            stored = self._store_file(
                content if content is not None else DEFAULT_PHOTO_BYTES,
                folder="photos",
                suffix=".jpg",
                mime_type="image/jpeg",
                file_id=file_id,
            )
        body: JSONDict = {"photo": self._photo_sizes(stored)}
        if caption:
            body["caption"] = caption
            entities = _command_entities(caption)
            if entities:
                body["caption_entities"] = entities
        return self._enqueue({"message": self._user_message(user, chat, body)})

    async def send_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> UpdateDict:
        """User sends a document with the given bytes."""
        user, chat = self._user_origin(user_id, first_name, username, chat_id)
        stored = self._store_file(
            content, folder="documents", suffix=_suffix(file_name), mime_type=mime_type, file_name=file_name
        )
        body: JSONDict = {"document": self._document_json(stored)}
        if caption:
            body["caption"] = caption
        return self._enqueue({"message": self._user_message(user, chat, body)})

    async def send_location(
        self,
        user_id: int,
        lat: float,
        lon: float,
        *,
        first_name: str | None = None,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> UpdateDict:
        """User shares a location."""
        user, chat = self._user_origin(user_id, first_name, username, chat_id)
        body = {"location": {"latitude": float(lat), "longitude": float(lon)}}
        return self._enqueue({"message": self._user_message(user, chat, body)})

    async def press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str | None,
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> UpdateDict:
        """User presses an inline button on a bot message; ``callback_data`` is sent as given."""
        user, chat = self._user_origin(user_id, first_name, username, chat_id)
        message = self._store.get(chat.id, {}).get(message_id)
        if message is None:
            raise LookupError(f"message {message_id} does not exist in chat {chat.id}")
        query_id = str(4_000_000_000_000_000 + next(self._query_counter))
        self._queries[query_id] = _Query(user_id, chat.id, message_id, callback_data)
        query: JSONDict = {
            "id": query_id,
            "from": dict(user),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(chat.id) * 7919 + self.bot_id % 997),
        }
        if callback_data is not None:
            query["data"] = callback_data
        return self._enqueue({"callback_query": query})

    async def press_button(
        self, user_id: int, text: str, *, message_id: int | None = None, chat_id: int | None = None
    ) -> UpdateDict:
        """Press the inline button labelled ``text`` (exact, else substring) on the latest keyboard."""
        target = self._keyboard_message(chat_id if chat_id is not None else user_id, message_id)
        if target is None:
            raise LookupError("no bot message with an inline keyboard")
        buttons = [button for row in target.buttons for button in row]
        match = next((b for b in buttons if b[0] == text), None) or next(
            (b for b in buttons if text.lower() in b[0].lower()), None
        )
        if match is None or match[1] is None:
            raise LookupError(f"no callback button {text!r}; buttons: {[b[0] for b in buttons]}")
        return await self.press(user_id, target.message_id, match[1], chat_id=chat_id)

    async def send_update(self, payload: Mapping[str, Any]) -> UpdateDict:
        """Queue an arbitrary update body (e.g. {"my_chat_member": ...}); update_id is assigned."""
        return self._enqueue(dict(payload))

    def _enqueue(self, payload: JSONDict) -> UpdateDict:
        update = UpdateDict(update_id=self._next_update_id, **payload)
        self._next_update_id += 1
        kind = next(key for key in update if key != "update_id")
        allowed = self._allowed_updates
        if (kind in allowed) if allowed else (kind not in _DEFAULT_EXCLUDED_UPDATES):
            self._pending.append(update)
            self._updates_notifier.notify()
        self._touch()
        return update

    # ----------------------------------------------------------------------------------------------
    # Observation
    # ----------------------------------------------------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Messages the bot sent to ``chat_id`` (in order, edits applied in place)."""
        log = self._sent_log.get(chat_id, [])
        return [m for m in log if include_deleted or not m.deleted]

    def last(self, chat_id: int) -> SentMessage:
        """The latest message the bot sent to ``chat_id``; LookupError if none."""
        messages = self.messages(chat_id)
        if not messages:
            raise LookupError(f"the bot sent no message to chat {chat_id}")
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """A bot message by id; LookupError if unknown."""
        try:
            return self._sent[(chat_id, message_id)]
        except KeyError:
            raise LookupError(f"no bot message {message_id} in chat {chat_id}") from None

    def buttons(self, chat_id: int, message_id: int | None = None) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard (text, callback_data) rows of the given or latest keyboard message."""
        target = self._keyboard_message(chat_id, message_id)
        return target.buttons if target else []

    def _keyboard_message(self, chat_id: int, message_id: int | None) -> SentMessage | None:
        if message_id is not None:
            found = self._sent.get((chat_id, message_id))
            return found if found and not found.deleted else None
        return next((m for m in reversed(self.messages(chat_id)) if _inline_only(m.reply_markup)), None)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Rows of the custom reply keyboard currently shown in the chat, if any."""
        markup = self._reply_keyboards.get(chat_id)
        if markup is None:
            return None
        return [
            [button if isinstance(button, str) else str(button.get("text", "")) for button in row]
            for row in markup["keyboard"]
        ]

    def callback_answer_count(self, query_id: str) -> int:
        """How many times answerCallbackQuery was called for ``query_id`` (including rejected ones)."""
        return self.callback_answer_counts[query_id]

    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries that were never answered (the client spinner keeps spinning)."""
        return [query_id for query_id, query in self._queries.items() if not query.answered]

    def commands(self, scope: str | int = "default", language_code: str = "") -> list[tuple[str, str]]:
        """Commands set for a scope key (see scope_key(); an int means that chat's scope)."""
        key = f"chat:{scope}" if isinstance(scope, int) else scope
        return [(c["command"], c["description"]) for c in self._commands.get((key, language_code), [])]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (case-insensitive)."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def pending_updates(self) -> list[UpdateDict]:
        """Updates queued and not yet confirmed by getUpdates."""
        return list(self._pending)

    def file_bytes(self, file_id: str) -> bytes:
        """Content of a stored file (user or bot upload); KeyError if unknown."""
        return self._files[file_id].content

    def clear(self) -> None:
        """Forget observations (calls, sent-message log, answers, actions); chats and state stay."""
        self.calls.clear()
        self.callback_answers.clear()
        self.callback_answer_counts.clear()
        self.chat_actions.clear()
        self._sent_log.clear()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(BotEvent)`` (sync or async) on every bot output; returns an unsubscriber."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every call or user action."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            await self._activity.wait(remaining)

    async def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[SentMessage]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id``; return them."""
        await self.wait_for(lambda: len(self.messages(chat_id)) >= count, timeout)
        return self.messages(chat_id)

    async def wait_idle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:
        """Wait until no call is in flight, queued updates were fetched (if polling) and ``quiet`` passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - self._last_activity
            undelivered = self._polled and any(u.update_id > self._delivered_upto for u in self._pending)
            busy = self._inflight > 0 or undelivered
            if not busy and idle_for >= quiet:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"bot did not become idle within {timeout}s")
            await self._activity.wait(min(remaining, max(quiet - idle_for, 0.005)))

    def release_pollers(self) -> None:
        """Make pending and future long polls return at once (call before shutting a server down)."""
        self._released = True
        self._updates_notifier.notify()

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        self._activity.notify()

    async def _emit(self, event: BotEvent) -> None:
        for callback in list(self._subscribers):
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                # A broken observer must never turn into a Bot API error for the bot under test.
                _LOGGER.exception("FakeBotApi subscriber failed")

    # ----------------------------------------------------------------------------------------------
    # Fault injection
    # ----------------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
        executed: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any) with an error status."""
        # 429 always carries parameters.retry_after (Telegram never omits it). executed=True lets the
        # call take effect before failing, like a response lost after Telegram processed the request.
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, "Internal Server Error")
        self._faults.append(_Fault(method.lower(), status, description, retry_after, times, executed))

    def clear_faults(self) -> None:
        """Forget every fault still pending (Telegram is back)."""
        self._faults.clear()

    def timeout_next(self, method: str, *, times: int = 1, executed: bool = False) -> None:
        """Let the next ``times`` calls of ``method`` ("*" = any) time out; ``executed``: after taking effect."""
        self._faults.append(_Fault(method.lower(), 0, "timed out", None, times, executed))

    def _take_fault(self, key: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in (key, "*"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _check_flood(self, chat: _Chat) -> None:
        limits = self.flood_limits
        if limits is None:
            return
        now = time.monotonic()
        per_chat = limits.per_chat if chat.type == "private" else limits.per_group
        checks: list[tuple[int | None, tuple[int, float] | None]] = [(chat.id, per_chat), (None, limits.global_)]
        for key, limit in checks:
            if limit is None:
                continue
            count, window = limit
            log = self._flood_log.setdefault(key, deque())
            while log and now - log[0] >= window:
                log.popleft()
            if len(log) >= count:
                retry_after = max(1, math.ceil(window - (now - log[0])))
                raise _ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        for key, limit in checks:
            if limit is not None:
                self._flood_log.setdefault(key, deque()).append(now)

    # ----------------------------------------------------------------------------------------------
    # Entry points
    # ----------------------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, JSONDict]:
        """Run a Bot API method; returns (HTTP status, JSON body) exactly as Telegram would."""
        key = method.lower()
        entry = self._handlers.get(key)
        uploads = _normalize_files(files)
        decode_error: _ApiError | None = None
        try:
            decoded = _normalize_params(params or {})
        except _ApiError as exc:
            decoded, decode_error = dict(params or {}), exc
        if self.record_calls:
            self.calls.append(ApiCall(entry[0] if entry else method, {**decoded, **uploads}, time.monotonic()))
        tracked = key != "getupdates"
        if tracked:
            self._inflight += 1
            self._touch()
        try:
            # Half the round trip before Telegram acts and half after, so effects land mid-flight.
            if self.latency > 0:
                await asyncio.sleep(self.latency / 2)
            status, body = await self._execute(key, entry, decoded, uploads, token, decode_error)
            if self.latency > 0:
                await asyncio.sleep(self.latency / 2)
        finally:
            if tracked:
                self._inflight -= 1
                self._touch()
        return status, body

    async def _execute(
        self,
        key: str,
        entry: tuple[str, Handler] | None,
        params: JSONDict,
        uploads: dict[str, UploadedFile],
        token: str | None,
        decode_error: _ApiError | None,
    ) -> tuple[int, JSONDict]:
        try:
            if self.token is not None and token is not None and token != self.token:
                raise _ApiError(401, "Unauthorized")
            if entry is None:
                raise _ApiError(404, "Not Found")
            fault = self._take_fault(key)
            if fault is not None and not fault.executed:
                raise fault.failure()
            if decode_error is not None:
                raise decode_error
            result = await entry[1](params, uploads)
            if fault is not None:
                raise fault.failure()
        except _ApiError as exc:
            return exc.status, exc.body()
        return 200, {"ok": True, "result": result}

    async def fetch_file(self, file_path: str, *, token: str | None = None) -> tuple[int, bytes]:
        """Serve ``/file/bot<token>/<file_path>``: (200, bytes) or (404, JSON error body)."""
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        stored = self._files_by_path.get(file_path)
        if stored is None or (self.token is not None and token is not None and token != self.token):
            return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        return 200, stored.content

    # ----------------------------------------------------------------------------------------------
    # Helpers used by the method handlers
    # ----------------------------------------------------------------------------------------------

    def _resolve_chat(self, chat_id: Any, *, check_blocked: bool = True) -> _Chat:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat: _Chat | None = None
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            chat = self._chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            # Bots cannot address private users by @username, only public groups and channels.
            chat = next(
                (c for c in self._chats.values() if c.type != "private" and (c.username or "").lower() == name),
                None,
            )
        if chat is None:
            raise _ApiError(400, ERR_CHAT_NOT_FOUND)
        if check_blocked and chat.blocked:
            raise _ApiError(403, ERR_BLOCKED)
        return chat

    def _render(
        self, text: str, parse_mode: Any, entities: Any, *, caption: bool = False
    ) -> tuple[str, list[JSONDict]]:
        parsed: list[JSONDict]
        if entities:
            if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
                raise _bad("can't parse entities JSON object")
            plain, parsed = text, [dict(e) for e in entities]
        elif parse_mode:
            mode = str(parse_mode).lower()
            try:
                if mode == "html":
                    plain, parsed = parse_html(text, strict_ampersand=self.strict_html_ampersand)
                elif mode == "markdownv2":
                    plain, parsed = parse_markdown_v2(text)
                elif mode == "markdown":
                    plain, parsed = parse_markdown(text)
                else:
                    raise _bad("unsupported parse_mode")
            except _EntityParseError as exc:
                prefix = ERR_PARSE_ENTITIES.replace("entities", "caption entities") if caption else ERR_PARSE_ENTITIES
                raise _ApiError(400, f"{prefix}{exc}") from exc
        else:
            plain, parsed = text, []
        return _strip_text(plain, parsed)

    def _validate_markup(self, markup: Any, *, inline_required: bool = False) -> JSONDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._validate_button(button)
            return markup
        if inline_required:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _validate_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t find field "text"')
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _ApiError(400, ERR_BUTTON_DATA_INVALID)
        elif "url" in button:
            if not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                raise _bad("BUTTON_URL_INVALID")
        elif not any(
            key in button
            for key in (
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "login_url",
                "web_app",
                "pay",
                "callback_game",
                "copy_text",
            )
        ):
            raise _bad("text buttons are unallowed in the inline keyboard")

    def _reply_target(self, chat: _Chat, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.get("reply_to_message_id")
            allow_missing = bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        target = self._store.get(chat.id, {}).get(int(message_id))
        if target is None and not allow_missing:
            raise _bad("message to be replied not found")
        return target

    def _new_bot_message(
        self, chat: _Chat, params: JSONDict, content: JSONDict, markup: JSONDict | None, **fields: Any
    ) -> SentMessage:
        reply_to = self._reply_target(chat, params)
        self._check_flood(chat)
        message_id = self._allocate_message_id(chat.id)
        raw: JSONDict = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.as_json(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            raw["reply_to_message"] = _without_reply(reply_to)
        raw.update(content)
        if _inline_only(markup):
            raw["reply_markup"] = markup
        if markup and "keyboard" in markup:
            self._reply_keyboards[chat.id] = markup
        elif markup and markup.get("remove_keyboard"):
            self._reply_keyboards.pop(chat.id, None)
        sent = SentMessage(
            message_id=message_id,
            chat_id=chat.id,
            reply_markup=markup,
            parse_mode=params.get("parse_mode"),
            sent_at=time.monotonic(),
            reply_to_message_id=reply_to["message_id"] if reply_to else None,
            raw=raw,
            **fields,
        )
        self._store.setdefault(chat.id, {})[message_id] = raw
        self._sent[(chat.id, message_id)] = sent
        self._sent_log.setdefault(chat.id, []).append(sent)
        return sent

    def _store_file(
        self,
        content: bytes,
        *,
        folder: str,
        suffix: str,
        mime_type: str | None,
        file_name: str | None = None,
        file_id: str | None = None,
    ) -> _StoredFile:
        number = next(self._file_counter)
        prefix = "AgACAgUAAxkBAA" if folder == "photos" else "BQACAgUAAxkBAA"
        stored = _StoredFile(
            file_id=file_id or f"{prefix}{number:08d}{self.bot_id % 10_000:04d}",
            file_unique_id=f"AQAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
            mime_type=mime_type,
            file_name=file_name,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _photo_sizes(self, stored: _StoredFile) -> list[JSONDict]:
        # Telegram always sends several sizes; clients pick the last (largest) one.
        thumb_id = f"{stored.file_id}_thumb"
        if thumb_id not in self._files:
            thumb = _StoredFile(
                thumb_id,
                f"{stored.file_unique_id}t",
                stored.file_path.replace("file_", "thumb_"),
                stored.content,
                stored.mime_type,
            )
            self._files[thumb_id] = thumb
            self._files_by_path[thumb.file_path] = thumb
        size = len(stored.content)
        return [
            {
                "file_id": thumb_id,
                "file_unique_id": f"{stored.file_unique_id}t",
                "width": 90,
                "height": 90,
                "file_size": size,
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": size,
            },
        ]

    @staticmethod
    def _document_json(stored: _StoredFile) -> JSONDict:
        data: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def _input_file(
        self, name: str, params: JSONDict, uploads: dict[str, UploadedFile], *, folder: str, default_mime: str
    ) -> _StoredFile:
        value: Any = uploads.get(name, params.get(name))
        if isinstance(value, str) and value.startswith("attach://"):
            value = uploads.get(value.removeprefix("attach://"))
        if isinstance(value, UploadedFile):
            if len(value.content) > MAX_UPLOAD_SIZE:
                raise _ApiError(413, "Request Entity Too Large")
            if not value.content:
                raise _bad("file must be non-empty")
            return self._store_file(
                value.content,
                folder=folder,
                # Telegram re-encodes every photo as JPEG.
                suffix=".jpg" if folder == "photos" else _suffix(value.filename),
                mime_type=default_mime if folder == "photos" else value.mime_type or default_mime,
                file_name=None if folder == "photos" else value.filename,
            )
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if re.match(r"https?://", value):
                # Telegram would download the URL; offline we keep an empty placeholder.
                return self._store_file(b"", folder=folder, suffix=_suffix(value), mime_type=default_mime)
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {name} in the request")

    def _caption(self, params: JSONDict) -> tuple[str | None, list[JSONDict]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, []
        plain, entities = self._render(
            str(caption), params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, ERR_CAPTION_TOO_LONG)
        return plain or None, entities

    def _edit_target(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        sent = self._sent.get((chat.id, message_id))
        if sent is None or sent.deleted:
            if message_id in self._store.get(chat.id, {}):
                raise _bad("message can't be edited")
            raise _ApiError(400, ERR_EDIT_NOT_FOUND)
        return sent

    async def _apply_edit(
        self,
        sent: SentMessage,
        *,
        markup: JSONDict | None,
        text: str | None = None,
        raw_text: str | None = None,
        parse_mode: str | None = None,
        caption: str | None = None,
        edit_caption: bool = False,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        sent.history.append(
            MessageVersion(sent.text, sent.caption, list(sent.entities), sent.reply_markup, time.monotonic())
        )
        raw = sent.raw
        if text is not None:
            sent.text, sent.raw_text, sent.parse_mode = text, raw_text, parse_mode
            raw["text"] = text
        if edit_caption:
            sent.caption = caption
            _set_or_pop(raw, "caption", caption)
        if entities is not None:
            sent.entities = entities
            _set_or_pop(raw, "entities" if sent.kind == "text" else "caption_entities", entities or None)
        sent.reply_markup = markup
        _set_or_pop(raw, "reply_markup", _inline_only(markup))
        raw["edit_date"] = int(time.time())
        sent.edited = True
        await self._emit(BotEvent("edited", sent.chat_id, message=sent))
        return copy.deepcopy(raw)

    # ----------------------------------------------------------------------------------------------
    # Method handlers
    # ----------------------------------------------------------------------------------------------

    async def _get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _log_out(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_updates(self, params: JSONDict, files: dict[str, UploadedFile]) -> list[JSONDict]:
        if self.webhook_url:
            raise _ApiError(409, ERR_WEBHOOK_ACTIVE)
        self._polled = True
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        if offset:
            if offset < 0:
                self._pending = self._pending[offset:]
            else:
                self._pending = [u for u in self._pending if u.update_id >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        # Wake an older long poll so it can be terminated with 409, as Telegram does.
        self._updates_notifier.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._pending[:limit]
            if batch:
                self._delivered_upto = max(self._delivered_upto, batch[-1].update_id)
                self._touch()
                return [copy.deepcopy(dict(update)) for update in batch]
            if generation != self._poll_generation:
                raise _ApiError(409, ERR_POLL_CONFLICT)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._released:
                return []
            await self._updates_notifier.wait(remaining)

    async def _set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and not isinstance(scope, dict):
            raise _bad("can't parse BotCommandScope JSON object")
        if scope and "chat_id" in scope:
            self._resolve_chat(scope["chat_id"], check_blocked=False)
        return scope_key(scope), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        cleaned: list[JSONDict] = []
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise _bad("command description must be non-empty")
            cleaned.append({"command": name.lstrip("/"), "description": description})
        key = self._commands_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        raw_text = params.get("text")
        if raw_text is None:
            raise _ApiError(400, ERR_TEXT_EMPTY)
        text, entities = self._render(str(raw_text), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _ApiError(400, ERR_TEXT_EMPTY)
        if len(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, ERR_MESSAGE_TOO_LONG)
        markup = self._validate_markup(params.get("reply_markup"))
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        sent = self._new_bot_message(
            chat, params, content, markup, text=text, raw_text=str(raw_text), entities=entities
        )
        await self._emit(BotEvent("sent", chat.id, message=sent))
        return copy.deepcopy(sent.raw)

    async def _send_photo(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        caption, entities = self._caption(params)
        markup = self._validate_markup(params.get("reply_markup"))
        stored = self._input_file("photo", params, files, folder="photos", default_mime="image/jpeg")
        content: JSONDict = {"photo": self._photo_sizes(stored)}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        sent = self._new_bot_message(
            chat,
            params,
            content,
            markup,
            photo=stored.content,
            caption=caption,
            entities=entities,
            file_id=stored.file_id,
            mime_type=stored.mime_type,
        )
        await self._emit(BotEvent("sent", chat.id, message=sent))
        return copy.deepcopy(sent.raw)

    async def _send_document(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        caption, entities = self._caption(params)
        markup = self._validate_markup(params.get("reply_markup"))
        stored = self._input_file(
            "document", params, files, folder="documents", default_mime="application/octet-stream"
        )
        content: JSONDict = {"document": self._document_json(stored)}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        sent = self._new_bot_message(
            chat,
            params,
            content,
            markup,
            document=stored.content,
            document_name=stored.file_name,
            caption=caption,
            entities=entities,
            file_id=stored.file_id,
            mime_type=stored.mime_type,
        )
        await self._emit(BotEvent("sent", chat.id, message=sent))
        return copy.deepcopy(sent.raw)

    async def _edit_message_text(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        sent = self._edit_target(params)
        if sent.kind != "text":
            raise _bad("there is no text in the message to edit")
        raw_text = params.get("text")
        if raw_text is None:
            raise _ApiError(400, ERR_TEXT_EMPTY)
        text, entities = self._render(str(raw_text), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _ApiError(400, ERR_TEXT_EMPTY)
        if len(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, ERR_MESSAGE_TOO_LONG)
        # Omitting reply_markup removes the inline keyboard, so it is part of the comparison.
        markup = self._validate_markup(params.get("reply_markup"), inline_required=True)
        if (text, entities, _inline_only(markup)) == (sent.text, sent.entities, _inline_only(sent.reply_markup)):
            raise _ApiError(400, ERR_NOT_MODIFIED)
        return await self._apply_edit(
            sent,
            text=text,
            entities=entities,
            markup=markup,
            raw_text=str(raw_text),
            parse_mode=params.get("parse_mode"),
        )

    async def _edit_message_caption(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        sent = self._edit_target(params)
        if sent.kind == "text":
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        markup = self._validate_markup(params.get("reply_markup"), inline_required=True)
        if (caption, entities, _inline_only(markup)) == (
            sent.caption,
            sent.entities,
            _inline_only(sent.reply_markup),
        ):
            raise _ApiError(400, ERR_NOT_MODIFIED)
        return await self._apply_edit(sent, caption=caption, edit_caption=True, entities=entities, markup=markup)

    async def _edit_message_reply_markup(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        sent = self._edit_target(params)
        markup = self._validate_markup(params.get("reply_markup"), inline_required=True)
        if _inline_only(markup) == _inline_only(sent.reply_markup):
            raise _ApiError(400, ERR_NOT_MODIFIED)
        return await self._apply_edit(sent, markup=markup)

    async def _delete_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        store = self._store.get(chat.id, {})
        if message_id is None or message_id not in store:
            raise _ApiError(400, ERR_DELETE_NOT_FOUND)
        del store[message_id]
        sent = self._sent.get((chat.id, message_id))
        if sent is not None:
            sent.deleted = True
            await self._emit(BotEvent("deleted", chat.id, message=sent))
        return True

    async def _answer_callback_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        self.callback_answer_counts[query_id] += 1
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise _ApiError(400, ERR_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        answer = CallbackAnswer(
            query_id=query_id,
            text=None if text is None else str(text),
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
            cache_time=int(params.get("cache_time") or 0),
            user_id=query.user_id,
            at=time.monotonic(),
        )
        self.callback_answers.append(answer)
        await self._emit(BotEvent("callback_answer", query.chat_id, answer=answer))
        return True

    async def _send_chat_action(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        action = str(params.get("action") or "")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append(ChatActionRecord(chat.id, action, time.monotonic()))
        await self._emit(BotEvent("chat_action", chat.id, action=action))
        return True

    async def _get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _get_chat(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"), check_blocked=False)
        return {
            **chat.as_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }


_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def _command_entities(text: str) -> list[JSONDict]:
    """bot_command entities for /commands at the start or after whitespace (PTB checks offset 0)."""
    entities: list[JSONDict] = []
    for match in _COMMAND_RE.finditer(text):
        start = match.start()
        if start and not text[start - 1].isspace():
            continue
        entities.append({"type": "bot_command", "offset": _u16(text[:start]), "length": _u16(match.group())})
    return entities


def _without_reply(message: JSONDict) -> JSONDict:
    """Telegram nests replied-to messages only one level deep."""
    nested = copy.deepcopy(message)
    nested.pop("reply_to_message", None)
    return nested


def _set_or_pop(data: JSONDict, key: str, value: Any) -> None:
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value


def _suffix(name: str) -> str:
    tail = name.rsplit("/", 1)[-1]
    return f".{tail.rsplit('.', 1)[1]}" if "." in tail else ""


# --------------------------------------------------------------------------------------------------
# python-telegram-bot transport
# --------------------------------------------------------------------------------------------------

_FILE_URL_RE = re.compile(r"/file/bot([^/]+)/(.+)$")
_METHOD_URL_RE = re.compile(r"/bot([^/]+)/([^/]+)$")
_NOT_FOUND = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()


class FakeRequest(BaseRequest):
    """PTB request backend that routes Bot API calls and file downloads into a FakeBotApi."""

    def __init__(self, api: FakeBotApi, *, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout; exceeded calls raise TimedOut like HTTPXRequest."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up in-process."""

    async def shutdown(self) -> None:
        """Nothing to release in-process."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Dispatch ``.../bot<token>/<method>`` or ``.../file/bot<token>/<path>`` to the fake."""
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            async with asyncio.timeout(timeout):
                return await self._dispatch(url, request_data)
        except (TimeoutError, ResponseLost) as exc:
            raise TimedOut from exc

    async def _dispatch(self, url: str, request_data: RequestData | None) -> tuple[int, bytes]:
        path = urlsplit(url).path
        file_match = _FILE_URL_RE.search(path)
        if file_match:
            return await self.api.fetch_file(unquote(file_match[2]), token=unquote(file_match[1]))
        method_match = _METHOD_URL_RE.search(path)
        if method_match is None:
            return 404, _NOT_FOUND
        # json_parameters are exactly the strings HTTPXRequest would put in the form body.
        params = request_data.json_parameters if request_data else {}
        files = request_data.multipart_data if request_data else {}
        status, body = await self.api.call(method_match[2], params, files, token=unquote(method_match[1]))
        return status, json.dumps(body).encode()

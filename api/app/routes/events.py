"""`/v1/events`: server-sent events, one for each content change and each recorded release.

The stream is written here on Starlette's `Response` (the SSE wire format is four field
names and a blank line): sse-starlette, the usual library, replaces uvicorn's
`Server.handle_exit` when it is imported, and Distance patches no server.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Header, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from api.app import urls
from api.app.deps import GraphDep
from api.app.errors import problem_response
from api.app.params import EventsQuery, query
from api.app.responses import negotiate
from api.contract.openapi import declare
from api.contract.schemas import MetaOut
from api.process.events import Events, StreamRefused, Subscription
from graph.events import Event

__all__ = ["EVENT_STREAM", "router"]

router = APIRouter(prefix=urls.API, tags=["events"])

EVENT_STREAM: Final = "text/event-stream"
# How long a client waits before reconnecting after a stream ends (the `retry:` field).
_RETRY_MS: Final = 2000

_RESPONSES = declare(MetaOut, 429, 503)  # the 200 is replaced below: a stream, no JSON model
_RESPONSES[200] = {
    "description": "An event stream (`text/event-stream`): a `retry:` line, a comment naming the content "
    "served, then each `content.changed` and `release.recorded` event with its `id:`, and a comment as a "
    "heartbeat every few seconds. It ends after `timeout` seconds (at most the server's "
    "`DISTANCE_EVENTS_MAX_SECONDS`); a client reconnects with `Last-Event-ID` to resume.",
    "content": {
        EVENT_STREAM: {
            "schema": {"type": "string"},
            "example": "retry: 2000\n: content 1ecede28677c\n\n"
            "id: content.changed:1ecede28677c..9d1f0e27a3b4\nevent: content.changed\n"
            'data: {"content_version":"9d1f0e27a3b4…","previous":"1ecede28677c…","counts":{"added":0,'
            '"removed":0,"changed":1},"tags":["graph","node:oxytocin"],'
            '"links":{"changes":"/v1/changes?since=1ecede28677c…","meta":"/v1/meta"}}\n\n',
        }
    },
}
del _RESPONSES[304]


def frame(event: Event) -> bytes:
    """One event as SSE lines: `id`, `event`, and its data as one line of JSON."""
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (event.id.encode(), event.topic.encode(), orjson.dumps(event.data))


class EventStream(Response):
    """Streams a subscription until `seconds` pass, the client goes, or the process ends it."""

    media_type = EVENT_STREAM

    def __init__(self, events: Events, sub: Subscription, hello: bytes, seconds: float, heartbeat: float) -> None:
        super().__init__(media_type=EVENT_STREAM)
        del self.headers["content-length"]
        self.events, self.sub, self.hello = events, sub, hello
        self.seconds, self.heartbeat = seconds, heartbeat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": self.hello, "more_body": True})
            for event in self.sub.missed:
                await send({"type": "http.response.body", "body": frame(event), "more_body": True})
            deadline = loop.time() + self.seconds
            while (left := deadline - loop.time()) > 0:
                waiting = asyncio.ensure_future(self.sub.queue.get())
                done, _ = await asyncio.wait(
                    {waiting, gone}, timeout=min(self.heartbeat, left), return_when="FIRST_COMPLETED"
                )
                if gone in done:
                    waiting.cancel()
                    return
                if waiting not in done:
                    waiting.cancel()
                    await send({"type": "http.response.body", "body": b": heartbeat\n\n", "more_body": True})
                    continue
                got = waiting.result()
                if got is None:  # this client fell too far behind: it resumes by id
                    break
                await send({"type": "http.response.body", "body": frame(got), "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # the client went while we wrote
            return
        finally:
            gone.cancel()
            self.events.close(self.sub)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


@router.get("/events", operation_id="streamEvents", response_class=EventStream, status_code=200, responses=_RESPONSES)
async def stream_events(
    request: Request,
    kg: GraphDep,
    p: Annotated[EventsQuery, query(EventsQuery)],
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=200,
            description="The `id:` of the last event this client received: the events after it are sent first.",
        ),
    ] = None,
) -> Response:
    """Server-sent events: `content.changed` for each content change, `release.recorded` for each release.

    Each event has an `id:`; send it back as `Last-Event-ID` when reconnecting to be sent what
    was missed. `timeout` ends the stream sooner (seconds). Open streams are bounded per client
    (a 429) and per process (a 503).
    """
    negotiate(request, (EVENT_STREAM,))
    settings: Any = request.app.state.settings
    seconds = min(p.timeout or settings.events_max_seconds, settings.events_max_seconds)
    events: Events = request.app.state.events
    if request.method == "HEAD":
        return Response(media_type=EVENT_STREAM)
    try:
        sub = events.open(request.scope, last_event_id)
    except StreamRefused as exc:
        status = 503 if exc.per_process else 429
        return problem_response(request, status, f"{exc}; retry later", headers={"Retry-After": "5"})
    hello = b"retry: %d\n: content %s\n\n" % (_RETRY_MS, kg.content_version[:12].encode())
    return EventStream(events, sub, hello, seconds, settings.events_heartbeat)


router.add_api_route("/events", stream_events, methods=["HEAD"], include_in_schema=False)

"""Fixtures for the backend tests.

`path_server`: the same fake OpenAI server as tests/support (its FakeOpenAI app, real HTTP
on 127.0.0.1), run in a background thread with one extra middleware that counts request
paths, so a test can tell /v1/chat/completions from /v1/completions.
"""
from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from aiohttp import web

from tests.cli.helpers import srv  # noqa: F401  (a fixture)
from tests.support.openai_server import FakeOpenAI


class PathServer:
    def __init__(self) -> None:
        self.fake = FakeOpenAI()
        self.paths: Counter[str] = Counter()
        self.loop = asyncio.new_event_loop()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        self.fake.reset()
        self.paths.clear()

    def start(self) -> None:
        @web.middleware
        async def count(request, handler):
            self.paths[request.path] += 1
            return await handler(request)

        app = self.fake.app()
        app.middlewares.append(count)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self.runner.addresses[0][1]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def path_server_module():
    server = PathServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def path_server(path_server_module):
    path_server_module.fake.config.update(model_id=None, answers={})
    path_server_module.reset()
    return path_server_module

"""Several workers drain one outbox: every message is delivered exactly once."""

import threading
import time

from sqlalchemy import func, select

from registry_kernel import hookimpl
from registry_kernel.app import create_app
from registry_kernel.db import unit_of_work
from registry_kernel.models import OutboxMessage
from registry_kernel.outbox import enqueue
from registry_kernel.testing import test_settings


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.delivered = []

    @hookimpl
    def outbox_handlers(self):
        return {"count": self.deliver}

    def deliver(self, registry, message):
        time.sleep(0.002)  # a little I/O, so both workers get a share
        with self.lock:
            self.delivered.append((registry.settings.extra["worker"], message.message_id))


def test_two_workers_never_deliver_one_message_twice(fresh_database, tmp_path):
    url = fresh_database(plugins=[])
    recorder = Recorder()
    workers = [create_app(test_settings(url, tmp_path / "inst", plugins=[], worker=name),
                          extra_plugins=(recorder,)).extensions["registry"]
               for name in ("w1", "w2")]
    with unit_of_work(workers[0].sessions) as session:
        for n in range(120):
            enqueue(session, "count", {"n": n})
    start = threading.Barrier(2)

    def run(registry):
        start.wait()
        for _ in range(20):
            if registry.outbox.drain(limit=7, max_rounds=1).delivered == 0:
                break

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for registry in workers:  # whatever is left (if one worker finished early)
        registry.outbox.drain()
    ids = [message_id for _, message_id in recorder.delivered]
    assert len(ids) == 120 and len(set(ids)) == 120
    assert {worker for worker, _ in recorder.delivered} == {"w1", "w2"}  # both did work
    with workers[0].sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status != "done")) == 0
    for registry in workers:
        registry.engine.dispose()


class SlowReport:
    """A handler that outlasts several claim periods (a large report build)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.deliveries = 0
        self.started = threading.Event()

    @hookimpl
    def outbox_handlers(self):
        return {"slow": self.deliver}

    def deliver(self, registry, message):
        with self.lock:
            self.deliveries += 1
        self.started.set()
        time.sleep(self.seconds)


def test_a_handler_that_outlasts_its_claim_is_not_delivered_again(fresh_database, tmp_path):
    """The worker renews the claim of what it holds, so a second worker polling all along never
    takes the slow message (nor the one queued behind it in the same batch)."""
    url = fresh_database(plugins=[])
    slow = SlowReport(seconds=5.0)  # outlasts the claim more than twice
    workers = [create_app(test_settings(url, tmp_path / "inst", plugins=[], worker=name),
                          extra_plugins=(slow,)).extensions["registry"]
               for name in ("w1", "w2")]
    for registry in workers:
        registry.outbox.claim_seconds = 2.0  # renewed every 0.67 s: a busy CI machine may
        # hold a renewal back a moment without the claim running out
    with unit_of_work(workers[0].sessions) as session:
        enqueue(session, "slow", {"n": 1})
        enqueue(session, "slow", {"n": 2})
    first = threading.Thread(target=workers[0].outbox.drain, kwargs={"max_rounds": 1})
    first.start()
    assert slow.started.wait(10)
    while first.is_alive():  # the second worker polls while the first one works
        workers[1].outbox.drain(max_rounds=1)
        time.sleep(0.1)
    first.join()
    assert slow.deliveries == 2  # each message once, both by the first worker
    with workers[0].sessions() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
        assert statuses == ["done", "done"]
    for registry in workers:
        registry.engine.dispose()
